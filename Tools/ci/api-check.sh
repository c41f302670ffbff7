#!/usr/bin/env bash
# API-breakage check: the public API of every library module that existed at
# the recorded baseline commit, compared with the working tree's by
# swift-api-digester (the tool behind `swift package
# diagnose-api-breaking-changes`).
#
#   Tools/ci/api-check.sh                  baseline from .ci/api-baseline
#   SN_API_BASELINE=<commit> Tools/ci/api-check.sh   another baseline
#
# Why not `swift package diagnose-api-breaking-changes` itself (it works on
# Linux): it builds both whole packages, every target and dependency. This
# script builds only the compared modules and their dependencies, on both
# sides, and caches the baseline's API dump in .build/api-check/<commit>/.
#
# Compared: the modules in the baseline's `publicModules` (Package.swift),
# except those in `skipped` below. A module that is gone is a break. A
# deliberate break is listed, message by message as printed, in
# .ci/api-breakage-allowlist and noted in CHANGELOG.md; when a release
# resets the baseline, empty the allowlist.
#
# Exit: 0 no unlisted break (or no baseline recorded), 1 breaks found,
# 2 the check could not run.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

# SharedNothing only re-exports the other modules (its own API is theirs);
# building it would build every module, SNCluster's gRPC stack included.
# SNCluster: too young for a promise, and its gRPC dependencies alone take
# longer to build than the CI budget allows.
skipped=" SharedNothing SNCluster "

base="${SN_API_BASELINE:-}"
if [ -z "$base" ] && [ -f .ci/api-baseline ]; then
  base="$(sed -e 's/#.*//' -e 's/[[:space:]]//g' .ci/api-baseline | grep -v '^$' | head -1 || true)"
fi
if [ -z "$base" ]; then
  echo "api-check: no baseline commit recorded in .ci/api-baseline (skipped)"
  exit 0
fi
if ! base="$(git rev-parse --verify --quiet "$base^{commit}")"; then
  echo "api-check: baseline '$base' is not a commit in this clone (fetch it)" >&2
  exit 2
fi

modules=()
for module in $(git show "$base:Package.swift" | python3 -c '
import re, sys
match = re.search(r"let publicModules\s*=\s*\[(.*?)\]", sys.stdin.read(), re.S)
if not match:
    sys.exit("api-check: no publicModules list in the baseline Package.swift")
print(" ".join(re.findall(r"\"(\w+)\"", match.group(1))))'); do
  case "$skipped" in *" $module "*) ;; *) modules+=("$module") ;; esac
done

digester="$(dirname "$(readlink -f "$(command -v swift)")")/swift-api-digester"
[ -x "$digester" ] || { echo "api-check: no swift-api-digester next to swift" >&2; exit 2; }
triple="$(swift -print-target-info | python3 -c 'import json, sys; print(json.load(sys.stdin)["target"]["triple"])')"

# dump <package dir> <module> <output>: builds the module, writes its API.
dump() {
  local package="$1" module="$2" output="$3" build maps=()
  swift build --package-path "$package" --target "$module" >/dev/null
  build="$(swift build --package-path "$package" --show-bin-path)"
  # C modules: the generated module maps, and the include folders of C
  # targets that bring their own (swift-numerics' _NumericsShims).
  for map in "$build"/*.build/module.modulemap; do
    [ -f "$map" ] && maps+=(-Xcc "-fmodule-map-file=$map")
  done
  for include in "$package"/Modules/*/include "$package"/.build/checkouts/*/Sources/*/include; do
    [ -d "$include" ] && maps+=(-Xcc -I -Xcc "$include")
  done
  local log
  log="$("$digester" -dump-sdk -module "$module" -I "$build/Modules" -target "$triple" \
    "${maps[@]}" -abort-on-module-fail -o "$output" 2>&1)" || true
  # The digester exits 0 even when it cannot load the module.
  if [ -n "$log" ] || [ ! -s "$output" ]; then
    echo "api-check: could not read the API of $module in $package:" >&2
    echo "$log" >&2
    exit 2
  fi
}

cache=".build/api-check/$base"
if [ ! -f "$cache/complete" ]; then
  echo "api-check: building the baseline $base (once; cached in $cache)"
  rm -rf "$cache"
  mkdir -p "$cache/source"
  git archive "$base" | tar -x -C "$cache/source"
  # Same dependency versions as the working tree, when it has resolved them.
  [ -f Package.resolved ] && cp Package.resolved "$cache/source/"
  for module in "${modules[@]}"; do dump "$cache/source" "$module" "$cache/$module.json"; done
  touch "$cache/complete"
fi

allowlist=.ci/api-breakage-allowlist
breaks=()
current="$(mktemp -d)"
trap 'rm -rf "$current"' EXIT
for module in "${modules[@]}"; do
  if [ ! -d "Modules/$module" ]; then
    breaks+=("$module: the module has been removed")
    continue
  fi
  dump "$root" "$module" "$current/$module.json"
  while IFS= read -r line; do
    [ -z "$line" ] && continue
    case "$line" in "/*"*) continue ;; esac
    if [ -f "$allowlist" ] && grep -qxF -- "$module: $line" "$allowlist"; then continue; fi
    breaks+=("$module: $line")
  done < <("$digester" -diagnose-sdk -input-paths "$cache/$module.json" \
    -input-paths "$current/$module.json" 2>&1)
done

echo "api-check: compared ${modules[*]} with $base"
if [ ${#breaks[@]} -gt 0 ]; then
  echo "api-check: ${#breaks[@]} API break(s) not in $allowlist:"
  printf '  %s\n' "${breaks[@]}"
  exit 1
fi
echo "api-check: no API break"

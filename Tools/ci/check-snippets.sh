#!/usr/bin/env bash
# Builds every ```swift block of README.md, the DocC catalogs and the doc
# comments under Modules/ (Tools/ci/check-snippets.py says how blocks become
# programs and fragments), in one throw-away package that depends on this
# repository by path, then runs each program with a time limit: it must exit 0.
#
# Usage: Tools/ci/check-snippets.sh   (env: SNIPPETS_SCRATCH=.build-snippets,
#        SNIPPETS_TIMEOUT=30 seconds per program)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
scratch="${SNIPPETS_SCRATCH:-$root/.build-snippets}"
limit="${SNIPPETS_TIMEOUT:-30}"
package="$scratch/package"
mkdir -p "$package"
python3 "$root/Tools/ci/check-snippets.py" "$root" "$package" || exit 1
swift build --package-path "$package" --scratch-path "$scratch/build" >"$scratch/build.log" 2>&1
status=$?
if [ $status -ne 0 ]; then
  grep -E -A3 'error:' "$scratch/build.log" | head -n 80
  echo "FAIL: the snippets do not build (errors above point at the documentation; full log $scratch/build.log)"
  exit 1
fi
bin="$(swift build --package-path "$package" --scratch-path "$scratch/build" --show-bin-path)"
passed=0 failed=0 notrun=0
while IFS=$'\t' read -r target source kind; do
  if [ "$kind" = "no-run" ]; then notrun=$((notrun + 1)); continue; fi
  if output=$(timeout -k 5 "$limit" "$bin/$target" 2>&1 </dev/null); then
    passed=$((passed + 1))
  else
    status=$?
    failed=$((failed + 1))
    if [ $status -eq 124 ]; then echo "FAIL $source: still running after ${limit}s"; else
      echo "FAIL $source: exit status $status"; fi
    tail -n 5 <<<"$output"
  fi
done <"$package/programs.tsv"
echo "snippet programs: $passed passed, $failed failed ($notrun built only)"
[ $failed -eq 0 ]

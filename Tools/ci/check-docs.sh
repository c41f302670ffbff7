#!/usr/bin/env bash
# Builds the DocC documentation of every public module with swift-docc-plugin
# (`swift package generate-documentation`) and fails on any DocC warning:
# broken or ambiguous symbol links, unknown articles, bad directives.
#
# Usage: Tools/ci/check-docs.sh   (env: DOCS_SCRATCH=.build-docs)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
scratch="${DOCS_SCRATCH:-$root/.build-docs}"
modules=(SNAtomics SNChannels SNPartition SNPool SNMemory SNSimd SharedNothing)
arguments=()
for module in "${modules[@]}"; do arguments+=(--target "$module"); done
mkdir -p "$scratch"
log="$scratch/generate-documentation.log"
swift package --package-path "$root" --scratch-path "$scratch" \
  generate-documentation "${arguments[@]}" --warnings-as-errors >"$log" 2>&1
status=$?
# SwiftPM's install hints for the optional system libraries are not DocC's.
warnings=$(grep -E '^(warning|error): ' "$log" | grep -v 'you may be able to install' | sort -u)
count=$(grep -c . <<<"$warnings")
built=$(grep -c "^Finished building documentation for" "$log")
if [ $status -ne 0 ] || [ -n "$warnings" ]; then
  grep -E -A4 '^(warning|error): ' "$log" | grep -v 'you may be able to install' | head -n 120
  echo "FAIL: DocC: $count distinct warnings or errors, exit status $status (full log: $log)"
  exit 1
fi
echo "DocC: $built of ${#modules[@]} modules built, 0 warnings"

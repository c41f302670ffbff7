#!/usr/bin/env bash
# CI regression gate: runs `swift package benchmark gate` on a subset of the
# suites and turns its verdict into an exit status a CI system can act on.
#
#   Tools/ci/benchmark-gate.sh [gate options]    e.g. --target 'GateSelfTest|MessagePassing'
#
# Exit status: 0 pass (or improvement), 2 regression (confirmed by one re-run),
# 3 improvement when BENCHMARK_GATE_FAIL_ON_IMPROVEMENT=1, 1 error.
# Without gate options it gates the suites named in BENCHMARK_GATE_TARGETS
# (a regular expression over suite names, default "GateSelfTest").
# Writes the markdown comparison to $BENCHMARK_GATE_SUMMARY (default
# benchmark-gate.md in a temporary folder) and appends it to
# $GITHUB_STEP_SUMMARY when that is set. BENCHMARK_GATE_ROOT_SCRATCH_PATH, when
# set, is the root package's --scratch-path (where the gate tool is built); the
# nested package's is the gate option --benchmarks-scratch-path.
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
verdict_file="$work/verdict"
summary="${BENCHMARK_GATE_SUMMARY:-$work/benchmark-gate.md}"

arguments=("$@")
if [ ${#arguments[@]} -eq 0 ]; then
  arguments=(--target "${BENCHMARK_GATE_TARGETS:-GateSelfTest}")
fi

cd "$root"
# The permission flags are no-ops on Linux and needed on macOS, where the
# plugin's sandbox would stop the nested build from writing Benchmarks/.build.
swift package ${BENCHMARK_GATE_ROOT_SCRATCH_PATH:+--scratch-path "$BENCHMARK_GATE_ROOT_SCRATCH_PATH"} \
  --disable-sandbox --allow-writing-to-package-directory benchmark gate \
  "${arguments[@]}" --verdict "$verdict_file" --markdown "$summary"
status=$?

if [ -n "${GITHUB_STEP_SUMMARY:-}" ] && [ -f "$summary" ]; then
  cat "$summary" >>"$GITHUB_STEP_SUMMARY"
fi

verdict="$(cat "$verdict_file" 2>/dev/null || echo error)"
case "$verdict" in
  pass)
    echo "benchmark-gate.sh: pass"
    exit 0
    ;;
  improvement)
    echo "benchmark-gate.sh: improvement; update the baselines:"
    echo "  swift package benchmark gate-update ${arguments[*]}"
    [ "${BENCHMARK_GATE_FAIL_ON_IMPROVEMENT:-0}" = 1 ] && exit 3
    exit 0
    ;;
  regression)
    echo "benchmark-gate.sh: REGRESSION (seen in two runs in a row)" >&2
    exit 2
    ;;
  *)
    echo "benchmark-gate.sh: error (swift package exited $status, no verdict)" >&2
    exit 1
    ;;
esac

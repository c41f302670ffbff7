#!/usr/bin/env bash
# Regenerates the "Figures" section of README.md from runs on this machine, so
# no figure is typed by hand. One short table per question a user asks:
#   - how fast against the C++ and Rust queues (Tools/peers/compare.sh, interleaved runs);
#   - how the pool scales with workers (WorkerPool suite);
#   - what a hop costs (MessagePassing latency and async hops, WorkerPool hops);
#   - what a SIMD kernel costs against memcpy (Simd suite).
# The tables come from `BenchmarkGate figures`; the header names the machine and the date.
#
# Usage: Tools/update-readme-figures.sh [PEER_MESSAGES=20000000] [PEER_ROUNDS=3] [PEERS_DIR]
# Environment: SN_FIGURES_SKIP_PEERS=1 keeps the peer table out (no C++/Rust builds);
# SN_BENCHMARK_QUICK=1 makes every suite run briefly (a layout check, not figures).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# suite|filter (a regular expression over benchmark names)
selections=(
  "MessagePassing|latency/.*|async/sync-to-async-hop|async/executor-hop/.*"
  "WorkerPool|.*"
  "Simd|.*"
)

swift build --product BenchmarkGate >/dev/null
gate="$(swift build --show-bin-path)/BenchmarkGate"
arguments=()
load_at_start="$(cut -d' ' -f1 /proc/loadavg)"
if [ "${SN_FIGURES_SKIP_PEERS:-0}" != 1 ]; then
  bash Tools/peers/compare.sh "${1:-20000000}" "${2:-3}" ${3:+"$3"} >/dev/null
  arguments+=(--peers "${TMPDIR:-/tmp}/sn-compare-peers/lines.txt")
fi
for selection in "${selections[@]}"; do
  suite="${selection%%|*}"
  mkdir -p "$work/$suite"
  if SN_BENCHMARK_METRICS_OUT="$work/$suite" swift package --disable-sandbox benchmark \
    --target "^$suite\$" --filter "${selection#*|}" --format influx --path "$work/$suite" \
    >"$work/$suite.log" 2>&1; then
    arguments+=(--results "$work/$suite/Current_run.influx.csv")
  else
    echo "update-readme-figures: $suite failed; its tables are left out (log: $work/$suite.log)" >&2
    tail -20 "$work/$suite.log" >&2
  fi
done

{
  echo "Measured with \`Tools/update-readme-figures.sh\` on $(date -u +%Y-%m-%d)"
  echo "(load average $load_at_start when the runs started, $(cut -d' ' -f1 /proc/loadavg) at the end):"
  echo "$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r), $(swift --version 2>&1 | head -1)."
  echo "The machine is a shared 2-vCPU VM: read the ratios (×), which compare runs of one"
  echo "sitting, rather than the absolute rates. Every suite's full tables:"
  echo "\`swift package benchmark\`; charts: \`swift package benchmark report\`."
  echo
  "$gate" figures "${arguments[@]}"
} >"$work/figures.md"

python3 - "$work/figures.md" <<'PY'
import re, sys
figures = open(sys.argv[1]).read().strip()
readme = open("README.md").read()
pattern = re.compile(r"(<!-- figures:begin -->\n).*?(\n<!-- figures:end -->)", re.S)
open("README.md", "w").write(pattern.sub(lambda m: m.group(1) + figures + m.group(2), readme))
PY
echo "README.md figures updated"

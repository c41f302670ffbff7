#!/usr/bin/env bash
# Regenerates the "Figures" section of README.md from a benchmark run on this
# machine, so the table is never typed by hand:
#   1. SNChannels against the C++ peers (Tools/peers/compare.sh, interleaved runs);
#   2. a p50 table per suite from `swift package benchmark --format influx`,
#      rendered by `BenchmarkGate table`.
# Usage: Tools/update-readme-figures.sh [PEER_MESSAGES=20000000] [PEER_ROUNDS=3]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# suite|filter (a regular expression that must match a whole benchmark name)
selections=(
  "MessagePassing|(spsc|mpsc-2p1c|mpmc-2p2c)/(spin|blocking|batch)/1024|latency/.*|async/(spsc|mpsc-2p1c)/1024|async/sync-to-async-hop|async/executor-hop/.*"
  "WorkerPool|.*"
  "Partition|lookup/.*|hash/.*/16B|quality/.*"
  "Simd|.*"
  "Memory|.*"
)

{
  echo "Measured with \`Tools/update-readme-figures.sh\` on $(date -u +%Y-%m-%d):"
  echo "$(nproc) × $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'),"
  echo "$(free -g | awk '/Mem:/ {print $2}') GiB, Linux $(uname -r), $(swift --version 2>&1 | head -1)."
  echo "The machine is a shared VM: compare figures within one table, as ratios."
  echo
  echo "### SNChannels against C++ queues (same workloads, interleaved runs)"
  echo
  bash Tools/peers/compare.sh "${1:-20000000}" "${2:-3}" 2>/dev/null
  echo
  echo "The VM places its two vCPUs differently from one process to the next: the"
  echo "same binary moves between about 60 and 340 M msg/s on SPSC, so the C++ and"
  echo "Swift processes above may have run in different placements. The same-process"
  echo "row (SNChannels against the reference cached ring, alternating in one process)"
  echo "is the fair SPSC comparison; the MPSC/MPMC rows compare like with like only"
  echo "when both processes landed alike."
  echo
  for selection in "${selections[@]}"; do
    suite="${selection%%|*}"
    filter="${selection#*|}"
    mkdir -p "$work/$suite"
    if swift package --disable-sandbox benchmark --target "^$suite\$" --filter "$filter" \
      --format influx --path "$work/$suite" >"$work/$suite.log" 2>&1; then
      echo "### $suite (p50 of each metric; \`swift package benchmark --target $suite\`)"
      echo
      swift run -c release BenchmarkGate table --results "$work/$suite/Current_run.influx.csv" \
        2>"$work/$suite.table.log" | sed '/^Measured on/d' \
        || { echo "(no table: see the suite's output)"; cat "$work/$suite.table.log" >&2; }
      echo
    fi
  done
} >"$work/figures.md"

python3 - "$work/figures.md" <<'PY'
import re, sys
figures = open(sys.argv[1]).read().strip()
readme = open("README.md").read()
pattern = re.compile(r"(<!-- figures:begin -->\n).*?(\n<!-- figures:end -->)", re.S)
open("README.md", "w").write(pattern.sub(lambda m: m.group(1) + figures + m.group(2), readme))
PY
echo "README.md figures updated"

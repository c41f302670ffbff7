#!/usr/bin/env bash
# Runs the C++/Rust-class peer queues (../shared/peers) and SNChannels' same
# workloads (Benchmarks/ChannelPeers) back to back, ROUNDS times interleaved,
# and prints a markdown table of medians with the ratio of ours to the best
# peer. Ratios from one sitting are the only fair comparison on a noisy machine.
#
# Usage: Tools/peers/compare.sh [MESSAGES=20000000] [ROUNDS=3] [PEERS_DIR=../shared/peers]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
messages=${1:-20000000}
rounds=${2:-3}
peers=${3:-$root/../shared/peers}
out=${TMPDIR:-/tmp}/sn-compare-peers
mkdir -p "$out"
: >"$out/lines.txt"

swift build -c release --package-path "$root/Benchmarks" --product ChannelPeers >/dev/null
ours=$(swift build -c release --package-path "$root/Benchmarks" --show-bin-path)/ChannelPeers
bash "$peers/run.sh" 1000 >/dev/null 2>&1   # installs and builds the peers once

for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  bash "$peers/run.sh" "$messages" | tee -a "$out/lines.txt" >&2
  "$ours" "$messages" | tee -a "$out/lines.txt" >&2
done

python3 "$root/Tools/peers/table.py" "$out/lines.txt" "$rounds"

#!/usr/bin/env bash
# Runs the peer queues and SNChannels' same workloads back to back, ROUNDS times
# interleaved, and prints the "how fast against C++ and Rust" table of medians
# (BenchmarkGate figures --peers). Ratios from one sitting are the only fair
# comparison on a noisy machine.
#
#   C++:   PEERS_DIR/run.sh       Boost.Lockfree, moodycamel, a reference ring
#   Rust:  PEERS_DIR/rust/run.sh  crossbeam-channel, crossbeam ArrayQueue, flume,
#                                 tokio mpsc, async-channel (skipped when absent)
#   ours:  Benchmarks/Support/ChannelPeers
#
# Every line keeps the peers' format, `peer=<name> case=<case> msgs=<n>
# seconds=<s> mps=<msg/s> [ns_per_hop=<ns>]`, with ` lang=<c++|rust|swift>`
# appended (both peer sets have a `bare-atomics`). The lines are kept in
# ${TMPDIR:-/tmp}/sn-compare-peers/lines.txt.
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
[ -f "$peers/run.sh" ] || { echo "compare.sh: no peers at $peers (pass PEERS_DIR)" >&2; exit 1; }

swift build -c release --package-path "$root/Benchmarks" --product ChannelPeers >/dev/null
ours=$(swift build -c release --package-path "$root/Benchmarks" --show-bin-path)/ChannelPeers
swift build --package-path "$root" --product BenchmarkGate >/dev/null
gate=$(swift build --package-path "$root" --show-bin-path)/BenchmarkGate
rust=""
[ -f "$peers/rust/run.sh" ] && rust="$peers/rust/run.sh"
bash "$peers/run.sh" 1000 >/dev/null 2>&1 # installs and builds the peers once
if [ -n "$rust" ]; then
  bash "$rust" 1000 >/dev/null 2>&1 || { echo "compare.sh: the Rust peers did not build; left out" >&2; rust=""; }
fi

tag() { sed "s/\$/ lang=$1/" | tee -a "$out/lines.txt" >&2; }
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds" >&2
  bash "$peers/run.sh" "$messages" | tag c++
  [ -n "$rust" ] && bash "$rust" "$messages" | tag rust
  "$ours" "$messages" | tag swift
done

"$gate" figures --peers "$out/lines.txt"

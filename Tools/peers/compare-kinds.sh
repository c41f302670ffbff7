#!/usr/bin/env bash
# Runs the Rust peers of the channel kinds (Tools/peers/rust: crossbeam bounded(0),
# tokio oneshot/broadcast/watch) and SNChannels' same workloads (ChannelPeers kinds)
# back to back, ROUNDS times interleaved, and prints per case the ratio
# ours/theirs in messages per second: the median and the range over the rounds.
# Ratios from one sitting are the only fair comparison on a noisy machine.
#
# Every line keeps the peers' format, `peer=<name> case=<case> msgs=<n> seconds=<s>
# mps=<msg/s> [ns_per_hop=<ns>]`, with ` lang=<rust|swift>` appended; the lines are
# kept in ${TMPDIR:-/tmp}/sn-compare-kinds/lines.txt.
#
# Usage: Tools/peers/compare-kinds.sh [MESSAGES=10000000] [ROUNDS=3] [CASE-FILTER]
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
messages=${1:-10000000}
rounds=${2:-3}
filter=${3:-kinds}
out=${TMPDIR:-/tmp}/sn-compare-kinds
mkdir -p "$out"
: >"$out/lines.txt"

swift build -c release --package-path "$root/Benchmarks" --product ChannelPeers >/dev/null
ours=$(swift build -c release --package-path "$root/Benchmarks" --show-bin-path)/ChannelPeers
rust="$root/Tools/peers/rust/run.sh"
bash "$rust" 1000 >/dev/null 2>&1 # installs and builds the peers once
rustfilter=$filter
[ "$rustfilter" = kinds ] && rustfilter=""

tag() { sed "s/\$/ lang=$1/" | tee -a "$out/lines.txt" >&2; }
for round in $(seq 1 "$rounds"); do
  echo "round $round/$rounds ($(uptime | sed 's/.*load/load/'))" >&2
  bash "$rust" "$messages" "$rustfilter" 2>/dev/null | tag rust
  "$ours" "$messages" "$filter" | tag swift
done

# Pair the i-th Rust line of a case with the i-th Swift line (one per round).
awk '
  {
    for (i = 1; i <= NF; i++) { split($i, kv, "="); f[kv[1]] = kv[2] }
    c = f["case"]; cases[c] = 1
    if (f["lang"] == "rust") r[c, ++nr[c]] = f["mps"]; else s[c, ++ns[c]] = f["mps"]
  }
  END {
    printf "%-22s %8s %8s %8s  %s\n", "case", "median", "min", "max", "ratio = ours/rust, msg/s, per round"
    for (c in cases) {
      n = (nr[c] < ns[c]) ? nr[c] : ns[c]
      if (n == 0) continue
      for (i = 1; i <= n; i++) q[i] = s[c, i] / r[c, i]
      for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (q[j] < q[i]) { t = q[i]; q[i] = q[j]; q[j] = t }
      med = (n % 2) ? q[(n + 1) / 2] : (q[n / 2] + q[n / 2 + 1]) / 2
      printf "%-22s %7.2fx %7.2fx %7.2fx\n", c, med, q[1], q[n]
    }
  }' "$out/lines.txt"

#!/usr/bin/env bash
# Builds and runs the Rust peers of the channel kinds (crossbeam-channel bounded(0), tokio
# oneshot, broadcast and watch) from Debian's librust-*-dev crate sources, built offline,
# as ../../../shared/peers/rust/run.sh does for the queues. Needs root for apt-get (once
# per machine). Builds in ${TMPDIR:-/tmp}/sn-peer-rust-kinds, so nothing is written beside
# this script.
# Usage: run.sh [MESSAGES] [CASE-FILTER]   e.g. run.sh 10000000 broadcast
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
pkgs="librust-crossbeam-channel-dev librust-tokio-dev"
missing=""
for p in $pkgs; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq $missing >/dev/null
fi
[ -d "${HOME:-/root}/.cargo/bin" ] && PATH="${HOME:-/root}/.cargo/bin:$PATH"
command -v cargo >/dev/null || { echo "run.sh: cargo not found (needs Rust >= 1.75)" >&2; exit 1; }
work=${TMPDIR:-/tmp}/sn-peer-rust-kinds
mkdir -p "$work/src" "$work/.cargo"
cp -p "$here/Cargo.toml" "$work/"
cp -p "$here/src/main.rs" "$work/src/"
cp -p "$here/.cargo/config.toml" "$work/.cargo/"
export CARGO_TARGET_DIR="$work/target"
build() { (cd "$work" && nice -n 19 cargo build --release --offline --quiet); }
# A Cargo.lock left from an older set of Debian crates does not resolve: drop it and retry.
build || { rm -f "$work/Cargo.lock"; build; }
"$CARGO_TARGET_DIR/release/rust-peers-kinds" "${1:-10000000}" "${2:-}"

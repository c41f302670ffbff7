#!/usr/bin/env bash
# Checks what the type system must rule out: each Tools/ci/compile-fail/*.swift
# except valid.swift must fail to compile against the built SNChannels with
# the expected diagnostic, and valid.swift must compile (so a broken setup
# cannot pass for a rejection). Run after `swift build` (debug).
#
# Usage: Tools/ci/compile-fail.sh [BUILD_DIR=.build/debug]
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${1:-$root/.build/debug}"
cases="$root/Tools/ci/compile-fail"
compile() {
  swiftc -swift-version 6 -parse-as-library -emit-sil -o /dev/null \
    -I "$build/Modules" -Xcc -fmodule-map-file="$build/CSNShim.build/module.modulemap" \
    -Xcc -I"$root/Modules/CSNShim/include" "$1" 2>&1
}
expect_failure() {  # file, diagnostic text
  local output
  if output=$(compile "$cases/$1"); then
    echo "FAIL $1 compiled, but must not"; return 1
  elif ! grep -q "$2" <<<"$output"; then
    echo "FAIL $1 failed for another reason:"; echo "$output" | head -5; return 1
  fi
  echo "ok   $1 rejected: $2"
}
status=0
if output=$(compile "$cases/valid.swift"); then echo "ok   valid.swift compiles"; else
  echo "FAIL valid.swift does not compile:"; echo "$output" | head -10; status=1
fi
expect_failure second-producer.swift "risks causing data races" || status=1
expect_failure copied-sender.swift "consumed more than once" || status=1
expect_failure copied-receiver.swift "consumed more than once" || status=1
if [ $status -eq 0 ]; then echo "4 passed, 0 failed"; else echo "compile-fail checks failed"; fi
exit $status

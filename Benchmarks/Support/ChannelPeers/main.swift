// Prints SNChannels figures in the line format of ../shared/peers (C++ queues),
// on the same workloads, so the two can run back to back and be compared as
// ratios in one sitting:
//
//   peer=<name> case=<case> msgs=<n> seconds=<s> mps=<msg/s> [ns_per_hop=<ns>]
//
// Usage: ChannelPeers [MESSAGES] [CASE-FILTER]   (Tools/compare-peers.sh runs both)

import MessagePassingWorkloads

let arguments = CommandLine.arguments
let messages = arguments.count > 1 ? Int(arguments[1]) ?? 50_000_000 : 50_000_000
let filter = arguments.count > 2 ? arguments[2] : ""

func want(_ name: String) -> Bool { filter.isEmpty || name.contains(filter) }

func report(_ peer: String, _ name: String, _ count: Int, _ nanoseconds: UInt64) {
  let seconds = Double(nanoseconds) / 1e9
  let mps = Int(Double(count) / seconds)
  print("peer=\(peer) case=\(name) msgs=\(count) seconds=\(seconds) mps=\(mps)")
}

func reportHop(_ peer: String, _ samples: [Int]) {
  let sorted = samples.sorted()
  let p50 = sorted[sorted.count / 2]
  let p99 = sorted[sorted.count * 99 / 100]
  print("peer=\(peer) case=pingpong msgs=\(samples.count) ns_per_hop=\(p50) p99_ns=\(p99)")
}

if want("spsc") {
  // Alternate ours and the reference ring so a change of the VM's regime
  // mid-run hits both alike.
  for _ in 0..<2 {
    report(
      "swift-ref-ring", "spsc-1024", messages, referenceSPSC(capacity: 1024, messages: messages))
    report("sn-spsc", "spsc-1024", messages, spsc(capacity: 1024, messages: messages, mode: .spin))
  }
  report(
    "sn-spsc-batch", "spsc-1024", messages, spsc(capacity: 1024, messages: messages, mode: .batch))
}
if want("mpmc-1p1c") {
  report(
    "sn-mpmc", "mpmc-1p1c-1024", messages,
    multi(mpmc: true, producers: 1, consumers: 1, capacity: 1024, messages: messages, mode: .spin))
}
if want("mpsc") {
  for mode in [Mode.spin, .blocking, .batch] {
    report(
      "sn-mpsc-\(mode.rawValue)", "mpsc-2p1c-1024", messages,
      multi(mpmc: false, producers: 2, consumers: 1, capacity: 1024, messages: messages, mode: mode)
    )
  }
}
if want("mpmc-2p2c") || filter == "mpmc" {
  for mode in [Mode.spin, .blocking, .batch] {
    report(
      "sn-mpmc-\(mode.rawValue)", "mpmc-2p2c-1024", messages,
      multi(mpmc: true, producers: 2, consumers: 2, capacity: 1024, messages: messages, mode: mode))
  }
}
if want("pingpong") {
  let rounds = max(1000, messages / 50)
  reportHop("sn-bare-atomics", barePingPong(rounds: rounds))
  reportHop("sn-spsc", channelPingPong(kind: "spsc", rounds: rounds))
  reportHop("sn-mpsc", channelPingPong(kind: "mpsc", rounds: rounds))
  reportHop("sn-mpmc", channelPingPong(kind: "mpmc", rounds: rounds))
}
if want("asynchop") {
  let rounds = max(1000, messages / 200)
  let sync = syncHop(rounds: rounds)
  let mixed = runBlocking { await syncToAsyncHop(rounds: rounds) }
  print("peer=sn-spsc-sync-hop case=asynchop msgs=\(rounds) ns_per_hop=\(sync)")
  print("peer=sn-spsc-sync-to-async-hop case=asynchop msgs=\(rounds) ns_per_hop=\(mixed)")
}

// The issue 18 kinds, beside Tools/peers/rust (crossbeam bounded(0), tokio
// oneshot/broadcast/watch): only when asked for (`kinds` or a case name), with
// the same shares of MESSAGES as the Rust peer.
let kindCases = [
  "rendezvous-1p1c", "rendezvous-pingpong", "oneshot-local", "oneshot-pingpong",
  "broadcast-1p2c", "watch-1p1c",
]
func wantKind(_ name: String) -> Bool {
  filter == "kinds" || (!filter.isEmpty && name.contains(filter))
}
func reportKindHop(_ name: String, _ rounds: Int, _ nanoseconds: UInt64) {
  let seconds = Double(nanoseconds) / 1e9
  print(
    "peer=sn case=\(name) msgs=\(rounds) seconds=\(seconds) mps=\(Int(Double(rounds) / seconds))"
      + " ns_per_hop=\(Double(nanoseconds) / Double(rounds) / 2)")
}
if kindCases.contains(where: wantKind) {
  if wantKind("rendezvous-1p1c") {
    report("sn", "rendezvous-1p1c", messages / 10, rendezvousStream(count: messages / 10))
  }
  if wantKind("rendezvous-pingpong") {
    reportKindHop("rendezvous-pingpong", messages / 50, rendezvousPingPong(rounds: messages / 50))
  }
  if wantKind("oneshot-local") {
    report("sn", "oneshot-local", messages, oneshotLocal(count: messages))
  }
  if wantKind("oneshot-pingpong") {
    reportKindHop("oneshot-pingpong", messages / 50, oneshotPingPong(rounds: messages / 50))
  }
  if wantKind("broadcast-1p2c") {
    let (nanoseconds, delivered) = runBlocking {
      await broadcastTasks(receivers: 2, count: messages)
    }
    report("sn", "broadcast-1p2c", delivered, nanoseconds)
  }
  if wantKind("watch-1p1c") {
    report("sn", "watch-1p1c", messages, runBlocking { await watchTasks(count: messages) })
  }
}

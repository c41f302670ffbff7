// Workloads of the issue 18 channel kinds (rendezvous, one-shot, broadcast,
// latest value), shared by the MessagePassing suite and `ChannelPeers kinds`,
// and the same shapes as Tools/peers/rust (crossbeam `bounded(0)`, tokio
// `oneshot`, `broadcast`, `watch`), so the two compare as ratios in one
// sitting. Each returns wall nanoseconds and traps on a wrong result.

import SNAtomics
import SNChannels
import Synchronization

/// A box that moves a noncopyable value into a thread or task that consumes it.
final class KindBox<Value: ~Copyable>: @unchecked Sendable {
  var value: Value?
  init(_ value: consuming Value) { self.value = consume value }
  func take() -> Value { value.take()! }
}

/// One thread sends 1...count through a rendezvous channel, another receives
/// and checks order (crossbeam `bounded(0)`, `rendezvous-1p1c`).
public func rendezvousStream(count: Int) -> UInt64 {
  let channel = SNChannel<UInt64>.rendezvous()
  let consumer = OSThread.spawn(taking: channel.receiver.clone()) { rx in
    for expected in 1...UInt64(count) {
      let value = try! rx.receive()
      precondition(value == expected, "rendezvous: got \(value), expected \(expected)")
    }
    precondition((try? rx.receive()) == nil, "rendezvous: a value after the last")
  }
  let start = now()
  do {
    let tx = channel.sender.clone()
    let done = consume channel
    _ = consume done
    for value in 1...UInt64(count) { try! tx.send(value) }
  }
  consumer.join()
  return now() &- start
}

/// Round trips through two rendezvous channels (`rendezvous-pingpong`).
///
/// - Returns: Wall nanoseconds for `rounds` round trips.
public func rendezvousPingPong(rounds: Int) -> UInt64 {
  let ping = SNChannel<UInt64>.rendezvous()
  let pong = SNChannel<UInt64>.rendezvous()
  let ends = RendezvousEchoEnds(rx: ping.receiver.clone(), tx: pong.sender.clone())
  let echo = OSThread.spawn(taking: ends) { ends in
    for expected in 1...UInt64(rounds) {
      let value = try! ends.rx.receive()
      precondition(value == expected, "rendezvous echo: got \(value), expected \(expected)")
      try! ends.tx.send(value)
    }
  }
  let start = now()
  for value in 1...UInt64(rounds) {
    try! ping.sender.send(value)
    let back = try! pong.receiver.receive()
    precondition(back == value, "rendezvous pinger: got \(back), expected \(value)")
  }
  let elapsed = now() &- start
  echo.join()
  return elapsed
}

/// The echo thread's two endpoints.
struct RendezvousEchoEnds: ~Copyable, Sendable {
  var rx: RendezvousReceiver<UInt64>
  var tx: RendezvousSender<UInt64>
}

/// A request carrying its reply's one-shot sender.
final class OneshotRequest: @unchecked Sendable {
  let value: UInt64
  var reply: OneshotSender<UInt64>?
  init(_ value: UInt64, _ reply: consuming OneshotSender<UInt64>) {
    self.value = value
    self.reply = consume reply
  }
}

/// Creates, sends and receives `count` one-shots on one thread (`oneshot-local`).
public func oneshotLocal(count: Int) -> UInt64 {
  var sum: UInt64 = 0
  let start = now()
  for value in 1...UInt64(count) {
    let channel = SNChannel<UInt64>.oneshot()
    var rx = channel.receiver
    try! channel.sender.send(value)
    sum &+= try! rx.tryReceive()!
  }
  let elapsed = now() &- start
  let n = UInt64(count)
  precondition(sum == n &* (n &+ 1) / 2, "oneshot: wrong sum")
  return elapsed
}

/// Per round, a new one-shot whose sender travels to an echo thread through
/// an SPSC channel of capacity 1 and is answered there; the pinger blocks on
/// the one-shot (`oneshot-pingpong`, as the Rust peer with crossbeam
/// `bounded(1)` carrying the reply senders).
public func oneshotPingPong(rounds: Int) -> UInt64 {
  let requests = try! SNChannel<OneshotRequest>.spsc(capacity: 1)
  let echo = OSThread.spawn(taking: requests.receiver) { rx in
    while let request = try? rx.receive() { try! request.reply.take()!.send(request.value) }
  }
  var tx = requests.sender
  let start = now()
  for value in 1...UInt64(rounds) {
    let channel = SNChannel<UInt64>.oneshot()
    var rx = channel.receiver
    try! tx.send(OneshotRequest(value, channel.sender))
    let back = try! rx.receive()
    precondition(back == value, "oneshot pinger: got \(back), expected \(value)")
  }
  let elapsed = now() &- start
  tx.close()
  echo.join()
  return elapsed
}

/// One sender task sends 1...count into a broadcast channel of capacity
/// 1024, yielding every 64 sends; `receivers` tasks receive until closed and
/// check order and received + missed = count (`broadcast-1p2c`, as the tokio
/// peer).
///
/// - Returns: Wall nanoseconds and the values delivered (summed over receivers).
public func broadcastTasks(receivers: Int, count: Int) async -> (UInt64, Int) {
  let channel = try! SNChannel<UInt64>.broadcast(capacity: 1024)
  let start = now()
  var tasks: [Task<Int, Never>] = []
  for _ in 0..<receivers {
    tasks.append(
      Task(taking: channel.sender.subscribe()) { rx -> Int in
        var (received, missed, last): (Int, Int, UInt64) = (0, 0, 0)
        while true {
          do throws(BroadcastError) {
            let value = try await rx.receive()
            precondition(value > last, "broadcast: \(value) after \(last)")
            last = value
            received += 1
          } catch {
            if error == .closed { break }
            missed += Int(error.missed)
          }
        }
        precondition(
          received + missed == count && last == UInt64(count),
          "broadcast: received \(received) + missed \(missed) != \(count)")
        return received
      })
  }
  let sender = Task(taking: channel.sender.clone()) { tx in
    for value in 1...UInt64(count) {
      try! tx.send(value)
      if value % 64 == 0 { await Task.yield() }
    }
  }
  let done = consume channel
  _ = consume done
  await sender.value
  var delivered = 0
  for task in tasks { delivered += await task.value }
  return (now() &- start, delivered)
}

/// One task publishes 1...count into a latest-value channel (yielding every
/// 64), one waits for changes and checks it never sees an older value and
/// ends on `count` (`watch-1p1c`, as the tokio peer).
public func watchTasks(count: Int) async -> UInt64 {
  let channel = SNChannel<UInt64>.watch(initial: 0)
  let start = now()
  let reader = Task(taking: channel.sender.subscribe()) { rx -> Int in
    var (seen, last): (Int, UInt64) = (0, 0)
    while let value = try? await rx.receiveChange() {
      precondition(value >= last, "watch: \(value) after \(last)")
      last = value
      seen += 1
      if value == UInt64(count) { break }
    }
    precondition(last == UInt64(count), "watch: ended on \(last)")
    return seen
  }
  let writer = Task(taking: channel.sender.clone()) { tx in
    for value in 1...UInt64(count) {
      tx.replace(value)
      if value % 64 == 0 { await Task.yield() }
    }
  }
  let done = consume channel
  _ = consume done
  await writer.value
  _ = await reader.value
  return now() &- start
}

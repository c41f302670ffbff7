// Ping-pong latency: one message goes to the other thread and straight back;
// each sample is that round trip halved, in nanoseconds.

import SNAtomics
import SNChannels
import Synchronization

/// One-way latency samples over a pair of channels of the given kind
/// (`"spsc"`, `"mpsc"`, `"mpmc"`), spin mode, capacity 1024.
///
/// - Parameters:
///   - kind: The channel kind.
///   - rounds: Round trips to time.
/// - Returns: `rounds` samples, each a round trip / 2, in nanoseconds.
public func channelPingPong(kind: String, rounds: Int) -> [Int] {
  switch kind {
  case "spsc":
    let there = try! SNChannel<UInt64>.spsc(capacity: 1024)
    let back = try! SNChannel<UInt64>.spsc(capacity: 1024)
    return pingPong(
      rounds: rounds, outbound: there.sender, outboundRx: there.receiver,
      inbound: back.sender, inboundRx: back.receiver)
  case "mpsc":
    let there = try! SNChannel<UInt64>.mpsc(capacity: 1024)
    let back = try! SNChannel<UInt64>.mpsc(capacity: 1024)
    return pingPong(
      rounds: rounds, outbound: there.sender, outboundRx: there.receiver,
      inbound: back.sender, inboundRx: back.receiver)
  default:
    let there = try! SNChannel<UInt64>.mpmc(capacity: 1024)
    let back = try! SNChannel<UInt64>.mpmc(capacity: 1024)
    return pingPong(
      rounds: rounds, outbound: there.sender, outboundRx: there.receiver,
      inbound: back.sender, inboundRx: back.receiver)
  }
}

/// The endpoints ping-pong needs, whatever the kind.
public protocol PingSender: ~Copyable, Sendable {
  /// Tries to send `value`; `false` if the channel is full.
  mutating func ping(_ value: UInt64) -> Bool
}
/// The receiving half for ping-pong.
public protocol PingReceiver: ~Copyable, Sendable {
  /// Tries to receive; `nil` if nothing is there.
  mutating func pong() -> UInt64?
}

extension SPSCSender: PingSender where Element == UInt64 {
  /// Tries to send `value`.
  @inline(__always) public mutating func ping(_ value: UInt64) -> Bool {
    (try? trySend(value)) != nil
  }
}
extension MultiSender: PingSender where Element == UInt64 {
  /// Tries to send `value`.
  @inline(__always) public mutating func ping(_ value: UInt64) -> Bool {
    (try? trySend(value)) != nil
  }
}
extension SPSCReceiver: PingReceiver where Element == UInt64 {
  /// Tries to receive.
  @inline(__always) public mutating func pong() -> UInt64? { (try? tryReceive()) ?? nil }
}
extension MPSCReceiver: PingReceiver where Element == UInt64 {
  /// Tries to receive.
  @inline(__always) public mutating func pong() -> UInt64? { (try? tryReceive()) ?? nil }
}
extension MPMCReceiver: PingReceiver where Element == UInt64 {
  /// Tries to receive.
  @inline(__always) public mutating func pong() -> UInt64? { (try? tryReceive()) ?? nil }
}

struct EchoEnds<S: PingSender & ~Copyable, R: PingReceiver & ~Copyable>: ~Copyable, Sendable {
  var rx: R
  var tx: S
}

func pingPong<S: PingSender & ~Copyable, R: PingReceiver & ~Copyable>(
  rounds: Int, outbound: consuming S, outboundRx: consuming R,
  inbound: consuming S, inboundRx: consuming R
) -> [Int] {
  let echo = OSThread.spawn(taking: EchoEnds(rx: outboundRx, tx: inbound)) { ends in
    for _ in 0..<rounds {
      var value: UInt64?
      repeat { value = ends.rx.pong() } while value == nil
      while !ends.tx.ping(value!) {}
    }
  }
  var tx = outbound
  var rx = inboundRx
  var samples = [Int](repeating: 0, count: rounds)
  for round in 0..<rounds {
    let start = now()
    while !tx.ping(UInt64(round)) {}
    var value: UInt64?
    repeat { value = rx.pong() } while value == nil
    samples[round] = Int(now() - start) / 2
  }
  echo.join()
  return samples
}

/// One-way latency samples over two padded atomics: the floor (one cache line
/// moving between two cores and back).
///
/// - Parameter rounds: Round trips to time.
/// - Returns: `rounds` samples, each a round trip / 2, in nanoseconds.
public func barePingPong(rounds: Int) -> [Int] {
  let lines = BareLines()
  let echo = OSThread.spawn {
    for round in 1...rounds {
      while lines.atomics[0].load(ordering: .acquiring) != round {}
      lines.atomics[1].store(round, ordering: .releasing)
    }
  }
  var samples = [Int](repeating: 0, count: rounds)
  for round in 1...rounds {
    let start = now()
    lines.atomics[0].store(round, ordering: .releasing)
    while lines.atomics[1].load(ordering: .acquiring) != round {}
    samples[round - 1] = Int(now() - start) / 2
  }
  echo.join()
  return samples
}

final class BareLines: Sendable {
  let atomics = PaddedAtomics<Int>(count: 2, initialValue: 0)
}

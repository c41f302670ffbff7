// Channel workloads shared by the MessagePassing benchmark suite and the
// ChannelPeers side-by-side runner, so both measure the same code.
//
// Each workload moves `messages` UInt64 values between OS threads and returns
// the wall time in nanoseconds. Receivers check what arrives (order for SPSC,
// sum and count otherwise) and trap on a mismatch: a fast wrong channel must
// not produce a figure.

import SNAtomics
import SNChannels
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Nanoseconds on the monotonic clock.
@inline(__always)
public func now() -> UInt64 { MonotonicClock.nanoseconds }

/// How a workload's endpoints wait when the channel is full or empty.
public enum Mode: String, CaseIterable, Sendable {
  /// `trySend`/`tryReceive` in a spin loop with the pause hint (as the C++ peers do).
  case spin
  /// Blocking `send`/`receive`: spin briefly, then park.
  case blocking
  /// Batches of `batchSize` through `trySend(contentsOf:)` / `tryReceive(into:maxCount:)`.
  case batch
}

/// Whether `SN_BENCH_INJECT=channel-slowdown` is set (see the SPSC spin workload).
let injectedSlowdown: Bool = {
  guard let raw = getenv("SN_BENCH_INJECT") else { return false }
  return String(cString: raw) == "channel-slowdown"
}()

/// Elements per batch in `.batch` mode.
public let batchSize = 64

// MARK: - Reference ring

/// The yardstick for SPSC: the best-known technique written plainly (power-of-two
/// ring, indices on their own 128-byte lines, each side keeping its own index and
/// a cached copy of the other's), specialised to UInt64 in this module. The same
/// design as the peers' `ref-cached-ring`.
public final class ReferenceRing: @unchecked Sendable {
  let lines = PaddedAtomics<Int>(count: 2, initialValue: 0)  // [0] head, [1] tail
  let slots: UnsafeMutablePointer<UInt64>
  let mask: Int

  /// Creates a ring of `capacity` (a power of two) slots.
  public init(capacity: Int) {
    slots = .allocate(capacity: capacity)
    mask = capacity - 1
  }
  deinit { slots.deallocate() }

  /// The sending side.
  public struct Producer: @unchecked Sendable {
    let ring: ReferenceRing
    var tail = 0
    var cachedHead = 0
    /// Sends `value`; `false` if full.
    @inline(__always)
    public mutating func push(_ value: UInt64) -> Bool {
      if tail &- cachedHead > ring.mask {
        cachedHead = ring.lines[0].load(ordering: .acquiring)
        if tail &- cachedHead > ring.mask { return false }
      }
      ring.slots[tail & ring.mask] = value
      tail &+= 1
      ring.lines[1].store(tail, ordering: .releasing)
      return true
    }
  }

  /// The receiving side.
  public struct Consumer: @unchecked Sendable {
    let ring: ReferenceRing
    var head = 0
    var cachedTail = 0
    /// Receives; `nil` if empty.
    @inline(__always)
    public mutating func pop() -> UInt64? {
      if head == cachedTail {
        cachedTail = ring.lines[1].load(ordering: .acquiring)
        if head == cachedTail { return nil }
      }
      let value = ring.slots[head & ring.mask]
      head &+= 1
      ring.lines[0].store(head, ordering: .releasing)
      return value
    }
  }

  /// The producer handle (use one).
  public var producer: Producer { Producer(ring: self) }
  /// The consumer handle (use one).
  public var consumer: Consumer { Consumer(ring: self) }
}

/// SPSC throughput of the reference ring (spin mode).
public func referenceSPSC(capacity: Int, messages: Int) -> UInt64 {
  let ring = ReferenceRing(capacity: capacity)
  let start = now()
  let producer = OSThread.spawn { [ring] in
    var tx = ring.producer
    for value in 1...UInt64(messages) { while !tx.push(value) { csnRelax() } }
  }
  var rx = ring.consumer
  var expected: UInt64 = 1
  while expected <= UInt64(messages) {
    if let value = rx.pop() {
      precondition(value == expected, "reference ring order broken")
      expected &+= 1
    } else {
      csnRelax()
    }
  }
  producer.join()
  return now() - start
}

@inline(__always)
func csnRelax() { Backoff.pause() }

// MARK: - SPSC

/// The spin producer with SN_BENCH_INJECT=channel-slowdown: every send also
/// goes through a private channel and back, doubling the channel work per
/// message. It exists to prove that the regression gate catches a 2x slowdown
/// of a channel hot path (Benchmarks/README.md); never set it otherwise. A
/// separate loop, so the normal loop carries no per-message check for it.
@inline(never)
func spinSendWithInjectedSlowdown(_ tx: inout SPSCSender<UInt64>, count: UInt64) {
  var extra = try! SNChannel<UInt64>.spsc(capacity: 64)
  var value: UInt64 = 1
  while value <= count {
    if (try? tx.trySend(value)) != nil {
      try! extra.sender.trySend(value)
      _ = try! extra.receiver.tryReceive()
      value &+= 1
    } else {
      csnRelax()
    }
  }
}

/// The spin-mode producer loop. The endpoint arrives as a `consuming`
/// parameter and lives in a local of this small function, so its fields stay
/// in registers (through an `inout` parameter, or in a function with many
/// live values, the compiler keeps them in memory; see SNChannels' DocC).
@inline(never)
func spinProduce(_ endpoint: consuming SPSCSender<UInt64>, count: UInt64) -> SPSCSender<UInt64> {
  var tx = endpoint
  var value: UInt64 = 1
  while value <= count {
    // A failed `trySend` (ring full) throws, paying the runtime's throw hook
    // while the producer waits for room anyway; the success path does not.
    if (try? tx.trySend(value)) != nil { value &+= 1 } else { csnRelax() }
  }
  return tx
}

/// The spin-mode consumer loop, in its own function for the same reason.
@inline(never)
func spinConsume(_ endpoint: consuming SPSCReceiver<UInt64>, count: UInt64) -> SPSCReceiver<UInt64>
{
  var rx = endpoint
  var expected: UInt64 = 1
  while expected <= count {
    if let value = try! rx.tryReceive() {
      precondition(value == expected, "SPSC order broken")
      expected &+= 1
    } else {
      csnRelax()
    }
  }
  return rx
}

/// SPSC throughput of an SNChannels SPSC channel.
public func spsc(capacity: Int, messages: Int, mode: Mode) -> UInt64 {
  let channel = try! SNChannel<UInt64>.spsc(capacity: capacity)
  let count = UInt64(messages)
  let start = now()
  let producer = OSThread.spawn(taking: channel.sender) { tx in
    switch mode {
    case .spin:
      if injectedSlowdown {
        spinSendWithInjectedSlowdown(&tx, count: count)
        break
      }
      tx = spinProduce(tx, count: count)
    case .blocking:
      for value in 1...count { try! tx.send(value) }
    case .batch:
      var next: UInt64 = 1
      var batch = [UInt64](repeating: 0, count: batchSize)
      while next <= count {
        let size = Int(min(UInt64(batchSize), count - next + 1))
        for index in 0..<size { batch[index] = next &+ UInt64(index) }
        var sent = 0
        while sent < size {
          let moved = try! tx.trySend(contentsOf: batch[sent..<size])
          if moved == 0 { csnRelax() }
          sent += moved
        }
        next &+= UInt64(size)
      }
    }
  }
  var rx = channel.receiver
  var expected: UInt64 = 1
  switch mode {
  case .spin:
    rx = spinConsume(rx, count: count)
  case .blocking:
    while expected <= count {
      let value = try! rx.receive()
      precondition(value == expected, "SPSC order broken")
      expected &+= 1
    }
  case .batch:
    var buffer: [UInt64] = []
    buffer.reserveCapacity(batchSize)
    while expected <= count {
      buffer.removeAll(keepingCapacity: true)
      if try! rx.tryReceive(into: &buffer, maxCount: batchSize) == 0 {
        csnRelax()
        continue
      }
      for value in buffer {
        precondition(value == expected, "SPSC order broken")
        expected &+= 1
      }
    }
  }
  producer.join()
  return now() - start
}

// MARK: - MPSC / MPMC

/// Throughput with `producers` senders and `consumers` receivers (an MPSC
/// channel when `consumers == 1` and `mpmc` is false). Values are checked by
/// count and sum.
public func multi(
  mpmc: Bool, producers: Int, consumers: Int, capacity: Int, messages: Int, mode: Mode
) -> UInt64 {
  let perProducer = UInt64(messages / producers)
  let total = perProducer * UInt64(producers)
  let received = Atomic<UInt64>(0)
  let sum = Atomic<UInt64>(0)
  var threads: [OSThread] = []
  let start: UInt64

  @Sendable func produce(_ tx: inout MultiSender<UInt64>, _ producer: Int) {
    let base = UInt64(producer) * perProducer
    switch mode {
    case .spin:
      var index: UInt64 = 1
      while index <= perProducer {
        if (try? tx.trySend(base &+ index)) != nil { index &+= 1 } else { csnRelax() }
      }
    case .blocking:
      for index in 1...perProducer { try! tx.send(base &+ index) }
    case .batch:
      var next: UInt64 = 1
      var batch = [UInt64](repeating: 0, count: batchSize)
      while next <= perProducer {
        let size = Int(min(UInt64(batchSize), perProducer - next + 1))
        for index in 0..<size { batch[index] = base &+ next &+ UInt64(index) }
        try! tx.send(contentsOf: batch[0..<size])
        next &+= UInt64(size)
      }
    }
  }

  if mpmc {
    let channel = try! SNChannel<UInt64>.mpmc(capacity: capacity)
    start = now()
    for _ in 0..<consumers {
      threads.append(
        OSThread.spawn(taking: channel.receiver.clone()) { rx in
          var count: UInt64 = 0
          var local: UInt64 = 0
          var buffer: [UInt64] = []
          buffer.reserveCapacity(batchSize)
          receiving: while true {
            switch mode {
            case .spin:
              do throws(SNChannelError) {
                if let value = try rx.tryReceive() {
                  count &+= 1
                  local &+= value
                } else {
                  csnRelax()
                }
              } catch { break receiving }
            case .blocking:
              guard let value = try? rx.receive() else { break receiving }
              count &+= 1
              local &+= value
            case .batch:
              buffer.removeAll(keepingCapacity: true)
              guard (try? rx.receive(into: &buffer, maxCount: batchSize)) != nil else {
                break receiving
              }
              count &+= UInt64(buffer.count)
              for value in buffer { local &+= value }
            }
          }
          received.wrappingAdd(count, ordering: .relaxed)
          sum.wrappingAdd(local, ordering: .relaxed)
        })
    }
    for producer in 0..<producers {
      threads.append(
        OSThread.spawn(taking: channel.sender.clone()) { tx in produce(&tx, producer) })
    }
    // The channel's own first endpoints go out of scope here: the first
    // sender's drop lets receivers finish once the clones are done.
  } else {
    let channel = try! SNChannel<UInt64>.mpsc(capacity: capacity)
    start = now()
    for producer in 0..<producers {
      threads.append(
        OSThread.spawn(taking: channel.sender.clone()) { tx in produce(&tx, producer) })
    }
    var rx = channel.receiver
    var count: UInt64 = 0
    var local: UInt64 = 0
    var buffer: [UInt64] = []
    buffer.reserveCapacity(batchSize)
    while count < total {
      switch mode {
      case .spin:
        if let value = try! rx.tryReceive() {
          count &+= 1
          local &+= value
        } else {
          csnRelax()
        }
      case .blocking:
        let value = try! rx.receive()
        count &+= 1
        local &+= value
      case .batch:
        buffer.removeAll(keepingCapacity: true)
        _ = try! rx.receive(into: &buffer, maxCount: batchSize)
        count &+= UInt64(buffer.count)
        for value in buffer { local &+= value }
      }
    }
    received.store(count, ordering: .relaxed)
    sum.store(local, ordering: .relaxed)
  }
  for thread in threads { thread.join() }
  let elapsed = now() - start
  precondition(received.load(ordering: .relaxed) == total, "lost or duplicated messages")
  precondition(sum.load(ordering: .relaxed) == total &* (total &+ 1) / 2, "wrong values")
  return elapsed
}

// Memory: SNMemory arenas against the system allocator, cross-thread frees,
// and huge pages against 4 KiB pages on a random walk.
//
// The machine is shared and noisy, so each benchmark times both contenders in
// the same iteration and reports the ratio as a custom metric (x100, larger is
// better for SNMemory); malloc counts are deterministic.

import Benchmark
import Foundation
import SNMemory
import Synchronization

#if canImport(Glibc)
  import Glibc
#endif

/// Allocations per measured batch.
let batch = 10_000

/// A 64-byte message, as a value (arena) and as a class (Swift heap).
struct Message64 {
  var words: (Int, Int, Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0, 0, 0)
}

/// The class twin: 16-byte object header + 48 bytes payload = 64 bytes.
final class MessageObject {
  var words: (Int, Int, Int, Int, Int, Int) = (0, 0, 0, 0, 0, 0)
}

@inline(__always)
func nanoseconds(_ body: () -> Void) -> Double {
  let start = ContinuousClock.now
  body()
  let elapsed = ContinuousClock.now - start
  return Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
}

func ratioMetric(_ name: String) -> BenchmarkMetric {
  .custom(name, polarity: .prefersLarger, useScalingFactor: false)
}

func costMetric(_ name: String) -> BenchmarkMetric {
  .custom(name, polarity: .prefersSmaller, useScalingFactor: false)
}

// MARK: - Random walk state (built once, outside measurement)

/// 512 MiB of 64-byte nodes linked into one random cycle (Sattolo), twice:
/// once on 4 KiB pages, once on transparent huge pages.
final class WalkState: @unchecked Sendable {
  static let byteCount = 512 << 20
  static let nodeCount = byteCount / 64
  let small: MappedRegion
  let huge: MappedRegion

  init() throws {
    small = try MappedRegion(byteCount: Self.byteCount, pages: .normal, prefault: true)
    huge = try MappedRegion(byteCount: Self.byteCount, pages: .transparentHuge, prefault: true)
    var order = Array(0..<UInt32(Self.nodeCount))
    var generator = SystemRandomNumberGenerator()
    var i = order.count - 1
    while i > 0 {  // Sattolo: a single cycle through every node.
      let j = Int.random(in: 0..<i, using: &generator)
      order.swapAt(i, j)
      i -= 1
    }
    for region in [small.unsafeBaseAddress, huge.unsafeBaseAddress] {
      for k in 0..<order.count {
        let from = Int(order[k])
        let to = order[(k + 1) % order.count]
        region.storeBytes(of: to, toByteOffset: from * 64, as: UInt32.self)
      }
    }
  }

  /// Follows `steps` links from node 0; returns the last node (kept alive by blackHole).
  func chase(_ base: UnsafeMutableRawPointer, steps: Int) -> UInt32 {
    var node: UInt32 = 0
    for _ in 0..<steps { node = base.load(fromByteOffset: Int(node) &* 64, as: UInt32.self) }
    return node
  }
}

nonisolated(unsafe) var walkState: WalkState?

// MARK: - Cross-thread handoff

/// A minimal single-producer single-consumer ring of addresses, local to this
/// suite so that the memory figures do not depend on SNChannels.
final class AddressRing: @unchecked Sendable {  // slots are guarded by head/tail
  let slots: UnsafeMutablePointer<UInt>
  let mask: Int
  let head = Atomic<Int>(0)  // next slot to read (consumer)
  let tail = Atomic<Int>(0)  // next slot to write (producer)

  init(capacity: Int) {
    slots = .allocate(capacity: capacity)
    mask = capacity - 1
  }
  deinit { slots.deallocate() }

  func push(_ value: UInt) {
    let t = tail.load(ordering: .relaxed)
    while t - head.load(ordering: .acquiring) > mask { sched_yield() }
    slots[t & mask] = value
    tail.store(t + 1, ordering: .releasing)
  }

  func pop() -> UInt {
    let h = head.load(ordering: .relaxed)
    while tail.load(ordering: .acquiring) == h { sched_yield() }
    let value = slots[h & mask]
    head.store(h + 1, ordering: .releasing)
    return value
  }
}

/// Producer allocates `count` 64-byte blocks and hands them over; a consumer
/// thread frees them. Returns the elapsed nanoseconds.
func producerConsumer(
  count: Int, allocate: @escaping @Sendable () -> UnsafeMutableRawPointer,
  free: @escaping @Sendable (UnsafeMutableRawPointer) -> Void
) -> Double {
  let ring = AddressRing(capacity: 1024)
  let done = DispatchSemaphore(value: 0)
  return nanoseconds {
    let consumer = Thread {
      for _ in 0..<count { free(UnsafeMutableRawPointer(bitPattern: ring.pop())!) }
      done.signal()
    }
    consumer.start()
    for _ in 0..<count { ring.push(UInt(bitPattern: allocate())) }
    done.wait()
  }
}

let benchmarks: @Sendable () -> Void = {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 50)

  Benchmark(
    "alloc64/BumpArena vs malloc",
    configuration: .init(metrics: [
      .mallocCountTotal, costMetric("arena ps/alloc"), costMetric("malloc ps/alloc"),
      ratioMetric("malloc/arena x100"),
    ])
  ) { benchmark in
    let arena = try BumpArena(chunkByteCount: 1 << 20, prefault: true)
    let pointers = UnsafeMutablePointer<UnsafeMutableRawPointer?>.allocate(capacity: batch)
    defer { pointers.deallocate() }
    let arenaTime = nanoseconds {
      for i in 0..<batch { pointers[i] = arena.unsafeAllocate(byteCount: 64, alignment: 16) }
      blackHole(pointers[batch - 1])
      arena.reset()
    }
    let mallocTime = nanoseconds {
      for i in 0..<batch { pointers[i] = malloc(64) }
      blackHole(pointers[batch - 1])
      for i in 0..<batch { free(pointers[i]) }
    }
    benchmark.measurement(costMetric("arena ps/alloc"), Int(arenaTime * 1000 / Double(batch)))
    benchmark.measurement(costMetric("malloc ps/alloc"), Int(mallocTime * 1000 / Double(batch)))
    benchmark.measurement(ratioMetric("malloc/arena x100"), Int(mallocTime / arenaTime * 100))
  }

  Benchmark(
    "alloc64/TypedArena vs Swift class",
    configuration: .init(metrics: [
      .mallocCountTotal, costMetric("arena ps/alloc"), costMetric("class ps/alloc"),
      ratioMetric("class/arena x100"),
    ])
  ) { benchmark in
    let arena = try TypedArena<Message64>(initialCapacity: batch)
    var objects: [MessageObject] = []
    objects.reserveCapacity(batch)
    // Fault the chunk in first: the steady state of a worker is a warm arena.
    for _ in 0..<batch { _ = arena.unsafeAllocate(Message64()) }
    arena.reset()
    let arenaTime = nanoseconds {
      for i in 0..<batch {
        var message = Message64()
        message.words.0 = i
        blackHole(arena.unsafeAllocate(message))
      }
      arena.reset()
    }
    let classTime = nanoseconds {
      for i in 0..<batch {
        let object = MessageObject()
        object.words.0 = i
        objects.append(object)
      }
      objects.removeAll(keepingCapacity: true)
    }
    benchmark.measurement(costMetric("arena ps/alloc"), Int(arenaTime * 1000 / Double(batch)))
    benchmark.measurement(costMetric("class ps/alloc"), Int(classTime * 1000 / Double(batch)))
    benchmark.measurement(ratioMetric("class/arena x100"), Int(classTime / arenaTime * 100))
  }

  Benchmark(
    "crossThread64/malloc vs jemalloc arena",
    configuration: .init(
      metrics: [
        costMetric("malloc ns/handoff"), costMetric("jemalloc arena ns/handoff"),
        ratioMetric("malloc/jemalloc x100"),
      ], maxIterations: 20)
  ) { benchmark in
    let count = 100_000
    let mallocTime = producerConsumer(
      count: count, allocate: { malloc(64)! }, free: { Glibc.free($0) })
    benchmark.measurement(costMetric("malloc ns/handoff"), Int(mallocTime / Double(count)))
    // Runs only in a build with the Jemalloc trait; otherwise the malloc figure stands alone.
    if JemallocArena.isAvailable {
      let arena = try JemallocArena()
      let jemallocTime = producerConsumer(
        count: count, allocate: { arena.unsafeAllocate(byteCount: 64) },
        free: { arena.unsafeDeallocate($0) })
      benchmark.measurement(
        costMetric("jemalloc arena ns/handoff"), Int(jemallocTime / Double(count)))
      benchmark.measurement(
        ratioMetric("malloc/jemalloc x100"), Int(mallocTime / jemallocTime * 100))
    }
  }

  Benchmark(
    "randomWalk512MiB/4KiB vs huge pages",
    configuration: .init(
      metrics: [
        costMetric("4KiB ps/access"), costMetric("huge ps/access"),
        ratioMetric("4KiB/huge x100"), ratioMetric("huge-page MiB"),
      ],
      maxDuration: .seconds(5), maxIterations: 5,
      setup: { walkState = try WalkState() },
      teardown: { walkState = nil })
  ) { benchmark in
    guard let state = walkState else { return }
    let steps = 2_000_000
    var last: UInt32 = 0
    let smallTime = nanoseconds {
      last &+= state.chase(state.small.unsafeBaseAddress, steps: steps)
    }
    let hugeTime = nanoseconds { last &+= state.chase(state.huge.unsafeBaseAddress, steps: steps) }
    blackHole(last)
    benchmark.measurement(costMetric("4KiB ps/access"), Int(smallTime * 1000 / Double(steps)))
    benchmark.measurement(costMetric("huge ps/access"), Int(hugeTime * 1000 / Double(steps)))
    benchmark.measurement(ratioMetric("4KiB/huge x100"), Int(smallTime / hugeTime * 100))
    benchmark.measurement(
      ratioMetric("huge-page MiB"), state.huge.measuredHugePageBytes() >> 20)
  }
}

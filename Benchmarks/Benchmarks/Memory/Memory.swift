// Memory: SNMemory arenas against the system allocators, cross-thread frees
// with and without a jemalloc arena, and huge pages against 4 KiB pages on a
// random walk.
//
// The machine is shared and noisy, so each benchmark times every contender in
// the same iteration, alternating them, and reports the ratio as a custom
// metric (x100, larger is better for SNMemory); malloc counts are deterministic.
//
// This executable links jemalloc (the nested package's default `Jemalloc`
// trait turns on the root package's), and Debian's jemalloc replaces `malloc`
// for the whole process. So the "glibc" contenders call glibc's allocator by
// its own exported names (`__libc_malloc`, `__libc_free`), which stay glibc's
// whatever `malloc` is, and the "jemalloc" contender calls `mallocx`/`dallocx`
// with no flags: jemalloc's ordinary malloc (automatic arena, thread cache).
// Both bypass the benchmark harness's malloc interposer, like the arenas do.

import Benchmark
import BenchmarkSupport
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

// MARK: - The system allocators, by name

/// glibc's allocator and jemalloc's ordinary malloc, looked up once.
enum SystemAllocators {
  typealias Allocate = @convention(c) (Int) -> UnsafeMutableRawPointer?
  typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void
  typealias AllocateFlags = @convention(c) (Int, Int32) -> UnsafeMutableRawPointer?
  typealias FreeFlags = @convention(c) (UnsafeMutableRawPointer?, Int32) -> Void

  /// glibc's `malloc` under its internal name (plain `malloc` where there is none).
  static let glibcMalloc: Allocate =
    symbol("__libc_malloc", as: Allocate.self) ?? { malloc($0) }
  /// glibc's `free` under its internal name.
  static let glibcFree: Free =
    symbol("__libc_free", as: Free.self) ?? { free($0) }
  /// jemalloc's `mallocx`, present only when this process links jemalloc.
  static let mallocx = symbol("mallocx", as: AllocateFlags.self)
  /// jemalloc's `dallocx`.
  static let dallocx = symbol("dallocx", as: FreeFlags.self)

  static func symbol<F>(_ name: String, as type: F.Type) -> F? {
    #if canImport(Glibc)
      guard let address = dlsym(nil, name) else { return nil }  // nil: RTLD_DEFAULT
      return unsafeBitCast(address, to: type)
    #else
      return nil
    #endif
  }
}

// MARK: - Random walk state (built once, outside measurement)

/// 1 GiB of 64-byte nodes linked into one random cycle (Sattolo's algorithm),
/// twice: once on 4 KiB pages (advised `MADV_NOHUGEPAGE`, so THP=always cannot
/// promote it), once on transparent huge pages. Both are pre-faulted and
/// written before measuring; the huge-page bytes of both are read from
/// /proc/self/smaps so that the comparison is checked, not assumed.
final class WalkState: @unchecked Sendable {
  static let byteCount = 1 << 30
  static let nodeCount = byteCount / 64
  let small: MappedRegion
  let huge: MappedRegion
  let smallHugeMiB: Int
  let hugeHugeMiB: Int
  /// Where each walk stopped: the next slice continues along the cycle.
  var smallNode: UInt32 = 0
  var hugeNode: UInt32 = 0

  init() throws {
    small = try MappedRegion(byteCount: Self.byteCount, pages: .normal, prefault: true)
    huge = try MappedRegion(byteCount: Self.byteCount, pages: .transparentHuge, prefault: true)
    var order = [UInt32](unsafeUninitializedCapacity: Self.nodeCount) { buffer, count in
      for i in 0..<Self.nodeCount { buffer[i] = UInt32(i) }
      count = Self.nodeCount
    }
    var random = SplitMix64(seed: 0x5EED_CAFE)
    var i = order.count - 1
    while i > 0 {  // Sattolo: j < i, so the permutation is one cycle through every node.
      let j = Int(random.next() % UInt64(i))
      order.swapAt(i, j)
      i -= 1
    }
    for region in [small.unsafeBaseAddress, huge.unsafeBaseAddress] {
      for k in 0..<order.count {
        let from = Int(order[k])
        let to = order[k + 1 == order.count ? 0 : k + 1]
        region.storeBytes(of: to, toByteOffset: from * 64, as: UInt32.self)
      }
    }
    smallHugeMiB = small.measuredHugePageBytes() >> 20
    hugeHugeMiB = huge.measuredHugePageBytes() >> 20
  }

  /// Follows `steps` dependent links from `node`; returns where it stopped.
  @inline(never)
  static func chase(_ base: UnsafeMutableRawPointer, from node: UInt32, steps: Int) -> UInt32 {
    var node = node
    for _ in 0..<steps { node = base.load(fromByteOffset: Int(node) &* 64, as: UInt32.self) }
    return node
  }
}

/// A small, fast, seeded generator (SplitMix64): the permutation needs 16 M
/// draws, and the system generator costs a system call each.
struct SplitMix64 {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
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

  func push(_ pointer: UnsafeMutableRawPointer) {
    let t = tail.load(ordering: .relaxed)
    while t - head.load(ordering: .acquiring) > mask { sched_yield() }
    slots[t & mask] = UInt(bitPattern: pointer)
    tail.store(t + 1, ordering: .releasing)
  }

  func pop() -> UnsafeMutableRawPointer {
    let h = head.load(ordering: .relaxed)
    while tail.load(ordering: .acquiring) == h { sched_yield() }
    let value = slots[h & mask]
    head.store(h + 1, ordering: .releasing)
    return UnsafeMutableRawPointer(bitPattern: value)!
  }
}

/// Runs `consumer` on a new thread and `producer` here, sharing one ring;
/// returns the elapsed nanoseconds for both to finish.
func handoff(
  producer: (AddressRing) -> Void, consumer: @escaping @Sendable (AddressRing) -> Void
) -> Double {
  let ring = AddressRing(capacity: 1024)
  let done = DispatchSemaphore(value: 0)
  return nanoseconds {
    Thread {
      consumer(ring)
      done.signal()
    }.start()
    producer(ring)
    done.wait()
  }
}

/// The contenders of the cross-thread benchmark: the producer allocates
/// `count` 64-byte blocks and pushes them, the consumer thread frees them.
enum Handoff {
  static let count = 100_000

  static func glibc() -> Double {
    handoff(
      producer: { ring in
        for _ in 0..<count { ring.push(SystemAllocators.glibcMalloc(64)!) }
      },
      consumer: { ring in
        for _ in 0..<count { SystemAllocators.glibcFree(ring.pop()) }
      })
  }

  static func jemallocMalloc() -> Double? {
    guard let mallocx = SystemAllocators.mallocx, let dallocx = SystemAllocators.dallocx else {
      return nil
    }
    return handoff(
      producer: { ring in
        for _ in 0..<count { ring.push(mallocx(64, 0)!) }
      },
      consumer: { ring in
        for _ in 0..<count { dallocx(ring.pop(), 0) }
      })
  }

  /// The arena without thread caches: every call takes the arena's lock.
  static func arena(_ arena: JemallocArena) -> Double {
    handoff(
      producer: { ring in
        for _ in 0..<count { ring.push(arena.unsafeAllocate(byteCount: 64)) }
      },
      consumer: { ring in
        for _ in 0..<count { arena.unsafeDeallocate(ring.pop()) }
      })
  }

  /// The arena with one private thread cache per side. The producer's cache
  /// is long-lived, like the main thread's automatic cache in the jemalloc row;
  /// the consumer's is new with each consumer thread, like its automatic one.
  static func arenaWithCaches(_ state: HandoffState) -> Double {
    handoff(
      producer: { ring in
        for _ in 0..<count { ring.push(state.producerCache.unsafeAllocate(byteCount: 64)) }
      },
      consumer: { [arena = state.arena] ring in
        let consumerCache = try! arena.makeThreadCache()
        for _ in 0..<count { consumerCache.unsafeDeallocate(ring.pop()) }
      })
  }
}

/// One jemalloc arena for the whole run, warm like the process allocator it
/// is compared with, and the producer's cache of it.
final class HandoffState: @unchecked Sendable {  // used by the benchmark thread only
  let arena: JemallocArena
  let producerCache: JemallocArena.ThreadCache

  init?() throws {
    guard JemallocArena.isAvailable else { return nil }
    arena = try JemallocArena()
    producerCache = try arena.makeThreadCache()
  }
}

nonisolated(unsafe) var handoffState: HandoffState?

let benchmarks: @Sendable () -> Void = suite {
  Benchmark.defaultConfiguration = .init(
    metrics: [.wallClock, .mallocCountTotal], maxDuration: .seconds(2), maxIterations: 50)

  Benchmark(
    "alloc64/BumpArena vs glibc malloc",
    configuration: .init(metrics: [
      .mallocCountTotal, costMetric("arena-ps/alloc"), costMetric("glibc-ps/alloc"),
      ratioMetric("glibc/arena-x100"),
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
      for i in 0..<batch { pointers[i] = SystemAllocators.glibcMalloc(64) }
      blackHole(pointers[batch - 1])
      for i in 0..<batch { SystemAllocators.glibcFree(pointers[i]) }
    }
    benchmark.measurement(costMetric("arena-ps/alloc"), Int(arenaTime * 1000 / Double(batch)))
    benchmark.measurement(costMetric("glibc-ps/alloc"), Int(mallocTime * 1000 / Double(batch)))
    benchmark.measurement(ratioMetric("glibc/arena-x100"), Int(mallocTime / arenaTime * 100))
  }

  Benchmark(
    "alloc64/TypedArena vs Swift class",
    configuration: .init(metrics: [
      .mallocCountTotal, costMetric("arena-ps/alloc"), costMetric("class-ps/alloc"),
      ratioMetric("class/arena-x100"),
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
    benchmark.measurement(costMetric("arena-ps/alloc"), Int(arenaTime * 1000 / Double(batch)))
    benchmark.measurement(costMetric("class-ps/alloc"), Int(classTime * 1000 / Double(batch)))
    benchmark.measurement(ratioMetric("class/arena-x100"), Int(classTime / arenaTime * 100))
  }

  // Producer allocates, consumer frees, 64-byte blocks. In a build without
  // jemalloc (nested trait off) only the glibc row is measured.
  Benchmark(
    "crossThread64/glibc vs jemalloc vs jemalloc arena",
    configuration: .init(
      metrics: [
        costMetric("glibc-ns/handoff"), costMetric("jemalloc-ns/handoff"),
        costMetric("arena-ns/handoff"), costMetric("arena+tcache-ns/handoff"),
        ratioMetric("glibc/arena+tcache-x100"), ratioMetric("jemalloc/arena+tcache-x100"),
      ], maxDuration: .seconds(4), maxIterations: 20,
      setup: { handoffState = try HandoffState() },
      teardown: { handoffState = nil })
  ) { benchmark in
    var glibc = 0.0
    var jemalloc = 0.0
    var bare = 0.0
    var cached = 0.0
    let state = handoffState
    // Two passes in opposite orders, so that drift on the VM hits all alike.
    for pass in 0..<2 {
      var order = [0, 1, 2, 3]
      if pass == 1 { order.reverse() }
      for contender in order {
        switch contender {
        case 0: glibc += Handoff.glibc()
        case 1: jemalloc += Handoff.jemallocMalloc() ?? 0
        case 2: if let state { bare += Handoff.arena(state.arena) }
        default: if let state { cached += Handoff.arenaWithCaches(state) }
        }
      }
    }
    let handoffs = Double(2 * Handoff.count)
    benchmark.measurement(costMetric("glibc-ns/handoff"), Int(glibc / handoffs))
    guard state != nil, jemalloc > 0 else { return }
    benchmark.measurement(costMetric("jemalloc-ns/handoff"), Int(jemalloc / handoffs))
    benchmark.measurement(costMetric("arena-ns/handoff"), Int(bare / handoffs))
    benchmark.measurement(costMetric("arena+tcache-ns/handoff"), Int(cached / handoffs))
    benchmark.measurement(ratioMetric("glibc/arena+tcache-x100"), Int(glibc / cached * 100))
    benchmark.measurement(ratioMetric("jemalloc/arena+tcache-x100"), Int(jemalloc / cached * 100))
  }

  Benchmark(
    "randomWalk1GiB/4KiB vs huge pages",
    configuration: .init(
      metrics: [
        costMetric("4KiB-ns/access"), costMetric("huge-ns/access"),
        ratioMetric("4KiB/huge-x100"), ratioMetric("4KiB-region-hugeMiB"),
        ratioMetric("huge-region-hugeMiB"),
      ],
      maxDuration: .seconds(10), maxIterations: 9,
      setup: { walkState = try WalkState() },
      teardown: { walkState = nil })
  ) { benchmark in
    guard let state = walkState else { return }
    // 16 pairs of short slices (~20 ms each), in A-B, B-A, A-B, ... order, so
    // that the two regions take turns and a noisy neighbour hits both alike.
    // The ratio is the median of the 16 per-pair ratios: one disturbed slice
    // cannot move it.
    let slice = 62_500
    let pairs = 16
    var smallTime = 0.0
    var hugeTime = 0.0
    var ratios: [Double] = []
    for pair in 0..<pairs {
      var small = 0.0
      var huge = 0.0
      for turn in 0..<2 {
        if (turn == 0) == pair.isMultiple(of: 2) {
          small = nanoseconds {
            state.smallNode = WalkState.chase(
              state.small.unsafeBaseAddress, from: state.smallNode, steps: slice)
          }
        } else {
          huge = nanoseconds {
            state.hugeNode = WalkState.chase(
              state.huge.unsafeBaseAddress, from: state.hugeNode, steps: slice)
          }
        }
      }
      smallTime += small
      hugeTime += huge
      ratios.append(small / huge)
    }
    ratios.sort()
    let medianRatio = (ratios[pairs / 2 - 1] + ratios[pairs / 2]) / 2
    blackHole(state.smallNode &+ state.hugeNode)
    let steps = Double(pairs * slice)
    benchmark.measurement(costMetric("4KiB-ns/access"), Int(smallTime / steps))
    benchmark.measurement(costMetric("huge-ns/access"), Int(hugeTime / steps))
    benchmark.measurement(ratioMetric("4KiB/huge-x100"), Int(medianRatio * 100))
    benchmark.measurement(ratioMetric("4KiB-region-hugeMiB"), state.smallHugeMiB)
    benchmark.measurement(ratioMetric("huge-region-hugeMiB"), state.hugeHugeMiB)
  }
}

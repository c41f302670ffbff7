import SNMemory
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#endif

@Suite("JemallocArena")
struct JemallocTests {
  @Test(
    "without the trait, creating an arena is a typed error",
    .enabled(if: !JemallocArena.isAvailable))
  func unavailable() {
    #expect(JemallocArena.version == nil)
    #expect(throws: SNMemoryError.unavailable) { _ = try JemallocArena() }
  }

  @Test("a dedicated arena allocates, counts, resets", .enabled(if: JemallocArena.isAvailable))
  func dedicatedArena() throws {
    #expect(JemallocArena.version?.hasPrefix("5.") == true)
    let arena = try JemallocArena()
    let other = try JemallocArena()
    #expect(arena.arenaIndex != other.arenaIndex)
    var pointers: [UnsafeMutableRawPointer] = []
    for _ in 0..<1000 {
      let pointer = arena.unsafeAllocate(byteCount: 4096, alignment: 64)
      #expect(UInt(bitPattern: pointer) % 64 == 0)
      pointers.append(pointer)
    }
    let full = arena.statistics
    #expect(full.allocated >= 1000 * 4096)
    #expect(full.active >= full.allocated)
    #expect(full.resident >= 1000 * 4096)
    #expect(other.statistics.allocated == 0)
    for pointer in pointers.prefix(500) { arena.unsafeDeallocate(pointer) }
    #expect(arena.statistics.allocated < full.allocated)
    arena.reset()
    #expect(arena.statistics.allocated == 0)
    let again = arena.unsafeAllocate(byteCount: 64)
    #expect(arena.statistics.allocated >= 64)
    arena.unsafeDeallocate(again)
  }

  @Test(
    "memory allocated on one thread is freed on another", .enabled(if: JemallocArena.isAvailable))
  func crossThreadFree() async throws {
    let arena = try JemallocArena()
    let addresses = (0..<256).map { _ in UInt(bitPattern: arena.unsafeAllocate(byteCount: 64)) }
    await Task.detached {
      for address in addresses {
        arena.unsafeDeallocate(UnsafeMutableRawPointer(bitPattern: address)!)
      }
    }.value
    #expect(arena.statistics.allocated == 0)
  }
}

@Suite("JemallocArena.ThreadCache")
struct JemallocThreadCacheTests {
  @Test("a cache keeps freed blocks until it is flushed", .enabled(if: JemallocArena.isAvailable))
  func cachesAndFlushes() throws {
    let arena = try JemallocArena()
    let cache = try arena.makeThreadCache()
    #expect(cache.arena === arena)
    let blocks = (0..<100).map { _ in cache.unsafeAllocate(byteCount: 64, alignment: 64) }
    #expect(Set(blocks).count == 100)
    #expect(blocks.allSatisfy { UInt(bitPattern: $0) % 64 == 0 })
    #expect(blocks.allSatisfy { arena.owns($0) })
    #expect(arena.statistics.allocated >= 100 * 64)
    for block in blocks { cache.unsafeDeallocate(block) }
    // The cache still holds (some of) the blocks: the arena counts them as allocated.
    #expect(arena.statistics.allocated > 0)
    cache.flush()
    #expect(arena.statistics.allocated == 0)
  }

  @Test(
    "destroying a cache returns its blocks to the arena", .enabled(if: JemallocArena.isAvailable))
  func destroyFlushes() throws {
    let arena = try JemallocArena()
    do {
      let cache = try arena.makeThreadCache()
      let block = cache.unsafeAllocate(byteCount: 256)
      cache.unsafeDeallocate(block)
      #expect(arena.statistics.allocated > 0)
    }
    #expect(arena.statistics.allocated == 0)
    arena.reset()  // allowed again: no cache left
  }

  @Test("a cache keeps its arena alive", .enabled(if: JemallocArena.isAvailable))
  func keepsArenaAlive() throws {
    let cache = try JemallocArena().makeThreadCache()
    let block = cache.unsafeAllocate(byteCount: 4096)
    block.storeBytes(of: 42, as: Int.self)
    #expect(block.load(as: Int.self) == 42)
    #expect(cache.arena.owns(block))
    cache.unsafeDeallocate(block)
  }

  @Test(
    "producer allocates with its cache, consumer frees with its own: every block exactly once",
    .enabled(if: JemallocArena.isAvailable))
  func producerConsumer() throws {
    let arena = try JemallocArena()
    let total = 50_000
    let queue = Mutex<[UInt]>([])
    let consumed = Mutex<(count: Int, outOfOrder: Int)>((0, 0))
    let consumer = OSThreadForTests {
      let cache = try! arena.makeThreadCache()
      var expected = 0
      var outOfOrder = 0
      while expected < total {
        let batch = queue.withLock { pending in
          defer { pending.removeAll(keepingCapacity: true) }
          return pending
        }
        if batch.isEmpty { sched_yield() }
        for address in batch {
          let block = UnsafeMutableRawPointer(bitPattern: address)!
          if block.load(as: Int.self) != expected { outOfOrder += 1 }
          block.storeBytes(of: -1, as: Int.self)
          cache.unsafeDeallocate(block)
          expected += 1
        }
      }
      consumed.withLock { $0 = (expected, outOfOrder) }
    }
    do {
      let cache = try arena.makeThreadCache()
      for sequence in 0..<total {
        let block = cache.unsafeAllocate(byteCount: 64)
        block.storeBytes(of: sequence, as: Int.self)
        queue.withLock { $0.append(UInt(bitPattern: block)) }
      }
    }
    consumer.join()
    let result = consumed.withLock { $0 }
    #expect(result.count == total)
    #expect(result.outOfOrder == 0)
    // Both caches are gone, so every block is back in the arena.
    #expect(arena.statistics.allocated == 0)
  }

  #if DEBUG
    @Test(
      "freeing another arena's block into a cache traps (debug builds)",
      .enabled(if: exitTestsSupported && JemallocArena.isAvailable))
    func foreignBlockTraps() async {
      await #expect(processExitsWith: .failure) {
        let mine = try JemallocArena()
        let other = try JemallocArena()
        let cache = try mine.makeThreadCache()
        cache.unsafeDeallocate(other.unsafeAllocate(byteCount: 64))
      }
    }
  #endif

  @Test(
    "resetting an arena while one of its caches exists traps",
    .enabled(if: exitTestsSupported && JemallocArena.isAvailable))
  func resetWithLiveCacheTraps() async {
    await #expect(processExitsWith: .failure) {
      let arena = try JemallocArena()
      let cache = try arena.makeThreadCache()
      arena.reset()
      _ = cache
    }
  }
}

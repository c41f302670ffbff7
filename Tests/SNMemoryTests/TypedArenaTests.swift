import SNMemory
import Testing

@Suite("TypedArena")
struct TypedArenaTests {
  @Test("values are stored, read and modified through checked indices")
  func allocateAndAccess() throws {
    let arena = try TypedArena<Int>(initialCapacity: 4)
    var indices: [TypedArena<Int>.Index] = []
    for value in 0..<10_000 { indices.append(arena.allocate(value)) }
    #expect(arena.count == 10_000)
    #expect(indices.enumerated().allSatisfy { arena[$0.element] == $0.offset })
    arena[indices[5000]] += 1
    #expect(arena[indices[5000]] == 5001)
    // Doubling chunks: 10 000 Ints from one page (512 Ints) need only a few chunks.
    #expect(arena.statistics.chunkCount <= 6)
    #expect(arena.statistics.bytesInUse == 10_000 * MemoryLayout<Int>.stride)
  }

  @Test("reset runs every deinitialiser exactly once and keeps the chunks")
  func resetDeinitializes() throws {
    let counter = LifetimeCounter()
    let arena = try TypedArena<Tracked>(initialCapacity: 8)
    for i in 0..<1000 { arena.allocate(Tracked(i, counter)) }
    #expect(counter.live == 1000)
    let chunks = arena.statistics.chunkCount
    arena.reset()
    #expect(counter.live == 0)
    #expect(counter.deinitialized == 1000)
    #expect(arena.count == 0)
    #expect(arena.statistics.chunkCount == chunks)
    #expect(arena.statistics.bytesInUse == 0)
    for i in 0..<10 { arena.allocate(Tracked(i, counter)) }
    #expect(counter.live == 10)
  }

  @Test("destroying the arena deinitialises what is left")
  func deinitOnDestruction() throws {
    let counter = LifetimeCounter()
    do {
      let arena = try TypedArena<Tracked>()
      for i in 0..<300 { _ = arena.unsafeAllocate(Tracked(i, counter)) }
      #expect(counter.live == 300)
    }
    #expect(counter.live == 0)
    #expect(counter.deinitialized == 300)
  }

  @Test("unsafeAllocate returns stable, aligned addresses")
  func unsafePointers() throws {
    struct Wide { var a: SIMD8<Float>; var b: Int }
    let arena = try TypedArena<Wide>(initialCapacity: 2)
    var pointers: [UnsafeMutablePointer<Wide>] = []
    for i in 0..<100 { pointers.append(arena.unsafeAllocate(Wide(a: .init(repeating: 1), b: i))) }
    #expect(pointers.allSatisfy { UInt(bitPattern: $0) % UInt(MemoryLayout<Wide>.alignment) == 0 })
    #expect(pointers.enumerated().allSatisfy { $0.element.pointee.b == $0.offset })
  }

  @Test("an index from before a reset is no longer valid")
  func staleIndex() throws {
    let arena = try TypedArena<String>()
    let index = arena.allocate("hello")
    #expect(arena.isValid(index))
    arena.reset()
    #expect(!arena.isValid(index))
    let again = arena.allocate("world")
    #expect(again != index)
    #expect(arena[again] == "world")
  }

  @Test("reading through a stale index traps", .enabled(if: exitTestsSupported))
  func staleIndexTraps() async {
    await #expect(processExitsWith: .failure) {
      let arena = try TypedArena<Int>()
      let index = arena.allocate(1)
      arena.reset()
      _ = arena[index]
    }
  }

  @Test("bad capacity is a typed error")
  func badInput() {
    #expect(throws: SNMemoryError.invalidSize) { _ = try TypedArena<Int>(initialCapacity: 0) }
    #expect(throws: SNMemoryError.invalidSize) { _ = try TypedArena<Int>(initialCapacity: -1) }
    #expect(throws: SNMemoryError.invalidSize) { _ = try TypedArena<Int>(initialCapacity: Int.max) }
  }
}

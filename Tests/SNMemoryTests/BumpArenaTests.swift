import SNMemory
import Testing

@Suite("BumpArena")
struct BumpArenaTests {
  @Test("allocations honour every power-of-two alignment")
  func alignment() throws {
    let arena = try BumpArena(chunkByteCount: 4096)
    for shift in 0...12 {
      let alignment = 1 << shift
      for size in [1, 3, 64, 100] {
        let pointer = arena.unsafeAllocate(byteCount: size, alignment: alignment)
        #expect(UInt(bitPattern: pointer) % UInt(alignment) == 0)
        pointer.storeBytes(of: 0xAB, as: UInt8.self)
      }
    }
  }

  @Test("allocations do not overlap and survive chunk growth")
  func distinctAndGrowing() throws {
    let arena = try BumpArena(chunkByteCount: 4096)
    var pointers: [UnsafeMutablePointer<Int>] = []
    for value in 0..<5000 {
      let pointer = arena.unsafeAllocate(of: Int.self)
      pointer.initialize(to: value)
      pointers.append(pointer)
    }
    #expect(pointers.enumerated().allSatisfy { $0.element.pointee == $0.offset })
    let stats = arena.statistics
    #expect(stats.chunkCount > 1)
    #expect(stats.bytesInUse >= 5000 * 8)
    #expect(stats.bytesReserved >= stats.bytesInUse)
  }

  @Test("chunks grow geometrically up to the maximum")
  func geometricGrowth() throws {
    let arena = try BumpArena(chunkByteCount: 4096, maximumChunkByteCount: 16384)
    for _ in 0..<20 { _ = arena.unsafeAllocate(byteCount: 4000, alignment: 8) }
    let stats = arena.statistics
    // 4 KiB, 8 KiB, then 16 KiB chunks: far fewer chunks than allocations.
    #expect(stats.chunkCount < 10)
    #expect(stats.bytesReserved >= 20 * 4000)
  }

  @Test("reset keeps only the largest chunk and rewinds to its start")
  func resetKeepsLargest() throws {
    let arena = try BumpArena(chunkByteCount: 4096)
    let first = arena.unsafeAllocate(byteCount: 16)
    for _ in 0..<100 { _ = arena.unsafeAllocate(byteCount: 1000) }
    let before = arena.statistics
    #expect(before.chunkCount > 2)
    arena.reset()
    let after = arena.statistics
    #expect(after.chunkCount == 1)
    #expect(after.bytesInUse == 0)
    #expect(after.bytesReserved >= 64 * 1024)  // the largest chunk, not the first 4 KiB one
    let again = arena.unsafeAllocate(byteCount: 16)
    #expect(again != first)  // memory now comes from the kept (largest) chunk
    // A second reset of a one-chunk arena reuses exactly the same memory.
    arena.reset()
    #expect(arena.unsafeAllocate(byteCount: 16) == again)
  }

  @Test("withScope rewinds, also across new chunks")
  func scopeRewinds() throws {
    let arena = try BumpArena(chunkByteCount: 4096)
    _ = arena.unsafeAllocate(byteCount: 100)
    let used = arena.statistics.bytesInUse
    let sum = arena.withScope { scope in
      var total = 0
      for i in 0..<1000 {
        let p = scope.unsafeAllocate(of: Int.self)
        p.initialize(to: i)
        total += p.pointee
      }
      return total
    }
    #expect(sum == 499_500)
    #expect(arena.statistics.bytesInUse == used)
    #expect(arena.statistics.chunkCount == 1)
  }

  @Test("withBuffer lends an initialised span and deinitialises it")
  func withBuffer() throws {
    let arena = try BumpArena()
    let tracker = LifetimeCounter()
    let total = arena.withBuffer(count: 10, repeating: Tracked(7, tracker)) { span in
      var sum = 0
      for i in span.indices { sum += span[i].value }
      span[0] = Tracked(1, tracker)
      return sum + span[0].value
    }
    #expect(total == 71)
    #expect(tracker.live == 0)
    #expect(arena.statistics.bytesInUse == 0)
  }

  @Test("bad configuration is a typed error")
  func badInput() {
    #expect(throws: SNMemoryError.invalidSize) { _ = try BumpArena(chunkByteCount: 0) }
    #expect(throws: SNMemoryError.invalidSize) { _ = try BumpArena(chunkByteCount: -5) }
    #expect(throws: SNMemoryError.invalidSize) {
      _ = try BumpArena(chunkByteCount: 8192, maximumChunkByteCount: 4096)
    }
    #expect(throws: SNMemoryError.invalidSize) { _ = try BumpArena(chunkByteCount: Int.max) }
  }

  @Test("reserveCapacity maps ahead and rejects absurd sizes")
  func reserve() throws {
    let arena = try BumpArena(chunkByteCount: 4096)
    try arena.reserveCapacity(1 << 20)
    let chunks = arena.statistics.chunkCount
    _ = arena.unsafeAllocate(byteCount: 1 << 19)
    #expect(arena.statistics.chunkCount == chunks)
    #expect(throws: SNMemoryError.invalidSize) { try arena.reserveCapacity(-1) }
    #expect(throws: SNMemoryError.invalidSize) { try arena.reserveCapacity(Int.max) }
  }

  @Test("exhausted address space is outOfMemory, not a crash")
  func outOfAddressSpace() {
    // 2^46 bytes (64 TiB) is within the accepted range but beyond what mmap gives.
    #expect(throws: SNMemoryError.outOfMemory) {
      _ = try BumpArena(chunkByteCount: 1 << 46, maximumChunkByteCount: 1 << 46)
    }
    #expect(throws: SNMemoryError.outOfMemory) { _ = try MappedRegion(byteCount: 1 << 46) }
  }

  @Test("alignment that is not a power of two traps", .enabled(if: exitTestsSupported))
  func badAlignmentTraps() async {
    await #expect(processExitsWith: .failure) {
      let arena = try BumpArena()
      _ = arena.unsafeAllocate(byteCount: 8, alignment: 24)
    }
  }

  @Test("zero-byte allocation traps", .enabled(if: exitTestsSupported))
  func zeroSizeTraps() async {
    await #expect(processExitsWith: .failure) {
      let arena = try BumpArena()
      _ = arena.unsafeAllocate(byteCount: 0)
    }
  }
}

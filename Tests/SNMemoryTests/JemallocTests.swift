import SNMemory
import Testing

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

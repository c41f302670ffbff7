/// A bump (region) allocator for raw bytes, owned by one thread.
///
/// Allocation moves a cursor through the current chunk: a few instructions and
/// no lock, no per-allocation header, no free. When a chunk is full the arena
/// maps a new one, twice the size of the last (up to ``maximumChunkByteCount``).
/// ``reset()`` frees everything at once and keeps only the largest chunk, so a
/// worker that resets once per batch settles on one chunk and never calls
/// into the system again.
///
/// Chunks come from `mmap`, with the ``PagePolicy`` chosen at creation, so a
/// large arena can live on huge pages; ``statistics`` reports which pages it got.
///
/// The safe API hands out memory only for the length of a closure
/// (``withScope(_:)``, ``withBuffer(of:count:repeating:_:)``). The escape
/// hatch, ``unsafeAllocate(byteCount:alignment:)``, returns raw pointers that
/// are valid until the next ``reset()`` or the arena's destruction; the arena
/// never runs deinitialisers for what is stored there (use ``TypedArena`` for
/// values that need them).
///
/// Not `Sendable`: create the arena on the thread that uses it (its pages are
/// then placed on that thread's NUMA node by first touch) and keep it there.
public final class BumpArena {
  /// Next free address in the current chunk.
  @usableFromInline var _cursor: UInt
  /// One past the last byte of the current chunk.
  @usableFromInline var _limit: UInt
  /// Every chunk; the current one is last.
  @usableFromInline var _chunks: [_Mapping]
  /// Bytes handed out from chunks before the current one, since the last reset.
  @usableFromInline var _retiredBytesInUse: Int
  /// Size of the next chunk to map.
  @usableFromInline var _nextChunkByteCount: Int
  /// How many ``withScope(_:)``/``withBuffer(of:count:repeating:_:)`` calls are open.
  @usableFromInline var _scopeDepth = 0

  /// The page policy every chunk is mapped with.
  public let pages: PagePolicy
  /// Whether chunks are faulted in when they are mapped.
  public let prefault: Bool
  /// The largest chunk the arena maps for ordinary growth (bigger single
  /// allocations get a chunk of their own size).
  public let maximumChunkByteCount: Int

  /// Creates an arena and maps its first chunk.
  ///
  /// - Parameters:
  ///   - chunkByteCount: Size of the first chunk (default 64 KiB); rounded up to
  ///     whole pages, or to 2 MiB with huge pages.
  ///   - maximumChunkByteCount: Cap on geometric growth (default 64 MiB).
  ///   - pages: Which pages chunks use (default ``PagePolicy/normal``).
  ///   - prefault: Fault chunks in when mapped, off the allocation fast path.
  /// - Throws: ``SNMemoryError/invalidSize`` for a non-positive or absurd size or a
  ///   maximum below the first chunk; ``SNMemoryError/outOfMemory`` if the system
  ///   refuses the first chunk.
  public init(
    chunkByteCount: Int = 64 << 10,
    maximumChunkByteCount: Int = 64 << 20,
    pages: PagePolicy = .normal,
    prefault: Bool = false
  ) throws(SNMemoryError) {
    guard chunkByteCount > 0, chunkByteCount <= _PageMapping.maximumByteCount else {
      throw .invalidSize(chunkByteCount, "chunkByteCount")
    }
    guard maximumChunkByteCount >= chunkByteCount,
      maximumChunkByteCount <= _PageMapping.maximumByteCount
    else {
      throw .invalidSize(maximumChunkByteCount, "maximumChunkByteCount (>= chunkByteCount)")
    }
    let first = try _PageMapping.map(byteCount: chunkByteCount, policy: pages, prefault: prefault)
    self.pages = pages
    self.prefault = prefault
    self.maximumChunkByteCount = maximumChunkByteCount
    _chunks = [first]
    _cursor = UInt(bitPattern: first.base)
    _limit = _cursor + UInt(first.byteCount)
    _retiredBytesInUse = 0
    _nextChunkByteCount = Swift.min(first.byteCount * 2, maximumChunkByteCount)
  }

  deinit {
    for chunk in _chunks { _PageMapping.unmap(chunk) }
  }

  /// The current chunk's base address.
  @usableFromInline var _currentBase: UInt { UInt(bitPattern: _chunks[_chunks.count - 1].base) }

  /// Memory use right now.
  ///
  /// - Complexity: O(chunk count).
  public var statistics: ArenaStatistics {
    ArenaStatistics(
      chunks: _chunks, bytesInUse: _retiredBytesInUse + Int(_cursor - _currentBase))
  }

  /// The kind of pages of the current chunk.
  public var pageKind: PageKind { _chunks[_chunks.count - 1].kind }

  /// Frees every allocation at once; keeps the largest chunk for reuse and
  /// returns the others to the system. Pointers from before the reset dangle.
  /// Calling it inside ``withScope(_:)`` is a programmer error (precondition).
  ///
  /// - Complexity: O(1) when the arena has one chunk (the steady state of a
  ///   worker that resets per batch); otherwise O(chunk count) `munmap` calls.
  public func reset() {
    precondition(_scopeDepth == 0, "BumpArena: reset() inside withScope or withBuffer")
    if _chunks.count > 1 {
      var largest = 0
      for index in _chunks.indices where _chunks[index].byteCount > _chunks[largest].byteCount {
        largest = index
      }
      let keep = _chunks[largest]
      for index in _chunks.indices where index != largest { _PageMapping.unmap(_chunks[index]) }
      _chunks.removeAll(keepingCapacity: true)
      _chunks.append(keep)
    }
    let chunk = _chunks[0]
    _cursor = UInt(bitPattern: chunk.base)
    _limit = _cursor + UInt(chunk.byteCount)
    _retiredBytesInUse = 0
  }

  /// Maps chunks ahead of time so that at least `byteCount` more bytes can be
  /// allocated without touching the system (useful before a latency-critical
  /// phase, and to get a thrown error instead of a trap when memory is short).
  ///
  /// - Parameter byteCount: Bytes to have available in the current chunk.
  /// - Throws: ``SNMemoryError/invalidSize`` for a negative or absurd count,
  ///   ``SNMemoryError/outOfMemory`` when the system refuses.
  public func reserveCapacity(_ byteCount: Int) throws(SNMemoryError) {
    guard byteCount >= 0, byteCount <= _PageMapping.maximumByteCount else {
      throw .invalidSize(byteCount, "byteCount")
    }
    if Int(_limit - _cursor) >= byteCount { return }
    try _addChunk(atLeast: byteCount)
  }

  /// Maps a new current chunk of at least `byteCount` bytes.
  func _addChunk(atLeast byteCount: Int) throws(SNMemoryError) {
    let size = Swift.max(_nextChunkByteCount, byteCount)
    let chunk = try _PageMapping.map(byteCount: size, policy: pages, prefault: prefault)
    _retiredBytesInUse += Int(_cursor - _currentBase)
    _chunks.append(chunk)
    _cursor = UInt(bitPattern: chunk.base)
    _limit = _cursor + UInt(chunk.byteCount)
    _nextChunkByteCount = Swift.min(_nextChunkByteCount * 2, maximumChunkByteCount)
  }

  /// The slow path of ``unsafeAllocate(byteCount:alignment:)``: a new chunk.
  @usableFromInline @inline(never)
  func _allocateSlow(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
    precondition(
      byteCount <= _PageMapping.maximumByteCount, "BumpArena: byteCount \(byteCount) is absurd")
    do {
      try _addChunk(atLeast: byteCount + alignment)
    } catch {
      fatalError(
        "BumpArena: out of memory mapping a chunk (\(error)); use reserveCapacity to catch it")
    }
    let mask = UInt(alignment - 1)
    let start = (_cursor + mask) & ~mask
    _cursor = start + UInt(byteCount)
    return UnsafeMutableRawPointer(bitPattern: start)!
  }
}

@available(*, unavailable, message: "BumpArena is owned by one thread")
extension BumpArena: Sendable {}

extension BumpArena {
  /// The largest alignment an allocation may ask for: one base page.
  public static let maximumAlignment = 4096

  /// Allocates uninitialised bytes. The escape hatch: the pointer is valid until
  /// the next ``reset()``, the end of an enclosing ``withScope(_:)``, or the
  /// arena's destruction, whichever comes first. Nothing is ever deinitialised.
  ///
  /// - Parameters:
  ///   - byteCount: Bytes to allocate; must be positive (precondition).
  ///   - alignment: A power of two up to ``maximumAlignment`` (precondition); default 16.
  /// - Returns: An aligned pointer to `byteCount` uninitialised bytes.
  /// - Complexity: O(1): a few instructions, plus an amortised `mmap` when a chunk fills.
  ///   Traps if the system refuses a new chunk (use ``reserveCapacity(_:)`` first
  ///   to get a thrown error instead).
  @inlinable
  public func unsafeAllocate(byteCount: Int, alignment: Int = 16) -> UnsafeMutableRawPointer {
    precondition(byteCount > 0, "BumpArena: byteCount must be positive")
    precondition(
      alignment > 0 && alignment & (alignment &- 1) == 0 && alignment <= Self.maximumAlignment,
      "BumpArena: alignment must be a power of two up to 4096")
    let mask = UInt(bitPattern: alignment &- 1)
    let start = (_cursor &+ mask) & ~mask
    let end = start &+ UInt(bitPattern: byteCount)
    if _fastPath(end <= _limit && end > start) {
      _cursor = end
      return UnsafeMutableRawPointer(bitPattern: start).unsafelyUnwrapped
    }
    return _allocateSlow(byteCount: byteCount, alignment: alignment)
  }

  /// Allocates uninitialised, correctly aligned room for `count` values of `type`.
  /// The same escape hatch as ``unsafeAllocate(byteCount:alignment:)``: the
  /// caller initialises, deinitialises (if `T` needs it) and stops using the
  /// memory before the next reset.
  ///
  /// - Parameters:
  ///   - type: The element type.
  ///   - count: How many elements; must be positive (precondition).
  /// - Returns: A pointer to `count` uninitialised elements.
  /// - Complexity: O(1) amortised.
  @inlinable
  public func unsafeAllocate<T>(of type: T.Type, count: Int = 1) -> UnsafeMutablePointer<T> {
    precondition(count > 0, "BumpArena: count must be positive")
    let (bytes, overflow) = MemoryLayout<T>.stride.multipliedReportingOverflow(by: count)
    precondition(!overflow, "BumpArena: count * stride overflows")
    return unsafeAllocate(
      byteCount: Swift.max(bytes, 1), alignment: Swift.max(MemoryLayout<T>.alignment, 1)
    ).bindMemory(to: T.self, capacity: count)
  }

  /// Runs `body`, then frees everything allocated during it (the arena rewinds
  /// to where it was). Scopes nest like stack frames: scratch memory for one
  /// message or one batch without resetting the whole arena.
  ///
  /// - Parameter body: Work that allocates from this arena; pointers obtained
  ///   inside must not be used after it returns.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws (the arena rewinds either way).
  /// - Complexity: O(1) plus one `munmap` per chunk mapped during `body`.
  @inlinable
  public func withScope<R, E: Error>(_ body: (BumpArena) throws(E) -> R) throws(E) -> R {
    let mark = _mark()
    defer { _rewind(to: mark) }
    return try body(self)
  }

  /// Allocates `count` values initialised to `value`, lends them to `body` as a
  /// `MutableSpan` (which the compiler keeps from escaping), then deinitialises
  /// them and rewinds the arena. The safe way to use arena memory for
  /// temporary buffers of any type.
  ///
  /// - Parameters:
  ///   - type: The element type.
  ///   - count: How many elements; must not be negative (precondition).
  ///   - value: The initial value of every element.
  ///   - body: Work on the elements.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws (elements are deinitialised either way).
  /// - Complexity: O(`count`) to initialise and deinitialise.
  @inlinable
  public func withBuffer<T, R, E: Error>(
    of type: T.Type = T.self, count: Int, repeating value: T,
    _ body: (inout MutableSpan<T>) throws(E) -> R
  ) throws(E) -> R {
    precondition(count >= 0, "BumpArena: count must not be negative")
    let mark = _mark()
    defer { _rewind(to: mark) }
    let base = unsafeAllocate(of: T.self, count: Swift.max(count, 1))
    let buffer = UnsafeMutableBufferPointer(start: base, count: count)
    buffer.initialize(repeating: value)
    defer { buffer.deinitialize() }
    var span = buffer.mutableSpan
    return try body(&span)
  }

  /// Where the arena stands, to rewind to later.
  @usableFromInline
  struct _Mark {
    @usableFromInline let chunkCount: Int
    @usableFromInline let cursor: UInt
    @usableFromInline let retiredBytesInUse: Int

    @usableFromInline
    init(chunkCount: Int, cursor: UInt, retiredBytesInUse: Int) {
      self.chunkCount = chunkCount
      self.cursor = cursor
      self.retiredBytesInUse = retiredBytesInUse
    }
  }

  @inlinable
  func _mark() -> _Mark {
    _scopeDepth &+= 1
    return _Mark(chunkCount: _chunks.count, cursor: _cursor, retiredBytesInUse: _retiredBytesInUse)
  }

  @inlinable
  func _rewind(to mark: _Mark) {
    _scopeDepth &-= 1
    if _fastPath(_chunks.count == mark.chunkCount) {
      _cursor = mark.cursor
      return
    }
    _rewindSlow(to: mark)
  }

  @usableFromInline @inline(never)
  func _rewindSlow(to mark: _Mark) {
    assert(_chunks.count > mark.chunkCount, "BumpArena: chunks vanished inside a scope")
    for chunk in _chunks[mark.chunkCount...] { _PageMapping.unmap(chunk) }
    _chunks.removeSubrange(mark.chunkCount...)
    let chunk = _chunks[_chunks.count - 1]
    _cursor = mark.cursor
    _limit = UInt(bitPattern: chunk.base) + UInt(chunk.byteCount)
    _retiredBytesInUse = mark.retiredBytesInUse
  }
}

/// An arena of values of one type, owned by one thread: allocation is a pointer
/// bump, and ``reset()`` or the arena's destruction deinitialises every value.
///
/// Chunks double in capacity (the first holds ``initialCapacity`` values, at
/// least one page) and are kept across resets, so a worker that allocates a
/// batch of messages, handles them and resets reuses the same memory forever.
///
/// The safe API is ``allocate(_:)``, which returns an ``Index`` stamped with the
/// arena's generation, and the checked ``subscript(_:)``: using an index after
/// a reset is a trapped programmer error, never a dangling read. The escape
/// hatch, ``unsafeAllocate(_:)``, returns a pointer that is valid until the next
/// ``reset()`` or the arena's destruction; the arena still deinitialises the
/// value, so the caller must not.
///
/// ```swift
/// let arena = try TypedArena<Message>()
/// let first = arena.allocate(Message(id: 1))
/// arena[first].handled = true
/// arena.reset()  // deinitialises every message; `first` is now stale
/// ```
///
/// Not `Sendable`: keep it in the worker's state, on the worker's thread.
public final class TypedArena<Element> {
  /// A checked handle to one value of the arena.
  public struct Index: Hashable, Sendable {
    /// The allocation number since the last reset.
    @usableFromInline let position: Int
    /// The arena generation (number of resets) when it was allocated.
    @usableFromInline let generation: UInt64

    @usableFromInline
    init(position: Int, generation: UInt64) {
      self.position = position
      self.generation = generation
    }
  }

  /// Next free slot in the current chunk.
  @usableFromInline var _next: UnsafeMutablePointer<Element>
  /// One past the last slot of the current chunk.
  @usableFromInline var _end: UnsafeMutablePointer<Element>
  /// Values allocated since the last reset.
  @usableFromInline var _count: Int
  /// Incremented by every reset; stamps indices.
  @usableFromInline var _generation: UInt64
  /// Every chunk, chunk `k` holding `initialCapacity << k` values.
  @usableFromInline var _chunks: [_Mapping]
  /// Index of the chunk `_next` points into.
  @usableFromInline var _current: Int
  /// log2 of ``initialCapacity``.
  @usableFromInline let _log2InitialCapacity: Int

  /// The page policy every chunk is mapped with.
  public let pages: PagePolicy

  /// Values in the first chunk: the request rounded up to a power of two and to
  /// at least one page of values.
  public var initialCapacity: Int { 1 << _log2InitialCapacity }

  /// Creates an arena and maps its first chunk.
  ///
  /// - Parameters:
  ///   - initialCapacity: Values in the first chunk (default 256); rounded up to a
  ///     power of two and to at least one page. Later chunks double.
  ///   - pages: Which pages chunks use (default ``PagePolicy/normal``).
  /// - Throws: ``SNMemoryError/invalidSize`` for a non-positive or absurd
  ///   capacity, ``SNMemoryError/outOfMemory`` if the system refuses the chunk.
  public init(initialCapacity: Int = 256, pages: PagePolicy = .normal) throws(SNMemoryError) {
    let stride = MemoryLayout<Element>.stride
    guard initialCapacity > 0, initialCapacity <= _PageMapping.maximumByteCount / stride else {
      throw .invalidSize(initialCapacity, "initialCapacity")
    }
    let perPage = Swift.max(_PageMapping.pageSize / stride, 1)
    let wanted = Swift.max(initialCapacity, perPage)
    let log2 = Int.bitWidth - (wanted - 1).leadingZeroBitCount
    let first = try _PageMapping.map(
      byteCount: (1 << log2) * stride, policy: pages, prefault: false)
    self.pages = pages
    _log2InitialCapacity = log2
    _chunks = [first]
    _current = 0
    _next = first.base.bindMemory(to: Element.self, capacity: 1 << log2)
    _end = _next + (1 << log2)
    _count = 0
    _generation = 0
  }

  deinit {
    _deinitializeAll()
    for chunk in _chunks { _PageMapping.unmap(chunk) }
  }

  /// Values allocated since the last reset.
  public var count: Int { _count }

  /// Memory use right now.
  ///
  /// - Complexity: O(chunk count).
  public var statistics: ArenaStatistics {
    ArenaStatistics(chunks: _chunks, bytesInUse: _count * MemoryLayout<Element>.stride)
  }

  /// Deinitialises every value and starts over in the first chunk; all chunks
  /// are kept for reuse. Indices from before the reset become invalid (checked)
  /// and pointers from ``unsafeAllocate(_:)`` dangle.
  ///
  /// - Complexity: O(1) for trivial types; O(`count`) when values need deinitialising.
  public func reset() {
    _deinitializeAll()
    _count = 0
    _generation &+= 1
    _current = 0
    _next = _chunkBase(0)
    _end = _next + initialCapacity
  }

  /// Stores `value` and returns a checked handle to it.
  ///
  /// - Parameter value: The value to move into the arena.
  /// - Returns: The index, valid until the next ``reset()``.
  /// - Complexity: O(1) amortised (a new chunk is mapped when one fills; traps
  ///   if the system refuses it).
  @inlinable
  @discardableResult
  public func allocate(_ value: consuming Element) -> Index {
    _slot().initialize(to: value)
    let index = Index(position: _count, generation: _generation)
    _count &+= 1
    return index
  }

  /// Stores `value` and returns its address. The escape hatch: the pointer is
  /// valid until the next ``reset()`` or the arena's destruction; the arena
  /// deinitialises the value then, so the caller must not.
  ///
  /// - Parameter value: The value to move into the arena.
  /// - Returns: A pointer to the stored value.
  /// - Complexity: O(1) amortised.
  @inlinable
  public func unsafeAllocate(_ value: consuming Element) -> UnsafeMutablePointer<Element> {
    let slot = _slot()
    slot.initialize(to: value)
    _count &+= 1
    return slot
  }

  /// Accesses the value behind `index`.
  ///
  /// - Parameter index: An index this arena returned since its last reset;
  ///   anything else is a programmer error (precondition).
  /// - Complexity: O(1).
  @inlinable
  public subscript(index: Index) -> Element {
    _read {
      yield _address(of: index).pointee
    }
    _modify {
      yield &_address(of: index).pointee
    }
  }

  /// Whether `index` still refers to a live value of this arena (same
  /// generation, in range).
  ///
  /// - Parameter index: An index.
  /// - Returns: `true` when ``subscript(_:)`` would accept it.
  @inlinable
  public func isValid(_ index: Index) -> Bool {
    index.generation == _generation && index.position >= 0 && index.position < _count
  }

  @inlinable
  func _address(of index: Index) -> UnsafeMutablePointer<Element> {
    precondition(
      index.generation == _generation, "TypedArena: index used after reset (stale generation)")
    precondition(index.position >= 0 && index.position < _count, "TypedArena: index out of range")
    // Chunk k starts at position initialCapacity * (2^k - 1).
    let q = (index.position >> _log2InitialCapacity) &+ 1
    let chunk = Int.bitWidth &- 1 &- q.leadingZeroBitCount
    let start = ((1 << chunk) &- 1) << _log2InitialCapacity
    return _chunkBase(chunk) + (index.position &- start)
  }

  @inlinable
  func _chunkBase(_ chunk: Int) -> UnsafeMutablePointer<Element> {
    _chunks[chunk].base.assumingMemoryBound(to: Element.self)
  }

  @inlinable
  func _slot() -> UnsafeMutablePointer<Element> {
    if _fastPath(_next != _end) {
      let slot = _next
      _next = slot + 1
      return slot
    }
    return _nextChunk()
  }

  /// Moves to the next chunk (mapping it on first use) and returns its first slot.
  @usableFromInline @inline(never)
  func _nextChunk() -> UnsafeMutablePointer<Element> {
    let next = _current + 1
    let capacity = initialCapacity << next
    if next == _chunks.count {
      do {
        let chunk = try _PageMapping.map(
          byteCount: capacity * MemoryLayout<Element>.stride, policy: pages, prefault: false)
        _chunks.append(chunk)
        _ = chunk.base.bindMemory(to: Element.self, capacity: capacity)
      } catch {
        fatalError("TypedArena: out of memory mapping a chunk (\(error))")
      }
    }
    _current = next
    let base = _chunkBase(next)
    _next = base + 1
    _end = base + capacity
    return base
  }

  /// Deinitialises the `_count` live values, chunk by chunk.
  func _deinitializeAll() {
    guard !_isPOD(Element.self) else { return }
    var remaining = _count
    var chunk = 0
    while remaining > 0 {
      let n = Swift.min(remaining, initialCapacity << chunk)
      _chunkBase(chunk).deinitialize(count: n)
      remaining -= n
      chunk += 1
    }
  }
}

@available(*, unavailable, message: "TypedArena is owned by one thread")
extension TypedArena: Sendable {}

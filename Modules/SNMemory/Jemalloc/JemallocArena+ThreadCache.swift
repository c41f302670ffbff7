import Synchronization

#if Jemalloc && os(Linux)
  import CJemalloc
#endif

extension JemallocArena {
  /// A jemalloc thread cache private to one owner, allocating from one
  /// ``JemallocArena``.
  ///
  /// Allocating through the arena itself bypasses jemalloc's thread cache, so
  /// every call takes the arena's lock; a producer and a consumer that share
  /// the arena then contend on that lock for every block. A `ThreadCache` is an
  /// explicit jemalloc cache (`tcache.create`, used with `MALLOCX_TCACHE`): it
  /// keeps a few freed blocks per size class and refills or flushes them in
  /// batches, one lock round trip per batch, which is how jemalloc's ordinary
  /// `malloc` is fast. Give each thread its own cache of the arena:
  ///
  /// ```swift
  /// let arena = try JemallocArena()
  /// // Producer thread:
  /// let cache = try arena.makeThreadCache()
  /// let block = cache.unsafeAllocate(byteCount: 64)
  /// // ... hand `block` to the consumer thread, whose own cache frees it:
  /// let consumerCache = try arena.makeThreadCache()  // made on the consumer thread
  /// consumerCache.unsafeDeallocate(block)
  /// ```
  ///
  /// jemalloc's rule is that one cache is never used by two threads at once.
  /// The type enforces it: a `ThreadCache` is not copyable and not `Sendable`,
  /// so it cannot be shared or captured by a `@Sendable` closure; it can only
  /// be used where it was made or handed over whole (`sending`), never by two
  /// threads at the same time.
  ///
  /// A cache holds its arena alive, and destroying the cache (`tcache.destroy`)
  /// returns every block it keeps to the arena. While any cache of an arena
  /// exists, ``JemallocArena/reset()`` traps: a cached block would survive the
  /// reset and be handed out again after its memory was discarded.
  ///
  /// Every pointer passed to ``unsafeDeallocate(_:)`` must come from the same
  /// arena (any of its caches, or the arena itself): a block of another arena
  /// would be kept here and handed out as if it were this arena's. Debug builds
  /// check this with `arenas.lookup`.
  public struct ThreadCache: ~Copyable {
    /// The arena this cache allocates from.
    public let arena: JemallocArena
    /// jemalloc's number for the cache.
    public let cacheIndex: UInt32
    /// The `mallocx`/`dallocx` flags: the arena and this cache.
    @usableFromInline let _flags: Int32

    /// Creates a cache for `arena`.
    ///
    /// - Parameter arena: The arena to allocate from.
    /// - Throws: ``SNMemoryError/unavailable`` when the `Jemalloc` trait is off,
    ///   ``SNMemoryError/systemCallFailed`` when jemalloc refuses to create a
    ///   cache (it allows a few thousand at once; `errno` holds its code).
    public init(arena: JemallocArena) throws(SNMemoryError) {
      #if Jemalloc && os(Linux)
        var index: UInt32 = 0
        var length = MemoryLayout<UInt32>.size
        let rc = mallctl("tcache.create", &index, &length, nil, 0)
        guard rc == 0 else { throw .systemCallFailed(errno: rc, "mallctl(tcache.create)") }
        self.arena = arena
        cacheIndex = index
        _flags = csnje_mallocx_arena(arena.arenaIndex) | csnje_mallocx_tcache(index)
        arena._liveThreadCaches.add(1, ordering: .relaxed)
      #else
        throw .unavailable(
          "JemallocArena.ThreadCache needs the package trait Jemalloc "
            + "(Linux, apt-get install libjemalloc-dev)")
      #endif
    }

    deinit {
      #if Jemalloc && os(Linux)
        var index = cacheIndex
        // Destroying flushes: every cached block goes back to its arena first.
        _ = mallctl("tcache.destroy", nil, nil, &index, MemoryLayout<UInt32>.size)
        // Releasing: the flush above happens before a reset that sees zero caches.
        arena._liveThreadCaches.subtract(1, ordering: .releasing)
      #endif
    }

    /// Allocates uninitialised bytes in the arena through this cache. The
    /// block may be freed by any cache of the same arena, or by the arena.
    ///
    /// - Parameters:
    ///   - byteCount: Bytes; must be positive (precondition).
    ///   - alignment: A power of two (precondition); default 16.
    /// - Returns: The allocation; it dies with the arena at the latest.
    /// - Complexity: O(1), usually without a lock (a cache hit). Traps when
    ///   jemalloc is out of memory, like Swift's own allocation.
    @inlinable
    public func unsafeAllocate(byteCount: Int, alignment: Int = 16) -> UnsafeMutableRawPointer {
      JemallocArena._allocate(
        byteCount: byteCount, alignment: alignment, flags: _flags,
        owner: "JemallocArena.ThreadCache")
    }

    /// Frees one block of this cache's arena into the cache.
    ///
    /// - Parameter pointer: A live block allocated from the same arena (by any
    ///   of its caches or by the arena itself).
    /// - Complexity: O(1), usually without a lock; a full cache flushes a batch.
    @inlinable
    public func unsafeDeallocate(_ pointer: UnsafeMutableRawPointer) {
      assert(arena.owns(pointer), "JemallocArena.ThreadCache: the block belongs to another arena")
      #if Jemalloc && os(Linux)
        dallocx(pointer, _flags)
      #endif
    }

    /// Returns every block the cache keeps to the arena (`tcache.flush`), so
    /// that the arena's ``JemallocArena/statistics`` count only live blocks.
    ///
    /// - Complexity: O(blocks cached), inside jemalloc.
    public func flush() {
      #if Jemalloc && os(Linux)
        var index = cacheIndex
        _ = mallctl("tcache.flush", nil, nil, &index, MemoryLayout<UInt32>.size)
      #endif
    }
  }

  /// Creates a thread cache of this arena for the calling owner.
  ///
  /// - Returns: A cache that allocates from this arena.
  /// - Throws: What ``ThreadCache/init(arena:)`` throws.
  public func makeThreadCache() throws(SNMemoryError) -> ThreadCache {
    try ThreadCache(arena: self)
  }

  /// Whether `pointer` is a live block of this arena (`arenas.lookup`).
  ///
  /// - Parameter pointer: A pointer returned by jemalloc (any arena).
  /// - Returns: `true` when jemalloc says the block belongs to this arena.
  /// - Complexity: One `mallctl` call: meant for checks, not hot paths.
  public func owns(_ pointer: UnsafeRawPointer) -> Bool {
    #if Jemalloc && os(Linux)
      var owner: UInt32 = .max
      var length = MemoryLayout<UInt32>.size
      var probe: UnsafeRawPointer? = pointer
      let rc = mallctl(
        "arenas.lookup", &owner, &length, &probe, MemoryLayout<UnsafeRawPointer?>.size)
      return rc == 0 && owner == arenaIndex
    #else
      return false
    #endif
  }
}

/// A thread cache is one thread's: it must never be used by two at once.
@available(*, unavailable)
extension JemallocArena.ThreadCache: Sendable {}

import Synchronization

#if Jemalloc && os(Linux)
  import CJemalloc
#endif

/// A dedicated jemalloc arena: memory that one owner (a worker) allocates
/// apart from the rest of the process, measures, and can drop wholesale.
///
/// Available when the package trait `Jemalloc` is on (Linux, needs
/// `libjemalloc-dev`); otherwise ``init()`` throws ``SNMemoryError/unavailable``.
///
/// > Important: Debian's libjemalloc is built without a symbol prefix, so
/// > enabling the trait links a library that **replaces `malloc`/`free` for the
/// > whole process**: the Swift runtime, Foundation, libc and every other library
/// > then allocate through jemalloc. Loading it privately is not possible (its
/// > initial-exec TLS makes `dlopen` fail). Enable the trait only in an
/// > executable that wants jemalloc as its allocator.
///
/// Each instance creates its own arena (`mallctl("arenas.create")`).
/// ``unsafeAllocate(byteCount:alignment:)`` and ``unsafeDeallocate(_:)`` go
/// straight to the arena (`MALLOCX_ARENA(i) | MALLOCX_TCACHE_NONE`): any thread
/// may call them, and each call takes the arena's lock. jemalloc arenas are
/// internally synchronised, so the type is `Sendable`.
///
/// For a hot path, give each thread its own ``ThreadCache`` of the arena
/// (``makeThreadCache()``): it batches the lock round trips the way jemalloc's
/// `malloc` does, and "producer allocates, consumer frees" then costs about
/// what it costs with `malloc`. A cache keeps the arena alive, and ``reset()``
/// traps while any cache of the arena exists, so no cached block can outlive
/// a reset. Destroying the instance (after its last cache) destroys the arena
/// (`arena.<i>.destroy`) and with it every allocation still in it.
public final class JemallocArena: Sendable {
  /// jemalloc's arena number.
  public let arenaIndex: UInt32
  /// The `mallocx` flags: this arena, no thread cache.
  @usableFromInline let _flags: Int32
  /// Live ``ThreadCache`` values of this arena; ``reset()`` requires zero.
  let _liveThreadCaches = Atomic<Int>(0)

  /// Whether this build links jemalloc (the `Jemalloc` trait on Linux).
  public static var isAvailable: Bool {
    #if Jemalloc && os(Linux)
      true
    #else
      false
    #endif
  }

  /// The linked jemalloc version (for example `5.3.0-0-g54eaed1d…`), or `nil`
  /// when the trait is off.
  public static var version: String? {
    #if Jemalloc && os(Linux)
      JEMALLOC_VERSION
    #else
      nil
    #endif
  }

  /// Creates a new jemalloc arena.
  ///
  /// - Throws: ``SNMemoryError/unavailable`` when the `Jemalloc` trait is off,
  ///   ``SNMemoryError/systemCallFailed`` when jemalloc refuses to create an arena.
  public init() throws(SNMemoryError) {
    #if Jemalloc && os(Linux)
      var index: UInt32 = 0
      var length = MemoryLayout<UInt32>.size
      let rc = mallctl("arenas.create", &index, &length, nil, 0)
      guard rc == 0 else { throw .systemCallFailed(errno: rc, "mallctl(arenas.create)") }
      arenaIndex = index
      _flags = csnje_mallocx_arena(index) | csnje_mallocx_tcache_none()
    #else
      throw .unavailable(
        "JemallocArena needs the package trait Jemalloc (Linux, apt-get install libjemalloc-dev)")
    #endif
  }

  deinit {
    #if Jemalloc && os(Linux)
      _ = mallctl("arena.\(arenaIndex).destroy", nil, nil, nil, 0)
    #endif
  }

  /// Allocates uninitialised bytes in this arena. The caller frees them with
  /// ``unsafeDeallocate(_:)`` (from any thread) or drops them all with
  /// ``reset()``; the pointer dies with the arena at the latest.
  ///
  /// - Parameters:
  ///   - byteCount: Bytes; must be positive (precondition).
  ///   - alignment: A power of two (precondition); default 16.
  /// - Returns: The allocation.
  /// - Complexity: O(1); jemalloc takes the arena's lock (no thread cache).
  ///   Traps when jemalloc is out of memory, like Swift's own allocation.
  @inlinable
  public func unsafeAllocate(byteCount: Int, alignment: Int = 16) -> UnsafeMutableRawPointer {
    Self._allocate(
      byteCount: byteCount, alignment: alignment, flags: _flags, owner: "JemallocArena")
  }

  /// The checks and the `mallocx` call of ``unsafeAllocate(byteCount:alignment:)``,
  /// shared with ``ThreadCache`` (which passes its own flags).
  @inlinable @inline(__always)
  static func _allocate(
    byteCount: Int, alignment: Int, flags: Int32, owner: StaticString
  ) -> UnsafeMutableRawPointer {
    precondition(byteCount > 0, "\(owner): byteCount must be positive")
    precondition(
      alignment > 0 && alignment & (alignment &- 1) == 0,
      "\(owner): alignment must be a power of two")
    #if Jemalloc && os(Linux)
      let flags = flags | csnje_mallocx_lg_align(UInt32(alignment.trailingZeroBitCount))
      guard let pointer = mallocx(byteCount, flags) else {
        fatalError("\(owner): out of memory allocating \(byteCount) bytes")
      }
      return pointer
    #else
      fatalError("unreachable: \(owner) cannot be created without the Jemalloc trait")
    #endif
  }

  /// Frees one allocation of this arena; may be called from any thread.
  ///
  /// - Parameter pointer: A pointer from ``unsafeAllocate(byteCount:alignment:)``
  ///   of this arena, not yet freed and not dropped by ``reset()``.
  /// - Complexity: O(1).
  @inlinable
  public func unsafeDeallocate(_ pointer: UnsafeMutableRawPointer) {
    #if Jemalloc && os(Linux)
      dallocx(pointer, _flags)
    #endif
  }

  /// Frees every allocation in the arena at once (`arena.<i>.reset`); the arena
  /// stays usable. Every pointer from before the reset dangles, and no other
  /// thread may be allocating from or freeing into the arena meanwhile.
  ///
  /// Traps while any ``ThreadCache`` of the arena exists (precondition): a
  /// cache may hold blocks of the arena, which would be handed out again after
  /// the reset discarded their memory. Destroy the caches first.
  ///
  /// - Complexity: O(extents held by the arena), inside jemalloc.
  public func reset() {
    precondition(
      _liveThreadCaches.load(ordering: .acquiring) == 0,
      "JemallocArena.reset: destroy every ThreadCache of the arena first")
    #if Jemalloc && os(Linux)
      _ = mallctl("arena.\(arenaIndex).reset", nil, nil, nil, 0)
    #endif
  }

  /// The arena's counters, refreshed now (`mallctl("epoch")`, then
  /// `stats.arenas.<i>.*`).
  ///
  /// - Complexity: A handful of `mallctl` calls: cheap, but not for hot paths.
  public var statistics: Statistics {
    #if Jemalloc && os(Linux)
      var epoch: UInt64 = 1
      var epochIn: UInt64 = 1
      var epochLength = MemoryLayout<UInt64>.size
      _ = mallctl("epoch", &epoch, &epochLength, &epochIn, epochLength)
      let prefix = "stats.arenas.\(arenaIndex)."
      let page = Self._read("arenas.page")
      return Statistics(
        allocated: Self._read(prefix + "small.allocated") + Self._read(prefix + "large.allocated"),
        active: Self._read(prefix + "pactive") * page,
        resident: Self._read(prefix + "resident"),
        mapped: Self._read(prefix + "mapped"))
    #else
      return Statistics(allocated: 0, active: 0, resident: 0, mapped: 0)
    #endif
  }

  #if Jemalloc && os(Linux)
    /// Reads one `size_t` statistic; 0 when jemalloc does not know it.
    static func _read(_ name: String) -> Int {
      var value = 0
      var length = MemoryLayout<Int>.size
      return mallctl(name, &value, &length, nil, 0) == 0 ? value : 0
    }
  #endif

  /// A snapshot of a jemalloc arena's counters, in bytes.
  public struct Statistics: Hashable, Sendable {
    /// Bytes in live allocations (small plus large).
    public var allocated: Int
    /// Bytes in active pages (pages holding at least one live allocation).
    public var active: Int
    /// Bytes physically resident in pages the arena holds (including dirty,
    /// freed-but-not-returned pages).
    public var resident: Int
    /// Bytes the arena has mapped from the system.
    public var mapped: Int

    /// Creates a snapshot.
    ///
    /// - Parameters:
    ///   - allocated: Bytes in live allocations.
    ///   - active: Bytes in active pages.
    ///   - resident: Resident bytes.
    ///   - mapped: Mapped bytes.
    public init(allocated: Int, active: Int, resident: Int, mapped: Int) {
      self.allocated = allocated
      self.active = active
      self.resident = resident
      self.mapped = mapped
    }
  }
}

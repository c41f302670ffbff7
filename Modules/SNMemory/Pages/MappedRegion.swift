/// A page-aligned region of anonymous memory that the owner alone uses and frees.
///
/// Created with ``init(byteCount:pages:prefault:)``, unmapped when the value is
/// destroyed. The region is not copyable, so exactly one owner frees it. Its
/// ``pageKind`` says which pages were obtained: with ``PagePolicy/bestAvailable``
/// the attempts are `MAP_HUGETLB`, then transparent huge pages, then normal pages.
///
/// ```swift
/// let region = try MappedRegion(byteCount: 64 << 20, pages: .bestAvailable, prefault: true)
/// print(region.pageKind)  // hugeTLB, transparentHuge or normal
/// region.withUnsafeMutableBytes { bytes in bytes[0] = 1 }
/// ```
///
/// Pages are placed on first touch by default: create and pre-fault the region
/// on the thread (and CPU) that will use it, or call ``bind(toNode:)``.
public struct MappedRegion: ~Copyable {
  @usableFromInline let _mapping: _Mapping

  /// Maps a new zero-filled region.
  ///
  /// - Parameters:
  ///   - byteCount: The requested size; rounded up to whole pages (to 2 MiB for huge pages).
  ///   - pages: Which pages to try for (default ``PagePolicy/normal``).
  ///   - prefault: Whether to fault every page in now. Huge-page faults can be
  ///     slow (the kernel may compact memory first), so pre-fault at startup.
  /// - Throws: ``SNMemoryError/invalidSize`` for a size that is not positive or is
  ///   absurdly large, ``SNMemoryError/outOfMemory`` when `mmap` fails with `ENOMEM`.
  /// - Complexity: O(1) system calls; O(`byteCount`) with `prefault`.
  public init(byteCount: Int, pages: PagePolicy = .normal, prefault: Bool = false)
    throws(SNMemoryError)
  {
    _mapping = try _PageMapping.map(byteCount: byteCount, policy: pages, prefault: prefault)
  }

  deinit {
    _PageMapping.unmap(_mapping)
  }

  /// The mapped size in bytes (the request rounded up to whole pages).
  public var byteCount: Int { _mapping.byteCount }

  /// Which kind of pages the mapping obtained.
  public var pageKind: PageKind { _mapping.kind }

  /// The first byte of the region. Valid only while this region is alive: the
  /// caller must not use the address after the region is destroyed.
  public var unsafeBaseAddress: UnsafeMutableRawPointer { _mapping.base }

  /// Calls `body` with the region's bytes.
  ///
  /// - Parameter body: A closure over the bytes; the buffer must not escape it.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws.
  @inlinable
  public func withUnsafeMutableBytes<R, E: Error>(
    _ body: (UnsafeMutableRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    try body(UnsafeMutableRawBufferPointer(start: _mapping.base, count: _mapping.byteCount))
  }

  /// Bytes of the region backed by huge pages right now (from `/proc/self/smaps`).
  ///
  /// For ``PageKind/transparentHuge`` this shows whether the kernel actually
  /// promoted the touched parts; untouched memory counts as zero.
  ///
  /// - Returns: Huge-page bytes, 0 where the information is unavailable.
  /// - Complexity: One read of `/proc/self/smaps`: not for hot paths.
  public func measuredHugePageBytes() -> Int {
    HugePages.residentBytes(in: _mapping.base, byteCount: _mapping.byteCount)
  }

  /// Binds the region's pages to one NUMA node (pages already touched are moved).
  ///
  /// - Parameter node: The node, in `0..<NUMA.nodeCount`.
  /// - Throws: ``SNMemoryError/invalidNode`` for a node that does not exist,
  ///   ``SNMemoryError/systemCallFailed`` when the kernel refuses.
  /// - Complexity: O(pages touched), in the kernel.
  public func bind(toNode node: Int) throws(SNMemoryError) {
    try NUMA.bind(_mapping.base, byteCount: _mapping.byteCount, toNode: node)
  }
}

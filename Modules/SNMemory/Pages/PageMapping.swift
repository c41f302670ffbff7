import CSNMemoryShim

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// One anonymous mapping: where it starts, how long it is, which pages it got.
///
/// Plain data; whoever holds it must call ``_PageMapping/unmap(_:)`` exactly once.
@usableFromInline
struct _Mapping {
  @usableFromInline let base: UnsafeMutableRawPointer
  @usableFromInline let byteCount: Int
  @usableFromInline let kind: PageKind

  @usableFromInline
  init(base: UnsafeMutableRawPointer, byteCount: Int, kind: PageKind) {
    self.base = base
    self.byteCount = byteCount
    self.kind = kind
  }
}

/// mmap/munmap/madvise for arena chunks and ``MappedRegion``.
@usableFromInline
enum _PageMapping {
  /// 2 MiB: the huge-page size on x86-64 and arm64 Linux.
  static let hugePageSize = 2 << 20

  /// The base page size.
  static let pageSize: Int = Int(sysconf(Int32(_SC_PAGESIZE)))

  /// The largest mapping accepted (far beyond any real machine; keeps arithmetic safe).
  static let maximumByteCount = 1 << 46

  static func roundUp(_ value: Int, to multiple: Int) -> Int {
    (value + multiple - 1) / multiple * multiple
  }

  /// Maps `byteCount` bytes (rounded up to whole pages) of zeroed, read-write memory.
  ///
  /// Huge-page attempts go `MAP_HUGETLB` -> THP `madvise` -> normal pages, as far
  /// as `policy` allows. Mappings of 2 MiB or more (and every huge one) start on a
  /// 2 MiB boundary so that the kernel can use huge pages for all of them.
  static func map(
    byteCount: Int, policy: PagePolicy, prefault: Bool
  ) throws(SNMemoryError) -> _Mapping {
    guard byteCount > 0, byteCount <= maximumByteCount else {
      throw .invalidSize(byteCount, "byteCount")
    }
    #if os(Linux)
      if policy == .bestAvailable {
        let length = roundUp(byteCount, to: hugePageSize)
        let raw = mmap(
          nil, length, PROT_READ | PROT_WRITE,
          MAP_PRIVATE | MAP_ANONYMOUS | csnm_map_hugetlb_2mb(), -1, 0)
        if let raw, raw != UnsafeMutableRawPointer(bitPattern: -1) {
          let mapping = _Mapping(base: raw, byteCount: length, kind: .hugeTLB)
          // With no free reserved page left, touching would raise SIGBUS: the
          // kernel reserves at mmap time for private mappings, so this is safe.
          if prefault { Self.prefault(mapping) }
          return mapping
        }
        // ENOMEM: no reserved pages; EINVAL: no hugetlbfs. Either way, fall back.
      }
    #endif
    let huge = policy != .normal
    let length = huge ? roundUp(byteCount, to: hugePageSize) : roundUp(byteCount, to: pageSize)
    let alignment = (huge || length >= hugePageSize) ? hugePageSize : pageSize
    let base = try mapAligned(length: length, alignment: alignment)
    var kind = PageKind.normal
    #if os(Linux)
      if huge {
        if madvise(base, length, MADV_HUGEPAGE) == 0 { kind = .transparentHuge }
      } else if length >= hugePageSize {
        _ = madvise(base, length, MADV_NOHUGEPAGE)  // keep `.normal` honest under THP=always
      }
    #endif
    let mapping = _Mapping(base: base, byteCount: length, kind: kind)
    if prefault { Self.prefault(mapping) }
    return mapping
  }

  /// Maps `length + alignment` bytes and trims both ends to an aligned `length`.
  private static func mapAligned(
    length: Int, alignment: Int
  ) throws(SNMemoryError) -> UnsafeMutableRawPointer {
    let extra = alignment > pageSize ? alignment : 0
    #if canImport(Darwin)
      let flags = MAP_PRIVATE | MAP_ANON
    #else
      let flags = MAP_PRIVATE | MAP_ANONYMOUS
    #endif
    guard
      let raw = mmap(nil, length + extra, PROT_READ | PROT_WRITE, flags, -1, 0),
      raw != UnsafeMutableRawPointer(bitPattern: -1)
    else {
      let error = errnoValue()
      if error == ENOMEM { throw .outOfMemory(errno: error, "mmap of \(length) bytes") }
      throw .systemCallFailed(errno: error, "mmap")
    }
    guard extra > 0 else { return raw }
    let address = UInt(bitPattern: raw)
    let mask = UInt(alignment - 1)
    let aligned = (address + mask) & ~mask
    let head = Int(aligned - address)
    if head > 0 { munmap(raw, head) }
    let tail = extra - head
    if tail > 0 { munmap(UnsafeMutableRawPointer(bitPattern: aligned + UInt(length)), tail) }
    return UnsafeMutableRawPointer(bitPattern: aligned)!
  }

  /// Faults every page in now (MADV_POPULATE_WRITE where the kernel has it,
  /// else one write per page), so the first real access does not pay for it.
  static func prefault(_ mapping: _Mapping) {
    #if os(Linux)
      if madvise(mapping.base, mapping.byteCount, csnm_madv_populate_write()) == 0 { return }
    #endif
    var offset = 0
    while offset < mapping.byteCount {
      mapping.base.storeBytes(of: 0, toByteOffset: offset, as: UInt8.self)
      offset += pageSize
    }
  }

  @usableFromInline
  static func unmap(_ mapping: _Mapping) {
    let rc = munmap(mapping.base, mapping.byteCount)
    assert(rc == 0, "munmap failed: the mapping was not ours")
  }

  static func errnoValue() -> Int32 {
    #if canImport(Glibc) || canImport(Musl) || canImport(Darwin)
      return errno
    #else
      return 0
    #endif
  }
}

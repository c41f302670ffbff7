import SNAtomics

/// What the system offers in huge pages, read from procfs and sysfs (Linux).
///
/// Everything here is a slow file read: call it at startup or in tests, never
/// on a hot path. On other systems every answer is "none".
public enum HugePages {
  /// The transparent huge page mode, from `/sys/kernel/mm/transparent_hugepage/enabled`.
  public enum TransparentMode: Hashable, Sendable {
    /// Every large enough anonymous mapping may get huge pages.
    case always
    /// Only mappings advised `MADV_HUGEPAGE` get huge pages (``PagePolicy/transparentHuge``).
    case madvise
    /// THP is switched off: advising is accepted but does nothing.
    case never
    /// The kernel has no THP (or this is not Linux).
    case unsupported
  }

  /// The huge-page size SNMemory uses: 2 MiB.
  public static let size = 2 << 20

  /// The current transparent huge page mode.
  public static var transparentMode: TransparentMode { transparentMode(from: SystemFiles()) }

  /// ``transparentMode`` as a sysfs tree (`/` or a recorded one) states it;
  /// ``TransparentMode/unsupported`` when the file is missing or names no mode.
  package static func transparentMode(from files: SystemFiles) -> TransparentMode {
    switch try? files.transparentHugePageMode() {
    case .always?: .always
    case .madvise?: .madvise
    case .never?: .never
    case nil: .unsupported
    }
  }

  /// How many 2 MiB pages are reserved and still free for `MAP_HUGETLB` (0 when none).
  public static var freeReservedPages: Int { freeReservedPages(from: SystemFiles()) }

  /// ``freeReservedPages`` as a sysfs tree (`/` or a recorded one) counts them;
  /// 0 when the pool is missing or unreadable.
  package static func freeReservedPages(from files: SystemFiles) -> Int {
    let pools = (try? files.hugePagePools()) ?? []
    return pools.first { $0.pageSizeKiB * 1024 == size }?.free ?? 0
  }

  /// Bytes of huge pages backing `[base, base + byteCount)` right now: the sum of
  /// `AnonHugePages` and `Private_Hugetlb` of every mapping in `/proc/self/smaps`
  /// that overlaps the range (whole-mapping figures, so a range inside a larger
  /// mapping may over-count). Returns 0 where smaps is unreadable.
  ///
  /// - Parameters:
  ///   - base: The first byte of the range.
  ///   - byteCount: The length of the range.
  /// - Returns: Huge-page bytes, a multiple of 2 MiB.
  /// - Complexity: O(size of `/proc/self/smaps`): one read of the file.
  public static func residentBytes(in base: UnsafeRawPointer, byteCount: Int) -> Int {
    let start = UInt(bitPattern: base)
    return SystemFiles().hugePageBytes(mappedBetween: start, and: start + UInt(byteCount)) ?? 0
  }
}

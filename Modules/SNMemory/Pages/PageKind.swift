/// Which pages SNMemory should ask the operating system for.
///
/// Huge pages (2 MiB on x86-64 and arm64 Linux) cut TLB misses on large,
/// randomly accessed data: on the project's reference VM a random pointer chase
/// over 1 GiB took about 345 ns per access with 4 KiB pages and 220 ns with
/// 2 MiB pages. They cost more on first touch, so pre-fault off the hot path.
public enum PagePolicy: Hashable, Sendable {
  /// Ordinary pages. On Linux the region is also advised `MADV_NOHUGEPAGE`, so a
  /// system with transparent huge pages set to `always` does not promote it.
  case normal
  /// Transparent huge pages: an ordinary mapping, 2 MiB-aligned, advised
  /// `MADV_HUGEPAGE`. The kernel backs it with huge pages when it can; falls back
  /// to ``PageKind/normal`` where THP is compiled out.
  case transparentHuge
  /// The best the system offers, tried in order: reserved huge pages
  /// (`MAP_HUGETLB`, needs `vm.nr_hugepages` > 0), then ``transparentHuge``,
  /// then ``normal``.
  case bestAvailable
}

/// The kind of pages a mapping actually obtained.
public enum PageKind: Hashable, Sendable, CustomStringConvertible {
  /// Ordinary pages (4 KiB on x86-64 Linux).
  case normal
  /// An `MADV_HUGEPAGE` mapping: the kernel may back it with 2 MiB pages, which
  /// ``MappedRegion/measuredHugePageBytes()`` confirms.
  case transparentHuge
  /// Reserved 2 MiB pages from `MAP_HUGETLB`: huge by construction, never swapped.
  case hugeTLB

  /// Whether the mapping was set up for huge pages (`hugeTLB` or `transparentHuge`).
  public var isHuge: Bool { self != .normal }

  /// The case name.
  public var description: String {
    switch self {
    case .normal: "normal"
    case .transparentHuge: "transparentHuge"
    case .hugeTLB: "hugeTLB"
    }
  }
}

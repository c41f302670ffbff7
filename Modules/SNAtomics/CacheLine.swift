import CSNShim

/// Cache-line sizes used to keep hot fields apart.
///
/// ``padding`` is the distance the library puts between fields that different
/// threads write. It is 128 bytes on x86-64 and arm64: Intel and AMD cores
/// prefetch lines in adjacent pairs, and Apple silicon has 128-byte lines, so
/// 64 bytes of separation still lets two cores fight over one prefetch pair.
public enum CacheLine {
  /// The separation, in bytes, between fields written by different threads:
  /// 128 on x86-64 and arm64, 256 on s390x, 64 elsewhere.
  public static let padding = paddingForThisArchitecture

  #if arch(x86_64) || arch(arm64)
    private static let paddingForThisArchitecture = 128
  #elseif arch(s390x)
    private static let paddingForThisArchitecture = 256
  #else
    private static let paddingForThisArchitecture = 64
  #endif

  /// The L1 data cache line size the operating system reports, or `nil`
  /// where it reports none.
  public static var reportedSize: Int? {
    let size = csn_l1_line_size()
    return size > 0 ? size : nil
  }
}

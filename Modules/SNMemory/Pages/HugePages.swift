#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

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
  public static var transparentMode: TransparentMode {
    guard let text = _readTextFile("/sys/kernel/mm/transparent_hugepage/enabled") else {
      return .unsupported
    }
    if text.contains("[always]") { return .always }
    if text.contains("[madvise]") { return .madvise }
    if text.contains("[never]") { return .never }
    return .unsupported
  }

  /// How many 2 MiB pages are reserved and still free for `MAP_HUGETLB` (0 when none).
  public static var freeReservedPages: Int {
    let path = "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages"
    return _readTextFile(path).flatMap { Int($0.filter { !$0.isWhitespace }) } ?? 0
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
    guard let text = _readTextFile("/proc/self/smaps") else { return 0 }
    let start = UInt(bitPattern: base)
    let end = start + UInt(byteCount)
    var inside = false
    var total = 0
    for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
      if let dash = line.firstIndex(of: "-"), line.first?.isHexDigit == true,
        let space = line.firstIndex(of: " "), dash < space,
        let low = UInt(line[line.startIndex..<dash], radix: 16),
        let high = UInt(line[line.index(after: dash)..<space], radix: 16)
      {
        inside = low < end && start < high
        continue
      }
      guard inside else { continue }
      if line.hasPrefix("AnonHugePages:") || line.hasPrefix("Private_Hugetlb:") {
        let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        total += digits * 1024
      }
    }
    return total
  }
}

/// Reads a small text file in one go (procfs/sysfs report size 0, so read to EOF).
func _readTextFile(_ path: String) -> String? {
  guard let file = fopen(path, "r") else { return nil }
  defer { fclose(file) }
  var bytes: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 65536)
  while true {
    let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
    if n <= 0 { break }
    bytes.append(contentsOf: buffer[0..<n])
  }
  return String(decoding: bytes, as: UTF8.self)
}

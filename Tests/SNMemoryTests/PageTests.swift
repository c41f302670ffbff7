import Foundation
import SNMemory
import Testing

// Serialized: the MAP_HUGETLB tests count the system's free reserved pages.
@Suite("Pages", .serialized)
struct PageTests {
  @Test("normal pages are page-aligned, zeroed and reported as normal")
  func normalRegion() throws {
    let region = try MappedRegion(byteCount: 10_000)
    #expect(region.pageKind == .normal)
    #expect(region.byteCount >= 10_000)
    #expect(UInt(bitPattern: region.unsafeBaseAddress) % 4096 == 0)
    let sum = region.withUnsafeMutableBytes { bytes in
      bytes[0] = 3
      return bytes.reduce(0) { $0 + Int($1) }
    }
    #expect(sum == 3)
    #expect(region.measuredHugePageBytes() == 0)
  }

  @Test("huge-page regions are 2 MiB aligned and sized")
  func hugeAlignment() throws {
    for policy in [PagePolicy.transparentHuge, .bestAvailable] {
      let region = try MappedRegion(byteCount: 100, pages: policy)
      #expect(UInt(bitPattern: region.unsafeBaseAddress) % UInt(HugePages.size) == 0)
      #expect(region.byteCount == HugePages.size)
    }
  }

  @Test("the fallback chain reports what it got")
  func fallbackChain() throws {
    // 2 MiB only: a first huge fault can stall on compaction, keep it tiny.
    let region = try MappedRegion(byteCount: HugePages.size, pages: .bestAvailable)
    #if os(Linux)
      if HugePages.freeReservedPages > 0 {
        #expect(region.pageKind == .hugeTLB)
      } else if HugePages.transparentMode != .unsupported {
        // No reserved pages here: MAP_HUGETLB fails and THP madvise is used.
        #expect(region.pageKind == .transparentHuge)
      } else {
        #expect(region.pageKind == .normal)
      }
    #else
      #expect(region.pageKind == .normal)
    #endif
  }

  @Test("MAP_HUGETLB: reserved pages when enough are free, the fallback otherwise")
  func hugeTLBOrFallback() throws {
    let pages = 2
    let free = hugePagesFree()
    let region = try MappedRegion(
      byteCount: pages * HugePages.size, pages: .bestAvailable, prefault: true)
    #expect(region.byteCount == pages * HugePages.size)
    #expect(UInt(bitPattern: region.unsafeBaseAddress) % UInt(HugePages.size) == 0)
    region.withUnsafeMutableBytes { bytes in
      bytes[bytes.count - 1] = 7
      #expect(bytes[bytes.count - 1] == 7)
    }
    if free >= pages {
      // Reserved pages were free, so mmap(MAP_HUGETLB) must have succeeded, and
      // the kernel reports them as this mapping's Private_Hugetlb.
      #expect(region.pageKind == .hugeTLB)
      #expect(region.measuredHugePageBytes() == region.byteCount)
      #expect(hugePagesFree() <= free - pages)
    } else {
      // None reserved (vm.nr_hugepages = 0 by default): ENOMEM, then THP or normal pages.
      #expect(region.pageKind != .hugeTLB)
      let expected: PageKind =
        HugePages.transparentMode == .unsupported ? .normal : .transparentHuge
      #expect(region.pageKind == expected)
    }
  }

  @Test(
    "transparent huge pages really are huge where THP is on (AnonHugePages)",
    .enabled(if: HugePages.transparentMode == .always || HugePages.transparentMode == .madvise))
  func transparentHugeIsMeasured() throws {
    let region = try MappedRegion(
      byteCount: HugePages.size, pages: .transparentHuge, prefault: true)
    #expect(region.pageKind == .transparentHuge)
    // The kernel may fail to find a free 2 MiB frame (fragmented memory); then
    // the region is still usable on small pages, which we report, not hide.
    let measured = region.measuredHugePageBytes()
    #expect(measured == 0 || measured == HugePages.size)
    if measured == 0 {
      Issue.record("THP is enabled but the kernel backed the region with small pages")
    }
  }

  @Test("arena statistics report huge-page bytes")
  func arenaHugeStatistics() throws {
    let arena = try BumpArena(chunkByteCount: HugePages.size, pages: .transparentHuge)
    _ = arena.unsafeAllocate(byteCount: 64)
    let stats = arena.statistics
    if arena.pageKind.isHuge {
      #expect(stats.hugePageBytes == stats.bytesReserved)
    } else {
      #expect(stats.hugePageBytes == 0)
    }
    let plain = try BumpArena()
    #expect(plain.statistics.hugePageBytes == 0)
    #expect(plain.pageKind == .normal)
  }

  @Test("bad sizes are typed errors")
  func badInput() {
    #expect(throws: SNMemoryError.invalidSize) { _ = try MappedRegion(byteCount: 0) }
    #expect(throws: SNMemoryError.invalidSize) { _ = try MappedRegion(byteCount: -4096) }
    #expect(throws: SNMemoryError.invalidSize) { _ = try MappedRegion(byteCount: Int.max) }
  }
}

/// `HugePages_Free` from /proc/meminfo: reserved 2 MiB pages not yet mapped (0 off Linux).
func hugePagesFree() -> Int {
  guard let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8) else { return 0 }
  for line in text.split(separator: "\n") where line.hasPrefix("HugePages_Free:") {
    return line.split(separator: " ").last.flatMap { Int($0) } ?? 0
  }
  return 0
}

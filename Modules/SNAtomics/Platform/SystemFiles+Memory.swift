/// One NUMA node and the CPUs on it.
package struct NUMANodeDescription: Sendable, Hashable {
  /// The node number.
  package var id: Int
  /// Its CPUs (empty for a memory-only node).
  package var cpus: CPUSet

  package init(id: Int, cpus: CPUSet) {
    self.id = id
    self.cpus = cpus
  }
}

/// The kernel's transparent huge page mode (`sys/kernel/mm/transparent_hugepage/enabled`).
package enum TransparentHugePageMode: String, Sendable, Hashable {
  /// Every large enough anonymous mapping may get huge pages.
  case always
  /// Only mappings advised `MADV_HUGEPAGE` do.
  case madvise
  /// THP is off.
  case never
}

/// The reserved (hugetlbfs) pages of one size (`sys/kernel/mm/hugepages/hugepages-<N>kB`).
package struct HugePagePool: Sendable, Hashable {
  /// The page size in KiB (2048, 1048576, …).
  package var pageSizeKiB: Int
  /// Pages reserved (`nr_hugepages`).
  package var total: Int
  /// Reserved pages not yet mapped (`free_hugepages`).
  package var free: Int

  package init(pageSizeKiB: Int, total: Int, free: Int) {
    self.pageSizeKiB = pageSizeKiB
    self.total = total
    self.free = free
  }
}

extension SystemFiles {
  private static let nodes = "sys/devices/system/node"

  /// The NUMA nodes online (`node/online`); `nil` without NUMA support in the kernel.
  package func onlineNodes() throws(SystemFileError) -> CPUSet? {
    try cpuList("\(Self.nodes)/online")
  }

  /// The CPUs of NUMA node `node` (`nodeN/cpulist`), or `nil` for a node sysfs lacks.
  package func cpus(ofNode node: Int) throws(SystemFileError) -> CPUSet? {
    try cpuList("\(Self.nodes)/node\(node)/cpulist")
  }

  /// Every online NUMA node with its CPUs, ascending; `[]` without NUMA support.
  ///
  /// Node numbers may have gaps (`0,2`), so they come from `node/online`,
  /// not from counting directories.
  package func numaNodes() throws(SystemFileError) -> [NUMANodeDescription] {
    var result: [NUMANodeDescription] = []
    for node in try onlineNodes() ?? [] {
      result.append(NUMANodeDescription(id: node, cpus: try cpus(ofNode: node) ?? []))
    }
    return result
  }

  /// The online node holding CPU `cpu`, or `nil` when none lists it.
  package func node(ofCPU cpu: Int) throws(SystemFileError) -> Int? {
    try numaNodes().first { $0.cpus.contains(cpu) }?.id
  }

  /// The transparent huge page mode, or `nil` when the kernel has no THP.
  ///
  /// - Throws: ``SystemFileError`` when the file marks no mode as `[chosen]`.
  package func transparentHugePageMode() throws(SystemFileError) -> TransparentHugePageMode? {
    let relative = "sys/kernel/mm/transparent_hugepage/enabled"
    guard let text = text(relative) else { return nil }
    for mode in [TransparentHugePageMode.always, .madvise, .never]
    where text.contains("[\(mode.rawValue)]") {
      return mode
    }
    throw SystemFileError(
      path: path(relative), problem: "no [mode] among \"\(text.trimmingWhitespace())\"")
  }

  /// The reserved huge page pools, by page size ascending; `[]` without hugetlbfs.
  package func hugePagePools() throws(SystemFileError) -> [HugePagePool] {
    let base = "sys/kernel/mm/hugepages"
    var pools: [HugePagePool] = []
    for name in directoryEntries(base) where name.hasPrefix("hugepages-") && name.hasSuffix("kB") {
      guard let size = Int(name.dropFirst("hugepages-".count).dropLast(2)) else {
        throw SystemFileError(path: path("\(base)/\(name)"), problem: "not a page size")
      }
      pools.append(
        HugePagePool(
          pageSizeKiB: size, total: try integer("\(base)/\(name)/nr_hugepages") ?? 0,
          free: try integer("\(base)/\(name)/free_hugepages") ?? 0))
    }
    return pools.sorted { $0.pageSizeKiB < $1.pageSizeKiB }
  }

  /// The integer fields of `/proc/meminfo` (`HugePages_Total:  16`,
  /// `Hugepagesize: 2048 kB`, units dropped); `nil` when the file is missing.
  package func meminfo() -> [String: Int]? {
    guard let text = text("proc/meminfo") else { return nil }
    var fields: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let value = parts[1].split(whereSeparator: \.isWhitespace).first.flatMap { Int($0) }
      if let value { fields[String(parts[0])] = value }
    }
    return fields
  }

  /// Bytes of huge pages backing the mappings of this process that overlap
  /// `[start, end)`: the sum of `AnonHugePages` and `Private_Hugetlb` in
  /// `/proc/self/smaps` (whole-mapping figures, so a range inside a larger
  /// mapping may over-count); `nil` when smaps is unreadable.
  ///
  /// - Complexity: O(size of smaps): one read of the file.
  package func hugePageBytes(mappedBetween start: UInt, and end: UInt) -> Int? {
    guard let text = text("proc/self/smaps") else { return nil }
    var inside = false
    var total = 0
    for line in text.split(separator: "\n") {
      // A mapping header: `7f12a0000000-7f12a0200000 rw-p 00000000 00:00 0`.
      if line.first?.isHexDigit == true, let dash = line.firstIndex(of: "-"),
        let space = line.firstIndex(of: " "), dash < space,
        let low = UInt(line[..<dash], radix: 16),
        let high = UInt(line[line.index(after: dash)..<space], radix: 16)
      {
        inside = low < end && start < high
        continue
      }
      guard inside, line.hasPrefix("AnonHugePages:") || line.hasPrefix("Private_Hugetlb:")
      else { continue }
      let kib = line.split(whereSeparator: \.isWhitespace).dropFirst().first.flatMap { Int($0) }
      total += (kib ?? 0) * 1024
    }
    return total
  }
}

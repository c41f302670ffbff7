import SNAtomics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The machine's CPUs as the OS describes them: logical CPUs, the physical
/// core and package each belongs to, NUMA nodes, and caches.
///
/// Read from sysfs on Linux (`/sys/devices/system/cpu`, `/sys/devices/system/node`)
/// and from the process's affinity mask (`sched_getaffinity`, which respects
/// container cpusets). Where sysfs is missing (macOS, some sandboxes) each
/// CPU counts as its own core on node 0.
///
/// ```swift
/// let topology = CPUTopology.current()
/// print(topology.allowedCPUs, topology.physicalCoreCount, topology.cacheLineSize)
/// ```
public struct CPUTopology: Sendable, Hashable {
  /// One logical CPU (a hardware thread).
  public struct CPU: Sendable, Hashable {
    /// The OS's CPU number.
    public var id: Int
    /// The core id within its package (`topology/core_id`).
    public var coreID: Int
    /// The package (socket) id (`topology/physical_package_id`).
    public var packageID: Int
    /// The NUMA node holding this CPU.
    public var numaNode: Int
    /// Hardware threads sharing this CPU's core, itself included.
    public var siblings: [Int]

    /// Creates a CPU description.
    ///
    /// - Parameters:
    ///   - id: The CPU number.
    ///   - coreID: The core id within its package.
    ///   - packageID: The package id.
    ///   - numaNode: The NUMA node.
    ///   - siblings: Hardware threads of the same core.
    public init(id: Int, coreID: Int, packageID: Int, numaNode: Int, siblings: [Int]) {
      self.id = id
      self.coreID = coreID
      self.packageID = packageID
      self.numaNode = numaNode
      self.siblings = siblings
    }
  }

  /// One CPU cache level as seen from CPU 0.
  public struct Cache: Sendable, Hashable {
    /// 1, 2, 3…
    public var level: Int
    /// `Data`, `Instruction` or `Unified`.
    public var type: String
    /// Size in bytes.
    public var size: Int
    /// Coherency line size in bytes.
    public var lineSize: Int

    /// Creates a cache description.
    ///
    /// - Parameters:
    ///   - level: The cache level.
    ///   - type: `Data`, `Instruction` or `Unified`.
    ///   - size: Size in bytes.
    ///   - lineSize: Line size in bytes.
    public init(level: Int, type: String, size: Int, lineSize: Int) {
      self.level = level
      self.type = type
      self.size = size
      self.lineSize = lineSize
    }
  }

  /// Every online logical CPU the OS reports, by id.
  public var cpus: [CPU]
  /// The CPUs this process may run on, ascending.
  public var allowedCPUs: [Int]
  /// CPU 0's caches, by level.
  public var caches: [Cache]
  /// The L1 data cache line size in bytes (64 if unknown).
  public var cacheLineSize: Int
  /// The CFS quota in CPUs (`cpu.max` of cgroup v2), or `nil` when
  /// unlimited or unknown. A quota limits throughput without shrinking
  /// the affinity mask.
  public var cpuQuota: Double?

  /// Creates a topology from parts (for tests and for machines the OS
  /// describes poorly).
  ///
  /// - Parameters:
  ///   - cpus: The logical CPUs.
  ///   - allowedCPUs: The CPUs the process may run on.
  ///   - caches: Cache levels.
  ///   - cacheLineSize: Line size in bytes.
  ///   - cpuQuota: CPU quota, or `nil`.
  public init(
    cpus: [CPU], allowedCPUs: [Int], caches: [Cache] = [], cacheLineSize: Int = 64,
    cpuQuota: Double? = nil
  ) {
    self.cpus = cpus
    self.allowedCPUs = allowedCPUs
    self.caches = caches
    self.cacheLineSize = cacheLineSize
    self.cpuQuota = cpuQuota
  }

  /// The number of logical CPUs.
  public var logicalCPUCount: Int { cpus.count }

  /// The number of distinct physical cores (unique package and core id).
  public var physicalCoreCount: Int {
    Set(cpus.map { PackageCore(package: $0.packageID, core: $0.coreID) }).count
  }

  /// The NUMA node ids, ascending.
  public var numaNodes: [Int] { Array(Set(cpus.map(\.numaNode))).sorted() }

  /// The NUMA node of CPU `id`, or `nil` if unknown.
  ///
  /// - Parameter id: A CPU number.
  /// - Returns: Its node.
  public func numaNode(ofCPU id: Int) -> Int? {
    cpus.first { $0.id == id }?.numaNode
  }

  /// The order a pool pins workers in: one CPU of each distinct physical
  /// core first (spread over NUMA nodes round-robin), then the remaining
  /// hyperthread siblings.
  ///
  /// - Parameter allowed: The CPUs that may be used.
  /// - Returns: `allowed`, reordered.
  public func placementOrder(for allowed: [Int]) -> [Int] {
    var seenCores = Set<PackageCore>()
    var first: [CPU] = []
    var rest: [Int] = []
    for id in allowed.sorted() {
      let cpu =
        cpus.first { $0.id == id }
        ?? CPU(id: id, coreID: id, packageID: 0, numaNode: 0, siblings: [id])
      if seenCores.insert(PackageCore(package: cpu.packageID, core: cpu.coreID)).inserted {
        first.append(cpu)
      } else {
        rest.append(id)
      }
    }
    // Interleave nodes so that two workers land on two nodes before doubling up.
    var byNode: [Int: [Int]] = [:]
    for cpu in first { byNode[cpu.numaNode, default: []].append(cpu.id) }
    var order: [Int] = []
    let nodes = byNode.keys.sorted()
    var position = 0
    while order.count < first.count {
      for node in nodes where position < byNode[node]!.count {
        order.append(byNode[node]![position])
      }
      position += 1
    }
    return order + rest
  }

  private struct PackageCore: Hashable {
    var package: Int
    var core: Int
  }

  /// Reads the topology of the machine the process runs on.
  ///
  /// - Returns: The topology; never fails (missing files give defaults).
  public static func current() -> CPUTopology {
    let allowed = OSThread.allowedCPUs
    let base = "/sys/devices/system/cpu"
    var ids = parseCPUList(readFile("\(base)/online") ?? "")
    if ids.isEmpty { ids = allowed }
    var nodeOf: [Int: Int] = [:]
    for node in 0..<1024 {
      guard let list = readFile("/sys/devices/system/node/node\(node)/cpulist") else {
        if node > 0 { break } else { continue }
      }
      for cpu in parseCPUList(list) { nodeOf[cpu] = node }
    }
    let cpus = ids.map { id -> CPU in
      let topology = "\(base)/cpu\(id)/topology"
      return CPU(
        id: id, coreID: readInt("\(topology)/core_id") ?? id,
        packageID: readInt("\(topology)/physical_package_id") ?? 0,
        numaNode: nodeOf[id] ?? 0,
        siblings: parseCPUList(readFile("\(topology)/thread_siblings_list") ?? "\(id)"))
    }
    var caches: [Cache] = []
    for index in 0..<16 {
      let path = "\(base)/cpu0/cache/index\(index)"
      guard let level = readInt("\(path)/level") else { break }
      caches.append(
        Cache(
          level: level, type: readFile("\(path)/type") ?? "Unknown",
          size: parseSize(readFile("\(path)/size") ?? "0"),
          lineSize: readInt("\(path)/coherency_line_size") ?? 64))
    }
    let line =
      caches.first { $0.level == 1 && $0.type != "Instruction" }?.lineSize
      ?? CacheLine.reportedSize ?? 64
    return CPUTopology(
      cpus: cpus, allowedCPUs: allowed, caches: caches, cacheLineSize: line,
      cpuQuota: readQuota())
  }

  /// Parses a Linux CPU list such as `0-3,8,10-11`.
  ///
  /// - Parameter text: The list.
  /// - Returns: The CPU numbers, ascending.
  public static func parseCPUList(_ text: String) -> [Int] {
    var result: [Int] = []
    for part in text.split(separator: ",") {
      let bounds = part.split(separator: "-").compactMap {
        Int($0.trimmingWhitespace())
      }
      if bounds.count == 1 {
        result.append(bounds[0])
      } else if bounds.count == 2, bounds[0] <= bounds[1] {
        result += bounds[0]...bounds[1]
      }
    }
    return result.sorted()
  }

  static func parseSize(_ text: String) -> Int {
    let trimmed = text.trimmingWhitespace()
    let multiplier: Int
    var digits = Substring(trimmed)
    switch trimmed.last {
    case "K": multiplier = 1024
    case "M": multiplier = 1024 * 1024
    case "G": multiplier = 1024 * 1024 * 1024
    default: multiplier = 1
    }
    if multiplier != 1 { digits = digits.dropLast() }
    return (Int(digits) ?? 0) * multiplier
  }

  static func readQuota() -> Double? {
    guard let text = readFile("/sys/fs/cgroup/cpu.max") else { return nil }
    let parts = text.split(separator: " ").map { $0.trimmingWhitespace() }
    guard parts.count == 2, let quota = Double(parts[0]), let period = Double(parts[1]),
      period > 0
    else { return nil }  // "max 100000": unlimited
    return quota / period
  }

  static func readInt(_ path: String) -> Int? {
    readFile(path).flatMap { Int($0.trimmingWhitespace()) }
  }

  static func readFile(_ path: String) -> String? {
    guard let file = fopen(path, "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 4096)
    while true {
      let count = fread(&buffer, 1, buffer.count, file)
      if count <= 0 { break }
      bytes += buffer.prefix(count)
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension StringProtocol {
  fileprivate func trimmingWhitespace() -> String {
    String(self.drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
  }
}

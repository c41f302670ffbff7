import SNAtomics

/// The machine's CPUs as the OS describes them: logical CPUs, the physical
/// core and package each belongs to, NUMA nodes, and caches.
///
/// Read from sysfs on Linux (`/sys/devices/system/cpu`, `/sys/devices/system/node`,
/// through SNAtomics' one sysfs reader) and from the process's affinity mask
/// (`sched_getaffinity`, which respects container cpusets). Where sysfs is missing (macOS, some sandboxes) each
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

  /// One CPU cache level as seen from the first online CPU.
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
  /// The first online CPU's caches, in the kernel's order.
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
  /// - Returns: The topology; never fails (missing or unreadable files give defaults).
  public static func current() -> CPUTopology {
    read(from: SystemFiles(), allowedCPUs: OSThread.allowedCPUs)
  }

  /// Reads the topology from a sysfs tree (`/` or a recorded one).
  ///
  /// A file that is missing or does not parse counts as missing: the online
  /// CPUs fall back to `allowedCPUs`, a CPU without topology is its own core
  /// on package 0, a CPU no node lists is on node 0.
  ///
  /// - Parameters:
  ///   - files: The reader.
  ///   - allowedCPUs: The process's affinity mask.
  /// - Returns: The topology.
  package static func read(from files: SystemFiles, allowedCPUs: [Int]) -> CPUTopology {
    var online = Array((try? files.onlineCPUs()) ?? [])
    if online.isEmpty { online = allowedCPUs }
    var nodeOf: [Int: Int] = [:]
    for node in (try? files.numaNodes()) ?? [] {
      for cpu in node.cpus { nodeOf[cpu] = node.id }
    }
    let cpus = online.map { id -> CPU in
      let placement = try? files.placement(ofCPU: id)
      return CPU(
        id: id, coreID: placement?.coreID ?? id, packageID: placement?.packageID ?? 0,
        numaNode: nodeOf[id] ?? 0, siblings: placement.map { Array($0.siblings) } ?? [id])
    }
    let caches = ((try? files.caches(ofCPU: online.first ?? 0)) ?? []).map {
      Cache(level: $0.level, type: $0.type, size: $0.sizeBytes, lineSize: $0.lineSize ?? 64)
    }
    let line =
      caches.first { $0.level == 1 && $0.type != "Instruction" }?.lineSize
      ?? CacheLine.reportedSize ?? 64
    return CPUTopology(
      cpus: cpus, allowedCPUs: allowedCPUs, caches: caches, cacheLineSize: line,
      cpuQuota: try? files.cgroupCPUQuota())
  }
}

/// Everything `sn` knows about a machine, as one value that can be printed,
/// written as JSON (`sn topology --json`) and read back, so that advice can be
/// computed for a machine recorded elsewhere (`sn advise --topology FILE`).
///
/// ``probe()`` reads it from the running system; tests load recorded ones.
/// Field names are stable: they are the JSON format.
public struct TopologySnapshot: Codable, Sendable, Hashable {
  /// One NUMA node and its CPUs.
  public struct NUMANode: Codable, Sendable, Hashable {
    /// The node id.
    public var id: Int
    /// The logical CPUs on the node, ascending.
    public var cpus: [Int]

    /// Creates a node.
    ///
    /// - Parameters:
    ///   - id: The node id.
    ///   - cpus: Its logical CPUs.
    public init(id: Int, cpus: [Int]) {
      self.id = id
      self.cpus = cpus
    }
  }

  /// One cache level as seen from the first allowed CPU.
  public struct Cache: Codable, Sendable, Hashable {
    /// 1, 2, 3…
    public var level: Int
    /// `Data`, `Instruction` or `Unified`.
    public var type: String
    /// Size in bytes.
    public var sizeBytes: Int
    /// Line size in bytes.
    public var lineSize: Int
    /// How many logical CPUs share it (0 if unknown).
    public var sharedByCPUs: Int

    /// Creates a cache description.
    ///
    /// - Parameters:
    ///   - level: The level.
    ///   - type: `Data`, `Instruction` or `Unified`.
    ///   - sizeBytes: Size in bytes.
    ///   - lineSize: Line size in bytes.
    ///   - sharedByCPUs: Logical CPUs sharing it.
    public init(level: Int, type: String, sizeBytes: Int, lineSize: Int, sharedByCPUs: Int = 0) {
      self.level = level
      self.type = type
      self.sizeBytes = sizeBytes
      self.lineSize = lineSize
      self.sharedByCPUs = sharedByCPUs
    }
  }

  /// The outcome of trying to pin a throwaway thread.
  public struct Pinning: Codable, Sendable, Hashable {
    /// Whether the OS accepted the pin.
    public var permitted: Bool
    /// The CPU that was tried, if any.
    public var triedCPU: Int?
    /// The errno of a refusal, or `nil`.
    public var errno: Int32?
    /// Why pinning was not tried or failed, in words (empty when permitted).
    public var note: String

    /// Creates a pinning outcome.
    ///
    /// - Parameters:
    ///   - permitted: Whether the pin succeeded.
    ///   - triedCPU: The CPU tried.
    ///   - errno: The refusal's errno.
    ///   - note: An explanation.
    public init(permitted: Bool, triedCPU: Int? = nil, errno: Int32? = nil, note: String = "") {
      self.permitted = permitted
      self.triedCPU = triedCPU
      self.errno = errno
      self.note = note
    }
  }

  /// A free-text label: `probed` for a live reading, or what a recording is.
  public var label: String
  /// `Linux`, `macOS` or another OS name.
  public var os: String
  /// `x86_64` or `arm64`.
  public var architecture: String
  /// The CPU model name, if the OS says.
  public var cpuModel: String?
  /// Whether the CPU reports running under a hypervisor.
  public var virtualized: Bool
  /// Logical CPUs online on the machine.
  public var logicalCPUs: Int
  /// Logical CPUs this process may run on (its affinity mask), ascending.
  public var allowedCPUs: [Int]
  /// The cgroup's effective cpuset (`cpuset.cpus.effective`), or `nil` when
  /// there is no cgroup v2 cpuset file.
  public var cgroupCPUSet: [Int]?
  /// The cgroup CPU quota in CPUs (`cpu.max`), or `nil` when unlimited.
  public var cpuQuota: Double?
  /// Distinct physical cores on the machine.
  public var physicalCores: Int
  /// Distinct physical cores among the allowed CPUs.
  public var allowedPhysicalCores: Int
  /// CPU packages (sockets).
  public var packages: Int
  /// Hardware threads per core (1 without SMT).
  public var threadsPerCore: Int
  /// Groups of SMT siblings with more than one member, e.g. `[[0, 8], [1, 9]]`.
  public var smtSiblings: [[Int]]
  /// NUMA nodes.
  public var numaNodes: [NUMANode]
  /// Caches of the first allowed CPU.
  public var caches: [Cache]
  /// The L1 data cache line size in bytes.
  public var cacheLineSize: Int
  /// Transparent huge pages: `always`, `madvise`, `never` or `unsupported`.
  public var transparentHugePages: String
  /// Reserved huge pages (`HugePages_Total` of `/proc/meminfo`).
  public var hugePagesTotal: Int
  /// Reserved huge pages still free (`HugePages_Free`).
  public var hugePagesFree: Int
  /// The huge page size in KiB (`Hugepagesize`), 0 if unknown.
  public var hugePageSizeKiB: Int
  /// Whether this process may pin threads (tried, not guessed).
  public var pinning: Pinning
  /// SIMD features the CPU has, lowercase (`sse4_2`, `avx2`, `fma`,
  /// `avx512f`, `neon`, …).
  public var simdFeatures: [String]
  /// The SNSimd kernel tier in use (`avx2` or `portable`).
  public var simdTier: String

  /// Creates a snapshot from parts (tests and recordings).
  ///
  /// - Parameters:
  ///   - label: What the snapshot is.
  ///   - os: The OS name.
  ///   - architecture: The CPU architecture.
  ///   - cpuModel: The CPU model.
  ///   - virtualized: Whether under a hypervisor.
  ///   - logicalCPUs: Online logical CPUs.
  ///   - allowedCPUs: The affinity mask.
  ///   - cgroupCPUSet: The cgroup's cpuset.
  ///   - cpuQuota: The cgroup quota in CPUs.
  ///   - physicalCores: Physical cores on the machine.
  ///   - allowedPhysicalCores: Physical cores among the allowed CPUs.
  ///   - packages: Sockets.
  ///   - threadsPerCore: SMT width.
  ///   - smtSiblings: Sibling groups.
  ///   - numaNodes: NUMA nodes.
  ///   - caches: Cache levels.
  ///   - cacheLineSize: Line size.
  ///   - transparentHugePages: THP mode.
  ///   - hugePagesTotal: Reserved huge pages.
  ///   - hugePagesFree: Free reserved huge pages.
  ///   - hugePageSizeKiB: Huge page size.
  ///   - pinning: The pin probe.
  ///   - simdFeatures: SIMD features.
  ///   - simdTier: The SNSimd tier.
  public init(
    label: String, os: String, architecture: String, cpuModel: String?, virtualized: Bool,
    logicalCPUs: Int, allowedCPUs: [Int], cgroupCPUSet: [Int]?, cpuQuota: Double?,
    physicalCores: Int, allowedPhysicalCores: Int, packages: Int, threadsPerCore: Int,
    smtSiblings: [[Int]], numaNodes: [NUMANode], caches: [Cache], cacheLineSize: Int,
    transparentHugePages: String, hugePagesTotal: Int, hugePagesFree: Int, hugePageSizeKiB: Int,
    pinning: Pinning, simdFeatures: [String], simdTier: String
  ) {
    self.label = label
    self.os = os
    self.architecture = architecture
    self.cpuModel = cpuModel
    self.virtualized = virtualized
    self.logicalCPUs = logicalCPUs
    self.allowedCPUs = allowedCPUs
    self.cgroupCPUSet = cgroupCPUSet
    self.cpuQuota = cpuQuota
    self.physicalCores = physicalCores
    self.allowedPhysicalCores = allowedPhysicalCores
    self.packages = packages
    self.threadsPerCore = threadsPerCore
    self.smtSiblings = smtSiblings
    self.numaNodes = numaNodes
    self.caches = caches
    self.cacheLineSize = cacheLineSize
    self.transparentHugePages = transparentHugePages
    self.hugePagesTotal = hugePagesTotal
    self.hugePagesFree = hugePagesFree
    self.hugePageSizeKiB = hugePageSizeKiB
    self.pinning = pinning
    self.simdFeatures = simdFeatures
    self.simdTier = simdTier
  }

  /// CPUs the process can actually use at once: the allowed CPUs, lowered to
  /// the quota (rounded up) when a cgroup quota is set.
  public var usableCPUs: Int {
    let allowed = max(1, allowedCPUs.count)
    guard let cpuQuota, cpuQuota > 0 else { return allowed }
    return max(1, min(allowed, Int(cpuQuota.rounded(.up))))
  }

  /// Whether the process sees only part of the machine (a cpuset smaller
  /// than the machine, or a quota below the allowed CPUs): the mark of a
  /// container sharing its host.
  public var isRestricted: Bool {
    if allowedCPUs.count < logicalCPUs { return true }
    if let cpuQuota, cpuQuota < Double(allowedCPUs.count) { return true }
    return false
  }
}

import Foundation
import SNAtomics
import SNPool
import SNSimd

extension TopologySnapshot {
  /// The SIMD feature flags `sn` reports, in display order (others are
  /// left out: `/proc/cpuinfo` lists a hundred flags).
  static let interestingSIMDFlags = [
    "sse2", "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl",
    "avx512dq", "avx512_vnni", "avx512_bf16", "amx_tile", "neon", "asimd", "sve", "sve2",
  ]

  /// Reads the topology of the machine this process runs on.
  ///
  /// Uses SNPool's `CPUTopology` for CPUs, cores and NUMA nodes and SNAtomics'
  /// sysfs reader for the rest: caches, the cgroup cpuset and quota,
  /// transparent and reserved huge pages, the CPU flags. Pinning is tried on a
  /// throwaway thread, not guessed. Missing files give defaults; it never fails.
  ///
  /// - Returns: The snapshot, labelled `probed`.
  public static func probe() -> TopologySnapshot {
    read(from: SystemFiles(), allowedCPUs: OSThread.allowedCPUs, pinning: probePinning(cpu:))
  }

  /// Reads a snapshot from a sysfs/procfs tree (`/` or a recorded one).
  ///
  /// - Parameters:
  ///   - files: The reader.
  ///   - allowedCPUs: The process's affinity mask (`[]`: every online CPU).
  ///   - pinning: Tries pinning to the first allowed CPU.
  /// - Returns: The snapshot, labelled `probed`.
  package static func read(
    from files: SystemFiles, allowedCPUs: [Int], pinning: (Int?) -> Pinning
  ) -> TopologySnapshot {
    let topology = CPUTopology.read(from: files, allowedCPUs: allowedCPUs)
    let allowed = topology.allowedCPUs.isEmpty ? topology.cpus.map(\.id) : topology.allowedCPUs
    let allowedSet = Set(allowed)
    struct Core: Hashable {
      var package: Int
      var core: Int
    }
    let allowedCores = Set(
      topology.cpus.filter { allowedSet.contains($0.id) }.map {
        Core(package: $0.packageID, core: $0.coreID)
      })
    let siblingGroups = Set(topology.cpus.map(\.siblings).filter { $0.count > 1 })
    let nodes = Dictionary(grouping: topology.cpus, by: \.numaNode)
      .map { NUMANode(id: $0.key, cpus: $0.value.map(\.id).sorted()) }
      .sorted { $0.id < $1.id }
    let caches = ((try? files.caches(ofCPU: allowed.first ?? 0)) ?? []).map {
      Cache(
        level: $0.level, type: $0.type, sizeBytes: $0.sizeBytes, lineSize: $0.lineSize ?? 64,
        sharedByCPUs: $0.sharedCPUs?.count ?? 0)
    }
    let meminfo = files.meminfo() ?? [:]
    let (model, flags) = files.cpuInfo() ?? (nil, [])
    let threads = topology.cpus.map(\.siblings.count).max() ?? 1
    return TopologySnapshot(
      label: "probed", os: osName, architecture: architectureName, cpuModel: model,
      virtualized: flags.contains("hypervisor"),
      logicalCPUs: max(topology.logicalCPUCount, allowed.count), allowedCPUs: allowed,
      cgroupCPUSet: (try? files.cgroupCPUSet()).map { Array($0) },
      cpuQuota: topology.cpuQuota, physicalCores: max(1, topology.physicalCoreCount),
      allowedPhysicalCores: max(1, allowedCores.count),
      packages: max(1, Set(topology.cpus.map(\.packageID)).count), threadsPerCore: max(1, threads),
      smtSiblings: siblingGroups.sorted { ($0.first ?? 0) < ($1.first ?? 0) },
      numaNodes: nodes.isEmpty ? [NUMANode(id: 0, cpus: allowed)] : nodes, caches: caches,
      cacheLineSize: topology.cacheLineSize,
      transparentHugePages: (try? files.transparentHugePageMode())?.rawValue ?? "unsupported",
      hugePagesTotal: meminfo["HugePages_Total"] ?? 0,
      hugePagesFree: meminfo["HugePages_Free"] ?? 0,
      hugePageSizeKiB: meminfo["Hugepagesize"] ?? 0,
      pinning: pinning(allowed.first), simdFeatures: simdFeatures(flags: flags),
      simdTier: Batch.Tier.active.description)
  }

  /// Tries to pin a throwaway thread to `cpu`.
  ///
  /// - Parameter cpu: The CPU to try, normally the first allowed one.
  /// - Returns: Whether the OS accepted, and why not.
  public static func probePinning(cpu: Int?) -> Pinning {
    guard let cpu else {
      return Pinning(permitted: false, note: "the affinity mask is unreadable")
    }
    let thread = OSThread.spawn(name: "sn-pin-probe", cpu: cpu) {}
    thread.join()
    if thread.pinnedCPU == cpu { return Pinning(permitted: true, triedCPU: cpu) }
    let error = thread.pinError
    #if os(macOS)
      let note = "macOS has no hard thread pinning (affinity tags are hints only)"
    #else
      let note = error.map { "the OS refused: \(String(cString: strerror($0)))" } ?? "refused"
    #endif
    return Pinning(permitted: false, triedCPU: cpu, errno: error, note: note)
  }

  /// The interesting SIMD features among `flags`, plus NEON on arm64
  /// (where it is always present).
  ///
  /// - Parameter flags: CPU flags from `/proc/cpuinfo`.
  /// - Returns: Feature names in display order; `asimd` is shown as `neon`.
  public static func simdFeatures(flags: Set<String>) -> [String] {
    var features = interestingSIMDFlags.filter { flags.contains($0) }
    if let index = features.firstIndex(of: "asimd") { features[index] = "neon" }
    #if arch(arm64)
      if !features.contains("neon") { features.insert("neon", at: 0) }
    #endif
    var seen = Set<String>()
    return features.filter { seen.insert($0).inserted }
  }

  static var osName: String {
    #if os(Linux)
      "Linux"
    #elseif os(macOS)
      "macOS"
    #else
      "other"
    #endif
  }

  static var architectureName: String {
    #if arch(x86_64)
      "x86_64"
    #elseif arch(arm64)
      "arm64"
    #else
      "other"
    #endif
  }
}

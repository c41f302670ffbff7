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
  /// Uses SNPool's `CPUTopology` for CPUs, cores, NUMA nodes and caches, and
  /// reads the rest itself: the cgroup cpuset, transparent huge pages,
  /// reserved huge pages and the CPU flags. Pinning is tried on a throwaway
  /// thread, not guessed. Missing files give defaults; it never fails.
  ///
  /// - Returns: The snapshot, labelled `probed`.
  public static func probe() -> TopologySnapshot {
    let topology = CPUTopology.current()
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
    let firstCPU = allowed.first ?? 0
    let caches = topology.caches.enumerated().map { index, cache in
      let shared = readText(
        "/sys/devices/system/cpu/cpu\(firstCPU)/cache/index\(index)/shared_cpu_list")
      return Cache(
        level: cache.level, type: cache.type.trimmingCharacters(in: .whitespacesAndNewlines),
        sizeBytes: cache.size, lineSize: cache.lineSize,
        sharedByCPUs: shared.map { CPUTopology.parseCPUList($0).count } ?? 0)
    }
    let meminfo = parseMeminfo(readText("/proc/meminfo") ?? "")
    let (model, flags) = parseCPUInfo(readText("/proc/cpuinfo") ?? "")
    let threads = topology.cpus.map(\.siblings.count).max() ?? 1
    return TopologySnapshot(
      label: "probed", os: osName, architecture: architectureName, cpuModel: model,
      virtualized: flags.contains("hypervisor"),
      logicalCPUs: max(topology.logicalCPUCount, allowed.count), allowedCPUs: allowed,
      cgroupCPUSet: readText("/sys/fs/cgroup/cpuset.cpus.effective").map {
        CPUTopology.parseCPUList($0)
      },
      cpuQuota: topology.cpuQuota, physicalCores: max(1, topology.physicalCoreCount),
      allowedPhysicalCores: max(1, allowedCores.count),
      packages: max(1, Set(topology.cpus.map(\.packageID)).count), threadsPerCore: max(1, threads),
      smtSiblings: siblingGroups.sorted { ($0.first ?? 0) < ($1.first ?? 0) },
      numaNodes: nodes.isEmpty ? [NUMANode(id: 0, cpus: allowed)] : nodes, caches: caches,
      cacheLineSize: topology.cacheLineSize,
      transparentHugePages: parseTHPMode(
        readText("/sys/kernel/mm/transparent_hugepage/enabled")),
      hugePagesTotal: meminfo["HugePages_Total"] ?? 0,
      hugePagesFree: meminfo["HugePages_Free"] ?? 0,
      hugePageSizeKiB: meminfo["Hugepagesize"] ?? 0,
      pinning: probePinning(cpu: allowed.first), simdFeatures: simdFeatures(flags: flags),
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

  /// Parses `/sys/kernel/mm/transparent_hugepage/enabled` (`always [madvise] never`).
  ///
  /// - Parameter text: The file's contents, or `nil` when absent.
  /// - Returns: `always`, `madvise`, `never` or `unsupported`.
  public static func parseTHPMode(_ text: String?) -> String {
    guard let text else { return "unsupported" }
    for mode in ["always", "madvise", "never"] where text.contains("[\(mode)]") { return mode }
    return "unsupported"
  }

  /// Parses the integer fields of `/proc/meminfo` (`HugePages_Total:  0`,
  /// `Hugepagesize: 2048 kB`); units are dropped.
  ///
  /// - Parameter text: The file's contents.
  /// - Returns: Field name to value.
  public static func parseMeminfo(_ text: String) -> [String: Int] {
    var fields: [String: Int] = [:]
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let value = parts[1].split(separator: " ").first.flatMap { Int($0) }
      if let value { fields[String(parts[0])] = value }
    }
    return fields
  }

  /// Parses `/proc/cpuinfo`: the first `model name` and the first
  /// `flags` (x86) or `Features` (ARM) line.
  ///
  /// - Parameter text: The file's contents.
  /// - Returns: The model name, if any, and the flags.
  public static func parseCPUInfo(_ text: String) -> (model: String?, flags: Set<String>) {
    var model: String?
    var flags: Set<String>?
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let key = parts[0].trimmingCharacters(in: .whitespaces)
      let value = parts[1].trimmingCharacters(in: .whitespaces)
      if model == nil, key == "model name" || key == "Model" { model = value }
      if flags == nil, key == "flags" || key == "Features" {
        flags = Set(value.split(separator: " ").map(String.init))
      }
      if model != nil, flags != nil { break }
    }
    return (model, flags ?? [])
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

  static func readText(_ path: String) -> String? {
    guard let data = FileManager.default.contents(atPath: path) else { return nil }
    return String(decoding: data, as: UTF8.self)
  }
}

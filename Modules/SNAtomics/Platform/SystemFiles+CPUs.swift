/// Where one logical CPU sits, from `/sys/devices/system/cpu/cpuN/topology`.
package struct CPUPlacement: Sendable, Hashable {
  /// The core id within its package (`core_id`).
  package var coreID: Int
  /// The package (socket) id (`physical_package_id`).
  package var packageID: Int
  /// Hardware threads of the same core, the CPU itself included (`thread_siblings_list`).
  package var siblings: CPUSet

  package init(coreID: Int, packageID: Int, siblings: CPUSet) {
    self.coreID = coreID
    self.packageID = packageID
    self.siblings = siblings
  }
}

/// One CPU cache, from `/sys/devices/system/cpu/cpuN/cache/indexM`.
package struct CacheDescription: Sendable, Hashable {
  /// 1, 2, 3…
  package var level: Int
  /// `Data`, `Instruction` or `Unified`.
  package var type: String
  /// Size in bytes (0 if not reported).
  package var sizeBytes: Int
  /// Coherency line size in bytes, if reported.
  package var lineSize: Int?
  /// The CPUs sharing it, if reported.
  package var sharedCPUs: CPUSet?

  package init(level: Int, type: String, sizeBytes: Int, lineSize: Int?, sharedCPUs: CPUSet?) {
    self.level = level
    self.type = type
    self.sizeBytes = sizeBytes
    self.lineSize = lineSize
    self.sharedCPUs = sharedCPUs
  }
}

extension SystemFiles {
  private static let cpus = "sys/devices/system/cpu"

  /// CPUs the kernel runs now (`cpu/online`).
  package func onlineCPUs() throws(SystemFileError) -> CPUSet? {
    try cpuList("\(Self.cpus)/online")
  }

  /// CPUs this kernel could ever bring up (`cpu/possible`).
  package func possibleCPUs() throws(SystemFileError) -> CPUSet? {
    try cpuList("\(Self.cpus)/possible")
  }

  /// CPUs present but switched off (`cpu/offline`).
  package func offlineCPUs() throws(SystemFileError) -> CPUSet? {
    try cpuList("\(Self.cpus)/offline")
  }

  /// Core, package and SMT siblings of CPU `id`, or `nil` when the kernel
  /// does not describe it (an offline CPU has no `topology` directory).
  package func placement(ofCPU id: Int) throws(SystemFileError) -> CPUPlacement? {
    let directory = "\(Self.cpus)/cpu\(id)/topology"
    guard let core = try integer("\(directory)/core_id") else { return nil }
    return CPUPlacement(
      coreID: core, packageID: try integer("\(directory)/physical_package_id") ?? 0,
      siblings: try cpuList("\(directory)/thread_siblings_list") ?? [id])
  }

  /// The caches CPU `id` uses, in the kernel's order (`index0`, `index1`, …).
  package func caches(ofCPU id: Int) throws(SystemFileError) -> [CacheDescription] {
    var caches: [CacheDescription] = []
    for index in 0..<32 {
      let directory = "\(Self.cpus)/cpu\(id)/cache/index\(index)"
      guard let level = try integer("\(directory)/level") else { break }
      caches.append(
        CacheDescription(
          level: level, type: trimmedText("\(directory)/type") ?? "Unknown",
          sizeBytes: try byteSize("\(directory)/size") ?? 0,
          lineSize: try integer("\(directory)/coherency_line_size"),
          sharedCPUs: try cpuList("\(directory)/shared_cpu_list")))
    }
    return caches
  }

  /// A sysfs size such as `48K`, `1024K`, `32M`, in bytes.
  private func byteSize(_ relative: String) throws(SystemFileError) -> Int? {
    guard let text = trimmedText(relative) else { return nil }
    let units: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
    let multiplier = text.last.flatMap { units[$0] } ?? 1
    let digits = multiplier == 1 ? Substring(text) : text.dropLast()
    guard let value = Int(digits), value >= 0, value <= Int.max / multiplier else {
      throw SystemFileError(path: path(relative), problem: "expected a size, found \"\(text)\"")
    }
    return value * multiplier
  }

  /// The cgroup v2 CPU quota in CPUs (`sys/fs/cgroup/cpu.max`, `quota period`),
  /// or `nil` when unlimited (`max …`) or not cgroup v2.
  package func cgroupCPUQuota() throws(SystemFileError) -> Double? {
    let relative = "sys/fs/cgroup/cpu.max"
    guard let text = trimmedText(relative) else { return nil }
    let parts = text.split(whereSeparator: \.isWhitespace)
    if parts.first == "max" { return nil }
    guard parts.count == 2, let quota = Int(parts[0]), let period = Int(parts[1]), quota > 0,
      period > 0
    else {
      throw SystemFileError(
        path: path(relative), problem: "expected \"max\" or \"quota period\", found \"\(text)\"")
    }
    return Double(quota) / Double(period)
  }

  /// The CPUs the cgroup v2 cpuset grants (`sys/fs/cgroup/cpuset.cpus.effective`).
  package func cgroupCPUSet() throws(SystemFileError) -> CPUSet? {
    try cpuList("sys/fs/cgroup/cpuset.cpus.effective")
  }

  /// The first `model name` (x86) or `Model` (ARM) of `/proc/cpuinfo`, and the
  /// first `flags` (x86) or `Features` (ARM) line; `nil` when the file is missing.
  package func cpuInfo() -> (model: String?, flags: Set<String>)? {
    guard let text = text("proc/cpuinfo") else { return nil }
    var model: String?
    var flags: Set<String>?
    for line in text.split(separator: "\n") {
      let parts = line.split(separator: ":", maxSplits: 1)
      guard parts.count == 2 else { continue }
      let key = parts[0].trimmingWhitespace()
      let value = parts[1].trimmingWhitespace()
      if model == nil, key == "model name" || key == "Model" { model = String(value) }
      if flags == nil, key == "flags" || key == "Features" {
        flags = Set(value.split(whereSeparator: \.isWhitespace).map(String.init))
      }
      if model != nil, flags != nil { break }
    }
    return (model, flags ?? [])
  }
}

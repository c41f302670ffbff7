/// The rules that turn a machine's topology into a pool configuration.
///
/// They follow the guide and the SNPool articles ("CPU affinity", "Tuning
/// queue capacity", "Choosing a partitioner for a pool"):
///
/// - **Workers:** one per physical core the process may use (SMT siblings
///   share L1/L2 and execution units, so a second worker per core gains
///   little), capped by a cgroup quota. From 4 cores up, one core per NUMA
///   node is left for the threads that submit and for the OS.
/// - **Affinity:** on for a dedicated host; off when the OS refuses a test
///   pin, in a container that sees part of the machine (cpuset or quota), on
///   macOS (no hard pinning), on a small VM (at most 4 vCPUs, whose vCPUs the
///   host schedules), and with a single CPU.
/// - **Queue capacity:** 128 for latency (the 64–256 range), 1024 balanced
///   (the 1024–4096 default range), 16384 for throughput (10 000 and more).
/// - **Partitioner:** `hash` for a static worker set, `jump` (consistent, no
///   table) when workers come and go.
public enum Advisor {
  /// Queue capacity per goal.
  public static func queueCapacity(for goal: Advice.Goal) -> Int {
    switch goal {
    case .latency: 128
    case .balanced: 1024
    case .throughput: 16384
    }
  }

  /// Recommends a configuration.
  ///
  /// - Parameters:
  ///   - topology: The machine.
  ///   - goal: What to tune for.
  ///   - workerSet: Whether the worker count changes at run time.
  /// - Returns: The advice with its reasons.
  public static func advise(
    for topology: TopologySnapshot, goal: Advice.Goal = .balanced,
    workerSet: Advice.WorkerSet = .static
  ) -> Advice {
    let (workers, workersReason) = workerCount(topology)
    let (affinity, affinityReason) = cpuAffinity(topology, workers: workers)
    let capacity = queueCapacity(for: goal)
    let capacityReason =
      switch goal {
      case .latency: "64–256 keeps queueing delay short and pushes back on producers early"
      case .balanced: "the 1024–4096 default range absorbs ordinary bursts"
      case .throughput: "10 000+ absorbs bursts; producers rarely wait"
      }
    let batch =
      switch goal {
      case .latency: 16
      case .balanced: 64
      case .throughput: 256
      }
    let busySpin = goal == .latency && affinity
    let idleReason =
      busySpin
      ? "pinned dedicated cores: polling gives the lowest wake-up latency (a core at 100 % idle)"
      : "an idle worker sleeps in the kernel (about 0 % CPU)"
        + (goal == .latency ? "; busySpin only pays on pinned dedicated cores" : "")
    let partitioner = workerSet == .static ? "hash" : "jump"
    let partitionerReason =
      workerSet == .static
      ? "fixed worker count: one multiply per message, same key same worker on every host"
      : "workers come and go: only 1/(n+1) of keys move when one is added (AnchorHash via .custom if any worker may leave)"
    return Advice(
      goal: goal, workerSet: workerSet, workerCount: workers, workerCountReason: workersReason,
      cpuAffinity: affinity, cpuAffinityReason: affinityReason, queueCapacity: capacity,
      queueCapacityReason: capacityReason, batchSize: batch,
      idleStrategy: busySpin ? "busySpin" : "spinThenPark", idleStrategyReason: idleReason,
      backpressure: goal == .latency ? "timeout(1 ms)" : "block", partitioner: partitioner,
      partitionerReason: partitionerReason, notes: notes(topology, workers: workers))
  }

  static func workerCount(_ topology: TopologySnapshot) -> (Int, String) {
    var cores = max(1, topology.allowedPhysicalCores)
    var why = "\(cores) physical core\(cores == 1 ? "" : "s") allowed"
    if topology.allowedPhysicalCores < topology.allowedCPUs.count {
      why += " (\(topology.allowedCPUs.count) logical: SMT siblings share a core's caches)"
    }
    if let quota = topology.cpuQuota, Int(quota.rounded(.up)) < cores {
      cores = max(1, Int(quota.rounded(.up)))
      why += ", capped by the \(TopologySnapshot.formatNumber(quota))-CPU quota"
    }
    let nodes = max(1, topology.numaNodes.count)
    if cores >= 4 {
      let reserved = min(nodes, cores / 4)
      why +=
        "; \(reserved) left for submitting threads and the OS"
        + (reserved > 1 ? " (one per NUMA node)" : "")
      return (cores - reserved, why)
    }
    if cores > 1 { why += "; too few to leave one free, submitters share them" }
    return (cores, why)
  }

  static func cpuAffinity(_ topology: TopologySnapshot, workers: Int) -> (Bool, String) {
    if topology.usableCPUs <= 1 { return (false, "one usable CPU: nothing to place") }
    if !topology.pinning.permitted {
      let why = topology.pinning.note.isEmpty ? "refused" : topology.pinning.note
      return (false, "a test pin failed: \(why)")
    }
    if topology.isRestricted {
      var why = "shared container: "
      if topology.allowedCPUs.count < topology.logicalCPUs {
        why += "\(topology.allowedCPUs.count) of \(topology.logicalCPUs) CPUs allowed"
      }
      if let quota = topology.cpuQuota, quota < Double(topology.allowedCPUs.count) {
        if !why.hasSuffix(": ") { why += ", " }
        why +=
          "a \(TopologySnapshot.formatNumber(quota))-CPU quota throttles without shrinking the mask"
      }
      return (false, why + "; let the scheduler move workers off busy neighbours")
    }
    if topology.os == "macOS" {
      return (false, "macOS has no hard pinning, and a laptop is a shared machine")
    }
    if topology.virtualized && topology.logicalCPUs <= 4 {
      return (
        false,
        "small VM (\(topology.logicalCPUs) vCPUs): the host schedules the vCPUs, so a pin inside "
          + "the guest keeps no core warm (measured within noise on a 2-vCPU VM)"
      )
    }
    var why =
      "dedicated \(topology.logicalCPUs)-CPU host: pinned workers keep caches warm, never migrate"
    if topology.numaNodes.count > 1 {
      why += ", spread over \(topology.numaNodes.count) NUMA nodes"
    }
    return (true, why)
  }

  static func notes(_ topology: TopologySnapshot, workers: Int) -> [String] {
    var notes: [String] = []
    if topology.numaNodes.count > 1 {
      notes.append(
        "\(topology.numaNodes.count) NUMA nodes: make worker state in makeState (it runs on the "
          + "worker's thread, so first touch puts its memory on that node); the NUMA trait binds "
          + "arenas explicitly")
    }
    if topology.threadsPerCore > 1 {
      notes.append(
        "SMT \(topology.threadsPerCore)-way: pinned workers take distinct cores first, siblings "
          + "last (CPUTopology.placementOrder)")
    }
    if topology.hugePagesFree > 0 {
      notes.append(
        "\(topology.hugePagesFree) reserved huge pages free: arenas can use PagePolicy.hugeTLB")
    } else {
      switch topology.transparentHugePages {
      case "always", "madvise":
        notes.append(
          "transparent huge pages '\(topology.transparentHugePages)', none reserved: large arenas "
            + "get 2 MiB pages with PagePolicy.transparentHuge")
      default:
        notes.append(
          "no huge pages (THP '\(topology.transparentHugePages)', none reserved): arenas use 4 KiB "
            + "pages")
      }
    }
    if topology.cacheLineSize != 64 {
      notes.append("\(topology.cacheLineSize)-byte cache lines: keep SNAtomics' 128-byte padding")
    }
    if topology.os == "macOS" && topology.architecture == "arm64" {
      notes.append(
        "Apple silicon mixes performance and efficiency cores: measure with `sn demo` before "
          + "using all \(topology.physicalCores)")
    }
    if let quota = topology.cpuQuota, quota.rounded(.down) != quota {
      notes.append(
        "fractional quota \(TopologySnapshot.formatNumber(quota)) CPUs: the last worker is "
          + "throttled part of each period")
    }
    let wide = topology.simdFeatures.contains("avx2") && topology.simdFeatures.contains("fma")
    notes.append(
      "SNSimd runs the \(topology.simdTier) tier"
        + (wide || topology.simdTier == "avx2"
          ? " (AVX2/FMA kernels)" : " (portable Swift SIMD kernels)"))
    return notes
  }
}

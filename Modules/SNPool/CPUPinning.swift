/// Where a pool's worker threads run: left to the scheduler, or each pinned
/// to its own CPU. One setting, ``PoolConfiguration/cpuPinning``, for what
/// used to be a switch (`cpuAffinity`) and a list used only when it was on
/// (`cpus`).
///
/// ```swift
/// let shared = PoolConfiguration()  // .unpinned: shared containers, CI, laptops
/// let dedicated = PoolConfiguration().withCPUPinning(.spreadOverCores)
/// let chosen = PoolConfiguration().withWorkerCount(2).withCPUPinning(.pinned(to: [2, 3]))
/// ```
///
/// A pinned worker pins itself before it makes its state, so the state's
/// memory is first touched on that CPU's NUMA node. A pin the OS refuses is
/// logged and leaves that worker unpinned (``WorkerStatistics/pinnedCPU``).
/// See <doc:CPUAffinity> for when pinning pays.
public enum CPUPinning: Sendable, Hashable {
  /// No pinning: the scheduler places and moves the workers. The default.
  case unpinned
  /// Each worker pinned to its own CPU of the process's affinity mask,
  /// distinct physical cores first, spread over NUMA nodes, then their
  /// hyperthread siblings (``CPUTopology/placementOrder(for:)``). More workers
  /// than allowed CPUs fails with
  /// ``PoolConfigurationError/tooManyPinnedWorkers``.
  case spreadOverCores
  /// Worker `i` pinned to `cpus[i]`. The list needs at least one CPU per
  /// worker, no CPU twice, and only CPUs of the process's affinity mask;
  /// otherwise the pool fails to build with
  /// ``PoolConfigurationError/invalidCPU``.
  case pinned(to: [Int])
}

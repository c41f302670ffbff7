import Logging
import SNAtomics
import SNPartition

/// How one worker is fed and how it waits: queue capacity, batch size, idle
/// strategy and tick interval.
///
/// Plain `var` properties with defaults are the primary form; the `with…`
/// setters return a modified copy for chaining:
///
/// ```swift
/// var worker = WorkerConfiguration()
/// worker.queueCapacity = 4096
/// // or
/// let same = WorkerConfiguration().withQueueCapacity(4096).withBatchSize(128)
/// ```
public struct WorkerConfiguration: Sendable, Hashable {
  /// Messages each worker's inbound queue holds; rounded up to a power of
  /// two (at least 2) by the channel. Default 1024.
  ///
  /// 64–256 keeps queueing delay low; 1024–4096 suits most services;
  /// 10 000 and more absorbs bursts for throughput jobs.
  public var queueCapacity: Int = 1024

  /// The most messages a worker takes from its queue at once before
  /// handling them one by one. Default 64; 1 turns batch draining off.
  public var batchSize: Int = 64

  /// How an idle worker waits for messages. Default ``IdleStrategy/spinThenPark``.
  public var idleStrategy: IdleStrategy = .spinThenPark

  /// How often ``Worker/tick(state:context:)`` runs when no message
  /// arrives, or `nil` to tick only after each drained batch and at
  /// shutdown. Default `nil`.
  public var tickInterval: Duration? = nil

  /// Creates the default worker configuration.
  public init() {}

  /// A copy with ``queueCapacity`` set.
  ///
  /// - Parameter capacity: Messages per worker queue, at least 1.
  /// - Returns: The modified configuration.
  public func withQueueCapacity(_ capacity: Int) -> Self {
    var copy = self
    copy.queueCapacity = capacity
    return copy
  }

  /// A copy with ``batchSize`` set.
  ///
  /// - Parameter size: Messages taken per drain, at least 1.
  /// - Returns: The modified configuration.
  public func withBatchSize(_ size: Int) -> Self {
    var copy = self
    copy.batchSize = size
    return copy
  }

  /// A copy with ``idleStrategy`` set.
  ///
  /// - Parameter strategy: How an idle worker waits.
  /// - Returns: The modified configuration.
  public func withIdleStrategy(_ strategy: IdleStrategy) -> Self {
    var copy = self
    copy.idleStrategy = strategy
    return copy
  }

  /// A copy with ``tickInterval`` set.
  ///
  /// - Parameter interval: The longest time between ticks, or `nil`.
  /// - Returns: The modified configuration.
  public func withTickInterval(_ interval: Duration?) -> Self {
    var copy = self
    copy.tickInterval = interval
    return copy
  }
}

/// How an idle worker waits for its next message.
public struct IdleStrategy: Sendable, Hashable, CustomStringConvertible {
  @usableFromInline
  enum Kind: Sendable, Hashable {
    case busySpin
    case spinThenYield
    case spinThenPark(WaitStrategy)
  }

  @usableFromInline let kind: Kind

  init(_ kind: Kind) { self.kind = kind }

  /// Poll the queue with the CPU pause hint and never give up the core:
  /// the lowest wake-up latency, and a core at 100 % while idle. Only for
  /// workers pinned to dedicated cores.
  public static let busySpin = IdleStrategy(.busySpin)

  /// Spin briefly, then `sched_yield` between polls: lets other threads run
  /// but still shows as busy and never sleeps.
  public static let spinThenYield = IdleStrategy(.spinThenYield)

  /// Spin, yield a few times, then sleep in the kernel until a message
  /// arrives (or the next tick is due): an idle pool uses about 0 % CPU.
  /// The default.
  public static let spinThenPark = IdleStrategy(.spinThenPark(.default))

  /// Spin-then-park with custom limits.
  ///
  /// - Parameter strategy: Spin, yield and park limits.
  /// - Returns: The idle strategy.
  public static func spinThenPark(_ strategy: WaitStrategy) -> IdleStrategy {
    IdleStrategy(.spinThenPark(strategy))
  }

  /// The name of the strategy.
  public var description: String {
    switch kind {
    case .busySpin: "busySpin"
    case .spinThenYield: "spinThenYield"
    case .spinThenPark: "spinThenPark"
    }
  }

  /// The wait strategy of the worker's channel (used by blocked senders too).
  var channelStrategy: WaitStrategy {
    switch kind {
    case .busySpin, .spinThenYield: .default
    case .spinThenPark(let strategy): strategy
    }
  }
}

/// What a sender does when the target worker's queue is full.
public struct BackpressurePolicy: Sendable, Hashable, CustomStringConvertible {
  @usableFromInline
  enum Kind: Sendable, Hashable {
    case block
    case failFast
    case timeout(Duration)
  }

  @usableFromInline let kind: Kind

  init(_ kind: Kind) { self.kind = kind }

  /// Wait for room: spin briefly, then park (an async sender suspends
  /// instead). The default; no message is ever rejected for being early.
  public static let block = BackpressurePolicy(.block)

  /// Reject at once with ``PoolError/queueFull``, handing the message back.
  public static let failFast = BackpressurePolicy(.failFast)

  /// Wait at most `duration` for room, then reject with ``PoolError/timedOut``.
  ///
  /// - Parameter duration: The longest wait.
  /// - Returns: The policy.
  public static func timeout(_ duration: Duration) -> BackpressurePolicy {
    BackpressurePolicy(.timeout(duration))
  }

  /// The name of the policy.
  public var description: String {
    switch kind {
    case .block: "block"
    case .failFast: "failFast"
    case .timeout(let duration): "timeout(\(duration))"
    }
  }
}

/// What happens when ``Worker/handleMessage(_:state:context:)`` or
/// ``Worker/tick(state:context:)`` throws.
///
/// Every outcome is counted in ``WorkerStatistics`` (``WorkerStatistics/errors``,
/// ``WorkerStatistics/restarts``) and logged; the message whose handler threw
/// counts as processed (it is not retried).
public struct WorkerErrorPolicy: Sendable, Hashable, CustomStringConvertible {
  @usableFromInline
  enum Kind: Sendable, Hashable {
    case stopPool
    case restartWorker
    case continueProcessing
  }

  @usableFromInline let kind: Kind

  init(_ kind: Kind) { self.kind = kind }

  /// Stop the whole pool at once: intake closes, every worker stops, and
  /// messages still queued come back in ``PoolTermination/unprocessed``.
  public static let stopPool = WorkerErrorPolicy(.stopPool)

  /// Throw the failed worker's state away and continue with a fresh one
  /// from ``Worker/makeState(workerIndex:)``.
  public static let restartWorker = WorkerErrorPolicy(.restartWorker)

  /// Count the error, log it, and go on with the same state. The default.
  public static let continueProcessing = WorkerErrorPolicy(.continueProcessing)

  /// The name of the policy.
  public var description: String {
    switch kind {
    case .stopPool: "stopPool"
    case .restartWorker: "restartWorker"
    case .continueProcessing: "continueProcessing"
    }
  }
}

/// Builds the pool's partitioner once the worker count is known.
///
/// ```swift
/// PoolConfiguration().withPartitioner(.consistentHash(virtualNodes: 150))
/// PoolConfiguration().withPartitioner(.custom { try JumpHashPartitioner(workers: $0) })
/// ```
public struct PartitionerFactory: Sendable {
  /// Makes the partitioner for a worker count.
  public let make: @Sendable (Int) throws -> any Partitioner

  /// Wraps a function that builds a partitioner for `workerCount` workers.
  ///
  /// - Parameter make: Builds a partitioner routing to `0..<workerCount`.
  public init(_ make: @escaping @Sendable (_ workerCount: Int) throws -> any Partitioner) {
    self.make = make
  }

  /// `HashPartitioner`: the cheapest; keys move if the count changes.
  public static let hash = PartitionerFactory { try HashPartitioner(workers: $0) }

  /// `JumpHashPartitioner`: consistent, no table.
  public static let jump = PartitionerFactory { try JumpHashPartitioner(workers: $0) }

  /// `RoundRobinPartitioner`: even spread, ignores keys (stateless work only).
  public static let roundRobin = PartitionerFactory { try RoundRobinPartitioner(workers: $0) }

  /// `RendezvousPartitioner`: highest random weight.
  public static let rendezvous = PartitionerFactory { try RendezvousPartitioner(workers: $0) }

  /// `MaglevPartitioner`: table lookup, minimal disruption.
  public static let maglev = PartitionerFactory { try MaglevPartitioner(workers: $0) }

  /// `ConsistentHashPartitioner` with `virtualNodes` points per worker.
  ///
  /// - Parameter virtualNodes: Ring points per worker.
  /// - Returns: The factory.
  public static func consistentHash(virtualNodes: Int = 150) -> PartitionerFactory {
    PartitionerFactory { try ConsistentHashPartitioner(workers: $0, virtualNodes: virtualNodes) }
  }

  /// A factory that ignores the count and returns `partitioner` (the pool
  /// checks that its worker count matches).
  ///
  /// - Parameter partitioner: A ready partitioner.
  /// - Returns: The factory.
  public static func fixed(_ partitioner: any Partitioner) -> PartitionerFactory {
    PartitionerFactory { _ in partitioner }
  }

  /// A factory from a closure.
  ///
  /// - Parameter make: Builds a partitioner for the worker count.
  /// - Returns: The factory.
  public static func custom(
    _ make: @escaping @Sendable (_ workerCount: Int) throws -> any Partitioner
  ) -> PartitionerFactory {
    PartitionerFactory(make)
  }
}

/// The shape of a pool: worker count, CPU pinning, routing, backpressure,
/// error policy and per-worker settings.
///
/// ```swift
/// let configuration = PoolConfiguration()
///   .withWorkerCount(8)
///   .withCPUPinning(.spreadOverCores)
///   .withPartitioner(.consistentHash(virtualNodes: 150))
///   .withBackpressure(.timeout(.milliseconds(5)))
/// ```
public struct PoolConfiguration: Sendable {
  /// The most workers a pool may have: 4096, Linux's largest common CPU
  /// count (`CONFIG_NR_CPUS`). Each worker is an OS thread with its own
  /// queue, so more would exhaust threads or memory rather than add speed;
  /// a pool asking for more fails with ``PoolConfigurationError/tooManyWorkers``.
  public static let maximumWorkerCount = 4096

  /// How many workers (OS threads), in `1...`
  /// ``PoolConfiguration/maximumWorkerCount``. Default: the number of CPUs
  /// this process may run on.
  public var workerCount: Int = max(1, OSThread.allowedCPUs.count)

  /// Whether and where to pin the workers: ``CPUPinning/unpinned`` (the
  /// default), ``CPUPinning/spreadOverCores``, or an explicit list with
  /// ``CPUPinning/pinned(to:)``.
  ///
  /// Pinning is worth it on dedicated hosts; in shared containers the OS may
  /// move or throttle threads anyway. Pinning the OS refuses is logged and
  /// leaves that worker unpinned (see ``WorkerStatistics/pinnedCPU``).
  public var cpuPinning: CPUPinning = .unpinned

  /// The worker-to-worker mesh, or `nil` (the default) for none. See
  /// ``MeshConfiguration`` and ``withMesh(_:)``.
  public var mesh: MeshConfiguration? = nil

  /// How keys are routed to workers. Default ``PartitionerFactory/hash``.
  public var partitioner: PartitionerFactory = .hash

  /// What senders do when a queue is full. Default ``BackpressurePolicy/block``.
  public var backpressure: BackpressurePolicy = .block

  /// What happens when a worker throws. Default
  /// ``WorkerErrorPolicy/continueProcessing``.
  public var errorPolicy: WorkerErrorPolicy = .continueProcessing

  /// Settings shared by every worker.
  public var worker = WorkerConfiguration()

  /// Capacity of the results channel workers emit into. Default 1024.
  public var resultsCapacity: Int = 1024

  /// Time one message in every `latencySampleInterval` (0 turns timing
  /// off). Default 64: two clock reads per 64 messages (a clock read costs
  /// about as much as a whole SPSC hop of a small message on a VM).
  public var latencySampleInterval: Int = 64

  /// Stamp envelopes with their submission time, so statistics also show
  /// queueing delay. Sampled: one message in every
  /// ``latencySampleInterval`` per worker is stamped (every message when
  /// that interval is 0 or 1), and the worker reads the clock once for each
  /// stamped message, so the cost is two clock reads per interval. Messages
  /// of a ``Submitter`` take the workers' shared queues while this is on.
  /// Default `false`: no clock read per message.
  public var recordsQueueDelay: Bool = false

  /// How often a pool run as a swift-service-lifecycle `Service` exports
  /// its statistics through swift-metrics (see ``PoolMetrics``), or `nil`
  /// for never. Default `nil`.
  public var metricsInterval: Duration? = nil

  /// A name used for thread names, log metadata and metric labels.
  public var name: String = "sn-pool"

  /// Where warnings (refused pinning, worker errors) go.
  public var logger = Logger(label: "SNPool")

  /// Creates the default configuration.
  public init() {}

  /// A copy with ``workerCount`` set to `count`.
  ///
  /// - Parameter count: Number of workers, at least 1.
  /// - Returns: The modified configuration.
  public func withWorkerCount(_ count: Int) -> Self { with(\.workerCount, count) }

  /// A copy with ``cpuPinning`` set.
  ///
  /// - Parameter pinning: Whether and where to pin the workers.
  /// - Returns: The modified configuration.
  public func withCPUPinning(_ pinning: CPUPinning) -> Self {
    with(\.cpuPinning, pinning)
  }

  /// A copy with ``partitioner`` set.
  ///
  /// - Parameter factory: How keys are routed.
  /// - Returns: The modified configuration.
  public func withPartitioner(_ factory: PartitionerFactory) -> Self {
    with(\.partitioner, factory)
  }

  /// A copy with ``backpressure`` set.
  ///
  /// - Parameter policy: What senders do when a queue is full.
  /// - Returns: The modified configuration.
  public func withBackpressure(_ policy: BackpressurePolicy) -> Self {
    with(\.backpressure, policy)
  }

  /// A copy with ``errorPolicy`` set.
  ///
  /// - Parameter policy: What happens when a worker throws.
  /// - Returns: The modified configuration.
  public func withErrorPolicy(_ policy: WorkerErrorPolicy) -> Self { with(\.errorPolicy, policy) }

  /// A copy with ``worker`` set.
  ///
  /// - Parameter configuration: Per-worker settings.
  /// - Returns: The modified configuration.
  public func withWorkerConfiguration(_ configuration: WorkerConfiguration) -> Self {
    with(\.worker, configuration)
  }

  /// A copy with ``resultsCapacity`` set.
  ///
  /// - Parameter capacity: Results channel capacity, at least 1.
  /// - Returns: The modified configuration.
  public func withResultsCapacity(_ capacity: Int) -> Self { with(\.resultsCapacity, capacity) }

  /// A copy with ``metricsInterval`` set.
  ///
  /// - Parameter interval: Export period, or `nil`.
  /// - Returns: The modified configuration.
  public func withMetricsInterval(_ interval: Duration?) -> Self {
    with(\.metricsInterval, interval)
  }

  /// A copy with ``name`` set.
  ///
  /// - Parameter name: The pool's name.
  /// - Returns: The modified configuration.
  public func withName(_ name: String) -> Self { with(\.name, name) }

  /// A copy with ``logger`` set.
  ///
  /// - Parameter logger: Where warnings go.
  /// - Returns: The modified configuration.
  public func withLogger(_ logger: Logger) -> Self { with(\.logger, logger) }

  private func with<Value>(_ path: WritableKeyPath<Self, Value>, _ value: Value) -> Self {
    var copy = self
    copy[keyPath: path] = value
    return copy
  }
}

#if Cluster
  import SNCluster
  import SNPartition
  import SNPool

  /// A test message: a unique id, its routing key, and where the sender routed it.
  public struct ProbeMessage: Sendable, Hashable, Codable {
    /// Unique per message in a run.
    public var id: UInt64
    /// The routing key.
    public var key: UInt64
    /// The node the sender's router chose.
    public var node: Int32
    /// The worker the sender's router chose.
    public var worker: Int32

    /// Creates a message.
    public init(id: UInt64, key: UInt64, node: Int32, worker: Int32) {
      self.id = id
      self.key = key
      self.node = node
      self.worker = worker
    }
  }

  /// Thrown by ``ProbeCodec`` for the poisoned ids.
  public struct PoisonedMessage: Error, Hashable {
    /// The id.
    public let id: UInt64
  }

  /// A fixed 24-byte little-endian layout; optionally throws on chosen ids.
  public struct ProbeCodec: ClusterCodec {
    /// Ids whose encoding throws.
    public var failEncoding: Set<UInt64> = []
    /// Ids whose decoding throws (on the receiving node).
    public var failDecoding: Set<UInt64> = []
    /// Extra zero bytes appended to each message (to test the size limit).
    public var padding = 0

    /// Creates the codec.
    public init(failEncoding: Set<UInt64> = [], failDecoding: Set<UInt64> = [], padding: Int = 0) {
      self.failEncoding = failEncoding
      self.failDecoding = failDecoding
      self.padding = padding
    }

    /// Appends the 24 bytes (plus padding).
    public func encode(_ message: ProbeMessage, into buffer: inout [UInt8]) throws {
      if failEncoding.contains(message.id) { throw PoisonedMessage(id: message.id) }
      withUnsafeBytes(of: message.id.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: message.key.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: message.node.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: message.worker.littleEndian) { buffer += $0 }
      if padding > 0 { buffer += repeatElement(0, count: padding) }
    }

    /// Reads the 24 bytes.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> ProbeMessage {
      guard bytes.count >= 24 else { throw PoisonedMessage(id: .max) }
      let message = ProbeMessage(
        id: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
        key: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
        node: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: Int32.self)),
        worker: Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: 20, as: Int32.self)))
      if failDecoding.contains(message.id) { throw PoisonedMessage(id: message.id) }
      return message
    }
  }

  /// What one node processed: counts and order-independent checksums of the ids.
  public struct ProbeTally: Sendable, Hashable {
    /// Messages processed.
    public var processed = 0
    /// Sum of the ids (wrapping).
    public var idSum: UInt64 = 0
    /// Sum of a 64-bit mix of each id (wrapping): catches a swap that keeps the sum.
    public var mixSum: UInt64 = 0
    /// Ids processed more than once.
    public var duplicates = 0
    /// Messages whose node or worker differed from this process's own routing
    /// or from the sender's.
    public var misrouted = 0

    /// An empty tally.
    public init() {}

    /// Adds one id.
    public mutating func add(id: UInt64) {
      processed += 1
      idSum &+= id
      mixSum &+= ProbeTally.mix(id)
    }

    /// Adds another tally.
    public mutating func add(_ other: ProbeTally) {
      processed += other.processed
      idSum &+= other.idSum
      mixSum &+= other.mixSum
      duplicates += other.duplicates
      misrouted += other.misrouted
    }

    /// SplitMix64's finaliser.
    public static func mix(_ value: UInt64) -> UInt64 {
      var z = value &+ 0x9E37_79B9_7F4A_7C15
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }

    /// `processed=… idSum=… mixSum=… duplicates=… misrouted=…`.
    public var line: String {
      "processed=\(processed) idSum=\(idSum) mixSum=\(mixSum) duplicates=\(duplicates) misrouted=\(misrouted)"
    }

    /// Parses ``line``.
    public init?(line: Substring) {
      var fields: [Substring: Substring] = [:]
      for part in line.split(separator: " ") {
        let pair = part.split(separator: "=", maxSplits: 1)
        if pair.count == 2 { fields[pair[0]] = pair[1] }
      }
      guard let processed = fields["processed"].flatMap({ Int($0) }),
        let idSum = fields["idSum"].flatMap({ UInt64($0) }),
        let mixSum = fields["mixSum"].flatMap({ UInt64($0) }),
        let duplicates = fields["duplicates"].flatMap({ Int($0) }),
        let misrouted = fields["misrouted"].flatMap({ Int($0) })
      else { return nil }
      self.processed = processed
      self.idSum = idSum
      self.mixSum = mixSum
      self.duplicates = duplicates
      self.misrouted = misrouted
    }
  }

  /// Records every message and checks it reached the worker that every
  /// process's router names for its key.
  public struct ProbeWorker: Worker {
    /// One worker's record.
    public struct State {
      var tally = ProbeTally()
      var seen = Set<UInt64>()
    }

    /// This node's id.
    public let nodeID: Int
    /// This process's router (built from the shared membership).
    public let router: ClusterRouter

    /// Creates the worker.
    public init(nodeID: Int, router: ClusterRouter) {
      self.nodeID = nodeID
      self.router = router
    }

    /// An empty record.
    public func makeState(workerIndex: Int) -> State { State() }

    /// Records the message.
    public func handleMessage(
      _ envelope: Envelope<ProbeMessage>, state: inout State, context: inout WorkerContext<Self>
    ) {
      let message = envelope.message
      if !state.seen.insert(message.id).inserted { state.tally.duplicates += 1 }
      let route = router.route(message.key)
      if route.node != nodeID || route.worker != context.workerIndex
        || Int(message.node) != nodeID || Int(message.worker) != context.workerIndex
      {
        state.tally.misrouted += 1
      }
      state.tally.add(id: message.id)
    }

    /// The node-wide tally of a terminated pool.
    public static func tally(_ states: [State]) -> ProbeTally {
      states.reduce(into: ProbeTally()) { $0.add($1.tally) }
    }
  }

  /// A pool of ``ProbeWorker``s for node `id`, with the cluster's partitioner.
  ///
  /// - Parameters:
  ///   - router: The cluster router.
  ///   - id: The node.
  /// - Returns: A started pool.
  public func makeProbePool(router: ClusterRouter, node id: Int) throws -> WorkerPool<ProbeWorker> {
    let node = try router.membership.node(id: id)
    var configuration = PoolConfiguration()
    configuration.workerCount = node.workers
    configuration.partitioner = .fixed(try router.workerPartitioner(forNode: id))
    configuration.worker = WorkerConfiguration().withQueueCapacity(4096)
    let pool = try WorkerPool(
      worker: ProbeWorker(nodeID: id, router: router), configuration: configuration)
    try pool.start()
    return pool
  }
#endif

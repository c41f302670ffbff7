#if Cluster
  import GRPCCore
  import SNCluster
  import SNPool
  import Synchronization
  import _SNClusterTestSupport

  /// A node's receiver and pool in this process, listening on a free port.
  struct LocalNode {
    let id: Int
    let pool: WorkerPool<ProbeWorker>
    let receiver: ClusterReceiver<ProbeWorker, ProbeCodec>
    let serving: Task<Void, any Error>
    let port: Int

    /// Starts node `id` of `membership` (whose ports are ignored: it binds port 0).
    static func start(
      _ id: Int, of membership: ClusterMembership, codec: ProbeCodec = ProbeCodec(),
      configuration: ClusterConfiguration = ClusterConfiguration(),
      interceptors: [any ServerInterceptor] = [], pool: WorkerPool<ProbeWorker>? = nil
    ) async throws -> LocalNode {
      let router = ClusterRouter(membership: membership)
      let pool = try pool ?? makeProbePool(router: router, node: id)
      let receiver = try ClusterReceiver(
        membership: membership, node: id, pool: pool, codec: codec, configuration: configuration,
        listenPort: 0, interceptors: interceptors)
      let serving = Task { try await receiver.run() }
      let port = try await receiver.listeningPort
      return LocalNode(id: id, pool: pool, receiver: receiver, serving: serving, port: port)
    }

    /// Stops the receiver, drains the pool, returns what it processed.
    func stop() async -> ProbeTally {
      receiver.shutdown()
      _ = await serving.result
      return ProbeWorker.tally(pool.shutdown().states)
    }
  }

  /// The membership a sender uses: the nodes' real ports.
  func senderMembership(_ spec: [(id: Int, port: Int, workers: Int)]) throws -> ClusterMembership {
    try ClusterMembership(
      nodes: spec.map {
        try ClusterNode(id: $0.id, host: "127.0.0.1", port: $0.port, workers: $0.workers)
      })
  }

  /// The message with id `id`, routed by `router`.
  func probe(_ id: UInt64, router: ClusterRouter, keys: UInt64 = 1009) -> ProbeMessage {
    let key = id % keys &* 0x9E37_79B9
    let route = router.route(key)
    return ProbeMessage(id: id, key: key, node: Int32(route.node), worker: Int32(route.worker))
  }

  /// What a set of messages should add up to on each node.
  func expectedTallies(_ messages: some Sequence<ProbeMessage>) -> [Int: ProbeTally] {
    var result: [Int: ProbeTally] = [:]
    for message in messages { result[Int(message.node), default: ProbeTally()].add(id: message.id) }
    return result
  }

  /// Breaks the first stream it sees: passes its first `keptAcks` acknowledgements,
  /// swallows the next ones, then fails the RPC at write `failAt`. The sender must
  /// then resend batches the node has already delivered.
  final class BreakFirstStream: ServerInterceptor {
    let keptAcks: Int
    let failAt: Int
    let streams = Atomic<Int>(0)

    init(keptAcks: Int, failAt: Int) {
      self.keptAcks = keptAcks
      self.failAt = failAt
    }

    func intercept<Input: Sendable, Output: Sendable>(
      request: StreamingServerRequest<Input>, context: ServerContext,
      next:
        @Sendable (StreamingServerRequest<Input>, ServerContext) async throws ->
        StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
      let stream = streams.wrappingAdd(1, ordering: .relaxed).newValue
      var response = try await next(request, context)
      guard stream == 1, case .success(var contents) = response.accepted else { return response }
      let producer = contents.producer
      let (keptAcks, failAt) = (self.keptAcks, self.failAt)
      contents.producer = { writer in
        try await producer(
          RPCWriter(wrapping: AckDropper(base: writer, keptAcks: keptAcks, failAt: failAt)))
      }
      response.accepted = .success(contents)
      return response
    }
  }

  final class AckDropper<Element: Sendable>: RPCWriterProtocol {
    let base: RPCWriter<Element>
    let keptAcks: Int
    let failAt: Int
    let writes = Atomic<Int>(0)

    init(base: RPCWriter<Element>, keptAcks: Int, failAt: Int) {
      self.base = base
      self.keptAcks = keptAcks
      self.failAt = failAt
    }

    func write(_ element: Element) async throws {
      let count = writes.wrappingAdd(1, ordering: .relaxed).newValue
      if count >= failAt { throw RPCError(code: .unavailable, message: "test: stream broken") }
      if count <= keptAcks { try await base.write(element) }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
      for element in elements { try await write(element) }
    }
  }
#endif

#if Cluster
  import SNPartition

  /// Counters of a ``ClusterSender`` (summed over its links).
  public struct ClusterSenderStatistics: Sendable, Hashable {
    /// Messages accepted by `send`.
    public var sent = 0
    /// Messages acknowledged by their node (accepted by the owning worker's queue).
    public var acknowledged = 0
    /// Messages handed back (rejected by the node, or unacknowledged when the
    /// node was declared unavailable).
    public var handedBack = 0
    /// Batches written (resends not counted).
    public var batches = 0
    /// Batches written again on a reopened stream.
    public var resentBatches = 0
    /// Streams reopened after a break.
    public var reconnects = 0
    var resetFailures = false

    mutating func add(_ other: ClusterSenderStatistics) {
      sent += other.sent
      acknowledged += other.acknowledged
      handedBack += other.handedBack
      batches += other.batches
      resentBatches += other.resentBatches
      reconnects += other.reconnects
    }
  }

  /// Sends messages by key to the worker that owns the key, on whichever node
  /// that is.
  ///
  /// One link per node: a long-lived gRPC bidirectional stream carrying batches
  /// of messages, each numbered, and acknowledgements back (see
  /// <doc:DeliveryGuarantees>). The sender computes the owning node *and*
  /// worker (``ClusterRouter``), so the node puts the message straight into that
  /// worker's lane.
  ///
  /// <!-- snippet: skip SNCluster builds gRPC; placeholders (membership, readings); the same calls run in SNClusterTests -->
  /// ```swift
  /// let sender = try ClusterSender(membership: membership, codec: ReadingCodec())
  /// for reading in readings {
  ///   try await sender.send(reading, key: reading.sensor)
  /// }
  /// try await sender.close()  // everything acknowledged, or thrown back
  /// ```
  ///
  /// The links run in tasks the sender starts; ``close()`` ends them.
  public final class ClusterSender<Codec: ClusterCodec>: Sendable {
    /// The membership routed over.
    public let membership: ClusterMembership
    /// The router (same in every process with the same membership).
    public let router: ClusterRouter
    /// This sender's sequence space, random per sender: receivers deduplicate per incarnation.
    public let incarnation: UInt64
    @usableFromInline let links: [_Link<Codec>]
    let tasks = _Lock<[Task<Void, Never>]>([])

    /// Creates a sender and starts connecting to every node.
    ///
    /// - Parameters:
    ///   - membership: The cluster's nodes.
    ///   - codec: Encodes messages.
    ///   - configuration: Limits and timings; must match the receivers'.
    /// - Throws: ``ClusterError/badAddress`` when a node's address cannot be resolved.
    @inlinable
    public convenience init(
      membership: ClusterMembership, codec: Codec,
      configuration: ClusterConfiguration = ClusterConfiguration()
    ) throws(ClusterError) {
      try self.init(membership: membership, configuration: configuration, linkCodec: codec)
    }

    @usableFromInline
    init(
      membership: ClusterMembership, configuration: ClusterConfiguration, linkCodec codec: Codec
    ) throws(ClusterError) {
      self.membership = membership
      self.router = ClusterRouter(membership: membership)
      let incarnation = UInt64.random(in: 1...UInt64.max)
      self.incarnation = incarnation
      var links: [_Link<Codec>] = []
      for node in membership.nodes {
        do {
          links.append(
            try _Link(
              node: node, codec: codec, configuration: configuration, incarnation: incarnation,
              fingerprint: membership.routingFingerprint))
        } catch {
          throw .badAddress.with(detail: "\(node): \(error)")
        }
      }
      self.links = links
      tasks.withLock { tasks in
        tasks = links.map { link in Task { await link.run() } }
      }
    }

    /// Sends `message` to the worker that owns `key`.
    ///
    /// Returns once the message is queued on its node's link; suspends while
    /// that link has ``ClusterConfiguration/maximumUnackedMessages`` outstanding.
    /// Runs on the caller's executor (`nonisolated(nonsending)`): when the link
    /// has room, a send is a lock, the codec's `encode` and an append, with no
    /// hop to another executor.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - key: The routing key (stable hash: same node and worker in every process).
    /// - Throws: ``ClusterSendError`` holding `message`: ``ClusterError/encodingFailed``,
    ///   ``ClusterError/messageTooLarge``, ``ClusterError/nodeUnavailable`` (the node
    ///   was declared unavailable earlier) or ``ClusterError/shutDown``.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func send<Key: StableHashable>(
      _ message: Codec.Message, key: Key
    ) async throws(ClusterSendError<Codec.Message>) {
      let route = router.route(key)
      // The common case (room on the link) is synchronous and inlined into the
      // caller: no async frame and no executor hop per message (each cost
      // about 5% of the loopback benchmark's CPU). Only a full link awaits.
      if try !_trySend(message, to: route) {
        try await links[route.nodeIndex].send(message, worker: route.worker)
      }
    }

    /// Sends `message` along a precomputed route (``ClusterRouter/route(keyHash:)``).
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - route: The owning node and worker.
    /// - Throws: ``ClusterSendError`` holding `message`: as ``send(_:key:)``, and
    ///   ``ClusterError/unknownNode`` for a node or worker outside the membership.
    @inlinable @inline(__always)
    nonisolated(nonsending) public func send(
      _ message: Codec.Message, to route: ClusterRoute
    ) async throws(ClusterSendError<Codec.Message>) {
      if try !_trySend(message, to: route) {
        try await links[route.nodeIndex].send(message, worker: route.worker)
      }
    }

    /// Checks `route` and queues `message` on its link if there is room.
    ///
    /// - Returns: `true` once queued, `false` when the link is full (the
    ///   caller waits in its `send`).
    /// - Throws: As ``send(_:to:)``.
    @inlinable @inline(__always)
    func _trySend(
      _ message: Codec.Message, to route: ClusterRoute
    ) throws(ClusterSendError<Codec.Message>) -> Bool {
      guard links.indices.contains(route.nodeIndex) else {
        throw unknownRoute(message, route)
      }
      let link = links[route.nodeIndex]
      guard link.node.id == route.node, route.worker >= 0, route.worker < link.node.workers else {
        throw unknownRoute(message, route)
      }
      return try link.trySend(message, worker: route.worker)
    }

    /// The error for a route that names no node or worker of this sender.
    @usableFromInline
    func unknownRoute(
      _ message: Codec.Message, _ route: ClusterRoute
    ) -> ClusterSendError<Codec.Message> {
      let reason = ClusterError.unknownNode.with(
        detail: "node \(route.node) worker \(route.worker)")
      return ClusterSendError(
        reason: reason,
        undelivered: [UndeliveredMessage(message: message, node: route.node, reason: reason)])
    }

    /// Waits until every message sent so far is acknowledged or handed back.
    ///
    /// - Throws: ``ClusterSendError`` with every message handed back since the
    ///   last `flush` (each with its node and reason); those are not retried.
    public func flush() async throws(ClusterSendError<Codec.Message>) {
      var undelivered: [UndeliveredMessage<Codec.Message>] = []
      for link in links { undelivered += await link.settle() }
      if let first = undelivered.first {
        throw ClusterSendError(reason: first.reason, undelivered: undelivered)
      }
    }

    /// Flushes, then closes every link.
    ///
    /// - Throws: ``ClusterSendError`` with the messages handed back, as ``flush()``.
    public func close() async throws(ClusterSendError<Codec.Message>) {
      var failure: ClusterSendError<Codec.Message>?
      do { try await flush() } catch { failure = error }
      for link in links { link.beginClosing() }
      let running = tasks.withLock { tasks in
        let running = tasks
        tasks = []
        return running
      }
      for task in running { await task.value }
      var late: [UndeliveredMessage<Codec.Message>] = []
      for link in links { late += link.state.withLock { $0.returned } }
      if !late.isEmpty {
        failure = ClusterSendError(
          reason: failure?.reason ?? late[0].reason,
          undelivered: (failure?.undelivered ?? []) + late)
      }
      if let failure { throw failure }
    }

    /// Whether node `id`'s link has been declared unavailable.
    ///
    /// - Parameter id: A member's id.
    /// - Returns: The reason, or `nil` while the link is live.
    /// - Throws: ``ClusterError/unknownNode``.
    public func unavailability(ofNode id: Int) throws(ClusterError) -> ClusterError? {
      guard let link = links.first(where: { $0.node.id == id }) else {
        throw .unknownNode.with(detail: "id \(id)")
      }
      return link.state.withLock { state in
        if case .dead(let reason) = state.status { return reason }
        return nil
      }
    }

    /// Health check: one round trip to node `id` on its link's connection.
    ///
    /// The node answers with its membership fingerprint, so a node that is up
    /// but routes with another membership fails the check too.
    ///
    /// - Parameters:
    ///   - id: A member's id.
    ///   - timeout: How long to wait for the answer.
    /// - Returns: The round-trip time.
    /// - Throws: ``ClusterError/unknownNode``, ``ClusterError/nodeUnavailable``
    ///   (no answer in time) or ``ClusterError/membershipMismatch``.
    public func checkHealth(
      ofNode id: Int, timeout: Duration = .seconds(1)
    ) async throws(ClusterError) -> Duration {
      guard let link = links.first(where: { $0.node.id == id }) else {
        throw .unknownNode.with(detail: "id \(id)")
      }
      return try await link.checkHealth(timeout: timeout)
    }

    /// The counters, summed over the links.
    public var statistics: ClusterSenderStatistics {
      var total = ClusterSenderStatistics()
      for link in links { total.add(link.state.withLock { $0.statistics }) }
      return total
    }
  }
#endif

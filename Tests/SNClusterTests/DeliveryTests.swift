#if Cluster
  import Foundation
  import SNCluster
  import SNPool
  import Testing
  import _SNClusterTestSupport

  /// Sender and receivers in this process, over loopback gRPC.
  @Suite(.timeLimit(.minutes(2))) struct DeliveryTests {
    let nodes = try! ClusterMembership(parsing: "1=127.0.0.1:0/2,2=127.0.0.1:0/3")

    @Test func deliversEachMessageOnceToItsOwningWorker() async throws {
      let one = try await LocalNode.start(1, of: nodes)
      let two = try await LocalNode.start(2, of: nodes)
      var configuration = ClusterConfiguration()
      configuration.batchMessages = 100
      configuration.maximumUnackedMessages = 1000  // exercises the wait for room
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, two.port, 3)]), codec: ProbeCodec(),
        configuration: configuration)
      let messages = (0..<20_000).map { probe(UInt64($0), router: sender.router) }
      for message in messages { try await sender.send(message, key: message.key) }
      try await sender.close()
      let expected = expectedTallies(messages)
      #expect(await one.stop() == expected[1])
      #expect(await two.stop() == expected[2])
      #expect(sender.statistics.acknowledged == messages.count)
      #expect(sender.statistics.batches < messages.count / 10)
    }

    @Test func aResentBatchIsDeliveredOnce() async throws {
      // The first stream swallows acks after the 3rd and then breaks: the sender
      // reconnects and resends batches the node already delivered.
      let breaker = BreakFirstStream(keptAcks: 3, failAt: 8)
      let one = try await LocalNode.start(1, of: nodes, interceptors: [breaker])
      let two = try await LocalNode.start(2, of: nodes)
      var configuration = ClusterConfiguration()
      configuration.batchMessages = 20
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, two.port, 3)]), codec: ProbeCodec(),
        configuration: configuration)
      let messages = (0..<3000).map { probe(UInt64($0), router: sender.router) }
      for message in messages { try await sender.send(message, key: message.key) }
      try await sender.close()
      let expected = expectedTallies(messages)
      let statistics = one.receiver.statistics
      #expect(await one.stop() == expected[1])
      #expect(await two.stop() == expected[2])
      #expect(statistics.streamsOpened >= 2)
      #expect(statistics.duplicatesDropped > 0)
      #expect(sender.statistics.reconnects >= 1)
      #expect(sender.statistics.resentBatches > 0)
    }

    @Test func aCodecThatThrowsOnTheNodeHandsTheMessageBack() async throws {
      let one = try await LocalNode.start(1, of: nodes, codec: ProbeCodec(failDecoding: [5, 77]))
      let two = try await LocalNode.start(2, of: nodes, codec: ProbeCodec(failDecoding: [5, 77]))
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, two.port, 3)]), codec: ProbeCodec())
      let messages = (0..<200).map { probe(UInt64($0), router: sender.router) }
      for message in messages { try await sender.send(message, key: message.key) }
      let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.close()
      }
      #expect(error?.undelivered.map(\.message.id).sorted() == [5, 77])
      #expect(error?.undelivered.allSatisfy { $0.reason == .decodingFailed } == true)
      let delivered = messages.filter { $0.id != 5 && $0.id != 77 }
      let expected = expectedTallies(delivered)
      #expect(await one.stop() == expected[1] ?? ProbeTally())
      #expect(await two.stop() == expected[2] ?? ProbeTally())
    }

    @Test func messagesTheNodesPoolRefusesComeBackAndNoOthers() async throws {
      // A fail-fast pool with 2-slot queues refuses most of each batch: the
      // refused messages (a suffix of each worker's share) must be exactly the
      // ones not processed, also when decoding failures sit among them.
      let router = ClusterRouter(membership: nodes)
      var configuration = PoolConfiguration()
      configuration.workerCount = 2
      configuration.partitioner = .fixed(try router.workerPartitioner(forNode: 1))
      configuration.worker = WorkerConfiguration().withQueueCapacity(2)
      configuration.backpressure = .failFast
      let pool = try WorkerPool(
        worker: ProbeWorker(nodeID: 1, router: router), configuration: configuration)
      try pool.start()
      let poisoned: Set<UInt64> = [3, 500, 1001, 1998]
      let one = try await LocalNode.start(
        1, of: nodes, codec: ProbeCodec(failDecoding: poisoned), pool: pool)
      let two = try await LocalNode.start(2, of: nodes)
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, two.port, 3)]), codec: ProbeCodec())
      let messages = (0..<2000).map { probe(UInt64($0), router: sender.router) }
      for message in messages { try await sender.send(message, key: message.key) }
      let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.close()
      }
      let undelivered = error?.undelivered ?? []
      let back = Set(undelivered.map(\.message.id))
      #expect(back.count == undelivered.count, "a message handed back twice")
      let poisonedOnOne = Set(
        messages.filter { $0.node == 1 && poisoned.contains($0.id) }.map(\.id))
      #expect(!poisonedOnOne.isEmpty)
      for message in undelivered {
        let expected: ClusterError =
          poisoned.contains(message.message.id) ? .decodingFailed : .workerRejected
        #expect(message.reason == expected && message.node == 1)
      }
      #expect(back.isSuperset(of: poisonedOnOne))
      #expect(back.count > poisonedOnOne.count, "the pool refused nothing: no test")
      let expected = expectedTallies(messages.filter { !back.contains($0.id) })
      #expect(await one.stop() == expected[1] ?? ProbeTally())
      #expect(await two.stop() == expected[2])
    }

    @Test func aCodecThatThrowsOnTheSenderThrowsTheMessageBack() async throws {
      let one = try await LocalNode.start(1, of: nodes)
      let two = try await LocalNode.start(2, of: nodes)
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, two.port, 3)]),
        codec: ProbeCodec(failEncoding: [3]))
      let poisoned = probe(3, router: sender.router)
      let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.send(poisoned, key: poisoned.key)
      }
      #expect(error?.reason == .encodingFailed)
      #expect(error?.undelivered.map(\.message) == [poisoned])
      // The link is still good: the next message goes through.
      let next = probe(4, router: sender.router)
      try await sender.send(next, key: next.key)
      try await sender.close()
      let tally = await one.stop().processed + (await two.stop().processed)
      #expect(tally == 1)
    }

    @Test func aMessageOverTheLimitIsRefused() async throws {
      let one = try await LocalNode.start(1, of: nodes)
      let two = try await LocalNode.start(2, of: nodes)
      var configuration = ClusterConfiguration()
      configuration.maximumMessageBytes = 64
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, two.port, 3)]),
        codec: ProbeCodec(padding: 41), configuration: configuration)
      let big = probe(1, router: sender.router)
      let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.send(big, key: big.key)
      }
      #expect(error?.reason == .messageTooLarge)
      #expect(error?.undelivered.first?.message == big)
      try await sender.close()
      _ = await one.stop()
      _ = await two.stop()
    }

    @Test func anUnknownRouteIsRefused() async throws {
      let sender = try ClusterSender(
        membership: try senderMembership([(1, 1, 2)]), codec: ProbeCodec())
      let message = ProbeMessage(id: 1, key: 1, node: 9, worker: 0)
      for route in [
        ClusterRoute(node: 9, nodeIndex: 0, worker: 0),
        ClusterRoute(node: 1, nodeIndex: 0, worker: 2),
        ClusterRoute(node: 1, nodeIndex: 3, worker: 0),
      ] {
        let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
          try await sender.send(message, to: route)
        }
        #expect(error?.reason == .unknownNode)
        #expect(error?.undelivered.map(\.message) == [message])
      }
      #expect(throws: ClusterError.unknownNode) { try sender.unavailability(ofNode: 9) }
      try await sender.close()
    }

    @Test func anUnreachableNodeHandsEveryMessageBack() async throws {
      // Nothing listens on the port: the link gives up after the reconnect timeout.
      let port = try freePort()
      var configuration = ClusterConfiguration()
      configuration.reconnectTimeout = .milliseconds(300)
      let sender = try ClusterSender(
        membership: try senderMembership([(1, port, 2)]), codec: ProbeCodec(),
        configuration: configuration)
      let messages = (0..<50).map { probe(UInt64($0), router: sender.router) }
      for message in messages { try await sender.send(message, key: message.key) }
      let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.flush()
      }
      #expect(error?.undelivered.map(\.message) == messages)
      #expect(
        error?.undelivered.allSatisfy { $0.reason == .nodeUnavailable && $0.node == 1 } == true)
      #expect(try sender.unavailability(ofNode: 1) == .nodeUnavailable)
      // Later sends to it come straight back.
      let late = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.send(messages[0], key: messages[0].key)
      }
      #expect(late?.reason == .nodeUnavailable)
      try await sender.close()
    }

    @Test func aNodeWithAnotherMembershipRefusesTheLink() async throws {
      let one = try await LocalNode.start(1, of: try ClusterMembership(parsing: "1=127.0.0.1:0/2"))
      // Same id and address, but the sender believes node 1 has 3 workers.
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 3)]), codec: ProbeCodec())
      let message = probe(1, router: sender.router)
      try await sender.send(message, key: message.key)
      let error = await #expect(throws: ClusterSendError<ProbeMessage>.self) {
        try await sender.flush()
      }
      #expect(error?.reason == .membershipMismatch)
      #expect(error?.undelivered.map(\.message) == [message])
      try? await sender.close()
      #expect(await one.stop().processed == 0)
    }

    @Test func healthChecksTellLiveDeadAndMismatchedNodesApart() async throws {
      let one = try await LocalNode.start(1, of: nodes)
      let other = try await LocalNode.start(
        1, of: try ClusterMembership(parsing: "1=127.0.0.1:0/2"))
      let dead = try freePort()
      let sender = try ClusterSender(
        membership: try senderMembership([(1, one.port, 2), (2, dead, 3)]), codec: ProbeCodec())
      let elapsed = try await sender.checkHealth(ofNode: 1)
      #expect(elapsed > .zero && elapsed < .seconds(1))
      await #expect(throws: ClusterError.nodeUnavailable) {
        try await sender.checkHealth(ofNode: 2, timeout: .milliseconds(300))
      }
      await #expect(throws: ClusterError.unknownNode) { try await sender.checkHealth(ofNode: 5) }
      // Up, but routing with a one-node membership: not healthy for this cluster.
      let stranger = try ClusterSender(
        membership: try senderMembership([(1, other.port, 2), (2, dead, 3)]), codec: ProbeCodec())
      await #expect(throws: ClusterError.membershipMismatch) {
        try await stranger.checkHealth(ofNode: 1)
      }
      try? await sender.close()
      try? await stranger.close()
      _ = await one.stop()
      _ = await other.stop()
    }

    @Test func aReceiverChecksItsNodeAndPool() throws {
      let router = ClusterRouter(membership: nodes)
      let pool = try makeProbePool(router: router, node: 1)
      defer { pool.shutdown() }
      #expect(throws: ClusterError.unknownNode) {
        try ClusterReceiver(membership: nodes, node: 7, pool: pool, codec: ProbeCodec())
      }
      // Node 2 declares 3 workers; this pool has 2.
      #expect(throws: ClusterError.membershipMismatch) {
        try ClusterReceiver(membership: nodes, node: 2, pool: pool, codec: ProbeCodec())
      }
    }

    @Test func theCodableCodecRoundTrips() throws {
      let codec = CodableCodec<ProbeMessage>()
      let message = ProbeMessage(id: 7, key: 99, node: 2, worker: 1)
      var buffer: [UInt8] = [1, 2, 3]
      try codec.encode(message, into: &buffer)
      #expect(buffer.prefix(3) == [1, 2, 3])
      let decoded = try buffer.dropFirst(3).withUnsafeBytes { try codec.decode($0) }
      #expect(decoded == message)
      #expect(throws: DecodingError.self) {
        try [UInt8]("{}".utf8).withUnsafeBytes { try codec.decode($0) }
      }
    }
  }

  /// A TCP port nothing listens on (bound, then closed).
  func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
        bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
      }
    }
    guard bound else { throw ClusterError.bindFailed }
    return Int(UInt16(bigEndian: address.sin_port))
  }
#endif

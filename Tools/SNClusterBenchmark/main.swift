// SNCluster over loopback against bare grpc-swift, in one process and one run.
//
//     swift run -c release SNClusterBenchmark [--messages N] [--payload BYTES]
//
// 1. bare gRPC: one bidirectional stream; the client writes frames of
//    `batchMessages` payloads of `--payload` bytes each, the server reads them
//    and answers once at the end. No numbering, no acks, no pool: the upper
//    bound for moving these bytes with grpc-swift.
// 2. SNCluster: one node (a 2-worker pool) in this process, one sender; the
//    same payloads, each sent by key, routed, batched, numbered, acknowledged
//    once the owning worker's queue accepted it, and processed by the worker.
//    Timed until every message is acknowledged (close()).
// 3. hop latency: one message at a time, from `send` to the worker's handler
//    (and to the sender seeing the ack), percentiles.
#if Cluster
  import Foundation
  import GRPCCore
  import GRPCNIOTransportHTTP2Posix
  import SNAtomics
  import SNCluster
  import SNPool
  import Synchronization

  struct Arguments {
    var messages = 2_000_000
    var payload = 64
    var latencySamples = 20_000
    var rounds = 3
    /// `bare` or `cluster`: run one side only (for profiling).
    var only: String?

    init() {
      var iterator = CommandLine.arguments.dropFirst().makeIterator()
      while let flag = iterator.next() {
        let text = iterator.next()
        let value = text.flatMap { Int($0.replacingOccurrences(of: "_", with: "")) }
        switch (flag, value, text) {
        case ("--messages", let value?, _): messages = value
        case ("--payload", let value?, _): payload = max(16, value)
        case ("--latency-samples", let value?, _): latencySamples = value
        case ("--rounds", let value?, _): rounds = max(1, value)
        case ("--only", _, let side?) where side == "bare" || side == "cluster": only = side
        default:
          FileHandle.standardError.write(
            Data(
              ("usage: SNClusterBenchmark [--messages N] [--payload BYTES] [--latency-samples N] "
                + "[--rounds N] [--only bare|cluster]\n").utf8))
          exit(2)
        }
      }
    }
  }

  /// A payload: an id, a send time, and padding up to the payload size.
  struct Payload: Sendable {
    var id: UInt64
    var sentAt: UInt64
  }

  struct PayloadCodec: ClusterCodec {
    let size: Int
    func encode(_ message: Payload, into buffer: inout [UInt8]) {
      withUnsafeBytes(of: message.id.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: message.sentAt.littleEndian) { buffer += $0 }
      buffer += repeatElement(0, count: size - 16)
    }
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Payload {
      Payload(
        id: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
        sentAt: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    }
  }

  /// Sums ids; in latency mode records send-to-handler nanoseconds.
  struct SinkWorker: Worker {
    final class Latencies: Sendable {
      let samples = Mutex<[UInt64]>([])
    }
    let latencies: Latencies

    func makeState(workerIndex: Int) -> UInt64 { 0 }

    func handleMessage(
      _ envelope: Envelope<Payload>, state: inout UInt64, context: inout WorkerContext<Self>
    ) {
      state &+= envelope.message.id
      if envelope.message.sentAt != 0 {
        let elapsed = MonotonicClock.nanoseconds &- envelope.message.sentAt
        latencies.samples.withLock { $0.append(elapsed) }
      }
    }
  }

  struct BytesSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
      Bytes(message)
    }
  }

  struct BytesDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ bytes: Bytes) throws -> [UInt8] {
      bytes.withUnsafeBytes { Array($0) }
    }
  }

  let bareMethod = MethodDescriptor(
    fullyQualifiedService: "sn.bench.Bare", method: "Stream", type: .bidirectionalStreaming)

  struct BareService: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
      router.registerHandler(
        forMethod: bareMethod, deserializer: BytesDeserializer(), serializer: BytesSerializer()
      ) { request, _ in
        StreamingServerResponse { writer in
          var bytes = 0
          var checksum: UInt8 = 0
          for try await frame in request.messages {
            bytes += frame.count
            checksum &+= frame.last ?? 0  // touch the data, as the cluster's decode does
          }
          var reply: [UInt8] = []
          withUnsafeBytes(of: UInt64(bytes).littleEndian) { reply += $0 }
          reply.append(checksum)
          try await writer.write(reply)
          return [:]
        }
      }
    }
  }

  /// The CPU time this process has used (every thread, user and system):
  /// the cost of a run, less sensitive to other load than the rate.
  func processCPUSeconds() -> Double {
    var usage = rusage()
    #if canImport(Glibc)
      getrusage(RUSAGE_SELF.rawValue, &usage)
    #else
      getrusage(RUSAGE_SELF, &usage)
    #endif
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
      + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
  }

  /// A side's result: messages/s and process CPU nanoseconds per message.
  struct Rate {
    var perSecond: Double
    var cpuNanosPerMessage: Double
  }

  func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }

  /// Bare grpc-swift: the same bytes in the same frame sizes.
  func runBare(_ arguments: Arguments, batch: Int) async throws -> Rate {
    let server = GRPCServer(
      transport: .http2NIOPosix(
        address: .ipv4(host: "127.0.0.1", port: 0), transportSecurity: .plaintext,
        config: .defaults { $0.rpc.maxRequestPayloadSize = 64 << 20 }),
      services: [BareService()])
    let serving = Task { try await server.serve() }
    guard let port = try await server.listeningAddress?.ipv4?.port else { fatalError("no port") }
    let client = GRPCClient(
      transport: try .http2NIOPosix(
        target: .ipv4(address: "127.0.0.1", port: port), transportSecurity: .plaintext))
    let connections = Task { try await client.runConnections() }
    let payload = arguments.payload
    let total = arguments.messages
    let clock = ContinuousClock()
    var options = CallOptions.defaults
    options.maxRequestMessageBytes = 64 << 20
    let cpuBefore = processCPUSeconds()
    let elapsed = try await clock.measure {
      let request = StreamingClientRequest<[UInt8]> { writer in
        var sent = 0
        while sent < total {
          let count = min(batch, total - sent)
          // Built per frame, as the cluster's sender builds each batch.
          var frame: [UInt8] = []
          frame.reserveCapacity(count * payload)
          for index in 0..<count {
            withUnsafeBytes(of: UInt64(sent + index).littleEndian) { frame += $0 }
            frame += repeatElement(0, count: payload - 8)
          }
          try await writer.write(frame)
          sent += count
        }
      }
      let received = try await client.bidirectionalStreaming(
        request: request, descriptor: bareMethod, serializer: BytesSerializer(),
        deserializer: BytesDeserializer(), options: options
      ) { response in
        var bytes = 0
        for try await reply in response.messages {
          bytes = Int(
            UInt64(littleEndian: reply.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }))
        }
        return bytes
      }
      precondition(received == total * payload, "bare: \(received) bytes of \(total * payload)")
    }
    let cpu = processCPUSeconds() - cpuBefore
    client.beginGracefulShutdown()
    server.beginGracefulShutdown()
    _ = await connections.result
    _ = await serving.result
    return Rate(
      perSecond: Double(total) / seconds(elapsed), cpuNanosPerMessage: cpu * 1e9 / Double(total))
  }

  /// One in-process node and a sender: messages/s until all are acknowledged.
  func runCluster(_ arguments: Arguments, latencyOnly: Bool) async throws -> (
    rate: Rate, batch: Double, latencies: SinkWorker.Latencies, roundTrips: [Duration]
  ) {
    let membership = try ClusterMembership(parsing: "1=127.0.0.1:0/2")
    let router = ClusterRouter(membership: membership)
    var poolConfiguration = PoolConfiguration()
    poolConfiguration.workerCount = 2
    poolConfiguration.partitioner = .fixed(try router.workerPartitioner(forNode: 1))
    poolConfiguration.worker = WorkerConfiguration().withQueueCapacity(16_384)
    let latencies = SinkWorker.Latencies()
    let pool = try WorkerPool(
      worker: SinkWorker(latencies: latencies), configuration: poolConfiguration)
    try pool.start()
    let codec = PayloadCodec(size: arguments.payload)
    let receiver = try ClusterReceiver(
      membership: membership, node: 1, pool: pool, codec: codec, listenPort: 0)
    let serving = Task { try await receiver.run() }
    let port = try await receiver.listeningPort
    let sender = try ClusterSender(
      membership: try ClusterMembership(parsing: "1=127.0.0.1:\(port)/2"), codec: codec)
    let clock = ContinuousClock()
    var rate = Rate(perSecond: 0, cpuNanosPerMessage: 0)
    var roundTrips: [Duration] = []
    if latencyOnly {
      for id in 0..<UInt64(arguments.latencySamples) {
        let start = clock.now
        try await sender.send(Payload(id: id, sentAt: MonotonicClock.nanoseconds), key: id)
        try await sender.flush()
        roundTrips.append(clock.now - start)
      }
      try await sender.close()
    } else {
      let total = UInt64(arguments.messages)
      let cpuBefore = processCPUSeconds()
      let elapsed = try await clock.measure {
        for id in 0..<total { try await sender.send(Payload(id: id, sentAt: 0), key: id) }
        try await sender.close()
      }
      rate = Rate(
        perSecond: Double(total) / seconds(elapsed),
        cpuNanosPerMessage: (processCPUSeconds() - cpuBefore) * 1e9 / Double(total))
    }
    let statistics = sender.statistics
    receiver.shutdown()
    _ = await serving.result
    let sum = pool.shutdown().states.reduce(0, &+)
    let expected = latencyOnly ? UInt64(arguments.latencySamples) : UInt64(arguments.messages)
    precondition(sum == expected * (expected - 1) / 2, "cluster: lost or repeated messages")
    return (
      rate, Double(statistics.sent) / Double(max(1, statistics.batches)), latencies, roundTrips
    )
  }

  func percentiles(_ values: [UInt64]) -> String {
    let sorted = values.sorted()
    func at(_ q: Double) -> String {
      let value = sorted[min(sorted.count - 1, Int(Double(sorted.count) * q))]
      return String(format: "%.1f µs", Double(value) / 1000)
    }
    return "p50 \(at(0.5))  p90 \(at(0.9))  p99 \(at(0.99))  p99.9 \(at(0.999))  max \(at(1))"
  }

  let arguments = Arguments()
  let batch = ClusterConfiguration().batchMessages
  print(
    "SNCluster vs bare grpc-swift, loopback, \(arguments.messages) messages of \(arguments.payload) bytes, "
      + "\(arguments.rounds) rounds (bare frames: \(batch) messages)")
  var bareRates: [Rate] = []
  var clusterRates: [Rate] = []
  var batches: [Double] = []
  for round in 1...arguments.rounds {
    // Alternate the order so neither side always runs on a warmer machine.
    for side in round % 2 == 1 ? ["bare", "cluster"] : ["cluster", "bare"]
    where arguments.only ?? side == side {
      if side == "bare" {
        bareRates.append(try await runBare(arguments, batch: batch))
      } else {
        let run = try await runCluster(arguments, latencyOnly: false)
        clusterRates.append(run.rate)
        batches.append(run.batch)
      }
    }
    let bare = bareRates.last ?? Rate(perSecond: .nan, cpuNanosPerMessage: .nan)
    let cluster = clusterRates.last ?? Rate(perSecond: .nan, cpuNanosPerMessage: .nan)
    print(
      String(
        format:
          "round %d: bare %.0f msg/s, cluster %.0f msg/s, ratio %.2f; CPU per message: bare %.0f ns, "
          + "cluster %.0f ns; cluster batches %.0f messages",
        round, bare.perSecond, cluster.perSecond, cluster.perSecond / bare.perSecond,
        bare.cpuNanosPerMessage, cluster.cpuNanosPerMessage, batches.last ?? .nan))
  }
  guard arguments.only == nil else { exit(0) }
  func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
  let ratios = zip(clusterRates, bareRates).map { $0.perSecond / $1.perSecond }.sorted()
  print(
    String(
      format: "median: bare %.0f msg/s, cluster %.0f msg/s, ratio %.2f (goal >= 0.80); "
        + "round ratios %.2f-%.2f; CPU per message: bare %.0f ns, cluster %.0f ns",
      median(bareRates.map(\.perSecond)), median(clusterRates.map(\.perSecond)),
      median(clusterRates.map(\.perSecond)) / median(bareRates.map(\.perSecond)), ratios.first!,
      ratios.last!, median(bareRates.map(\.cpuNanosPerMessage)),
      median(clusterRates.map(\.cpuNanosPerMessage))))
  let (_, _, latencies, roundTrips) = try await runCluster(arguments, latencyOnly: true)
  print(
    "hop latency (send -> owning worker's handler), \(arguments.latencySamples) messages one at a time:"
  )
  print("  " + percentiles(latencies.samples.withLock { $0 }))
  print("send -> acknowledged (round trip), same messages:")
  print(
    "  "
      + percentiles(
        roundTrips.map {
          UInt64($0.components.attoseconds / 1_000_000_000) + UInt64($0.components.seconds)
            * 1_000_000_000
        }))
#else
  print("SNClusterBenchmark needs the Cluster trait")
#endif

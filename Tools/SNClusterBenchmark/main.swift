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

    init() {
      var iterator = CommandLine.arguments.dropFirst().makeIterator()
      while let flag = iterator.next() {
        let value = iterator.next().flatMap { Int($0.replacingOccurrences(of: "_", with: "")) }
        switch (flag, value) {
        case ("--messages", let value?): messages = value
        case ("--payload", let value?): payload = max(16, value)
        case ("--latency-samples", let value?): latencySamples = value
        case ("--rounds", let value?): rounds = max(1, value)
        default:
          FileHandle.standardError.write(
            Data(
              "usage: SNClusterBenchmark [--messages N] [--payload BYTES] [--latency-samples N] [--rounds N]\n"
                .utf8))
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
      let processed = Atomic<Int>(0)
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
      latencies.processed.add(1, ordering: .releasing)
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

  func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }

  /// Bare grpc-swift: the same bytes in the same frame sizes.
  func runBare(_ arguments: Arguments, batch: Int) async throws -> Double {
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
    client.beginGracefulShutdown()
    server.beginGracefulShutdown()
    _ = await connections.result
    _ = await serving.result
    return Double(total) / seconds(elapsed)
  }

  /// One in-process node and a sender: messages/s until all are acknowledged.
  func runCluster(_ arguments: Arguments, latencyOnly: Bool) async throws -> (
    Double, SinkWorker.Latencies, [Duration]
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
    var rate = 0.0
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
      let elapsed = try await clock.measure {
        for id in 0..<total { try await sender.send(Payload(id: id, sentAt: 0), key: id) }
        try await sender.close()
      }
      rate = Double(total) / seconds(elapsed)
    }
    receiver.shutdown()
    _ = await serving.result
    let sum = pool.shutdown().states.reduce(0, &+)
    let expected = latencyOnly ? UInt64(arguments.latencySamples) : UInt64(arguments.messages)
    precondition(sum == expected * (expected - 1) / 2, "cluster: lost or repeated messages")
    return (rate, latencies, roundTrips)
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
  var bareRates: [Double] = []
  var clusterRates: [Double] = []
  for round in 1...arguments.rounds {
    // Alternate the order so neither side always runs on a warmer machine.
    if round % 2 == 1 {
      bareRates.append(try await runBare(arguments, batch: batch))
      clusterRates.append(try await runCluster(arguments, latencyOnly: false).0)
    } else {
      clusterRates.append(try await runCluster(arguments, latencyOnly: false).0)
      bareRates.append(try await runBare(arguments, batch: batch))
    }
    print(
      String(
        format: "round %d: bare %.0f msg/s, cluster %.0f msg/s, ratio %.2f", round,
        bareRates.last!, clusterRates.last!, clusterRates.last! / bareRates.last!))
  }
  let bare = bareRates.sorted()[bareRates.count / 2]
  let cluster = clusterRates.sorted()[clusterRates.count / 2]
  print(
    String(
      format: "median: bare %.0f msg/s, cluster %.0f msg/s, ratio %.2f (goal >= 0.80)", bare,
      cluster, cluster / bare))
  let (_, latencies, roundTrips) = try await runCluster(arguments, latencyOnly: true)
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

// `sn demo`'s aggregation across N local node processes, checked exactly
// against one thread.
//
//     swift run -c release SNClusterDemo [--nodes 3] [--workers 2] [--events 1M] [--symbols 10000]
//
// The parent starts N copies of itself as nodes (`SNClusterDemo node <id>`,
// each a 2-worker pool behind a ClusterReceiver on a free loopback port),
// generates the trade stream of `sn demo` (same generator, seed 42), sends
// each trade by symbol with a ClusterSender, closes (every trade acknowledged),
// stops the nodes, merges their per-symbol aggregates and compares them, bit
// for bit, with a single-threaded pass over the same stream.
#if Cluster
  import Foundation
  import SNCluster
  import SNPool
  import SNToolKit

  struct TradeCodec: ClusterCodec {
    func encode(_ trade: Trade, into buffer: inout [UInt8]) {
      withUnsafeBytes(of: trade.symbol.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: trade.price.bitPattern.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: trade.quantity.bitPattern.littleEndian) { buffer += $0 }
    }
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Trade {
      guard bytes.count == 20 else { throw ClusterError.decodingFailed }
      return Trade(
        symbol: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt32.self)),
        price: Double(
          bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self))),
        quantity: Double(
          bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 12, as: UInt64.self))
        ))
    }
  }

  /// Per-symbol aggregates, one table per worker: no locks.
  struct NodeAggregator: Worker {
    func makeState(workerIndex: Int) -> [UInt32: SymbolAggregate] { [:] }
    func handleMessage(
      _ envelope: Envelope<Trade>, state: inout [UInt32: SymbolAggregate],
      context: inout WorkerContext<Self>
    ) {
      let trade = envelope.message
      state[trade.symbol, default: SymbolAggregate(symbol: trade.symbol)].add(
        price: trade.price, quantity: trade.quantity, notional: trade.price * trade.quantity)
    }
  }

  func line(_ aggregate: SymbolAggregate) -> String {
    "AGG \(aggregate.symbol) \(aggregate.count) \(aggregate.volume.bitPattern) "
      + "\(aggregate.notional.bitPattern) \(aggregate.minPrice.bitPattern) \(aggregate.maxPrice.bitPattern)"
  }

  func parse(_ line: Substring) -> SymbolAggregate? {
    let fields = line.split(separator: " ")
    guard fields.count == 7, let symbol = UInt32(fields[1]), let count = UInt64(fields[2]),
      let volume = UInt64(fields[3]), let notional = UInt64(fields[4]),
      let low = UInt64(fields[5]), let high = UInt64(fields[6])
    else { return nil }
    var aggregate = SymbolAggregate(symbol: symbol)
    aggregate.count = count
    aggregate.volume = Double(bitPattern: volume)
    aggregate.notional = Double(bitPattern: notional)
    aggregate.minPrice = Double(bitPattern: low)
    aggregate.maxPrice = Double(bitPattern: high)
    return aggregate
  }

  func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

  func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("SNClusterDemo: \(text)\n".utf8))
    exit(1)
  }

  /// Child mode: serve node `id` until `stop`, then print the aggregates.
  func runNode(id: Int) async {
    do {
      let membership = try ClusterMembership.fromEnvironment()
      let router = ClusterRouter(membership: membership)
      var configuration = PoolConfiguration()
      configuration.workerCount = try membership.node(id: id).workers
      configuration.partitioner = .fixed(try router.workerPartitioner(forNode: id))
      let pool = try WorkerPool(worker: NodeAggregator(), configuration: configuration)
      try pool.start()
      let receiver = try ClusterReceiver(
        membership: membership, node: id, pool: pool, codec: TradeCodec(), listenPort: 0)
      let serving = Task { try await receiver.run() }
      say("READY \(try await receiver.listeningPort)")
      while let input = readLine(), input != "stop" {}
      receiver.shutdown()
      _ = await serving.result
      var output = ""
      for table in pool.shutdown().states {
        for aggregate in table.values { output += line(aggregate) + "\n" }
      }
      FileHandle.standardOutput.write(Data((output + "END\n").utf8))
      exit(0)
    } catch { fail("node \(id): \(error)") }
  }

  final class Child: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    var pending: [UInt8] = []

    func readLine() -> String? {
      while true {
        if let newline = pending.firstIndex(of: 10) {
          let line = String(decoding: pending[..<newline], as: UTF8.self)
          pending.removeSubrange(...newline)
          return line
        }
        let chunk = output.fileHandleForReading.availableData
        if chunk.isEmpty { return nil }
        pending += chunk
      }
    }
  }

  func value(_ flag: String, _ fallback: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else {
      return fallback
    }
    var text = arguments[index + 1].replacingOccurrences(of: "_", with: "")
    var multiplier = 1
    if text.hasSuffix("M") || text.hasSuffix("m") {
      multiplier = 1_000_000
    } else if text.hasSuffix("k") || text.hasSuffix("K") {
      multiplier = 1_000
    }
    if multiplier > 1 { text.removeLast() }
    guard let number = Int(text), number > 0 else { fail("\(flag) needs a positive count") }
    return number * multiplier
  }

  if CommandLine.arguments.count == 3, CommandLine.arguments[1] == "node",
    let id = Int(CommandLine.arguments[2])
  {
    await runNode(id: id)
  }

  let nodeCount = value("--nodes", 3)
  let workers = value("--workers", 2)
  let events = value("--events", 1_000_000)
  let symbols = value("--symbols", 10_000)
  let nodeList = (1...nodeCount).map { "\($0)=127.0.0.1:0/\(workers)" }.joined(separator: ",")

  var children: [Child] = []
  var ports: [Int] = []
  for id in 1...nodeCount {
    let child = Child()
    child.process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    child.process.arguments = ["node", "\(id)"]
    var environment = ProcessInfo.processInfo.environment
    environment["SN_CLUSTER_NODES"] = nodeList
    child.process.environment = environment
    child.process.standardInput = child.input
    child.process.standardOutput = child.output
    do { try child.process.run() } catch { fail("cannot start node \(id): \(error)") }
    guard let ready = child.readLine(), ready.hasPrefix("READY "),
      let port = Int(ready.dropFirst(6))
    else { fail("node \(id) did not start") }
    children.append(child)
    ports.append(port)
  }

  let membership: ClusterMembership
  let sender: ClusterSender<TradeCodec>
  do {
    membership = try ClusterMembership(
      nodes: (1...nodeCount).map {
        try ClusterNode(id: $0, host: "127.0.0.1", port: ports[$0 - 1], workers: workers)
      })
    sender = try ClusterSender(membership: membership, codec: TradeCodec())
  } catch { fail("\(error)") }

  let clock = ContinuousClock()
  let start = clock.now
  var generator = TradeGenerator(seed: 42, symbolCount: symbols)
  do {
    for _ in 0..<events {
      let trade = generator.next()
      try await sender.send(trade, key: trade.symbol)
    }
    try await sender.close()
  } catch {
    fail("\(error.undelivered.count) trades not delivered: \(error.reason)")
  }
  let sent = clock.now - start

  var merged: [UInt32: SymbolAggregate] = [:]
  var perNode: [Int] = []
  for child in children {
    child.input.fileHandleForWriting.write(Data("stop\n".utf8))
    var trades = 0
    while let text = child.readLine(), text != "END" {
      guard let aggregate = parse(text[...]) else { continue }
      if merged[aggregate.symbol] != nil { fail("symbol \(aggregate.symbol) on two workers") }
      merged[aggregate.symbol] = aggregate
      trades += Int(aggregate.count)
    }
    perNode.append(trades)
    child.process.waitUntilExit()
  }

  // One thread, the same stream, the same fold.
  var reference: [UInt32: SymbolAggregate] = [:]
  generator = TradeGenerator(seed: 42, symbolCount: symbols)
  let referenceStart = clock.now
  for _ in 0..<events {
    let trade = generator.next()
    reference[trade.symbol, default: SymbolAggregate(symbol: trade.symbol)].add(
      price: trade.price, quantity: trade.quantity, notional: trade.price * trade.quantity)
  }
  let referenceTime = clock.now - referenceStart

  func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) * 1e-18
  }
  let ok = merged == reference
  say(
    "\(events) trades, \(symbols) symbols, \(nodeCount) node processes × \(workers) workers: "
      + String(format: "%.2f s, %.0f trades/s", seconds(sent), Double(events) / seconds(sent))
      + " (one thread, no network: " + String(format: "%.3f s", seconds(referenceTime)) + ")")
  say("trades per node: \(perNode.map(String.init).joined(separator: ", "))")
  say("check against one thread: " + (ok ? "OK (every symbol's aggregate identical)" : "MISMATCH"))
  exit(ok ? 0 : 1)
#else
  print("SNClusterDemo needs the Cluster trait")
#endif

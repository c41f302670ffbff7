import SNPool
import SNToolKit
import Testing

@Suite("sn demo, shared-nothing mode")
struct MeshDemoTests {
  @Test(
    "each worker generates its share; the mesh-routed answer equals the single-threaded one",
    arguments: [1, 2, 3, 5])
  func matchesReference(workers: Int) throws {
    var configuration = DemoTests.small
    // Tiny lanes and stages: the generators hit backpressure all the time.
    configuration.meshLaneCapacity = 4
    configuration.meshStageCapacity = 2
    configuration.meshChunkSize = 97
    configuration.meshBatchSize = 3
    // One buffer per peer: every chunk waits for the last one to come back.
    configuration.meshBuffersPerPeer = 1
    let run = try DemoPipeline.runMeshed(configuration, workers: workers)
    let reference = DemoPipeline.reference(configuration)
    let check = DemoPipeline.check(run, against: reference)
    #expect(check.passed, "\(check.mismatches)")
    #expect(check.symbolsCompared == reference.aggregates.count)
    #expect(run.events == configuration.events)
    #expect(run.perWorker.count == workers)
    #expect(run.perWorker.reduce(0, +) == UInt64(configuration.events))
    #expect(run.simdNotional == reference.notional)
  }

  @Test("a worker's share is the stream's records, wherever it starts")
  func generatorShares() throws {
    var sequential = TradeGenerator(seed: 5, symbolCount: 300)
    let expected = (0..<1_000).map { _ in sequential.next() }
    let shards = try SeededShards(seed: 5, count: 1_000, shardCount: 3)
    var trades: [Trade] = []
    for shard in 0..<3 {
      for (_, random) in shards.shard(shard) {
        trades.append(TradeGenerator.trade(random: random, symbolCount: 300))
      }
    }
    #expect(trades == expected)
    // The packed form the mesh workers move is the same trade.
    for (_, random) in shards.shard(1) {
      let whole = TradeGenerator.wholeTrade(random: random, symbolCount: 300)
      let trade = TradeGenerator.trade(random: random, symbolCount: 300)
      #expect(
        Trade(symbol: whole.symbol, price: Double(whole.price), quantity: Double(whole.quantity))
          == trade)
    }
  }

  @Test(
    "deep and shallow buffer rings, large and small chunks: the same answer",
    arguments: [(1, 1), (4_096, 2), (33, 64)])
  func bufferShapes(chunk: Int, buffers: Int) throws {
    var configuration = DemoTests.small
    configuration.meshChunkSize = chunk
    configuration.meshBuffersPerPeer = buffers
    let reference = DemoPipeline.reference(configuration)
    for workers in [2, 4] {
      let run = try DemoPipeline.runMeshed(configuration, workers: workers)
      let check = DemoPipeline.check(run, against: reference)
      #expect(check.passed, "\(workers) workers: \(check.mismatches)")
      #expect(run.perWorker.reduce(0, +) == UInt64(configuration.events))
    }
  }

  @Test("bad mesh settings are typed errors")
  func invalidSettings() {
    var configuration = DemoTests.small
    configuration.meshLaneCapacity = -1
    #expect(throws: SNToolError.pipelineFailed) {
      try DemoPipeline.runMeshed(configuration, workers: 2)
    }
    #expect(throws: SNToolError.pipelineFailed) {
      try DemoPipeline.runMeshed(DemoTests.small, workers: 0)
    }
    var noBuffers = DemoTests.small
    noBuffers.meshBuffersPerPeer = 0
    #expect(throws: SNToolError.invalidArgument) {
      try DemoPipeline.runMeshed(noBuffers, workers: 2)
    }
    var noChunk = DemoTests.small
    noChunk.meshChunkSize = 0
    #expect(throws: SNToolError.invalidArgument) {
      try DemoPipeline.runMeshed(noChunk, workers: 2)
    }
  }
}

import SNPool
import SNToolKit
import Testing

@Suite("sn demo pipeline")
struct DemoTests {
  static var small: DemoConfiguration {
    var configuration = DemoConfiguration()
    configuration.events = 60_000
    configuration.symbols = 500
    configuration.queueCapacity = 256
    configuration.batchSize = 32
    configuration.chunkSize = 1_000
    return configuration
  }

  @Test("the pool's answer equals the single-threaded one", arguments: [1, 2, 3])
  func matchesReference(workers: Int) throws {
    let configuration = Self.small
    var reported: [Int] = []
    let run = try DemoPipeline.run(configuration, workers: workers) { reported.append($0) }
    let reference = DemoPipeline.reference(configuration)
    let check = DemoPipeline.check(run, against: reference)
    #expect(check.passed, "\(check.mismatches)")
    #expect(check.symbolsCompared == reference.aggregates.count)
    #expect(run.events == configuration.events)
    #expect(run.perWorker.count == workers)
    #expect(run.perWorker.reduce(0, +) == UInt64(configuration.events))
    #expect(run.perWorker.allSatisfy { $0 > 0 })
    #expect(run.aggregates.reduce(0) { $0 + $1.count } == UInt64(configuration.events))
    #expect(run.queueDelay.count > 0)
    #expect(run.arenaBytes > 0)
    #expect(reported.last == configuration.events)
  }

  @Test("the check catches a wrong answer")
  func detectsMismatch() throws {
    let configuration = Self.small
    var run = try DemoPipeline.run(configuration, workers: 2)
    let reference = DemoPipeline.reference(configuration)
    run.aggregates[7].volume += 1
    var check = DemoPipeline.check(run, against: reference)
    #expect(!check.passed)
    #expect(check.mismatches.first?.contains("symbol \(reference.aggregates[7].symbol)") == true)
    run.aggregates.removeLast()
    check = DemoPipeline.check(run, against: reference)
    #expect(check.mismatches.contains { $0.contains("symbols gathered") })
  }

  @Test("the stream is deterministic and the reference sums are exact")
  func deterministic() {
    var a = TradeGenerator(seed: 7, symbolCount: 100)
    var b = TradeGenerator(seed: 7, symbolCount: 100)
    for _ in 0..<1_000 {
      let trade = a.next()
      #expect(trade == b.next())
      #expect(trade.symbol < 100)
      #expect((1...50_000).contains(trade.price) && trade.price.rounded() == trade.price)
      #expect((1...500).contains(trade.quantity))
    }
    var configuration = Self.small
    configuration.events = 10_000
    let first = DemoPipeline.reference(configuration)
    let second = DemoPipeline.reference(configuration)
    #expect(first.aggregates == second.aggregates)
    #expect(first.notional == first.aggregates.reduce(0) { $0 + $1.notional })
  }

  @Test("invalid settings are typed errors")
  func invalidSettings() {
    var configuration = Self.small
    configuration.symbols = 0
    #expect(throws: SNToolError.invalidArgument) { try DemoPipeline.run(configuration, workers: 1) }
    #expect(throws: SNToolError.pipelineFailed) { try DemoPipeline.run(Self.small, workers: 0) }
  }
}

import SNToolKit
import Testing

@Suite("sn model and sn demo --breakdown")
struct ModelTests {
  @Test("the cost probes deliver every probe message and give positive costs")
  func meshCosts() throws {
    // `measure` throws unless every probe message was handled exactly once.
    let costs = try MeshCosts.measure(messages: 20_000, rounds: 2_000, stageCapacity: 16)
    #expect(costs.localHandle > 0 && costs.localHandle.isFinite)
    #expect(costs.meshHop > 0 && costs.meshHop.isFinite)
    #expect(costs.flush >= 0 && costs.flush.isFinite)
    #expect(costs.roundByWorkers.map(\.workers) == [1, 2, 4, 8, 16])
    #expect(costs.roundByWorkers.allSatisfy { $0.nanoseconds > 0 })
    #expect(costs.slotBytes >= 8)
  }

  @Test("the breakdown times every piece, and the remote fold sees every chunk")
  func breakdown() throws {
    var configuration = DemoConfiguration()
    configuration.events = 300_000
    configuration.symbols = 1_000
    configuration.meshChunkSize = 1_000
    let costs = try DemoBreakdown.measure(configuration)
    for value in [
      costs.reference, costs.generate, costs.partition, costs.foldLocal, costs.foldRemote,
    ] {
      #expect(value > 0 && value.isFinite)
    }
    #expect(costs.perTradeTwoWorkers > costs.partition)
    #expect(costs.twoWorkerBound > 0)
  }
}

import SNPool
import SNToolKit
import Testing

@Suite("Advice rules on recorded topologies")
struct AdvisorTests {
  @Test("2-core VM: both cores, affinity off (small VM), hash routing")
  func twoCoreVM() throws {
    let advice = Advisor.advise(for: try Fixtures.topology(Fixtures.vm))
    #expect(advice.workerCount == 2)
    #expect(advice.cpuAffinity == false)
    #expect(advice.cpuAffinityReason.contains("small VM"))
    #expect(advice.queueCapacity == 1024)
    #expect(advice.partitioner == "hash")
    #expect(advice.idleStrategy == "spinThenPark")
  }

  @Test("2-socket 64-core server: one worker per physical core less one per node, pinned")
  func twoSocketServer() throws {
    let topology = try Fixtures.topology(Fixtures.server)
    let advice = Advisor.advise(for: topology, goal: .throughput)
    #expect(advice.workerCount == 62)
    #expect(advice.workerCountReason.contains("SMT"))
    #expect(advice.cpuAffinity)
    #expect(advice.cpuAffinityReason.contains("2 NUMA nodes"))
    #expect(advice.queueCapacity == 16384)
    #expect(advice.batchSize == 256)
    #expect(advice.notes.contains { $0.contains("2 NUMA nodes") })
    #expect(advice.notes.contains { $0.contains("hugeTLB") })
    #expect(advice.notes.contains { $0.contains("SMT 2-way") })
  }

  @Test("8-core Apple laptop: 7 workers, affinity off (no hard pinning on macOS)")
  func appleLaptop() throws {
    let advice = Advisor.advise(for: try Fixtures.topology(Fixtures.laptop), goal: .latency)
    #expect(advice.workerCount == 7)
    #expect(advice.cpuAffinity == false)
    #expect(advice.cpuAffinityReason.contains("macOS"))
    #expect(advice.queueCapacity == 128)
    #expect(advice.idleStrategy == "spinThenPark")  // busySpin only when pinned
    #expect(advice.backpressure == "timeout(1 ms)")
    #expect(advice.notes.contains { $0.contains("128-byte cache lines") })
    #expect(advice.notes.contains { $0.contains("efficiency cores") })
  }

  @Test("container limited to 2 of 16 CPUs: 2 workers, affinity off although pinning works")
  func restrictedContainer() throws {
    let topology = try Fixtures.topology(Fixtures.container)
    #expect(topology.pinning.permitted)
    #expect(topology.isRestricted)
    let advice = Advisor.advise(for: topology)
    #expect(advice.workerCount == 2)
    #expect(advice.cpuAffinity == false)
    #expect(advice.cpuAffinityReason.contains("2 of 16 CPUs allowed"))
  }

  @Test("a CPU quota caps the workers and turns affinity off")
  func quota() throws {
    var topology = try Fixtures.topology(Fixtures.server)
    topology.cpuQuota = 3.5
    let advice = Advisor.advise(for: topology)
    #expect(advice.workerCount == 3)  // 4 CPUs' worth, one left for submitters
    #expect(advice.workerCountReason.contains("3.5-CPU quota"))
    #expect(advice.cpuAffinity == false)
    #expect(advice.notes.contains { $0.contains("fractional quota") })
  }

  @Test("a refused test pin turns affinity off with the OS's reason")
  func refusedPin() throws {
    var topology = try Fixtures.topology(Fixtures.server)
    topology.pinning = .init(permitted: false, triedCPU: 0, errno: 1, note: "the OS refused: EPERM")
    let advice = Advisor.advise(for: topology)
    #expect(advice.cpuAffinity == false)
    #expect(advice.cpuAffinityReason.contains("EPERM"))
  }

  @Test("latency goal on a pinned dedicated host busy-spins")
  func latencyOnDedicatedHost() throws {
    let advice = Advisor.advise(for: try Fixtures.topology(Fixtures.server), goal: .latency)
    #expect(advice.idleStrategy == "busySpin")
    #expect(advice.batchSize == 16)
  }

  @Test(
    "dynamic worker sets get jump hashing",
    arguments: [Advice.Goal.latency, .balanced, .throughput])
  func dynamicWorkers(goal: Advice.Goal) throws {
    let advice = Advisor.advise(
      for: try Fixtures.topology(Fixtures.vm), goal: goal, workerSet: .dynamic)
    #expect(advice.partitioner == "jump")
    #expect(advice.queueCapacity == Advisor.queueCapacity(for: goal))
  }

  @Test("the advice becomes a real PoolConfiguration and Swift code")
  func poolConfiguration() throws {
    let advice = Advisor.advise(for: try Fixtures.topology(Fixtures.server), goal: .latency)
    let configuration = advice.poolConfiguration()
    #expect(configuration.workerCount == 62)
    #expect(configuration.cpuPinning == .spreadOverCores)
    #expect(configuration.worker.queueCapacity == 128)
    #expect(configuration.worker.batchSize == 16)
    #expect(configuration.worker.idleStrategy == .busySpin)
    #expect(configuration.backpressure == .timeout(.milliseconds(1)))
    let code = advice.swiftSnippet()
    #expect(code.contains(".withWorkerCount(62)"))
    #expect(code.contains(".withIdleStrategy(.busySpin)"))
    #expect(advice.text().contains("cpu affinity"))
    #expect(try advice.jsonString().contains("\"workerCount\" : 62"))
  }

  @Test("one usable CPU: one worker, nothing to pin")
  func singleCPU() throws {
    var topology = try Fixtures.topology(Fixtures.vm)
    topology.allowedCPUs = [0]
    topology.allowedPhysicalCores = 1
    let advice = Advisor.advise(for: topology)
    #expect(advice.workerCount == 1)
    #expect(advice.cpuAffinity == false)
  }
}

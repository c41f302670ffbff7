import Foundation
import SNToolKit
import Testing
import _SNTestSupport

@Suite("Topology snapshot")
struct TopologyTests {
  @Test("probing this machine gives a consistent snapshot, and pinning was tried")
  func probe() {
    let snapshot = TopologySnapshot.probe()
    #expect(!snapshot.allowedCPUs.isEmpty)
    #expect(snapshot.allowedCPUs.count <= snapshot.logicalCPUs)
    #expect(snapshot.allowedPhysicalCores <= snapshot.physicalCores)
    #expect(snapshot.cacheLineSize >= 32)
    #expect(!snapshot.numaNodes.isEmpty)
    #expect(["always", "madvise", "never", "unsupported"].contains(snapshot.transparentHugePages))
    #expect(snapshot.pinning.triedCPU == snapshot.allowedCPUs.first)
    #if os(Linux)
      #expect(snapshot.pinning.permitted || snapshot.pinning.errno != nil)
    #endif
    #expect(snapshot.table().contains("thread pinning"))
  }

  @Test(
    "JSON round-trips",
    arguments: [Fixtures.vm, Fixtures.server, Fixtures.laptop, Fixtures.container])
  func roundTrip(name: String) throws {
    let snapshot = try Fixtures.topology(name)
    #expect(try TopologySnapshot.decode(json: snapshot.jsonString()) == snapshot)
    #expect(snapshot.table().contains("logical CPUs"))
  }

  @Test("the probed snapshot round-trips through JSON too")
  func probedRoundTrip() throws {
    let snapshot = TopologySnapshot.probe()
    #expect(try TopologySnapshot.decode(json: snapshot.jsonString()) == snapshot)
  }

  @Test("bad files give typed errors that name the problem")
  func badFiles() throws {
    #expect(throws: SNToolError.unreadableFile) {
      try TopologySnapshot.load(path: "/nonexistent/topology.json")
    }
    let error = try #require(throws: SNToolError.self) {
      try TopologySnapshot.decode(json: #"{"label": "x"}"#)
    }
    #expect(error == .malformedTopology)
    #expect(error.description.contains("missing field"))
    #expect(throws: SNToolError.malformedTopology) { try TopologySnapshot.decode(json: "not json") }
  }

  @Test("a snapshot read from a recorded 2-node box")
  func recordedNUMA() {
    let snapshot = TopologySnapshot.read(
      from: RecordedSystem.numa, allowedCPUs: Array(0...11),
      pinning: { TopologySnapshot.Pinning(permitted: true, triedCPU: $0) })
    #expect(snapshot.logicalCPUs == 14)
    #expect(snapshot.allowedCPUs == Array(0...11))
    #expect(snapshot.cgroupCPUSet == Array(0...11))
    #expect(snapshot.cpuQuota == 6)
    #expect(snapshot.physicalCores == 8)
    #expect(snapshot.allowedPhysicalCores == 8)
    #expect(snapshot.packages == 2)
    #expect(snapshot.threadsPerCore == 2)
    #expect(snapshot.numaNodes.map(\.cpus) == [[0, 2, 4, 6, 8, 10, 12], [1, 3, 5, 7, 9, 11, 13]])
    #expect(snapshot.caches.map(\.sharedByCPUs) == [2, 2, 2, 7])
    #expect(snapshot.caches.map(\.type) == ["Data", "Instruction", "Unified", "Unified"])
    #expect(snapshot.transparentHugePages == "always")
    #expect(snapshot.hugePagesTotal == 16)
    #expect(snapshot.hugePagesFree == 12)
    #expect(snapshot.hugePageSizeKiB == 2048)
    #expect(snapshot.cpuModel == "Synthetic Xeon 2S")
    #expect(!snapshot.virtualized)
    #expect(snapshot.simdFeatures.starts(with: ["sse2", "sse4_2", "avx", "avx2", "fma"]))
    #expect(snapshot.pinning.triedCPU == 0)
    #expect(snapshot.table().contains("node1 CPUs 1,3,5,7,9,11,13"))
  }

  @Test("a snapshot read from the recorded reference VM")
  func recordedVM() {
    let snapshot = TopologySnapshot.read(
      from: RecordedSystem.vm, allowedCPUs: [0, 1],
      pinning: { TopologySnapshot.Pinning(permitted: false, triedCPU: $0) })
    #expect(snapshot.logicalCPUs == 2)
    #expect(snapshot.physicalCores == 2)
    #expect(snapshot.threadsPerCore == 1)
    #expect(snapshot.numaNodes == [.init(id: 0, cpus: [0, 1])])
    #expect(snapshot.caches.map(\.sizeBytes) == [48 << 10, 32 << 10, 1 << 20, 32 << 20])
    #expect(snapshot.cgroupCPUSet == nil)
    #expect(snapshot.cpuQuota == nil)
    #expect(snapshot.transparentHugePages == "madvise")
    #expect(snapshot.hugePagesTotal == 0)
    #expect(snapshot.cpuModel == "AMD EPYC")
    #expect(snapshot.virtualized)
  }

  @Test("formatting and SIMD flags")
  func formatting() {
    let flags: Set = ["fpu", "sse2", "avx2", "fma", "avx512f", "hypervisor"]
    let features = TopologySnapshot.simdFeatures(flags: flags)
    #expect(features.starts(with: ["sse2", "avx2", "fma", "avx512f"]))
    #expect(TopologySnapshot.simdFeatures(flags: ["asimd", "fp"]).contains("neon"))
    #expect(TopologySnapshot.formatCPUList([0, 1, 2, 3, 8, 10, 11]) == "0-3,8,10-11")
    #expect(TopologySnapshot.formatCPUList([11, 10, 8, 8]) == "8,10-11")
    #expect(TopologySnapshot.formatCPUList([]) == "-")
    // A recorded file may hold numbers no CPUSet accepts: formatting must not trap.
    #expect(TopologySnapshot.formatCPUList([-1, 70_000]) == "-1,70000")
    #expect(TopologySnapshot.formatBytes(32768) == "32 KiB")
  }
}

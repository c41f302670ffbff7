import Foundation
import SNToolKit
import Testing

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

  @Test("sysfs and procfs parsers")
  func parsers() {
    #expect(TopologySnapshot.parseTHPMode("always [madvise] never\n") == "madvise")
    #expect(TopologySnapshot.parseTHPMode("[always] madvise never") == "always")
    #expect(TopologySnapshot.parseTHPMode(nil) == "unsupported")
    let meminfo = TopologySnapshot.parseMeminfo(
      "MemTotal:       24000000 kB\nHugePages_Total:      16\nHugePages_Free:       12\nHugepagesize:       2048 kB\n"
    )
    #expect(meminfo["HugePages_Total"] == 16)
    #expect(meminfo["HugePages_Free"] == 12)
    #expect(meminfo["Hugepagesize"] == 2048)
    let (model, flags) = TopologySnapshot.parseCPUInfo(
      "processor\t: 0\nmodel name\t: AMD EPYC\nflags\t\t: fpu sse2 avx2 fma avx512f hypervisor\n")
    #expect(model == "AMD EPYC")
    #expect(flags.contains("hypervisor"))
    let features = TopologySnapshot.simdFeatures(flags: flags)
    #expect(features.starts(with: ["sse2", "avx2", "fma", "avx512f"]))
    #expect(TopologySnapshot.simdFeatures(flags: ["asimd", "fp"]).contains("neon"))
    #expect(TopologySnapshot.formatCPUList([0, 1, 2, 3, 8, 10, 11]) == "0-3,8,10-11")
    #expect(TopologySnapshot.formatCPUList([]) == "-")
    #expect(TopologySnapshot.formatBytes(32768) == "32 KiB")
  }
}

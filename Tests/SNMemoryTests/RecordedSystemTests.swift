import SNAtomics
import SNMemory
import Testing
import _SNTestSupport

@Suite("NUMA and huge pages on recorded sysfs trees")
struct RecordedSystemTests {
  @Test("nodes and the node of a CPU: one node, two nodes, gaps and offline CPUs")
  func nodes() {
    #expect(NUMA.nodes(from: RecordedSystem.vm) == [0])
    #expect(NUMA.node(ofCPU: 1, from: RecordedSystem.vm) == 0)
    #expect(NUMA.node(ofCPU: 2, from: RecordedSystem.vm) == nil)
    let numa = RecordedSystem.numa
    #expect(NUMA.nodes(from: numa) == [0, 1])
    #expect(NUMA.node(ofCPU: 0, from: numa) == 0)
    #expect(NUMA.node(ofCPU: 13, from: numa) == 1)
    #expect(NUMA.node(ofCPU: 14, from: numa) == nil)  // offline
    #expect(NUMA.node(ofCPU: -1, from: numa) == nil)
    // No NUMA directory at all: node 0, as on macOS.
    #expect(NUMA.nodes(from: SystemFiles(root: "/nonexistent-sn-root")) == [0])
  }

  @Test("transparent huge page mode and free reserved 2 MiB pages")
  func hugePages() {
    #expect(HugePages.transparentMode(from: RecordedSystem.vm) == .madvise)
    #expect(HugePages.transparentMode(from: RecordedSystem.numa) == .always)
    #expect(HugePages.transparentMode(from: RecordedSystem.malformed) == .unsupported)
    #expect(HugePages.freeReservedPages(from: RecordedSystem.vm) == 0)
    #expect(HugePages.freeReservedPages(from: RecordedSystem.numa) == 12)  // not the 1 GiB pool's 1
    #expect(HugePages.freeReservedPages(from: RecordedSystem.malformed) == 0)
  }
}

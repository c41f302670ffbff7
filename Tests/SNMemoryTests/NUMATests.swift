import SNMemory
import Testing

@Suite("NUMA")
struct NUMATests {
  @Test("topology: at least one node, CPU 0 is on a node, bogus CPUs are on none")
  func topology() {
    #expect(NUMA.nodeCount >= 1)
    #expect(NUMA.nodes.count == NUMA.nodeCount)
    #expect(NUMA.node(ofCPU: 0).map { NUMA.nodes.contains($0) } == true)
    #expect(NUMA.node(ofCPU: -1) == nil)
    #expect(NUMA.node(ofCPU: 1 << 20) == nil)
    #if NUMA && os(Linux)
      #expect(NUMA.backend == "libnuma")
    #elseif os(Linux)
      #expect(NUMA.backend == "sysfs")
    #endif
  }

  @Test("a touched page is on a node; an untouched one on none")
  func nodeOfPage() throws {
    let region = try MappedRegion(byteCount: 2 * 4096)
    region.unsafeBaseAddress.storeBytes(of: 1, as: UInt8.self)
    let node = try NUMA.node(ofPage: region.unsafeBaseAddress)
    #expect(node.map { NUMA.nodes.contains($0) } == true)
    #if os(Linux)
      #expect(try NUMA.node(ofPage: region.unsafeBaseAddress + 4096) == nil)
    #endif
  }

  @Test("binding to an existing node works; to a missing node is a typed error")
  func bind() throws {
    let region = try MappedRegion(byteCount: 4096)
    let node = NUMA.nodes[0]
    try region.bind(toNode: node)
    region.unsafeBaseAddress.storeBytes(of: 1, as: UInt8.self)
    #expect(try NUMA.node(ofPage: region.unsafeBaseAddress) == node)
    #expect(throws: SNMemoryError.invalidNode) { try region.bind(toNode: 4096) }
    #expect(throws: SNMemoryError.invalidNode) { try region.bind(toNode: -1) }
    #expect(throws: SNMemoryError.invalidSize) {
      try NUMA.bind(region.unsafeBaseAddress, byteCount: 0, toNode: node)
    }
  }
}

import Foundation
import SNAtomics
import Testing
import _SNTestSupport

@Suite("SystemFiles on recorded trees")
struct SystemFilesTests {
  @Test("the reference VM: 2 CPUs, one node, THP madvise, no reserved pages")
  func vm() throws {
    let files = RecordedSystem.vm
    #expect(try files.onlineCPUs() == [0, 1])
    #expect(try files.possibleCPUs() == [0, 1])
    #expect(try files.offlineCPUs() == [])
    #expect(try files.placement(ofCPU: 1) == CPUPlacement(coreID: 1, packageID: 0, siblings: [1]))
    let caches = try files.caches(ofCPU: 0)
    #expect(caches.map(\.level) == [1, 1, 2, 3])
    #expect(caches.map(\.type) == ["Data", "Instruction", "Unified", "Unified"])
    #expect(caches.map(\.sizeBytes) == [48 << 10, 32 << 10, 1 << 20, 32 << 20])
    #expect(caches.map(\.lineSize) == [64, 64, 64, 64])
    #expect(caches.map(\.sharedCPUs) == [[0], [0], [0], [0, 1]])
    #expect(try files.numaNodes() == [NUMANodeDescription(id: 0, cpus: [0, 1])])
    #expect(try files.node(ofCPU: 1) == 0)
    #expect(try files.node(ofCPU: 2) == nil)
    #expect(try files.transparentHugePageMode() == .madvise)
    #expect(
      try files.hugePagePools() == [
        HugePagePool(pageSizeKiB: 2048, total: 0, free: 0),
        HugePagePool(pageSizeKiB: 1_048_576, total: 0, free: 0),
      ])
    #expect(files.meminfo()?["Hugepagesize"] == 2048)
    #expect(files.meminfo()?["HugePages_Total"] == 0)
    // cgroup v1 on the reference VM: no v2 files.
    #expect(try files.cgroupCPUQuota() == nil)
    #expect(try files.cgroupCPUSet() == nil)
    let info = try #require(files.cpuInfo())
    #expect(info.model == "AMD EPYC")
    #expect(info.flags.isSuperset(of: ["avx2", "avx512f", "hypervisor"]))
  }

  @Test("a 2-node box: interleaved (strided) node lists, offline CPUs")
  func numa() throws {
    let files = RecordedSystem.numa
    #expect(try files.onlineCPUs() == CPUSet(0...13))
    #expect(try files.possibleCPUs() == CPUSet(0...15))
    #expect(try files.offlineCPUs() == [14, 15])
    let nodes = try files.numaNodes()
    #expect(nodes.map(\.id) == [0, 1])
    #expect(nodes[0].cpus == (try CPUSet(parsing: "0-12:2")))
    #expect(nodes[1].cpus == (try CPUSet(parsing: "1-13:2")))
    #expect(try files.node(ofCPU: 13) == 1)
    #expect(try files.node(ofCPU: 14) == nil)  // offline: on no node's list
    #expect(
      try files.placement(ofCPU: 8) == CPUPlacement(coreID: 0, packageID: 0, siblings: [0, 8]))
    #expect(try files.placement(ofCPU: 6)?.siblings == [6])  // sibling 14 is offline
    #expect(try files.placement(ofCPU: 14) == nil)
    #expect(try files.caches(ofCPU: 1).last?.sharedCPUs == (try CPUSet(parsing: "1-13:2")))
    #expect(try files.transparentHugePageMode() == .always)
    #expect(
      try files.hugePagePools() == [
        HugePagePool(pageSizeKiB: 2048, total: 16, free: 12),
        HugePagePool(pageSizeKiB: 1_048_576, total: 2, free: 1),
      ])
    #expect(try files.cgroupCPUQuota() == 6)
    #expect(try files.cgroupCPUSet() == CPUSet(0...11))
    #expect(files.cpuInfo()?.model == "Synthetic Xeon 2S")
  }

  @Test("files that exist but do not parse are typed errors naming the file")
  func malformed() throws {
    let files = RecordedSystem.malformed
    let online = try #require(throws: SystemFileError.self) { try files.onlineCPUs() }
    #expect(online.listError == .invalidSyntax)
    #expect(online.path.hasSuffix("sys/devices/system/cpu/online"))
    let node = try #require(throws: SystemFileError.self) { try files.numaNodes() }
    #expect(node.listError == .reversedRange)
    #expect(node.path.hasSuffix("node0/cpulist"))
    #expect(throws: SystemFileError.self) { try files.placement(ofCPU: 0) }
    #expect(throws: SystemFileError.self) { try files.transparentHugePageMode() }
    #expect(throws: SystemFileError.self) { try files.hugePagePools() }
    #expect(throws: SystemFileError.self) { try files.cgroupCPUQuota() }
    // Present and well formed next to the broken ones.
    #expect(try files.possibleCPUs() == CPUSet(0...3))
  }

  @Test("node numbers with a gap come from node/online, not from counting directories")
  func nodeGap() throws {
    // What the old SNPool loop got wrong: it stopped at the first missing
    // nodeN directory, so node 2's CPUs landed on node 0.
    let root = FileManager.default.temporaryDirectory.path + "/sn-node-gap-\(getpid())"
    defer { try? FileManager.default.removeItem(atPath: root) }
    let nodes = root + "/sys/devices/system/node"
    for (file, text) in [
      ("online", "0,2\n"), ("node0/cpulist", "0-1\n"), ("node2/cpulist", "2-3\n"),
    ] {
      let path = nodes + "/" + file
      let directory = String(path[..<path.lastIndex(of: "/")!])
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      #expect(FileManager.default.createFile(atPath: path, contents: Data(text.utf8)))
    }
    let files = SystemFiles(root: root)
    #expect(try files.numaNodes().map(\.id) == [0, 2])
    #expect(try files.node(ofCPU: 3) == 2)
  }

  @Test("missing files are nil, not errors: a tree with nothing in it")
  func missing() throws {
    let files = SystemFiles(root: "/nonexistent-sn-root")
    #expect(try files.onlineCPUs() == nil)
    #expect(try files.numaNodes() == [])
    #expect(try files.caches(ofCPU: 0) == [])
    #expect(try files.transparentHugePageMode() == nil)
    #expect(try files.hugePagePools() == [])
    #expect(files.meminfo() == nil)
    #expect(files.cpuInfo() == nil)
    #expect(files.hugePageBytes(mappedBetween: 0, and: 4096) == nil)
    #expect(files.path("sys/x") == "/nonexistent-sn-root/sys/x")
    #expect(SystemFiles().path("sys/x") == "/sys/x")
  }

  #if os(Linux)
    @Test("this machine: the allowed CPUs are online and sysfs lists a node")
    func live() throws {
      let files = SystemFiles()
      let online = try #require(try files.onlineCPUs())
      #expect(CPUSet(OSThread.allowedCPUs).intersection(online) == CPUSet(OSThread.allowedCPUs))
      #expect(try files.numaNodes().isEmpty == false)
      #expect(files.hugePageBytes(mappedBetween: 0, and: 1) == 0)
    }
  #endif
}

import CSNMemoryShim
import SNAtomics

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif
#if NUMA && os(Linux)
  import CNuma
#endif

/// NUMA topology and memory placement: which node a CPU or a page is on, and
/// binding memory to a node.
///
/// Two backends answer the same API. With the package trait `NUMA` (Linux,
/// needs `libnuma-dev`) it is libnuma, used when `numa_available()` says the
/// kernel supports NUMA. Without the trait it is sysfs
/// (`/sys/devices/system/node`) plus the `mbind` and `move_pages` system calls,
/// so the default build needs nothing beyond the toolchain. On a single-node
/// machine, and on macOS, binding is a validated no-op and every CPU and page
/// is on node 0.
public enum NUMA {
  /// Which implementation answers: `"libnuma"`, `"sysfs"` or `"none"` (not Linux).
  public static var backend: String {
    #if NUMA && os(Linux)
      if numa_available() >= 0 { return "libnuma" }
    #endif
    #if os(Linux)
      return "sysfs"
    #else
      return "none"
    #endif
  }

  /// The node numbers the system has online, ascending (`[0]` on single-node machines).
  public static var nodes: [Int] { nodes(from: SystemFiles()) }

  /// ``nodes`` as a sysfs tree (`/` or a recorded one) describes them; `[0]`
  /// where it has no NUMA directory or an unreadable one.
  package static func nodes(from files: SystemFiles) -> [Int] {
    let online = Array((try? files.onlineNodes()) ?? [])
    return online.isEmpty ? [0] : online
  }

  /// How many NUMA nodes are online (1 on single-node machines and on macOS).
  public static var nodeCount: Int {
    #if NUMA && os(Linux)
      if numa_available() >= 0 { return Int(numa_num_configured_nodes()) }
    #endif
    return nodes.count
  }

  /// The node a CPU belongs to.
  ///
  /// - Parameter cpu: A CPU number as the OS counts them.
  /// - Returns: The node, or `nil` for a CPU the system does not have.
  /// - Complexity: A few small sysfs reads: not for hot paths.
  public static func node(ofCPU cpu: Int) -> Int? {
    guard cpu >= 0 else { return nil }
    #if NUMA && os(Linux)
      if numa_available() >= 0 {
        let node = numa_node_of_cpu(Int32(clamping: cpu))
        return node >= 0 ? Int(node) : nil
      }
    #endif
    return node(ofCPU: cpu, from: SystemFiles())
  }

  /// ``node(ofCPU:)`` as a sysfs tree (`/` or a recorded one) answers it.
  package static func node(ofCPU cpu: Int, from files: SystemFiles) -> Int? {
    guard cpu >= 0 else { return nil }
    if let nodes = try? files.numaNodes(), !nodes.isEmpty {
      return nodes.first { $0.cpus.contains(cpu) }?.id
    }
    // No NUMA in sysfs (macOS, some sandboxes): every CPU the system has is on node 0.
    return cpu < sysconf(Int32(_SC_NPROCESSORS_CONF)) ? 0 : nil
  }

  /// The node holding the page that contains `address` (a `move_pages` query).
  ///
  /// - Parameter address: Any byte of the page.
  /// - Returns: The node, or `nil` when the page has not been touched yet (not
  ///   present, so it is on no node).
  /// - Throws: ``SNMemoryError/systemCallFailed`` when the kernel refuses the
  ///   query (for example a sandbox that forbids `move_pages`).
  public static func node(ofPage address: UnsafeRawPointer) throws(SNMemoryError) -> Int? {
    #if os(Linux)
      let mask = UInt(_PageMapping.pageSize - 1)
      let page = UnsafeMutableRawPointer(bitPattern: UInt(bitPattern: address) & ~mask)
      #if NUMA
        if numa_available() >= 0 {
          var pages: [UnsafeMutableRawPointer?] = [page]
          var status: [Int32] = [-1]
          let rc = move_pages(0, 1, &pages, nil, &status, 0)
          if rc != 0 { throw .systemCallFailed(errno: errno, "move_pages") }
          return status[0] >= 0 ? Int(status[0]) : nil
        }
      #endif
      let result = csnm_node_of_page(page)
      if result >= 0 { return Int(result) }
      if result == -ENOENT || result == -EFAULT { return nil }
      throw .systemCallFailed(errno: -result, "move_pages")
    #else
      return 0
    #endif
  }

  /// Binds `[base, base + byteCount)` to `node` (`MPOL_BIND`, moving pages
  /// already touched). A no-op after validation on single-node machines and macOS.
  ///
  /// - Parameters:
  ///   - base: The first byte; must be page-aligned.
  ///   - byteCount: The length in bytes; must be positive.
  ///   - node: The node, one of ``nodes``.
  /// - Throws: ``SNMemoryError/invalidSize`` for a non-positive length,
  ///   ``SNMemoryError/invalidNode`` for a node that does not exist,
  ///   ``SNMemoryError/systemCallFailed`` when the kernel refuses.
  /// - Complexity: O(pages already touched), in the kernel.
  public static func bind(
    _ base: UnsafeMutableRawPointer, byteCount: Int, toNode node: Int
  ) throws(SNMemoryError) {
    guard byteCount > 0 else { throw .invalidSize(byteCount, "byteCount") }
    precondition(
      UInt(bitPattern: base) % UInt(_PageMapping.pageSize) == 0,
      "NUMA.bind: base must be page-aligned")
    let online = nodes
    guard online.contains(node) else { throw .invalidNode(node, nodeCount: online.count) }
    guard online.count > 1 else { return }
    #if os(Linux)
      #if NUMA
        if numa_available() >= 0 {
          let bitsPerWord = UInt.bitWidth
          var mask = [UInt](repeating: 0, count: node / bitsPerWord + 1)
          mask[node / bitsPerWord] |= 1 << UInt(node % bitsPerWord)
          let rc = mbind(
            base, UInt(byteCount), Int32(MPOL_BIND), mask, UInt(mask.count * bitsPerWord + 1),
            UInt32(MPOL_MF_MOVE))
          if rc != 0 { throw .systemCallFailed(errno: errno, "mbind") }
          return
        }
      #endif
      let rc = csnm_bind_to_node(base, UInt(byteCount), Int32(node))
      if rc != 0 { throw .systemCallFailed(errno: rc, "mbind") }
    #endif
  }
}

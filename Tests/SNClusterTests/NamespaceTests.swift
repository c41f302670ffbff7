#if Cluster
  import Foundation
  import SNCluster
  import Testing
  import _SNClusterTestSupport

  /// Two node processes as hosts of their own: each in a network namespace this
  /// test makes (`ip netns` + a veth pair), host 2's link delayed 20 ms each way
  /// with `tc qdisc … netem` where the kernel has netem (the development VM's
  /// does not: there the links are not delayed, and the test says so). Runs
  /// where the machine allows namespaces (root, iproute2); skipped elsewhere.
  @Suite(.serialized, .enabled(if: NetworkHosts.available), .timeLimit(.minutes(3)))
  struct NamespaceTests {
    @Test func nodesAsHostsInTheirOwnNetworkNamespaces() async throws {
      let hosts = try NetworkHosts(count: 2, delayedHost: 2, delay: "20ms")
      defer { hosts.tearDown() }
      let nodeList = "1=\(hosts.address(1)):7401/2,2=\(hosts.address(2)):7401/2"
      var nodes: [NodeProcess] = []
      for id in 1...2 {
        nodes.append(
          try await NodeProcess.start(id: id, nodeList: nodeList, inNamespace: hosts.namespace(id)))
      }
      let sender = try ClusterSender(
        membership: try ClusterMembership(parsing: nodeList), codec: ProbeCodec())
      let near = try await sender.checkHealth(ofNode: 1)
      let far = try await sender.checkHealth(ofNode: 2)
      let messages = (0..<5_000).map { probe(UInt64($0), router: sender.router) }
      for message in messages { try await sender.send(message, key: message.key) }
      try await sender.close()
      let expected = expectedTallies(messages)
      for node in nodes { #expect(try await node.stop() == expected[node.id], "node \(node.id)") }
      if hosts.delayed {
        // The delay is on host 2's link only: 20 ms each way.
        #expect(far >= .milliseconds(40))
        #expect(near < .milliseconds(40))
      }
      print(
        "NamespaceTests: 2 nodes in their own namespaces, \(messages.count) messages exactly once; "
          + "health round trip \(near) and \(far)"
          + (hosts.delayed
            ? " (host 2 delayed 20 ms each way)" : " (no netem in this kernel: no delay)"))
    }
  }

  /// Network namespaces with a veth pair each: the test process is the host
  /// at `10.X.i.1`, namespace `i` holds `10.X.i.2`.
  struct NetworkHosts {
    let prefix: String
    let subnet: Int
    let count: Int
    /// Whether the delay could be applied (the kernel has netem).
    private(set) var delayed = false

    /// Whether this process may make namespaces (root, and `ip netns` works).
    static let available: Bool = {
      guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip") else {
        return false
      }
      let probe = "sn-probe-\(getpid())"
      guard (try? run(["ip", "netns", "add", probe])) != nil else { return false }
      _ = try? run(["ip", "netns", "del", probe])
      return true
    }()

    init(count: Int, delayedHost: Int, delay: String) throws {
      let pid = Int(getpid())
      self.prefix = "sn\(pid % 100_000)"
      self.subnet = 200 + pid % 50
      self.count = count
      do { try setUp(delayedHost: delayedHost, delay: delay) } catch {
        tearDown()
        throw error
      }
    }

    private mutating func setUp(delayedHost: Int, delay: String) throws {
      for host in 1...count {
        let namespace = self.namespace(host)
        let outside = "\(prefix)o\(host)"
        let inside = "\(prefix)i\(host)"
        try Self.run(["ip", "netns", "add", namespace])
        try Self.run(["ip", "link", "add", outside, "type", "veth", "peer", "name", inside])
        try Self.run(["ip", "link", "set", inside, "netns", namespace])
        try Self.run(["ip", "addr", "add", "10.\(subnet).\(host).1/24", "dev", outside])
        try Self.run(["ip", "link", "set", outside, "up"])
        try Self.run(
          [
            "ip", "netns", "exec", namespace, "ip", "addr", "add", "\(address(host))/24", "dev",
            inside,
          ])
        try Self.run(["ip", "netns", "exec", namespace, "ip", "link", "set", inside, "up"])
        try Self.run(["ip", "netns", "exec", namespace, "ip", "link", "set", "lo", "up"])
        // Both directions: the root side's egress and the namespace side's.
        if host == delayedHost,
          (try? Self.run(["tc", "qdisc", "add", "dev", outside, "root", "netem", "delay", delay]))
            != nil
        {
          delayed = true
          try Self.run(
            [
              "ip", "netns", "exec", namespace, "tc", "qdisc", "add", "dev", inside, "root",
              "netem", "delay", delay,
            ])
        }
      }
    }

    func namespace(_ host: Int) -> String { "\(prefix)-h\(host)" }
    func address(_ host: Int) -> String { "10.\(subnet).\(host).2" }

    /// Deleting a namespace deletes its end of the veth pair, and with it the pair.
    func tearDown() {
      for host in 1...count { _ = try? Self.run(["ip", "netns", "del", namespace(host)]) }
    }

    @discardableResult
    static func run(_ arguments: [String]) throws -> Int32 {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      process.arguments = arguments
      process.standardOutput = FileHandle.nullDevice
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      guard process.terminationStatus == 0 else {
        throw ClusterError.bindFailed.with(detail: arguments.joined(separator: " "))
      }
      return process.terminationStatus
    }
  }
#endif

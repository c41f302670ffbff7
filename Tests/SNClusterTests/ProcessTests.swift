#if Cluster
  import Foundation
  import SNCluster
  import Testing
  import _SNClusterTestSupport

  /// Three nodes as separate processes (`SNClusterNode`) on loopback, fed by
  /// this process. Message count: `SN_STRESS_MESSAGES` (default 30 000; CI
  /// runs one million).
  @Suite(.serialized, .timeLimit(.minutes(10))) struct ClusterProcessTests {
    static let messageCount =
      ProcessInfo.processInfo.environment["SN_STRESS_MESSAGES"].flatMap { Int($0) } ?? 30_000
    /// What the nodes are told: ids and worker counts (they listen on free ports).
    let nodeList = "1=127.0.0.1:0/2,2=127.0.0.1:0/2,3=127.0.0.1:0/2"

    func startNodes() async throws -> ([NodeProcess], ClusterMembership) {
      var nodes: [NodeProcess] = []
      for id in 1...3 { nodes.append(try await NodeProcess.start(id: id, nodeList: nodeList)) }
      let membership = try senderMembership(nodes.map { ($0.id, $0.port, 2) })
      return (nodes, membership)
    }

    @Test func everyKeyReachesTheSameWorkerInEveryProcess() async throws {
      let (nodes, membership) = try await startNodes()
      let sender = try ClusterSender(membership: membership, codec: ProbeCodec())
      let messages = (0..<Self.messageCount).map { probe(UInt64($0), router: sender.router) }
      let clock = ContinuousClock()
      let elapsed = try await clock.measure {
        for message in messages { try await sender.send(message, key: message.key) }
        try await sender.close()
      }
      let expected = expectedTallies(messages)
      for node in nodes {
        // Each node checks every message against its own router: misrouted == 0
        // means the sender and that process agree on node and worker.
        let tally = try await node.stop()
        #expect(tally == expected[node.id], "node \(node.id)")
        #expect(tally.misrouted == 0 && tally.duplicates == 0)
      }
      let seconds =
        Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      print(
        "ClusterProcessTests: \(messages.count) messages to 3 node processes in "
          + "\(String(format: "%.2f", seconds)) s (\(Int(Double(messages.count) / seconds)) msg/s), "
          + "\(sender.statistics.batches) batches")
    }

    @Test func aKilledNodeHandsBackWhatItDidNotAcknowledge() async throws {
      let (nodes, membership) = try await startNodes()
      var configuration = ClusterConfiguration()
      configuration.reconnectTimeout = .seconds(1)
      let sender = try ClusterSender(
        membership: membership, codec: ProbeCodec(), configuration: configuration)
      let messages = (0..<Self.messageCount).map { probe(UInt64($0), router: sender.router) }
      var handedBack: [UndeliveredMessage<ProbeMessage>] = []
      // A third acknowledged by every node, a third sent without waiting, then
      // node 2 is killed with those in flight, and the last third follows.
      let third = messages.count / 3
      for (index, message) in messages.enumerated() {
        if index == third { try await sender.flush() }
        if index == 2 * third { nodes[1].kill() }
        do { try await sender.send(message, key: message.key) } catch {
          handedBack += error.undelivered
        }
      }
      do { try await sender.close() } catch { handedBack += error.undelivered }

      // Only the killed node's messages come back, each once, as unavailable.
      #expect(handedBack.allSatisfy { $0.node == 2 && $0.reason == .nodeUnavailable })
      let returnedIDs = Set(handedBack.map(\.message.id))
      #expect(returnedIDs.count == handedBack.count)
      // The survivors processed exactly what was routed to them, once each.
      let expected = expectedTallies(messages.filter { !returnedIDs.contains($0.id) })
      var survivors = ProbeTally()
      for node in [nodes[0], nodes[2]] {
        let tally = try await node.stop()
        #expect(tally == expected[node.id], "node \(node.id)")
        survivors.add(tally)
      }
      let acknowledgedByKilled = expected[2]?.processed ?? 0
      let routedToKilled = messages.filter { $0.node == 2 }.count
      print(
        "ClusterProcessTests kill: sent \(messages.count); processed exactly once by the survivors "
          + "\(survivors.processed); acknowledged by the killed node before it died "
          + "\(acknowledgedByKilled); handed back \(handedBack.count) "
          + "(of \(routedToKilled) routed to it); "
          + "total \(survivors.processed + acknowledgedByKilled + handedBack.count)")
      #expect(survivors.processed + acknowledgedByKilled + handedBack.count == messages.count)
      #expect(sender.statistics.acknowledged == messages.count - handedBack.count)
      #expect(acknowledgedByKilled > 0)
      #expect(!handedBack.isEmpty)
    }
  }

  extension ClusterProcessTests {
    @Test func aHungNodeHandsBackWhatItDidNotAcknowledge() async throws {
      // SIGSTOP: the node's sockets stay open and the kernel still accepts
      // connections, but nothing answers. The acknowledgement watchdog must
      // cancel the stream, and the link give up after the reconnect timeout.
      let (nodes, membership) = try await startNodes()
      var configuration = ClusterConfiguration()
      configuration.acknowledgementTimeout = .milliseconds(800)
      configuration.reconnectTimeout = .seconds(1)
      let sender = try ClusterSender(
        membership: membership, codec: ProbeCodec(), configuration: configuration)
      let count = min(Self.messageCount, 30_000)
      let messages = (0..<count).map { probe(UInt64($0), router: sender.router) }
      var handedBack: [UndeliveredMessage<ProbeMessage>] = []
      for (index, message) in messages.enumerated() {
        if index == count / 3 {
          try await sender.flush()
          nodes[1].signal(SIGSTOP)
        }
        do { try await sender.send(message, key: message.key) } catch {
          handedBack += error.undelivered
        }
      }
      do { try await sender.close() } catch { handedBack += error.undelivered }
      #expect(!handedBack.isEmpty)
      #expect(handedBack.allSatisfy { $0.node == 2 && $0.reason == .nodeUnavailable })
      let returnedIDs = Set(handedBack.map(\.message.id))
      #expect(returnedIDs.count == handedBack.count)
      let expected = expectedTallies(messages.filter { !returnedIDs.contains($0.id) })
      for node in [nodes[0], nodes[2]] {
        #expect(try await node.stop() == expected[node.id], "node \(node.id)")
      }
      // Woken up, node 2 reports what it processed: everything it acknowledged,
      // plus any message it took in before its stream was cancelled (processed
      // and handed back: the in-doubt case of the delivery guarantees).
      nodes[1].signal(SIGCONT)
      let hung = try await nodes[1].stop()
      let acknowledged = expected[2]?.processed ?? 0
      #expect(hung.duplicates == 0 && hung.misrouted == 0)
      #expect(hung.processed >= acknowledged)
      print(
        "ClusterProcessTests hang: sent \(count); node 2 acknowledged \(acknowledged), "
          + "handed back \(handedBack.count), processed \(hung.processed) "
          + "(in doubt: \(hung.processed - acknowledged))")
    }
  }

  /// An `SNClusterNode` child process.
  final class NodeProcess: @unchecked Sendable {
    let id: Int
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    private(set) var port = 0
    private var buffer: [UInt8] = []

    private init(id: Int) { self.id = id }

    /// The node executable, next to this test bundle (`SN_CLUSTER_NODE_BINARY` overrides).
    static var binary: URL {
      if let path = ProcessInfo.processInfo.environment["SN_CLUSTER_NODE_BINARY"] {
        return URL(fileURLWithPath: path)
      }
      return URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        .deletingLastPathComponent().appendingPathComponent("SNClusterNode")
    }

    /// Starts node `id`; `inNamespace` runs it in that network namespace
    /// (`ip netns exec`) on the port its node-list entry names, otherwise it
    /// listens on a free loopback port.
    static func start(id: Int, nodeList: String, inNamespace namespace: String? = nil) async throws
      -> NodeProcess
    {
      let node = NodeProcess(id: id)
      if let namespace {
        node.process.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        node.process.arguments = ["netns", "exec", namespace, binary.path, "\(id)"]
      } else {
        node.process.executableURL = binary
        node.process.arguments = ["\(id)"]
      }
      var environment = ProcessInfo.processInfo.environment
      environment["SN_CLUSTER_NODES"] = nodeList
      environment["SN_CLUSTER_LISTEN_PORT"] = namespace == nil ? "0" : nil
      node.process.environment = environment
      node.process.standardInput = node.input
      node.process.standardOutput = node.output
      try node.process.run()
      let ready = await node.line(startingWith: "READY ")
      guard let ready, let port = Int(ready.dropFirst(6)) else {
        throw ClusterError.bindFailed.with(detail: "node \(id) did not start")
      }
      node.port = port
      return node
    }

    /// Reads lines (on a thread of its own: the read blocks) until one starts with `prefix`.
    func line(startingWith prefix: String) async -> String? {
      await withCheckedContinuation { continuation in
        Thread {
          let handle = self.output.fileHandleForReading
          while true {
            if let newline = self.buffer.firstIndex(of: 10) {
              let line = String(decoding: self.buffer[..<newline], as: UTF8.self)
              self.buffer.removeSubrange(...newline)
              if line.hasPrefix(prefix) {
                continuation.resume(returning: line)
                return
              }
              continue
            }
            let chunk = handle.availableData
            if chunk.isEmpty {
              continuation.resume(returning: nil)
              return
            }
            self.buffer += chunk
          }
        }.start()
      }
    }

    /// Asks the node to stop; returns what it processed.
    func stop() async throws -> ProbeTally {
      input.fileHandleForWriting.write(Data("stop\n".utf8))
      guard let line = await line(startingWith: "TALLY "),
        let tally = ProbeTally(line: line.dropFirst(6))
      else { throw ClusterError.shutDown.with(detail: "node \(id) gave no tally") }
      process.waitUntilExit()
      return tally
    }

    /// Sends `signal` to the node.
    func signal(_ signal: Int32) { Foundation.kill(process.processIdentifier, signal) }

    /// SIGKILL: no chance to flush, close streams or say goodbye.
    func kill() {
      Foundation.kill(process.processIdentifier, SIGKILL)
      process.waitUntilExit()
    }
  }
#endif

#if Cluster
  import Foundation
  import SNPartition

  /// One node of a cluster: a process running a worker pool, reachable at `host:port`.
  public struct ClusterNode: Sendable, Hashable, CustomStringConvertible {
    /// The node's stable id: routing compares nodes by id, never by position.
    public let id: Int
    /// The host name or IPv4 address other nodes connect to.
    public let host: String
    /// The TCP port the node listens on.
    public let port: Int
    /// How many workers the node's pool runs; the sender routes inside the node with it.
    public let workers: Int

    /// Creates a node, checking its values.
    ///
    /// - Parameters:
    ///   - id: The stable id (unique within the membership).
    ///   - host: Host name or IPv4 address; not empty.
    ///   - port: TCP port in `0...65535` (0 only for a node that listens on any free port).
    ///   - workers: Worker count, at least 1.
    /// - Throws: ``ClusterError/badAddress`` or ``ClusterError/invalidWorkerCount``.
    public init(id: Int, host: String, port: Int, workers: Int) throws(ClusterError) {
      guard !host.isEmpty, !host.contains(where: { $0 == " " || $0 == "/" || $0 == "," }),
        (0...65535).contains(port)
      else { throw .badAddress.with(detail: "\(host):\(port)") }
      guard workers >= 1 else { throw .invalidWorkerCount.with(detail: "node \(id): \(workers)") }
      self.id = id
      self.host = host
      self.port = port
      self.workers = workers
    }

    /// Creates a node from `host:port`.
    ///
    /// - Parameters:
    ///   - id: The stable id.
    ///   - address: `host:port`.
    ///   - workers: Worker count, at least 1.
    /// - Throws: ``ClusterError/badAddress`` or ``ClusterError/invalidWorkerCount``.
    public init(id: Int, address: String, workers: Int) throws(ClusterError) {
      guard let colon = address.lastIndex(of: ":"),
        let port = Int(address[address.index(after: colon)...])
      else { throw .badAddress.with(detail: address) }
      try self.init(id: id, host: String(address[..<colon]), port: port, workers: workers)
    }

    /// `id=host:port/workers`, the node-list form.
    public var description: String { "\(id)=\(host):\(port)/\(workers)" }
  }

  /// A static list of nodes that every process of a cluster shares.
  ///
  /// Every process builds its ``ClusterRouter`` from the same membership, so all
  /// agree on which node and which worker own a key. Changing the membership is
  /// explicit: build the next one with ``adding(_:)`` or ``removing(id:)``, ask
  /// ``movement(to:keys:)`` which keys change owner, move their state, then
  /// switch every process over.
  public struct ClusterMembership: Sendable, Hashable {
    /// The nodes, sorted by id.
    public let nodes: [ClusterNode]

    /// Creates a membership.
    ///
    /// - Parameter nodes: The nodes, in any order.
    /// - Throws: ``ClusterError/emptyMembership`` or ``ClusterError/duplicateNode``.
    public init(nodes: [ClusterNode]) throws(ClusterError) {
      guard !nodes.isEmpty else { throw .emptyMembership }
      let sorted = nodes.sorted { $0.id < $1.id }
      for (a, b) in zip(sorted, sorted.dropFirst()) where a.id == b.id {
        throw .duplicateNode.with(detail: "id \(a.id)")
      }
      self.nodes = sorted
    }

    /// Parses a node list: entries `id=host:port/workers`, separated by commas
    /// or new lines; blank lines and lines starting with `#` are skipped.
    ///
    /// ```
    /// # three nodes, four workers each
    /// 1=10.0.0.1:7401/4
    /// 2=10.0.0.2:7401/4
    /// 3=10.0.0.3:7401/4
    /// ```
    ///
    /// - Parameter text: The list (a file's contents or an environment variable's value).
    /// - Throws: ``ClusterError/badNodeList`` for an entry that does not parse, and the
    ///   errors of ``ClusterNode/init(id:host:port:workers:)`` and ``init(nodes:)``.
    public init(parsing text: String) throws(ClusterError) {
      var nodes: [ClusterNode] = []
      for rawLine in text.split(whereSeparator: { $0 == "\n" || $0 == "," }) {
        let line = rawLine.trimmingWhitespace()
        if line.isEmpty || line.hasPrefix("#") { continue }
        guard let equals = line.firstIndex(of: "="), let slash = line.lastIndex(of: "/"),
          equals < slash, let id = Int(line[..<equals]),
          let workers = Int(line[line.index(after: slash)...])
        else { throw .badNodeList.with(detail: String(line)) }
        let address = String(line[line.index(after: equals)..<slash])
        nodes.append(try ClusterNode(id: id, address: address, workers: workers))
      }
      try self.init(nodes: nodes)
    }

    /// Reads the node list from a file (the ``init(parsing:)`` format).
    ///
    /// - Parameter path: The file's path.
    /// - Throws: ``ClusterError/badNodeList`` when the file cannot be read, or
    ///   the parsing errors.
    public init(contentsOfFile path: String) throws(ClusterError) {
      let text: String
      do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
        throw .badNodeList.with(detail: "\(path): \(error.localizedDescription)")
      }
      try self.init(parsing: text)
    }

    /// Reads the node list from an environment variable (default `SN_CLUSTER_NODES`).
    ///
    /// - Parameters:
    ///   - variable: The variable's name.
    ///   - environment: The environment to read (the process's by default).
    /// - Throws: ``ClusterError/emptyMembership`` when unset, or the parsing errors.
    public static func fromEnvironment(
      variable: String = "SN_CLUSTER_NODES",
      environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws(ClusterError) -> ClusterMembership {
      guard let value = environment[variable] else {
        throw .emptyMembership.with(detail: "\(variable) is not set")
      }
      return try ClusterMembership(parsing: value)
    }

    /// The node with `id`.
    ///
    /// - Parameter id: A node id.
    /// - Returns: The node.
    /// - Throws: ``ClusterError/unknownNode``.
    public func node(id: Int) throws(ClusterError) -> ClusterNode {
      guard let node = nodes.first(where: { $0.id == id }) else {
        throw .unknownNode.with(detail: "id \(id)")
      }
      return node
    }

    /// The membership with `node` added.
    ///
    /// - Parameter node: A node whose id is not a member yet.
    /// - Returns: The next membership.
    /// - Throws: ``ClusterError/duplicateNode``.
    public func adding(_ node: ClusterNode) throws(ClusterError) -> ClusterMembership {
      guard !nodes.contains(where: { $0.id == node.id }) else {
        throw .duplicateNode.with(detail: "id \(node.id)")
      }
      return try ClusterMembership(nodes: nodes + [node])
    }

    /// The membership without node `id`.
    ///
    /// - Parameter id: A member's id.
    /// - Returns: The next membership.
    /// - Throws: ``ClusterError/unknownNode``, or ``ClusterError/emptyMembership``
    ///   when removing the last node.
    public func removing(id: Int) throws(ClusterError) -> ClusterMembership {
      _ = try node(id: id)
      return try ClusterMembership(nodes: nodes.filter { $0.id != id })
    }

    /// The keys whose owning node changes when switching to `next`, by
    /// SNPartition's `MovementReport` over the node-level partitioner.
    ///
    /// With rendezvous hashing over node ids, adding a node moves only keys to
    /// the new node, and removing one moves only the removed node's keys.
    ///
    /// - Parameters:
    ///   - next: The membership to switch to.
    ///   - keys: The keys to check (e.g. every key that has state).
    /// - Returns: The report; worker ids in it are node ids.
    /// - Complexity: Two node lookups per key.
    public func movement<Key: StableHashable & Sendable, Keys: Sequence<Key>>(
      to next: ClusterMembership, keys: Keys
    ) -> MovementReport<Key> {
      MovementReport(
        from: ClusterRouter(membership: self).nodePartitioner,
        to: ClusterRouter(membership: next).nodePartitioner, keys: keys)
    }

    /// A hash of the node ids and worker counts (not the addresses): two
    /// processes route every key alike exactly when their fingerprints match.
    public var routingFingerprint: UInt64 {
      var bytes: [UInt8] = []
      for node in nodes {
        withUnsafeBytes(of: UInt64(truncatingIfNeeded: node.id).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt64(node.workers).littleEndian) { bytes += $0 }
      }
      return bytes.withUnsafeBytes { StableHash.xxh64($0, seed: 0x534E_436C_7573_7401) }
    }
  }

  extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
      var result = self
      while let first = result.first, first.isWhitespace { result.removeFirst() }
      while let last = result.last, last.isWhitespace { result.removeLast() }
      return result
    }
  }
#endif

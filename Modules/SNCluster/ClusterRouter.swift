#if Cluster
  import SNPartition

  /// Where a key lives: which node, and which worker inside it.
  @frozen
  public struct ClusterRoute: Sendable, Hashable {
    /// The owning node's id.
    public let node: Int
    /// The owning node's position in ``ClusterMembership/nodes``.
    public let nodeIndex: Int
    /// The owning worker's index inside that node's pool.
    public let worker: Int

    /// Creates a route.
    ///
    /// - Parameters:
    ///   - node: The node id.
    ///   - nodeIndex: The node's position in the membership.
    ///   - worker: The worker index in that node.
    @inlinable
    public init(node: Int, nodeIndex: Int, worker: Int) {
      self.node = node
      self.nodeIndex = nodeIndex
      self.worker = worker
    }
  }

  /// Maps a key to a node and a worker, the same way in every process.
  ///
  /// Two levels over one stable key hash (SNPartition's `KeyHasher.default`,
  /// XXH64 with the routing seed, so every process and every run agrees):
  ///
  /// 1. **node**: rendezvous hashing over the node *ids*
  ///    (`RendezvousPartitioner`): adding a node takes only its share of the
  ///    keys, removing one moves only that node's keys, and positions in the
  ///    list do not matter.
  /// 2. **worker**: the node's own partitioner, jump hashing over its worker
  ///    count (`JumpHashPartitioner`). A node's pool must be configured with
  ///    ``workerPartitioner(forNode:)`` so that keys sent locally and keys
  ///    arriving from other nodes meet on the same worker.
  ///
  /// The sender computes both, so the receiving node puts each message straight
  /// into its worker's lane.
  public struct ClusterRouter: Sendable {
    /// The membership routed over.
    public let membership: ClusterMembership
    /// The node-level partitioner: its worker ids are node ids.
    public let nodePartitioner: RendezvousPartitioner
    /// One worker-level partitioner per node, in membership order.
    public let workerPartitioners: [JumpHashPartitioner]

    /// Creates the router of a membership.
    ///
    /// - Parameter membership: The nodes.
    public init(membership: ClusterMembership) {
      self.membership = membership
      // Ids are unique and non-empty (checked by the membership), worker counts >= 1:
      // neither partitioner can fail.
      self.nodePartitioner = try! RendezvousPartitioner(workerIDs: membership.nodes.map(\.id))
      self.workerPartitioners = membership.nodes.map {
        try! JumpHashPartitioner(workers: $0.workers)
      }
    }

    /// The stable hash keys are routed on.
    @inlinable
    public var keyHasher: KeyHasher { nodePartitioner.keyHasher }

    /// The route of a key hash (``keyHasher``).
    ///
    /// - Parameter keyHash: The key's stable hash.
    /// - Returns: The owning node and worker.
    /// - Complexity: O(nodes): one 64-bit mix per node, then one jump-hash lookup.
    @inlinable
    public func route(keyHash: UInt64) -> ClusterRoute {
      let nodeIndex = nodePartitioner.worker(forKeyHash: keyHash)
      return ClusterRoute(
        node: nodePartitioner.workerIDs[nodeIndex], nodeIndex: nodeIndex,
        worker: workerPartitioners[nodeIndex].worker(forKeyHash: keyHash))
    }

    /// The route of a key.
    ///
    /// - Parameter key: The routing key.
    /// - Returns: The owning node and worker.
    @inlinable
    public func route<Key: StableHashable>(_ key: Key) -> ClusterRoute {
      route(keyHash: keyHasher.hash(key))
    }

    /// The partitioner node `id`'s pool must use (`PoolConfiguration.partitioner =
    /// .fixed(...)`), so that its local key routing matches the cluster's.
    ///
    /// - Parameter id: A member's id.
    /// - Returns: The node's worker-level partitioner.
    /// - Throws: ``ClusterError/unknownNode``.
    public func workerPartitioner(forNode id: Int) throws(ClusterError) -> JumpHashPartitioner {
      guard let index = membership.nodes.firstIndex(where: { $0.id == id }) else {
        throw .unknownNode.with(detail: "id \(id)")
      }
      return workerPartitioners[index]
    }
  }
#endif

#if Cluster
  import GRPCCore
  import GRPCNIOTransportHTTP2Posix
  import SNPool

  /// The receiving side of a node: serves the cluster's links and puts every
  /// arriving message straight into the lane of the worker the sender chose.
  ///
  /// A message is acknowledged to its sender once the owning worker's queue has
  /// accepted it. Each sender names its sequence space (its incarnation); the
  /// receiver remembers the highest sequence number it delivered per sender and
  /// drops anything at or below it, so a batch resent after a reconnect is
  /// delivered once.
  public final class ClusterReceiver<W: Worker, Codec: ClusterCodec>: Sendable
  where Codec.Message == W.Message {
    /// This node.
    public let node: ClusterNode
    /// The membership this node routes with.
    public let membership: ClusterMembership
    let core: _ReceiverCore
    let server: GRPCServer<HTTP2ServerTransport.Posix>

    /// Creates the receiver of node `id`, delivering into `pool`.
    ///
    /// - Parameters:
    ///   - membership: The cluster's nodes.
    ///   - id: This node's id.
    ///   - pool: This node's started pool; it must have the node's worker count
    ///     and ``ClusterRouter/workerPartitioner(forNode:)`` as its partitioner.
    ///   - codec: Decodes arriving messages.
    ///   - configuration: Limits; must match the senders'.
    ///   - listenPort: Overrides the node's port (0 picks a free one; see
    ///     ``listeningPort``).
    /// - Throws: ``ClusterError/unknownNode``, or ``ClusterError/membershipMismatch``
    ///   when the pool's worker count differs from the node's.
    @inlinable
    public convenience init(
      membership: ClusterMembership, node id: Int, pool: WorkerPool<W>, codec: Codec,
      configuration: ClusterConfiguration = ClusterConfiguration(), listenPort: Int? = nil
    ) throws(ClusterError) {
      try self.init(
        membership: membership, node: id, pool: pool, configuration: configuration,
        listenPort: listenPort, interceptors: [], deliver: Self._deliverer(pool: pool, codec: codec)
      )
    }

    /// As the public initializer, with gRPC server interceptors (tests break
    /// streams with one).
    package convenience init(
      membership: ClusterMembership, node id: Int, pool: WorkerPool<W>, codec: Codec,
      configuration: ClusterConfiguration, listenPort: Int?,
      interceptors: [any ServerInterceptor]
    ) throws(ClusterError) {
      try self.init(
        membership: membership, node: id, pool: pool, configuration: configuration,
        listenPort: listenPort, interceptors: interceptors,
        deliver: Self._deliverer(pool: pool, codec: codec))
    }

    /// Decodes the messages of one batch and puts each worker's share into
    /// its lane with one batch send (one async call and one gate entry per
    /// worker and frame, not per message). Built in the caller's module
    /// (inlinable), so the codec and the pool's send are specialised for the
    /// concrete types rather than called through generics. Each message is
    /// decoded from its bytes in the frame, not copied out first.
    @inlinable
    static func _deliverer(pool: WorkerPool<W>, codec: Codec) -> _Deliver {
      let workerCount = pool.workerCount
      return { frame, entries in
        var failures: [_DeliveryFailure] = []
        // Each share allocated once, at its size.
        var counts = [Int](repeating: 0, count: workerCount)
        for entry in entries { counts[entry.worker] += 1 }
        var shares = counts.map { count in
          var share: [W.Message] = []
          share.reserveCapacity(count)
          return share
        }
        frame.withUnsafeBytes { bytes in
          for position in entries.indices {
            let entry = entries[position]
            do {
              shares[entry.worker].append(
                try codec.decode(UnsafeRawBufferPointer(rebasing: bytes[entry.begin..<entry.end])))
            } catch {
              failures.append(_DeliveryFailure(position: position, code: 1, detail: "\(error)"))
            }
          }
        }
        for worker in 0..<workerCount where !shares[worker].isEmpty {
          do throws(BatchSubmitError<W.Message>) {
            try await pool.send(contentsOf: shares[worker], toWorker: worker)
          } catch {
            failures += _refusals(
              of: error, worker: worker, entries: entries, decodingFailures: failures)
          }
        }
        return failures
      }
    }

    /// The failures for the messages of `worker`'s share that the pool
    /// refused: a suffix of the share, whose positions are those of the
    /// worker's entries that decoded (the slow path, so found by a scan).
    @usableFromInline
    static func _refusals(
      of error: BatchSubmitError<W.Message>, worker: Int, entries: [_DeliveryEntry],
      decodingFailures: [_DeliveryFailure]
    ) -> [_DeliveryFailure] {
      let undecoded = Set(decodingFailures.map(\.position))
      let positions = entries.indices.filter {
        entries[$0].worker == worker && !undecoded.contains($0)
      }
      return positions.suffix(error.rejected.count).map {
        _DeliveryFailure(position: $0, code: 2, detail: "\(error.reason)")
      }
    }

    @usableFromInline
    init(
      membership: ClusterMembership, node id: Int, pool: WorkerPool<W>,
      configuration: ClusterConfiguration, listenPort: Int?,
      interceptors: [any ServerInterceptor], deliver: @escaping _Deliver
    ) throws(ClusterError) {
      let node = try membership.node(id: id)
      guard pool.workerCount == node.workers else {
        throw .membershipMismatch.with(
          detail: "node \(id) declares \(node.workers) workers, its pool has \(pool.workerCount)")
      }
      self.node = node
      self.membership = membership
      self.core = _ReceiverCore(
        workerCount: pool.workerCount, deliver: deliver, fingerprint: membership.routingFingerprint)
      let transport = HTTP2ServerTransport.Posix(
        address: .ipv4(host: node.host, port: listenPort ?? node.port),
        transportSecurity: .plaintext,
        config: .defaults { $0.rpc.maxRequestPayloadSize = configuration.maximumFrameBytes })
      self.server = GRPCServer(
        transport: transport, services: [_NodeService(core: core)], interceptors: interceptors)
    }

    /// Serves until ``shutdown()``; run it in a task.
    ///
    /// - Throws: ``ClusterError/bindFailed`` when the address cannot be bound.
    public func run() async throws(ClusterError) {
      do { try await server.serve() } catch {
        throw .bindFailed.with(detail: "\(node.host):\(node.port): \(error)")
      }
    }

    /// The port the node listens on, once bound (waits for ``run()`` to bind).
    ///
    /// - Throws: ``ClusterError/bindFailed`` if the server is not listening.
    public var listeningPort: Int {
      get async throws(ClusterError) {
        do {
          let address = try await server.listeningAddress
          guard let port = address?.ipv4?.port ?? address?.ipv6?.port else {
            throw ClusterError.bindFailed.with(detail: "no TCP address")
          }
          return port
        } catch let error as ClusterError {
          throw error
        } catch {
          throw .bindFailed.with(detail: "\(error)")
        }
      }
    }

    /// Stops accepting links; in-flight streams finish.
    public func shutdown() { server.beginGracefulShutdown() }

    /// What the receiver has done so far.
    public var statistics: ClusterReceiverStatistics { core.statistics.withLock { $0 } }
  }

  /// Counters of a ``ClusterReceiver``.
  public struct ClusterReceiverStatistics: Sendable, Hashable {
    /// Messages accepted by their worker's queue (and acknowledged).
    public var delivered = 0
    /// Resent messages dropped because they had been delivered already.
    public var duplicatesDropped = 0
    /// Messages handed back to their sender (decoding failed, pool refused).
    public var rejected = 0
    /// Link streams opened (reconnects included).
    public var streamsOpened = 0
  }

  /// What the per-sender deduplication remembers.
  struct _PeerState {
    /// Every sequence number up to this one was delivered (or handed back).
    var settledThrough: UInt64 = 0
    /// The stream that currently owns this sender's sequence space: a newer
    /// stream (after a reconnect) takes over and the older one stops.
    var owner: UInt64 = 0
  }

  /// One message of a batch frame to deliver: its worker, where its codec
  /// bytes are in the frame, and its sequence number.
  @usableFromInline
  @frozen
  struct _DeliveryEntry: Sendable {
    @usableFromInline var worker: Int
    @usableFromInline var begin: Int
    @usableFromInline var end: Int
    @usableFromInline var seq: UInt64

    @inlinable
    init(worker: Int, begin: Int, end: Int, seq: UInt64) {
      self.worker = worker
      self.begin = begin
      self.end = end
      self.seq = seq
    }
  }

  /// A message of a batch that was not delivered: its position among the
  /// entries, why (1: decoding failed, 2: the pool refused) and the detail.
  @usableFromInline
  struct _DeliveryFailure: Sendable {
    @usableFromInline var position: Int
    @usableFromInline var code: UInt8
    @usableFromInline var detail: String

    @inlinable
    init(position: Int, code: UInt8, detail: String) {
      self.position = position
      self.code = code
      self.detail = detail
    }
  }

  /// Delivers the messages `entries` of a batch frame, each to its worker
  /// (a valid index), in order per worker; returns those not delivered.
  @usableFromInline
  typealias _Deliver =
    @Sendable (_ frame: [UInt8], _ entries: [_DeliveryEntry]) async -> [_DeliveryFailure]

  @usableFromInline
  final class _ReceiverCore: Sendable {
    let workerCount: Int
    let deliverBatch: _Deliver
    let fingerprint: UInt64
    let peers = _Lock<(nextToken: UInt64, states: [UInt64: _PeerState])>((1, [:]))
    let statistics = _Lock(ClusterReceiverStatistics())

    init(workerCount: Int, deliver: @escaping _Deliver, fingerprint: UInt64) {
      self.workerCount = workerCount
      self.deliverBatch = deliver
      self.fingerprint = fingerprint
    }

    /// Takes over `incarnation`'s sequence space for a new stream.
    func open(incarnation: UInt64) -> UInt64 {
      statistics.withLock { $0.streamsOpened += 1 }
      return peers.withLock { peers in
        let token = peers.nextToken
        peers.nextToken += 1
        peers.states[incarnation, default: _PeerState()].owner = token
        return token
      }
    }

    /// Claims the batch `firstSeq...lastSeq` before delivering it, so that a
    /// resent copy arriving on a newer stream while this one still delivers is
    /// seen as a duplicate. Returns the first sequence number to deliver
    /// (`lastSeq + 1`: all duplicates), or `nil` when a newer stream owns the
    /// sender's sequence space.
    func claim(_ firstSeq: UInt64, through lastSeq: UInt64, incarnation: UInt64, token: UInt64)
      -> UInt64?
    {
      peers.withLock { peers in
        guard let state = peers.states[incarnation], state.owner == token else { return nil }
        let start = max(firstSeq, state.settledThrough + 1)
        assert(start == firstSeq || firstSeq <= state.settledThrough, "no gap in a link's sequence")
        if lastSeq > state.settledThrough { peers.states[incarnation]!.settledThrough = lastSeq }
        return start
      }
    }

    /// The entries of a batch frame from sequence number `start` on, read in
    /// one pass over the frame's bytes; an entry for a worker the node does
    /// not have becomes a rejection.
    ///
    /// - Throws: ``ClusterError/decodingFailed`` for a truncated frame.
    static func entries(
      of frame: [UInt8], count: Int, firstSeq: UInt64, start: UInt64, workerCount: Int,
      rejections: inout [_Wire.Rejection]
    ) throws(ClusterError) -> [_DeliveryEntry] {
      var entries: [_DeliveryEntry] = []
      entries.reserveCapacity(count)
      let complete = frame.withUnsafeBytes { bytes in
        var offset = _Wire.batchHeaderBytes
        for index in 0..<count {
          // Header and body both checked against the frame's end before use.
          guard offset + _Wire.entryHeaderBytes <= bytes.count else { return false }
          let worker = Int(
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
          let length = Int(
            UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)))
          let begin = offset + _Wire.entryHeaderBytes
          guard length <= bytes.count - begin else { return false }
          offset = begin + length
          let seq = firstSeq + UInt64(index)
          if seq < start { continue }  // delivered before a reconnect
          guard worker < workerCount else {
            rejections.append(
              .init(seq: seq, reason: .workerRejected, detail: "no worker \(worker)"))
            continue
          }
          entries.append(_DeliveryEntry(worker: worker, begin: begin, end: offset, seq: seq))
        }
        return true
      }
      guard complete else { throw .decodingFailed.with(detail: "truncated batch") }
      return entries
    }

    /// Delivers one batch frame; returns the ack to send back.
    func deliver(frame: [UInt8], incarnation: UInt64, token: UInt64) async throws -> [UInt8] {
      let firstSeq = try _Wire.read(UInt64.self, at: 0, in: frame)
      let count = Int(try _Wire.read(UInt32.self, at: 8, in: frame))
      guard count > 0 else {
        return _Wire.encode(_Wire.Ack(ackedThrough: firstSeq &- 1, rejections: []))
      }
      let lastSeq = firstSeq + UInt64(count) - 1
      guard let start = claim(firstSeq, through: lastSeq, incarnation: incarnation, token: token)
      else { throw CancellationError() }
      var rejections: [_Wire.Rejection] = []
      let entries = try Self.entries(
        of: frame, count: count, firstSeq: firstSeq, start: start, workerCount: workerCount,
        rejections: &rejections)
      var delivered = entries.count
      if !entries.isEmpty {
        let failures = await deliverBatch(frame, entries)
        delivered -= failures.count
        for failure in failures {
          rejections.append(
            .init(
              seq: entries[failure.position].seq,
              reason: failure.code == 1 ? .decodingFailed : .workerRejected,
              detail: failure.detail))
        }
      }
      // The sender settles rejections in sequence order.
      rejections.sort { $0.seq < $1.seq }
      statistics.withLock {
        $0.delivered += delivered
        $0.duplicatesDropped += Int(start - firstSeq)
        $0.rejected += rejections.count
      }
      return _Wire.encode(_Wire.Ack(ackedThrough: lastSeq, rejections: rejections))
    }
  }

  struct _NodeService: RegistrableRPCService {
    let core: _ReceiverCore

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
      let core = self.core
      router.registerHandler(
        forMethod: _Wire.linkMethod, deserializer: _FrameDeserializer(),
        serializer: _FrameSerializer()
      ) { request, _ in
        guard
          let incarnationText = request.metadata[stringValues: _Wire.incarnationKey].first(where: {
            _ in true
          }),
          let incarnation = UInt64(incarnationText),
          let fingerprintText = request.metadata[stringValues: _Wire.fingerprintKey].first(where: {
            _ in true
          }),
          let fingerprint = UInt64(fingerprintText)
        else {
          return StreamingServerResponse(
            error: RPCError(code: .invalidArgument, message: "no incarnation"))
        }
        guard fingerprint == core.fingerprint else {
          return StreamingServerResponse(
            error: RPCError(code: .failedPrecondition, message: "membership mismatch"))
        }
        let token = core.open(incarnation: incarnation)
        return StreamingServerResponse { writer in
          for try await frame in request.messages {
            try await writer.write(
              try await core.deliver(frame: frame, incarnation: incarnation, token: token))
          }
          return [:]
        }
      }
      router.registerHandler(
        forMethod: _Wire.pingMethod, deserializer: _FrameDeserializer(),
        serializer: _FrameSerializer()
      ) { request, _ in
        StreamingServerResponse { writer in
          for try await _ in request.messages {}
          var reply: [UInt8] = []
          _Wire.append(core.fingerprint, to: &reply)
          try await writer.write(reply)
          return [:]
        }
      }
    }
  }
#endif

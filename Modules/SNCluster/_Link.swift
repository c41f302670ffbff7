#if Cluster
  import GRPCCore
  import GRPCNIOTransportHTTP2Posix

  /// A batch sent on the link and not acknowledged yet: kept whole so that it can
  /// be resent after a reconnect (the receiver drops what it already delivered)
  /// or handed back when the node is declared unavailable.
  struct _SentBatch<Message: Sendable>: Sendable {
    var firstSeq: UInt64
    var frame: [UInt8]
    var messages: [Message]
    var lastSeq: UInt64 { firstSeq + UInt64(messages.count) - 1 }
  }

  @usableFromInline
  struct _LinkState<Message: Sendable>: Sendable {
    @usableFromInline
    enum Status: Sendable {
      case live
      case closing
      case dead(ClusterError)
    }
    @usableFromInline var status = Status.live
    /// The next sequence number; the first is 1 (0 means "nothing settled").
    var nextSeq: UInt64 = 1
    /// The batch being filled: frame bytes (header patched when taken) and messages.
    @usableFromInline var openFrame: [UInt8] = []
    @usableFromInline var openMessages: [Message] = []
    /// How many messages the last sealed batch held: the next open batch
    /// reserves room for as many, so a batch under load grows its message
    /// array once instead of doubling about ten times, and a lone message at
    /// low load does not reserve a full batch.
    @usableFromInline var lastBatchCount = 0
    /// Sealed and not acknowledged, oldest first (`inflightHead` skips settled
    /// ones); the batches from `writeIndex` on are not written on the current
    /// stream yet. A new stream starts writing at `inflightHead`: it resends
    /// everything unacknowledged.
    var inflight: [_SentBatch<Message>] = []
    var inflightHead = 0
    var writeIndex = 0
    /// When the current stream opened or last got an acknowledgement.
    var lastProgress = ContinuousClock.now
    /// The highest sequence number ever written (to count resends).
    var writtenThrough: UInt64 = 0
    /// Messages in the open batch and in flight.
    @usableFromInline var unacked = 0
    /// The stream generation whose streams have ended.
    var endedGeneration: UInt64 = 0
    var generation: UInt64 = 0
    @usableFromInline var writerWaiter: CheckedContinuation<Void, Never>?
    /// Whether `writerWaiter` is set. A plain flag for the per-message check:
    /// `CheckedContinuation` is resilient, so testing its optional goes
    /// through the runtime's value witnesses.
    @usableFromInline var writerWaits = false
    var roomWaiters: [CheckedContinuation<Void, Never>] = []
    var settleWaiters: [CheckedContinuation<Void, Never>] = []
    var returned: [UndeliveredMessage<Message>] = []
    @usableFromInline var statistics = ClusterSenderStatistics()

    /// Encodes `message` for `worker` into the open batch and seals the batch
    /// when full. Inlinable, so that the sender's module specialises it for
    /// its codec (the codec call is direct; no generic metadata or closure
    /// context at run time per message).
    ///
    /// - Returns: What happened; on `.refused` the reason is in `refusal`, on
    ///   `.queuedWakingWriter` the writer to resume (after unlocking) in
    ///   `writer`. Outcome and payloads are apart so the per-message result
    ///   is a plain tag.
    @inlinable
    mutating func enqueue<Codec: ClusterCodec>(
      _ message: Message, worker: Int, codec: Codec, configuration: ClusterConfiguration,
      refusal: inout ClusterError?, writer: inout CheckedContinuation<Void, Never>?
    ) -> _Enqueue where Codec.Message == Message {
      guard case .live = status else {
        if case .dead(let reason) = status { refusal = reason } else { refusal = .shutDown }
        return .refused
      }
      guard unacked < configuration.maximumUnackedMessages else { return .full }
      if openFrame.isEmpty {
        openFrame.reserveCapacity(configuration.batchBytes + 4096)
        openFrame += repeatElement(0, count: _Wire.batchHeaderBytes)
        openMessages.reserveCapacity(lastBatchCount)
      }
      let start = openFrame.count
      // The entry header, worker and a length patched below, in one append.
      _Wire.append(UInt64(UInt32(truncatingIfNeeded: worker)), to: &openFrame)
      do {
        try codec.encode(message, into: &openFrame)
      } catch {
        openFrame.removeSubrange(start...)
        refusal = .encodingFailed.with(detail: "\(error)")
        return .refused
      }
      let length = openFrame.count - start - _Wire.entryHeaderBytes
      guard length <= configuration.maximumMessageBytes else {
        openFrame.removeSubrange(start...)
        refusal = .messageTooLarge.with(
          detail: "\(length) bytes, limit \(configuration.maximumMessageBytes)")
        return .refused
      }
      _Wire.store(UInt32(length), at: start + 4, in: &openFrame)
      openMessages.append(message)
      unacked += 1
      statistics.sent += 1
      if openMessages.count >= configuration.batchMessages
        || openFrame.count >= configuration.batchBytes
      {
        seal()
      }
      guard writerWaits else { return .queued }
      writer = takeWriter()
      return .queuedWakingWriter
    }

    /// Seals the open batch: numbers it and queues it in flight.
    @usableFromInline
    mutating func seal() {
      // Taken, not copied: patching the header of a frame `openFrame` still
      // referenced would copy the whole batch.
      var frame: [UInt8] = []
      swap(&frame, &openFrame)
      let count = openMessages.count
      lastBatchCount = count
      let firstSeq = nextSeq
      nextSeq += UInt64(count)
      _Wire.store(firstSeq, at: 0, in: &frame)
      _Wire.store(UInt32(count), at: 8, in: &frame)
      inflight.append(_SentBatch(firstSeq: firstSeq, frame: frame, messages: openMessages))
      openMessages = []
      statistics.batches += 1
    }

    /// Takes the idle writer's continuation, if it waits.
    @inlinable
    mutating func takeWriter() -> CheckedContinuation<Void, Never>? {
      let writer = writerWaiter
      writerWaiter = nil
      writerWaits = false
      return writer
    }

    mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
      var all = roomWaiters
      roomWaiters = []
      if unacked == 0 || isDead {
        all += settleWaiters
        settleWaiters = []
      }
      return all
    }

    @usableFromInline var isDead: Bool {
      if case .dead = status { return true }
      return false
    }
  }

  /// What `enqueue` did with a message.
  @usableFromInline
  @frozen
  enum _Enqueue {
    case queued
    /// Queued, and the idle writer must be resumed.
    case queuedWakingWriter
    case full
    case refused
  }

  enum _NextFrame {
    case frame([UInt8])
    case end
    case wait
  }

  /// One sender's link to one node: a long-lived bidirectional gRPC stream that
  /// carries batches up and acknowledgements down, reopened after a break.
  @usableFromInline
  final class _Link<Codec: ClusterCodec>: Sendable {
    @usableFromInline typealias Message = Codec.Message
    @usableFromInline let node: ClusterNode
    @usableFromInline let codec: Codec
    @usableFromInline let configuration: ClusterConfiguration
    let metadata: Metadata
    let fingerprint: UInt64
    let client: GRPCClient<HTTP2ClientTransport.Posix>
    @usableFromInline let state = _Lock(_LinkState<Codec.Message>())

    init(
      node: ClusterNode, codec: Codec,
      configuration: ClusterConfiguration, incarnation: UInt64,
      fingerprint: UInt64
    ) throws {
      self.node = node
      self.codec = codec
      self.configuration = configuration
      self.fingerprint = fingerprint
      self.metadata = [
        _Wire.incarnationKey: "\(incarnation)", _Wire.fingerprintKey: "\(fingerprint)",
      ]
      let transport = try HTTP2ClientTransport.Posix(
        target: .dns(host: node.host, port: node.port), transportSecurity: .plaintext,
        config: .defaults {
          $0.backoff.initial = .milliseconds(20)
          $0.backoff.max = .milliseconds(250)
          $0.connection.keepalive = configuration.keepalive.map {
            .init(time: $0, timeout: $0, allowWithoutCalls: false)
          }
        })
      self.client = GRPCClient(transport: transport)
    }

    // MARK: Sending

    /// Encodes `message` into the open batch if the link has room.
    ///
    /// - Returns: `true` once queued, `false` when the link is full.
    /// - Throws: ``ClusterSendError`` holding `message` when the link refuses it.
    @inlinable @inline(__always)
    func trySend(_ message: Message, worker: Int) throws(ClusterSendError<Message>) -> Bool {
      var refusal: ClusterError?
      var writer: CheckedContinuation<Void, Never>?
      let outcome = state.withLock {
        $0.enqueue(
          message, worker: worker, codec: codec, configuration: configuration,
          refusal: &refusal, writer: &writer)
      }
      switch outcome {
      case .queued:
        return true
      case .queuedWakingWriter:
        writer?.resume()
        return true
      case .full:
        return false
      case .refused:
        throw refused(message, reason: refusal ?? .shutDown)
      }
    }

    /// The error for a message the link refused (out of line: a slow path).
    @usableFromInline
    func refused(_ message: Message, reason: ClusterError) -> ClusterSendError<Message> {
      ClusterSendError(
        reason: reason,
        undelivered: [UndeliveredMessage(message: message, node: node.id, reason: reason)])
    }

    /// Encodes `message` into the open batch, waiting while the link is full.
    /// Inlinable: the sender's hot path, specialised in the caller's module.
    @inlinable
    func send(_ message: Message, worker: Int) async throws(ClusterSendError<Message>) {
      while try !trySend(message, worker: worker) {
        await waitForRoom()
      }
    }

    /// Suspends until the link has room for a message (or is dead).
    @usableFromInline
    func waitForRoom() async {
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state in
          if state.unacked < configuration.maximumUnackedMessages || state.isDead {
            return true
          }
          state.roomWaiters.append(continuation)
          return false
        }
        if resumeNow { continuation.resume() }
      }
    }

    /// Waits until every message sent so far is acknowledged or handed back,
    /// then returns the handed-back ones (and forgets them).
    func settle() async -> [UndeliveredMessage<Message>] {
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state in
          if state.unacked == 0 || state.isDead { return true }
          state.settleWaiters.append(continuation)
          return false
        }
        if resumeNow { continuation.resume() }
      }
      return state.withLock { state in
        let returned = state.returned
        state.returned = []
        return returned
      }
    }

    // MARK: The stream

    /// The next frame to write on stream `generation`, or `nil` once that stream
    /// has ended or the link closes with nothing left to send.
    func nextFrame(generation: UInt64) async -> [UInt8]? {
      while true {
        let next = state.withLock { state -> _NextFrame in
          if state.endedGeneration >= generation || state.isDead { return .end }
          if state.writeIndex == state.inflight.count, !state.openMessages.isEmpty {
            state.seal()
          }
          if state.writeIndex < state.inflight.count {
            let batch = state.inflight[state.writeIndex]
            state.writeIndex += 1
            if batch.lastSeq <= state.writtenThrough {
              state.statistics.resentBatches += 1
            } else {
              state.writtenThrough = batch.lastSeq
            }
            return .frame(batch.frame)
          }
          if case .closing = state.status { return .end }
          return .wait
        }
        switch next {
        case .frame(let frame): return frame
        case .end: return nil
        case .wait:
          await withCheckedContinuation { continuation in
            let resumeNow = state.withLock { state in
              if state.endedGeneration >= generation || !state.openMessages.isEmpty
                || state.writeIndex < state.inflight.count || state.isDead
              {
                return true
              }
              if case .closing = state.status { return true }
              state.writerWaiter = continuation
              state.writerWaits = true
              return false
            }
            if resumeNow { continuation.resume() }
          }
        }
      }
    }

    /// Settles every batch the ack covers; rejected messages go to `returned`.
    func apply(_ ack: _Wire.Ack) {
      let waiters = state.withLock { state in
        var rejections = ack.rejections[...]
        while state.inflightHead < state.inflight.count,
          state.inflight[state.inflightHead].lastSeq <= ack.ackedThrough
        {
          let batch = state.inflight[state.inflightHead]
          while let rejection = rejections.first, rejection.seq <= batch.lastSeq {
            rejections.removeFirst()
            guard rejection.seq >= batch.firstSeq else { continue }
            let reason = rejection.reason.error.with(detail: rejection.detail)
            state.returned.append(
              UndeliveredMessage(
                message: batch.messages[Int(rejection.seq - batch.firstSeq)], node: node.id,
                reason: reason))
            state.statistics.handedBack += 1
          }
          state.unacked -= batch.messages.count
          state.statistics.acknowledged += batch.messages.count
          state.inflight[state.inflightHead] = _SentBatch(firstSeq: 0, frame: [], messages: [])
          state.inflightHead += 1
        }
        // An ack from an earlier stream may settle batches the current one has
        // not rewritten yet: never write a settled batch.
        state.writeIndex = max(state.writeIndex, state.inflightHead)
        if state.inflightHead > 64, state.inflightHead * 2 > state.inflight.count {
          state.inflight.removeFirst(state.inflightHead)
          state.writeIndex -= state.inflightHead
          state.inflightHead = 0
        }
        state.statistics.resetFailures = true
        state.lastProgress = ContinuousClock.now
        return state.takeWaiters()
      }
      for waiter in waiters { waiter.resume() }
    }

    /// Marks stream `generation` ended and wakes its writer.
    func endStream(generation: UInt64) {
      let waiter = state.withLock { state in
        state.endedGeneration = max(state.endedGeneration, generation)
        return state.takeWriter()
      }
      waiter?.resume()
    }

    /// Declares the node unavailable: everything unacknowledged comes back.
    func markDead(_ reason: ClusterError) {
      let waiters = state.withLock { state in
        for batch in state.inflight[state.inflightHead...] {
          for message in batch.messages {
            state.returned.append(
              UndeliveredMessage(message: message, node: node.id, reason: reason))
          }
        }
        for message in state.openMessages {
          state.returned.append(UndeliveredMessage(message: message, node: node.id, reason: reason))
        }
        state.statistics.handedBack += state.unacked
        state.inflight = []
        state.inflightHead = 0
        state.writeIndex = 0
        state.openMessages = []
        state.openFrame = []
        state.unacked = 0
        state.status = .dead(reason)
        var waiters = state.takeWaiters()
        if let writer = state.takeWriter() { waiters.append(writer) }
        return waiters
      }
      for waiter in waiters { waiter.resume() }
    }

    /// Stops taking messages; the run loop ends once everything is settled.
    func beginClosing() {
      let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
        if case .live = state.status { state.status = .closing }
        return state.takeWriter()
      }
      waiter?.resume()
    }
  }
#endif

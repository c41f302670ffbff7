#if Cluster
  import GRPCCore
  import GRPCNIOTransportHTTP2Posix

  extension _Link {
    /// Runs the gRPC client and the link's stream until the link is closed and
    /// settled, or the node is declared unavailable.
    func run() async {
      await withTaskGroup(of: Void.self) { group in
        group.addTask { try? await self.client.runConnections() }
        await self.streamLoop()
        self.client.beginGracefulShutdown()
      }
    }

    /// Opens the stream, reopens it after a break; gives up after
    /// ``ClusterConfiguration/reconnectTimeout`` without an acknowledgement.
    private func streamLoop() async {
      var failingSince: ContinuousClock.Instant?
      var backoff = Duration.milliseconds(10)
      var options = CallOptions.defaults
      // Fail an attempt at once while the connection is down: the loop below
      // owns the retry policy, and a dead node must surface within the timeout.
      options.waitForReady = false
      options.maxRequestMessageBytes = configuration.maximumFrameBytes
      while true {
        let generation = state.withLock { state -> UInt64? in
          if state.isDead { return nil }
          if case .closing = state.status, state.unacked == 0 { return nil }
          state.generation += 1
          state.writeIndex = state.inflightHead
          state.lastProgress = ContinuousClock.now
          state.statistics.resetFailures = false
          if state.generation > 1 { state.statistics.reconnects += 1 }
          return state.generation
        }
        guard let generation else { return }
        var lastError: (any Error)?
        do {
          // The stream, and a watchdog that cancels it when written batches go
          // unacknowledged for too long (a node that hangs with its socket open).
          let callOptions = options
          try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
              try await self.openStream(generation: generation, options: callOptions)
            }
            group.addTask { try await self.watchdog(generation: generation) }
            try await group.next()
            group.cancelAll()
          }
        } catch let error as RPCError where error.code == .failedPrecondition {
          endStream(generation: generation)
          markDead(.membershipMismatch.with(detail: "node \(node.id): \(error.message)"))
          return
        } catch {
          lastError = error
        }
        endStream(generation: generation)
        let (done, progressed) = state.withLock { state in
          var done = state.isDead
          if case .closing = state.status, state.unacked == 0 { done = true }
          return (done, state.statistics.resetFailures)
        }
        if done { return }
        let now = ContinuousClock.now
        if progressed {
          failingSince = nil
          backoff = .milliseconds(10)
        }
        let since = failingSince ?? now
        failingSince = since
        if now - since >= configuration.reconnectTimeout {
          let cause = lastError.map { "\($0)" } ?? "stream ended"
          markDead(
            .nodeUnavailable.with(detail: "node \(node.id) (\(node.host):\(node.port)): \(cause)"))
          return
        }
        try? await Task.sleep(for: backoff)
        backoff = min(backoff * 2, .milliseconds(200))
      }
    }

    private func openStream(generation: UInt64, options: CallOptions) async throws {
      let request = StreamingClientRequest<[UInt8]>(metadata: metadata) { writer in
        try await self.writeLoop(writer, generation: generation)
      }
      try await client.bidirectionalStreaming(
        request: request, descriptor: _Wire.linkMethod, serializer: _FrameSerializer(),
        deserializer: _FrameDeserializer(), options: options
      ) { response in
        defer { self.endStream(generation: generation) }
        for try await frame in response.messages {
          let ack = try _Wire.decodeAck(frame)
          self.apply(ack)
        }
      }
    }

    /// Returns once stream `generation` has ended; throws
    /// ``ClusterError/nodeUnavailable`` when messages wait longer than
    /// ``ClusterConfiguration/acknowledgementTimeout`` for an acknowledgement.
    private func watchdog(generation: UInt64) async throws {
      let limit = configuration.acknowledgementTimeout
      let tick = limit / 4
      while true {
        try await Task.sleep(for: tick)
        let stalled = state.withLock { state -> Bool? in
          if state.endedGeneration >= generation || state.isDead { return nil }
          // Anything unacknowledged counts, written or not: a stream that never
          // opens (the node accepts TCP but does not answer) stalls too.
          return state.unacked > 0 && ContinuousClock.now - state.lastProgress > limit
        }
        guard let stalled else { return }
        if stalled {
          throw ClusterError.nodeUnavailable.with(
            detail: "node \(node.id): no acknowledgement for \(limit)")
        }
      }
    }

    /// One unary round trip to the node: it answers with its routing fingerprint.
    func checkHealth(timeout: Duration) async throws(ClusterError) -> Duration {
      var options = CallOptions.defaults
      options.timeout = timeout
      options.waitForReady = false
      let clock = ContinuousClock()
      let start = clock.now
      let reply: [UInt8]
      do {
        reply = try await client.unary(
          request: ClientRequest(message: [], metadata: metadata), descriptor: _Wire.pingMethod,
          serializer: _FrameSerializer(), deserializer: _FrameDeserializer(), options: options
        ) { response in try response.message }
      } catch {
        throw .nodeUnavailable.with(detail: "node \(node.id) (\(node.host):\(node.port)): \(error)")
      }
      let elapsed = clock.now - start
      guard (try? _Wire.read(UInt64.self, at: 0, in: reply)) == fingerprint else {
        throw .membershipMismatch.with(detail: "node \(node.id) routes with another membership")
      }
      return elapsed
    }

    /// Writes batches as they are sealed, starting with every unacknowledged
    /// one (the receiver drops what it already delivered); ends the request
    /// stream when the stream generation ends or the link closes with nothing
    /// left to send.
    private func writeLoop(_ writer: RPCWriter<[UInt8]>, generation: UInt64) async throws {
      while let frame = await nextFrame(generation: generation) {
        try await writer.write(frame)
      }
    }
  }
#endif

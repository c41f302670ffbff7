import SNAtomics
import SNChannels
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A send attempt's outcome; the envelope comes back on rejection.
@usableFromInline
enum _SendOutcome<Message: Sendable> {
  case sent
  case rejected(PoolError, Envelope<Message>)
}

/// Everything the pool keeps for one worker: the intake gate, the sender of
/// the worker's queue, its counters, and the box its final state comes
/// back in.
///
/// The intake gate makes shutdown lose nothing. Every submission enters the
/// gate (one fetch-add), sends, and leaves it (one fetch-sub). Shutdown sets
/// the closed bit, so later submissions bounce with ``PoolError/shutDown``,
/// then waits until the in-flight count is zero. Only then is the sender
/// dropped, which closes the channel: the worker drains what is queued and
/// sees "closed". A submission that entered before the bit was set has
/// therefore either failed (and handed its message back) or been published
/// before the channel closed. The release of the fetch-sub pairs with the
/// acquire load that sees zero, so the sender is dropped strictly after its
/// last use (no data race on `sender`).
@usableFromInline
final class _WorkerSlot<Message: Sendable>: @unchecked Sendable {
  @usableFromInline static var closedBit: Int { 1 << 62 }

  @usableFromInline let gate = PaddedAtomics<Int>(count: 1, initialValue: 0)
  /// Written only by shutdown, after the gate is closed and idle.
  /// No dynamic exclusivity checks: the gate already orders every access.
  @exclusivity(unchecked) @usableFromInline var sender: MultiSender<Envelope<Message>>?
  /// Taken once by the worker thread at start.
  var receiver: MPSCReceiver<Envelope<Message>>?
  @usableFromInline let counters = _WorkerCounters()
  @usableFromInline let capacity: Int
  /// The channel's counters when it was closed (the sender is gone after that).
  let finalChannelStats = _Lock<ChannelStats?>(nil)
  /// The worker sleeps here when idle; every source (the shared queue and
  /// each submitter lane) rings it after publishing, one load when nobody
  /// sleeps. Its two words live on their own cache lines in `doorbellWords`.
  @usableFromInline let doorbell: UnsafeEventCount
  /// The fence the doorbell's protocol uses (read once: a static needs a
  /// lazy-initialisation check on every access).
  @usableFromInline let fence = AsymmetricFence.process
  let doorbellWords: UnsafeMutableRawPointer
  /// Lanes of new submitters, not yet taken by the worker thread.
  let pendingLanes = _Lock<[_Lane<Message>]>([])
  /// Bumped after each lane registration: the worker's cheap "anything new?"
  /// check, one load per loop round.
  @usableFromInline let laneVersion = Atomic<Int>(0)

  init(capacity: Int, strategy: WaitStrategy) throws(SNChannelError) {
    let channel = try SNChannel<Envelope<Message>>.mpsc(capacity: capacity, waitStrategy: strategy)
    let sender = channel.sender
    let receiver = channel.receiver
    self.capacity = sender.stats.capacity
    self.sender = consume sender
    self.receiver = consume receiver
    let line = CacheLine.padding
    doorbellWords = .allocate(byteCount: 2 * line, alignment: line)
    let state = doorbellWords.initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
    let epoch = (doorbellWords + line).initializeMemory(as: Atomic<UInt32>.self, to: Atomic(0))
    doorbell = UnsafeEventCount(state: state, epoch: epoch)
  }

  deinit {
    doorbellWords.assumingMemoryBound(to: Atomic<Int>.self).deinitialize(count: 1)
    (doorbellWords + CacheLine.padding).assumingMemoryBound(to: Atomic<UInt32>.self)
      .deinitialize(count: 1)
    doorbellWords.deallocate()
  }

  /// Hands a new submitter's lane to the worker (taken at its next round).
  func addLane(_ lane: _Lane<Message>) {
    pendingLanes.withLock { $0.append(lane) }
    laneVersion.wrappingAdd(1, ordering: .releasing)
    doorbell.wake(count: 1)
  }

  /// The lanes registered since the last call (worker thread).
  @usableFromInline
  func takePendingLanes() -> [_Lane<Message>] {
    pendingLanes.withLock { lanes in
      defer { lanes.removeAll() }
      return lanes
    }
  }

  /// Enters the gate; `false` once shutdown closed it.
  @inlinable @inline(__always)
  func enter() -> Bool {
    let old = gate[0].wrappingAdd(1, ordering: .acquiring).oldValue
    if old & Self.closedBit != 0 {
      gate[0].wrappingSubtract(1, ordering: .releasing)
      return false
    }
    return true
  }

  @inlinable @inline(__always)
  func leave() {
    gate[0].wrappingSubtract(1, ordering: .releasing)
  }

  /// Sends `envelope` following `policy`; blocks only for `.block` and
  /// `.timeout`.
  @inlinable
  func send(
    _ envelope: Envelope<Message>, policy: BackpressurePolicy.Kind
  ) -> _SendOutcome<Message> {
    guard enter() else {
      counters.rejected.add()
      return .rejected(.shutDown, envelope)
    }
    defer { leave() }
    do {
      switch policy {
      case .failFast: try sender!.trySend(envelope)
      case .block: try sender!.send(envelope)
      case .timeout(let duration): try sender!.send(envelope, timeout: duration)
      }
      doorbell.notify(fence)
      return .sent
    } catch {
      counters.rejected.add()
      return .rejected(Self.reason(error.reason), error.element)
    }
  }

  /// One non-blocking attempt, for async senders: `nil` when sent, else
  /// the reason and the envelope.
  @inlinable
  func trySend(_ envelope: Envelope<Message>) -> (PoolError, Envelope<Message>)? {
    guard enter() else { return (.shutDown, envelope) }
    defer { leave() }
    do {
      try sender!.trySend(envelope)
      doorbell.notify(fence)
      return nil
    } catch {
      return (Self.reason(error.reason), error.element)
    }
  }

  /// Sends a batch with one gate entry, claiming as many slots at a time as
  /// there is room for; when the queue is full, the next element follows
  /// the policy. Returns the envelopes not accepted and the reason.
  @inlinable
  func send(
    contentsOf envelopes: ArraySlice<Envelope<Message>>, policy: BackpressurePolicy.Kind
  ) -> (PoolError, ArraySlice<Envelope<Message>>)? {
    guard enter() else {
      counters.rejected.add(UInt64(envelopes.count))
      return (.shutDown, envelopes)
    }
    defer { leave() }
    // Claim room with the inlinable non-blocking batch send; wait (or time
    // out) one element at a time only when the queue is full.
    var sent = envelopes.startIndex
    while sent < envelopes.endIndex {
      let claimed: Int
      do {
        claimed = try sender!.trySend(contentsOf: envelopes[sent...])
      } catch {
        counters.rejected.add(UInt64(envelopes.endIndex - sent))
        return (.shutDown, envelopes[sent...])
      }
      sent += claimed
      guard claimed == 0 else {
        doorbell.notify(fence)
        continue
      }
      do {
        switch policy {
        case .block: try sender!.send(envelopes[sent])
        case .timeout(let duration): try sender!.send(envelopes[sent], timeout: duration)
        case .failFast: try sender!.trySend(envelopes[sent])
        }
        sent += 1
        doorbell.notify(fence)
      } catch {
        counters.rejected.add(UInt64(envelopes.endIndex - sent))
        return (Self.reason(error.reason), envelopes[sent...])
      }
    }
    return nil
  }

  @inlinable
  static func reason(_ error: SNChannelError) -> PoolError {
    if error == .full { return .queueFull }
    if error == .timedOut { return .timedOut }
    return .shutDown
  }

  /// Closes the gate: later submissions fail with ``PoolError/shutDown``.
  func closeGate() {
    gate[0].bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing)
  }

  /// Waits for submissions already inside the gate to finish, then drops
  /// the sender, which closes the worker's queue.
  func closeQueueWhenIdle() {
    var backoff = Backoff(strategy: .lowCPU)
    while gate[0].load(ordering: .acquiring) != Self.closedBit {
      if backoff.shouldPark { usleep(200) } else { backoff.snooze() }
    }
    if let stats = sender?.stats { finalChannelStats.withLock { $0 = stats } }
    sender = nil
    doorbell.wake(count: 1)
  }

  /// The queue's counters, read through the sender while the pool runs.
  var channelStats: ChannelStats? {
    guard enter() else { return finalChannelStats.withLock { $0 } }
    defer { leave() }
    return sender?.stats
  }
}

/// What a submitter's keyed lane carries: the message and its key hash.
///
/// A message sent to a worker directly takes the direct lane instead, which
/// carries the bare message: half the bytes for an 8-byte message, and the
/// ring's cache lines are what a hop between cores pays for.
///
/// A message whose real hash equals ``_LaneItem/noKey`` takes the worker's
/// shared queue instead (the submitter's `_sendRare`), so that value can
/// stand for "no key" where one is needed.
@frozen @usableFromInline
struct _LaneItem<Message: Sendable>: Sendable {
  @usableFromInline var message: Message
  @usableFromInline var keyHash: UInt64

  @usableFromInline static var noKey: UInt64 { .max }

  @inlinable @inline(__always)
  init(_ message: Message, keyHash: UInt64) {
    self.message = message
    self.keyHash = keyHash
  }

  @inlinable @inline(__always)
  var envelope: Envelope<Message> {
    Envelope(message, keyHash: keyHash == Self.noKey ? nil : keyHash)
  }
}

/// Which of a submitter's two lanes to one worker a message takes.
@usableFromInline
enum _LaneKind {
  /// Nothing sent yet.
  @usableFromInline static let unused: UInt8 = 0
  /// Keyed sends: `_LaneItem`s.
  @usableFromInline static let keyed: UInt8 = 1
  /// Sends to a worker directly: bare messages.
  @usableFromInline static let direct: UInt8 = 2
}

/// One submitter's two SPSC lanes into one worker, as the worker holds
/// them: keyed (message and key hash) and direct (the bare message).
///
/// The submitter switches from one to the other only once the worker has
/// drained the first, so at most one of them holds messages at a time and
/// reading keyed-then-direct keeps the submitter's order.
///
/// A class so that the worker can keep a plain array of them (receivers
/// are noncopyable); only the worker thread touches it.
@usableFromInline
final class _Lane<Message: Sendable>: @unchecked Sendable {
  /// Only the worker thread uses these, so no dynamic exclusivity checks.
  @exclusivity(unchecked) @usableFromInline var keyed: SPSCReceiver<_LaneItem<Message>>
  @exclusivity(unchecked) @usableFromInline var direct: SPSCReceiver<Message>
  /// Set once the lane reported closed and drained.
  @exclusivity(unchecked) @usableFromInline var keyedDone = false
  @exclusivity(unchecked) @usableFromInline var directDone = false

  init(
    keyed: consuming SPSCReceiver<_LaneItem<Message>>, direct: consuming SPSCReceiver<Message>
  ) {
    self.keyed = keyed
    self.direct = direct
  }

  /// Both lanes are closed and drained: the submitter is gone.
  @inlinable var isFinished: Bool { keyedDone && directDone }

  /// How many messages the keyed (`direct == false`) or direct lane holds
  /// now, at most `maxCount`: the start of a batch read in place. 0 once
  /// that lane is closed and drained.
  @inlinable @inline(__always)
  func readable(direct isDirect: Bool, upTo maxCount: Int) -> Int {
    do {
      if isDirect {
        return directDone ? 0 : try direct._readable(upTo: maxCount)
      }
      return keyedDone ? 0 : try keyed._readable(upTo: maxCount)
    } catch {
      if isDirect { directDone = true } else { keyedDone = true }
      return 0
    }
  }

  /// The message `offset` places into the batch (see
  /// `SPSCReceiver._moveOut(at:)`); ``commit(direct:_:)`` gives the slots back.
  @inlinable @inline(__always)
  func moveOut(direct isDirect: Bool, at offset: Int) -> Envelope<Message> {
    isDirect ? Envelope(direct._moveOut(at: offset)) : keyed._moveOut(at: offset).envelope
  }

  /// Ends a batch read in place: `count` messages were taken.
  @inlinable @inline(__always)
  func commit(direct isDirect: Bool, _ count: Int) {
    if isDirect { direct._commit(count) } else { keyed._commit(count) }
  }

  /// The next message, keyed lane first, or `nil` if both are empty.
  @inlinable
  func receiveOne() -> Envelope<Message>? {
    if readable(direct: false, upTo: 1) > 0 {
      let envelope = moveOut(direct: false, at: 0)
      commit(direct: false, 1)
      return envelope
    }
    if readable(direct: true, upTo: 1) > 0 {
      let envelope = moveOut(direct: true, at: 0)
      commit(direct: true, 1)
      return envelope
    }
    return nil
  }

  /// Appends up to `maxCount` messages to `buffer`, keyed lane first.
  ///
  /// - Returns: How many were appended.
  @inlinable
  func receive(into buffer: inout [Envelope<Message>], maxCount: Int) -> Int {
    var count = 0
    for side in 0..<2 where count < maxCount {
      let isDirect = side == 1
      let limit = readable(direct: isDirect, upTo: maxCount - count)
      guard limit > 0 else { continue }
      buffer.reserveCapacity(buffer.count + limit)
      for offset in 0..<limit { buffer.append(moveOut(direct: isDirect, at: offset)) }
      commit(direct: isDirect, limit)
      count += limit
    }
    return count
  }

  /// Closes both lanes for sending (an immediate stop).
  @usableFromInline
  func close() {
    keyed.close()
    direct.close()
  }
}

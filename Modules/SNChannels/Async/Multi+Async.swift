import SNAtomics
import Synchronization

extension MultiSender {
  /// Sends from async code, suspending the task (never blocking its thread)
  /// while the channel is full.
  ///
  /// The ring is tried first; only when it is full does the task spin for
  /// a moment and then suspend until a receiver makes room. A task that is
  /// cancelled before the element goes in gets it back.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` holding `element`, with ``ChannelError/closed``
  ///   (receivers closed or gone) or ``ChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public func send(_ element: consuming Element) async throws(SendError<Element>)
  {
    if Task.isCancelled { throw SendError(reason: .cancelled, element: element) }
    switch ring.push(element) {
    case .sent: return
    case .full(let element): try await ring.sendWaiting(element)
    case .closed(let element):
      ring.control.countSendError(.closed)
      throw SendError(reason: ChannelError(.closed), element: element)
    }
  }
}

extension MPSCReceiver {
  /// Receives from async code, suspending the task (never blocking its
  /// thread) while the channel is empty.
  ///
  /// Elements from one sender arrive in the order it sent them. A cancelled
  /// task takes nothing from the channel.
  ///
  /// - Returns: The oldest element.
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained; ``ChannelError/cancelled`` if the task is cancelled.
  @inlinable
  nonisolated(nonsending)
    public mutating func receive() async throws(ChannelError) -> Element
  {
    if !Task.isCancelled, let element = try tryReceive() { return element }
    return try await receiveWaiting()
  }

  @usableFromInline
  nonisolated(nonsending)
    mutating func receiveWaiting(deadline: UInt64? = nil) async throws(ChannelError) -> Element
  {
    while true {
      if Task.isCancelled { throw .cancelled }
      if let element = try tryReceive() { return element }
      switch await awaitElements(deadline: deadline) {
      case .cancelled: throw .cancelled
      case .timedOut:
        if let element = try tryReceive() { return element }
        throw .timedOut
      case .ready, .woken: continue
      }
    }
  }

  /// Waits (spin, then suspend) until the next element or the close
  /// arrives, the task is cancelled, or `deadline` passes.
  @usableFromInline
  nonisolated(nonsending)
    func awaitElements(deadline: UInt64?) async -> _WaitOutcome
  {
    let ring = ring
    let position = head
    return await _awaitReady(
      ring.control.receiverWaiters, fence: fence, strategy: ring.control.strategy,
      deadline: deadline
    ) {
      ring.receiverEvents.isFlagSet
        || ring.sequence(position).pointee.load(ordering: .acquiring) == position &+ 1
    }
  }

  /// Turns the receiver into an `AsyncSequence` of its elements; iteration
  /// ends when every sender is gone and the channel is drained.
  ///
  /// - Returns: The sequence; it owns the receiver from now on.
  public consuming func messages() -> Messages {
    Messages(_Box(self))
  }

  @usableFromInline
  final class _Box {
    @usableFromInline @exclusivity(unchecked) var receiver: MPSCReceiver<Element>
    init(_ receiver: consuming MPSCReceiver<Element>) { self.receiver = receiver }
  }

  /// An MPSC receiver as an `AsyncSequence`; see ``messages()``.
  ///
  /// Not `Sendable`: its iterator is the channel's one consumer.
  public struct Messages: AsyncSequence {
    /// Iteration fails only with ``ChannelError/cancelled``.
    public typealias Failure = ChannelError
    @usableFromInline let box: _Box

    init(_ box: _Box) { self.box = box }

    /// Returns the iterator (sharing this sequence's receiver).
    ///
    /// - Returns: An iterator over the channel's elements.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(box: box) }

    /// The iterator of ``Messages``.
    public struct AsyncIterator: AsyncIteratorProtocol {
      @usableFromInline let box: _Box

      /// The next element, suspending while the channel is empty.
      ///
      /// - Returns: The next element, or `nil` once the channel is closed and drained.
      /// - Throws: ``ChannelError/cancelled`` if the task is cancelled.
      @inlinable
      public mutating func next() async throws(ChannelError) -> Element? {
        do { return try await box.receiver.receive() } catch {
          if error == .closed { return nil }
          throw error
        }
      }

      /// The next element, without leaving the caller's actor.
      ///
      /// - Parameter actor: The caller's isolation.
      /// - Returns: The next element, or `nil` once the channel is closed and drained.
      /// - Throws: ``ChannelError/cancelled`` if the task is cancelled.
      @inlinable
      public mutating func next(
        isolation actor: isolated (any Actor)?
      ) async throws(ChannelError) -> Element? {
        do { return try await box.receiver.receive() } catch {
          if error == .closed { return nil }
          throw error
        }
      }
    }
  }
}

extension MPMCReceiver {
  /// Receives from async code, suspending the task (never blocking its
  /// thread) while the channel is empty.
  ///
  /// A cancelled task takes nothing from the channel.
  ///
  /// - Returns: An element.
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained; ``ChannelError/cancelled`` if the task is cancelled.
  @inlinable
  nonisolated(nonsending)
    public func receive() async throws(ChannelError) -> Element
  {
    if !Task.isCancelled, let element = try ring.popShared() { return element }
    return try await ring.receiveWaiting()
  }

  /// Turns the receiver into an `AsyncSequence` of its elements; iteration
  /// ends when every sender is gone and the channel is drained. Clone the
  /// receiver first to keep one for other consumers.
  ///
  /// - Returns: The sequence; it owns the receiver from now on.
  public consuming func messages() -> Messages {
    Messages(_Box(self))
  }

  @usableFromInline
  final class _Box: Sendable {
    @usableFromInline let receiver: MPMCReceiver<Element>
    init(_ receiver: consuming MPMCReceiver<Element>) { self.receiver = receiver }
  }

  /// An MPMC receiver as an `AsyncSequence`; see ``messages()``.
  ///
  /// `Sendable`: several tasks may iterate it at once, each element going to
  /// one of them.
  public struct Messages: AsyncSequence, Sendable {
    /// Iteration fails only with ``ChannelError/cancelled``.
    public typealias Failure = ChannelError
    @usableFromInline let box: _Box

    init(_ box: _Box) { self.box = box }

    /// Returns an iterator (sharing this sequence's receiver).
    ///
    /// - Returns: An iterator over the channel's elements.
    public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(box: box) }

    /// The iterator of ``Messages``.
    public struct AsyncIterator: AsyncIteratorProtocol {
      @usableFromInline let box: _Box

      /// The next element, suspending while the channel is empty.
      ///
      /// - Returns: The next element, or `nil` once the channel is closed and drained.
      /// - Throws: ``ChannelError/cancelled`` if the task is cancelled.
      @inlinable
      public mutating func next() async throws(ChannelError) -> Element? {
        do { return try await box.receiver.receive() } catch {
          if error == .closed { return nil }
          throw error
        }
      }

      /// The next element, without leaving the caller's actor.
      ///
      /// - Parameter actor: The caller's isolation.
      /// - Returns: The next element, or `nil` once the channel is closed and drained.
      /// - Throws: ``ChannelError/cancelled`` if the task is cancelled.
      @inlinable
      public mutating func next(
        isolation actor: isolated (any Actor)?
      ) async throws(ChannelError) -> Element? {
        do { return try await box.receiver.receive() } catch {
          if error == .closed { return nil }
          throw error
        }
      }
    }
  }
}

extension _SlotRing {
  @usableFromInline
  nonisolated(nonsending)
    func sendWaiting(
      _ element: consuming Element, deadline: UInt64? = nil
    ) async throws(SendError<Element>)
  {
    var pending: Element? = element
    while true {
      let outcome = await awaitRoom(deadline: deadline)
      if outcome == .cancelled || Task.isCancelled {
        // A wake-up meant for a sender that now leaves goes to the next one.
        if outcome == .woken { senderEvents.notify(fence) }
        throw SendError(reason: .cancelled, element: pending.take()!)
      }
      switch push(pending.take()!) {
      case .sent: return
      case .full(let element):
        if outcome == .timedOut {
          control.countSendError(.timedOut)
          throw SendError(reason: .timedOut, element: element)
        }
        pending = element
      case .closed(let element):
        control.countSendError(.closed)
        throw SendError(reason: ChannelError(.closed), element: element)
      }
    }
  }

  /// Waits (spin, then suspend) until a slot is free or the channel is
  /// closed, the task is cancelled, or `deadline` passes. While a receive
  /// is in flight it yields once and returns: no wake-up may come for this
  /// task (see ``readyToSend()``), so the caller retries.
  @usableFromInline
  nonisolated(nonsending)
    func awaitRoom(deadline: UInt64?) async -> _WaitOutcome
  {
    if receiveInFlight() { return await _yieldInFlight(deadline: deadline) }
    return await _awaitReady(
      control.senderWaiters, fence: fence, strategy: control.strategy, deadline: deadline,
      ready: readyToSend)
  }

  /// Waits (spin, then suspend) until an element is ready or the channel is
  /// closed, the task is cancelled, or `deadline` passes. While a send is
  /// in flight at `head` it yields once and returns: no wake-up may come
  /// for this task (see ``readyToReceive()``), so the caller retries.
  @usableFromInline
  nonisolated(nonsending)
    func awaitElements(deadline: UInt64?) async -> _WaitOutcome
  {
    if sendInFlight() { return await _yieldInFlight(deadline: deadline) }
    return await _awaitReady(
      control.receiverWaiters, fence: fence, strategy: control.strategy, deadline: deadline,
      ready: readyToReceive)
  }

  /// Lets other tasks run while a peer's claimed slot is in flight;
  /// `.timedOut` once `deadline` has passed, else `.ready`.
  @usableFromInline
  nonisolated(nonsending)
    func _yieldInFlight(deadline: UInt64?) async -> _WaitOutcome
  {
    if let deadline, MonotonicClock.nanoseconds >= deadline { return .timedOut }
    await Task.yield()
    return .ready
  }

  @usableFromInline
  nonisolated(nonsending)
    func receiveWaiting(deadline: UInt64? = nil) async throws(ChannelError) -> Element
  {
    var outcome = _WaitOutcome.ready
    while true {
      if Task.isCancelled {
        // A wake-up meant for a receiver that now leaves goes to the next one.
        if outcome == .woken { receiverEvents.notify(fence) }
        throw .cancelled
      }
      if let element = try popShared() { return element }
      if outcome == .timedOut { throw .timedOut }
      outcome = await awaitElements(deadline: deadline)
      if outcome == .cancelled { throw .cancelled }
    }
  }
}

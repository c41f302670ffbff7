import SNAtomics
import Synchronization

extension SPSCSender {
  /// Sends from async code, suspending the task (never blocking its thread)
  /// while the channel is full.
  ///
  /// The ring is tried first; only when it is full does the task spin for
  /// a moment and then suspend until the receiver makes room.
  /// A task that is cancelled before the element goes in gets it back.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` holding `element`, with ``ChannelError/closed``
  ///   (receiver closed or gone) or ``ChannelError/cancelled``.
  @inlinable
  nonisolated(nonsending)
    public mutating func send(_ element: consuming Element) async throws(SendError<Element>)
  {
    if Task.isCancelled { throw SendError(reason: .cancelled, element: element) }
    switch push(element) {
    case .sent: return
    case .full(let element): try await sendWaiting(element)
    case .closed(let element):
      storage.control.countSendError(.closed)
      throw SendError(reason: ChannelError(.closed), element: element)
    }
  }

  @usableFromInline
  nonisolated(nonsending)
    mutating func sendWaiting(
      _ element: consuming Element, deadline: UInt64? = nil
    ) async throws(SendError<Element>)
  {
    var pending: Element? = element
    let control = storage.control
    while true {
      let outcome = await awaitRoom(deadline: deadline)
      if outcome == .cancelled || Task.isCancelled {
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

  /// Waits (spin, then suspend) until the ring has room or is closed, the
  /// task is cancelled, or `deadline` passes.
  @usableFromInline
  nonisolated(nonsending)
    func awaitRoom(deadline: UInt64?) async -> _WaitOutcome
  {
    let control = storage.control
    let head = sharedHead
    let mask = mask
    let position = tail
    return await _awaitReady(
      control.senderWaiters, fence: control.fence, strategy: control.strategy, deadline: deadline
    ) {
      control.isClosedForSending || position &- head.pointee.load(ordering: .acquiring) <= mask
    }
  }
}

extension SPSCReceiver {
  /// Receives from async code, suspending the task (never blocking its
  /// thread) while the channel is empty.
  ///
  /// The ring is tried first; only when it is empty does the task spin for
  /// a moment and then suspend until the sender publishes. A cancelled task
  /// takes nothing from the channel.
  ///
  /// - Returns: The oldest element.
  /// - Throws: ``ChannelError/closed`` once the sender is gone and the
  ///   channel is drained; ``ChannelError/cancelled`` if the task is
  ///   cancelled (also when called from a cancelled task).
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

  /// Waits (spin, then suspend) until an element or the close arrives, the
  /// task is cancelled, or `deadline` passes.
  @usableFromInline
  nonisolated(nonsending)
    func awaitElements(deadline: UInt64?) async -> _WaitOutcome
  {
    let control = storage.control
    let tail = sharedTail
    let receivers = receivers
    let position = head
    return await _awaitReady(
      control.receiverWaiters, fence: control.fence, strategy: control.strategy, deadline: deadline
    ) {
      tail.pointee.load(ordering: .acquiring) != position || receivers.isFlagSet
    }
  }

  /// Turns the receiver into an `AsyncSequence` of its elements, for
  /// `for try await`; iteration ends when the channel is closed and drained.
  ///
  /// <!-- snippet: setup
  /// let rxChannel = try Channel<Order>.spsc(capacity: 8)
  /// let rx = rxChannel.receiver
  /// let book = OrderBook()
  /// -->
  /// ```swift
  /// for try await order in rx.messages() { book.apply(order) }
  /// ```
  ///
  /// - Returns: The sequence; it owns the receiver from now on (dropping it
  ///   closes the channel, as dropping the receiver does).
  public consuming func messages() -> Messages {
    Messages(_Box(self))
  }

  @usableFromInline
  final class _Box {
    @usableFromInline @exclusivity(unchecked) var receiver: SPSCReceiver<Element>
    init(_ receiver: consuming SPSCReceiver<Element>) { self.receiver = receiver }
  }

  /// An SPSC receiver as an `AsyncSequence`; see ``messages()``.
  ///
  /// Not `Sendable`: its iterator is the channel's one consumer. Iterating
  /// twice continues where the last iteration stopped.
  public struct Messages: AsyncSequence {
    /// Errors end iteration with ``ChannelError/cancelled``; a close ends it
    /// normally (`nil`).
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

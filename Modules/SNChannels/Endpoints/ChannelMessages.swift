/// A receiver as an `AsyncSequence` of its elements, for `for try await`;
/// see ``ReceivingEndpoint/messages()``.
///
/// Iteration ends (`nil`) once the channel is closed and drained, and fails
/// only with ``SNChannelError/cancelled``. The sequence owns the receiver:
/// dropping it closes the channel for sending, as dropping the receiver
/// does. Not `Sendable`: its iterator is one consumer. Iterating twice
/// continues where the last iteration stopped. For several consuming tasks
/// of an MPMC channel, give each its own `clone()` of the receiver and make
/// a sequence of each.
public struct ChannelMessages<Receiver: ReceivingEndpoint & ~Copyable>: AsyncSequence {
  /// The channel's element type.
  public typealias Element = Receiver.Element
  /// Iteration fails only with ``SNChannelError/cancelled``; a close ends it normally.
  public typealias Failure = SNChannelError

  /// The receiver, shared by the sequence and its iterators.
  @usableFromInline
  final class _Box {
    @usableFromInline @exclusivity(unchecked) var receiver: Receiver
    init(_ receiver: consuming Receiver) { self.receiver = receiver }
  }

  @usableFromInline let box: _Box

  init(_ receiver: consuming Receiver) { box = _Box(receiver) }

  /// Returns the iterator (sharing this sequence's receiver).
  ///
  /// - Returns: An iterator over the channel's elements.
  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(box: box) }

  /// The iterator of ``ChannelMessages``.
  public struct AsyncIterator: AsyncIteratorProtocol {
    @usableFromInline let box: _Box

    /// The next element, suspending while the channel is empty.
    ///
    /// - Returns: The next element, or `nil` once the channel is closed and drained.
    /// - Throws: ``SNChannelError/cancelled`` if the task is cancelled.
    @inlinable
    public mutating func next() async throws(SNChannelError) -> Element? {
      do { return try await box.receiver.receive() } catch {
        if error == .closed { return nil }
        throw error
      }
    }

    /// The next element, without leaving the caller's actor.
    ///
    /// - Parameter actor: The caller's isolation.
    /// - Returns: The next element, or `nil` once the channel is closed and drained.
    /// - Throws: ``SNChannelError/cancelled`` if the task is cancelled.
    @inlinable
    public mutating func next(
      isolation actor: isolated (any Actor)?
    ) async throws(SNChannelError) -> Element? {
      do { return try await box.receiver.receive() } catch {
        if error == .closed { return nil }
        throw error
      }
    }
  }
}

extension ReceivingEndpoint where Self: ~Copyable {
  /// The receiver's `AsyncSequence` type.
  public typealias Messages = ChannelMessages<Self>

  /// Turns the receiver into an `AsyncSequence` of its elements, for
  /// `for try await`; iteration ends when the channel is closed and drained.
  ///
  /// <!-- snippet: setup
  /// let rxChannel = try SNChannel<Order>.spsc(capacity: 8)
  /// let rx = rxChannel.receiver
  /// let book = OrderBook()
  /// -->
  /// ```swift
  /// for try await order in rx.messages() { book.apply(order) }
  /// ```
  ///
  /// - Returns: The sequence; it owns the receiver from now on (dropping it
  ///   closes the channel, as dropping the receiver does).
  public consuming func messages() -> ChannelMessages<Self> {
    ChannelMessages(self)
  }
}

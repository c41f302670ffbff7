/// A receiving endpoint whose base `receive()` blocks the thread until an
/// element arrives and throws ``SNChannelError/closed`` when none will: what
/// ``BlockingMessages`` iterates.
///
/// ``SPSCReceiver``, ``MPSCReceiver``, ``MPMCReceiver``,
/// ``RendezvousReceiver`` and ``OneshotReceiver`` conform.
public protocol BlockingReceiving: ~Copyable {
  /// The type of the elements received.
  associatedtype Element: Sendable

  /// Receives, blocking the thread while nothing is ready.
  ///
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/closed`` once nothing more will arrive.
  mutating func receive() throws(SNChannelError) -> Element
}

extension SPSCReceiver: BlockingReceiving {}
extension MPSCReceiver: BlockingReceiving {}
extension MPMCReceiver: BlockingReceiving {}
extension RendezvousReceiver: BlockingReceiving {}
extension OneshotReceiver: BlockingReceiving {}

extension BlockingReceiving where Self: ~Copyable {
  /// The elements of this receiver as a `Sequence` for a blocking `for`
  /// loop, which ends when the channel is closed and drained.
  ///
  /// ```swift
  /// let channel = try SNChannel<Int>.mpsc(capacity: 64)
  /// let producer = OSThread.spawn(taking: channel.sender.clone()) { tx in
  ///   for i in 0..<3 { try? tx.send(i) }
  /// }
  /// let rest = channel
  /// rest.sender.close()
  /// for value in rest.receiver.blockingMessages() { print(value) }  // 0 1 2
  /// producer.join()
  /// ```
  ///
  /// The sequence takes the receiver over (dropping the sequence drops
  /// it). It blocks the thread: from a task, use the `AsyncSequence`
  /// (``ChannelMessages``) instead.
  ///
  /// - Returns: The sequence.
  public consuming func blockingMessages() -> BlockingMessages<Self> {
    BlockingMessages(self)
  }
}

/// A receiver's elements as a blocking `Sequence`: each `next()` receives,
/// blocking the thread, and the sequence ends when the channel closes.
///
/// Copies share the one receiver (they are views of it), so the elements
/// are split between them, never duplicated; the type is not `Sendable`:
/// iterate on the thread that made it.
public struct BlockingMessages<Receiver: BlockingReceiving & ~Copyable>: Sequence,
  IteratorProtocol
{
  private final class Box {
    var receiver: Receiver
    init(_ receiver: consuming Receiver) { self.receiver = receiver }
  }

  private let box: Box

  init(_ receiver: consuming Receiver) { box = Box(receiver) }

  /// Receives the next element, blocking the thread until one arrives.
  ///
  /// - Returns: The element, or `nil` once the channel is closed and drained.
  public mutating func next() -> Receiver.Element? {
    try? box.receiver.receive()
  }
}

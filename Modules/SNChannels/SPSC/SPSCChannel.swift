import SNAtomics

/// The two endpoints of a new single-producer, single-consumer channel.
///
/// Take it apart into its sender and receiver, then move each to the thread
/// that uses it:
///
/// ```swift
/// let channel = try Channel<Int>.spsc(capacity: 1024)
/// var tx = channel.sender
/// var rx = channel.receiver
/// let producer = OSThread.spawn { for i in 0..<1000 { try? tx.send(i) } }
/// while let value = try? rx.receive() { print(value) }
/// producer.join()
/// ```
@frozen
public struct SPSCChannel<Element: Sendable>: ~Copyable {
  /// The only sender.
  public var sender: SPSCSender<Element>
  /// The only receiver.
  public var receiver: SPSCReceiver<Element>

  init(capacity: Int, strategy: WaitStrategy) throws(ChannelError) {
    let storage = try _SPSCStorage<Element>(capacity: capacity, strategy: strategy)
    sender = SPSCSender(storage)
    receiver = SPSCReceiver(storage)
  }
}

extension Channel {
  /// Creates a bounded single-producer, single-consumer channel: the fastest
  /// kind, with no read-modify-write instruction on its hot path.
  ///
  /// Both endpoints are noncopyable, so a second producer or consumer is a
  /// compile error; move each endpoint to its thread with a `sending`
  /// closure (``OSThread/spawn(name:cpu:_:)``, `Task { }`).
  ///
  /// - Parameters:
  ///   - capacity: Elements the channel holds; rounded up to a power of two
  ///     (see ``ChannelCapacity``).
  ///   - waitStrategy: How blocking operations wait.
  /// - Returns: The sender and receiver.
  /// - Throws: ``ChannelError/invalidCapacity`` for a capacity below 1 or
  ///   above ``ChannelCapacity/maximum``; ``ChannelError/allocationFailed``
  ///   if the system cannot provide the memory.
  public static func spsc(
    capacity: Int, waitStrategy: WaitStrategy = .default
  ) throws(ChannelError) -> SPSCChannel<Element> {
    try SPSCChannel(capacity: ChannelCapacity.rounded(capacity), strategy: waitStrategy)
  }
}

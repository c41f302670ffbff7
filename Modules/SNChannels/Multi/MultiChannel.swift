import SNAtomics

/// The two endpoints of a new multi-producer, single-consumer channel.
///
/// ```swift
/// let channel = try SNChannel<Int>.mpsc(capacity: 1024)
/// let tx = channel.sender
/// var rx = channel.receiver
/// let threads = (0..<4).map { id in
///   OSThread.spawn(taking: tx.clone()) { mine in try? mine.send(id) }
/// }
/// tx.close()  // the channel closes when the last clone is dropped too
/// while let value = try? rx.receive() { print(value) }
/// for thread in threads { thread.join() }
/// ```
@frozen
public struct MPSCChannel<Element: Sendable>: ~Copyable {
  /// The first sender; ``MultiSender/clone()`` makes more.
  public var sender: MultiSender<Element>
  /// The only receiver.
  public var receiver: MPSCReceiver<Element>

  init(capacity: Int, strategy: WaitStrategy) throws(SNChannelError) {
    let ring = try _SlotRing<Element>(capacity: capacity, strategy: strategy, receivers: 1)
    sender = MultiSender(ring)
    receiver = MPSCReceiver(ring)
  }
}

/// The two endpoints of a new multi-producer, multi-consumer channel.
@frozen
public struct MPMCChannel<Element: Sendable>: ~Copyable {
  /// The first sender; ``MultiSender/clone()`` makes more.
  public var sender: MultiSender<Element>
  /// The first receiver; ``MPMCReceiver/clone()`` makes more.
  public var receiver: MPMCReceiver<Element>

  init(capacity: Int, strategy: WaitStrategy) throws(SNChannelError) {
    let ring = try _SlotRing<Element>(capacity: capacity, strategy: strategy, receivers: 1)
    sender = MultiSender(ring)
    receiver = MPMCReceiver(ring)
  }
}

extension SNChannel {
  /// Creates a bounded multi-producer, single-consumer channel.
  ///
  /// Senders claim slots with one compare-and-swap each; the single
  /// receiver needs none.
  ///
  /// - Parameters:
  ///   - capacity: Elements the channel holds; rounded up to a power of two,
  ///     at least 2 (see ``ChannelCapacity``).
  ///   - waitStrategy: How blocking operations wait.
  /// - Returns: The first sender and the receiver.
  /// - Throws: ``SNChannelError/invalidCapacity`` for a capacity below 1 or
  ///   above ``ChannelCapacity/maximum``; ``SNChannelError/allocationFailed``
  ///   if the system cannot provide the memory.
  public static func mpsc(
    capacity: Int, waitStrategy: WaitStrategy = .default
  ) throws(SNChannelError) -> MPSCChannel<Element> {
    try MPSCChannel(
      capacity: ChannelCapacity.rounded(capacity, minimum: 2), strategy: waitStrategy)
  }

  /// Creates a bounded multi-producer, multi-consumer channel.
  ///
  /// - Parameters:
  ///   - capacity: Elements the channel holds; rounded up to a power of two,
  ///     at least 2 (see ``ChannelCapacity``).
  ///   - waitStrategy: How blocking operations wait.
  /// - Returns: The first sender and the first receiver.
  /// - Throws: ``SNChannelError/invalidCapacity`` for a capacity below 1 or
  ///   above ``ChannelCapacity/maximum``; ``SNChannelError/allocationFailed``
  ///   if the system cannot provide the memory.
  public static func mpmc(
    capacity: Int, waitStrategy: WaitStrategy = .default
  ) throws(SNChannelError) -> MPMCChannel<Element> {
    try MPMCChannel(
      capacity: ChannelCapacity.rounded(capacity, minimum: 2), strategy: waitStrategy)
  }
}

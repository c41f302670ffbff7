import SNAtomics

/// The two endpoints of a new single-producer, single-consumer channel.
///
/// Take it apart into its sender and receiver, then move each to the thread
/// that uses it. `OSThread.spawn(taking:_:)` (SNAtomics) moves the sender in
/// and drops it when the thread's body returns, which closes the channel, so
/// the receiving loop ends:
///
/// ```swift
/// import SNAtomics
/// import SNChannels
///
/// func sumOnAnotherThread() throws -> Int {
///   let channel = try SNChannel<Int>.spsc(capacity: 1024)
///   let producer = OSThread.spawn(taking: channel.sender) { tx in
///     for i in 0..<1000 { try? tx.send(i) }
///   }  // the thread drops the sender here: the channel closes
///   var rx = channel.receiver
///   var sum = 0
///   while let value = try? rx.receive() { sum += value }  // ends once closed and drained
///   producer.join()
///   return sum
/// }
/// print(try sumOnAnotherThread())  // 499500
/// ```
///
/// Do not capture a `var tx` in the thread's closure instead: a captured
/// noncopyable `var` lives as long as the scope that declared it, so the
/// sender outlives the thread, the channel never closes and the loop above
/// waits forever. And take a channel apart inside a function, as above: in a
/// program's top-level code a `let channel` is a global, and a global
/// noncopyable value cannot be taken apart.
@frozen
public struct SPSCChannel<Element: Sendable>: ~Copyable {
  /// The only sender.
  public var sender: SPSCSender<Element>
  /// The only receiver.
  public var receiver: SPSCReceiver<Element>

  init(capacity: Int, strategy: WaitStrategy) throws(SNChannelError) {
    let storage = try _SPSCStorage<Element>(capacity: capacity, strategy: strategy)
    sender = SPSCSender(storage)
    receiver = SPSCReceiver(storage)
  }
}

extension SNChannel {
  /// Creates a bounded single-producer, single-consumer channel: the fastest
  /// kind, with no read-modify-write instruction on its hot path.
  ///
  /// Both endpoints are noncopyable, so a second producer or consumer is a
  /// compile error; move each endpoint to its thread with a `sending`
  /// closure (`OSThread.spawn(name:cpu:_:)`, `Task { }`).
  ///
  /// - Parameters:
  ///   - capacity: Elements the channel holds; rounded up to a power of two
  ///     (see ``ChannelCapacity``).
  ///   - waitStrategy: How blocking operations wait.
  /// - Returns: The sender and receiver.
  /// - Throws: ``SNChannelError/invalidCapacity`` for a capacity below 1 or
  ///   above ``ChannelCapacity/maximum``; ``SNChannelError/allocationFailed``
  ///   if the system cannot provide the memory.
  public static func spsc(
    capacity: Int, waitStrategy: WaitStrategy = .default
  ) throws(SNChannelError) -> SPSCChannel<Element> {
    try SPSCChannel(capacity: ChannelCapacity.rounded(capacity), strategy: waitStrategy)
  }
}

import SNAtomics

/// The two endpoints of a new rendezvous channel: capacity zero, so a send
/// completes only when a receiver takes the value (crossbeam's `bounded(0)`,
/// Go's unbuffered channel).
///
/// A rendezvous is a hand-off and a synchronisation point at once: when
/// `send` returns, the receiver has the value. Both endpoints are
/// noncopyable and `Sendable`; ``RendezvousSender/clone()`` and
/// ``RendezvousReceiver/clone()`` make more of either (it is
/// multi-producer, multi-consumer).
///
/// ```swift
/// let sender: RendezvousSender<Int>
/// let consumer: OSThread
/// do {
///   let channel = SNChannel<Int>.rendezvous()
///   sender = channel.sender.clone()
///   consumer = OSThread.spawn(taking: channel.receiver.clone()) { rx in
///     while let job = try? rx.receive() { print(job) }
///   }
/// }  // the first sender and receiver go here
/// for job in 0..<3 { try sender.send(job) }  // each returns once a receiver has it
/// sender.close()
/// consumer.join()
/// ```
@frozen
public struct RendezvousChannel<Element: Sendable>: ~Copyable {
  /// The first sender.
  public var sender: RendezvousSender<Element>
  /// The first receiver.
  public var receiver: RendezvousReceiver<Element>

  init(strategy: WaitStrategy) {
    let core = _RendezvousCore<Element>(strategy: strategy)
    sender = RendezvousSender(core)
    receiver = RendezvousReceiver(core)
  }
}

extension SNChannel {
  /// Creates a rendezvous channel: capacity zero, a send completes when a
  /// receiver takes the value.
  ///
  /// - Parameter waitStrategy: How blocking operations wait.
  /// - Returns: The first sender and the first receiver.
  public static func rendezvous(waitStrategy: WaitStrategy = .default)
    -> RendezvousChannel<Element>
  {
    RendezvousChannel(strategy: waitStrategy)
  }
}

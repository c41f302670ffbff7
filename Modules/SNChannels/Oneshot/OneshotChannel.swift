import SNAtomics
import Synchronization

/// The two endpoints of a new one-shot channel: one value, sent once.
///
/// The sender is consumed by sending (the compiler rejects a second send),
/// so "the reply was sent at most once" is checked at compile time, as with
/// tokio's `oneshot`. Both endpoints are noncopyable and `Sendable`: move the
/// sender to whoever answers and keep the receiver.
///
/// <!-- snippet: setup
/// struct Reply: Sendable { var total: Int }
/// -->
/// ```swift
/// let channel = SNChannel<Reply>.oneshot()
/// let worker = OSThread.spawn(taking: channel.receiver) { reply in
///   // Blocks until sent; `.closed` if the sender is dropped unsent.
///   if let answer = try? reply.receive() { print(answer.total) }
/// }
/// try channel.sender.send(Reply(total: 42))  // consumes the sender
/// worker.join()
/// ```
@frozen
public struct OneshotChannel<Element: Sendable>: ~Copyable {
  /// The sender; ``OneshotSender/send(_:)`` consumes it.
  public var sender: OneshotSender<Element>
  /// The receiver.
  public var receiver: OneshotReceiver<Element>

  @inlinable
  init(strategy: WaitStrategy) {
    let core = _OneshotStorage<Element>.allocate(strategy: strategy)
    sender = OneshotSender(core)
    receiver = OneshotReceiver(core)
  }
}

extension SNChannel {
  /// Creates a one-shot channel: one value, sent at most once.
  ///
  /// - Parameter waitStrategy: How a blocking receive waits.
  /// - Returns: The sender and the receiver.
  /// - Complexity: O(1); one allocation, no reference counting.
  @inlinable
  public static func oneshot(waitStrategy: WaitStrategy = .default) -> OneshotChannel<Element> {
    OneshotChannel(strategy: waitStrategy)
  }
}

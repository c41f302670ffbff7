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

  @usableFromInline
  init(strategy: WaitStrategy) {
    let core = _OneshotCore<Element>(strategy: strategy)
    sender = OneshotSender(core)
    receiver = OneshotReceiver(core)
  }
}

extension SNChannel {
  /// Creates a one-shot channel: one value, sent at most once.
  ///
  /// - Parameter waitStrategy: How a blocking receive waits.
  /// - Returns: The sender and the receiver.
  /// - Complexity: O(1); one allocation.
  @inlinable
  public static func oneshot(waitStrategy: WaitStrategy = .default) -> OneshotChannel<Element> {
    OneshotChannel(strategy: waitStrategy)
  }
}

/// The shared state of a one-shot channel: one state word, the value, and
/// the receiver's waiter.
///
/// State bits (one word, changed only by read-modify-writes):
/// - `valueBit`: the sender stored the value.
/// - `senderGone`: the sender sent or was dropped; nothing more will come.
/// - `receiverGone`: the receiver was dropped.
/// - `waitingBit`: the receiver published a waiter in `waiter` and waits.
///
/// Memory ordering: the sender writes `value` and then sets `valueBit |
/// senderGone` with a releasing read-modify-write; the receiver reads the
/// word with an acquiring load before it reads `value`, so it sees the value
/// written. The receiver writes `waiter` before setting `waitingBit` with a
/// releasing read-modify-write; the sender's acquiring read-modify-write
/// that sees the bit reads `waiter` after it. The receiver writes `waiter`
/// again only after clearing the bit with a read-modify-write whose old
/// value shows the sender has not finished (had it finished, the receiver
/// returns instead), so the sender never reads `waiter` while it is being
/// replaced. Ownership of the value: if the sender's read-modify-write finds
/// `receiverGone`, the receiver has left without looking at the value and
/// the sender takes it back; otherwise the receiver (or, if it never
/// receives, this object's deinit) owns it. Exactly one side drops it.
@usableFromInline
final class _OneshotCore<Element: Sendable>: @unchecked Sendable {
  @inlinable static var valueBit: Int { 1 }
  @inlinable static var senderGone: Int { 2 }
  @inlinable static var receiverGone: Int { 4 }
  @inlinable static var waitingBit: Int { 8 }

  @usableFromInline let state = Atomic<Int>(0)
  @usableFromInline @exclusivity(unchecked) var value: Element?
  @usableFromInline @exclusivity(unchecked) var waiter: _Waiter?
  /// The tag `waiter` is fired with (a `Select` arm's index; written with
  /// `waiter`, under the same ordering).
  @usableFromInline @exclusivity(unchecked) var waiterTag = 0
  @usableFromInline let strategy: WaitStrategy

  @usableFromInline
  init(strategy: WaitStrategy) { self.strategy = strategy }

  /// Marks the sender finished (with or without a value) and wakes the
  /// receiver if it waits.
  ///
  /// - Returns: The state before the change.
  @inlinable @inline(__always)
  func finishSending(with bits: Int) -> Int {
    let old = state.bitwiseOr(bits | Self.senderGone, ordering: .acquiringAndReleasing).oldValue
    if old & Self.waitingBit != 0, old & Self.senderGone == 0 { wakeReceiver() }
    return old
  }

  /// Fires the receiver's published waiter (the slow path of a send).
  @usableFromInline @inline(never)
  func wakeReceiver() { _ = waiter?.fire(tag: waiterTag) }
}

import SNAtomics
import Synchronization

/// The two endpoints of a new latest-value channel: receivers see the
/// newest value and can wait for it to change (tokio's `watch`).
///
/// The channel holds one value, never a queue: a send replaces it and bumps
/// a version number. A receiver remembers the version it saw last, so a
/// wait for a change returns the newest value as soon as it differs;
/// intermediate values it did not look at are skipped (it never sees an
/// older value after a newer one). Use it for configuration, state
/// snapshots or progress, where only the latest matters.
///
/// ```swift
/// let channel = SNChannel<Int>.watch(initial: 0)
/// var progress = channel.receiver
/// channel.sender.replace(50)
/// let newest = try progress.receiveChange()   // 50
/// ```
@frozen
public struct WatchChannel<Element: Sendable>: ~Copyable {
  /// The first sender; ``WatchSender/clone()`` makes more.
  public var sender: WatchSender<Element>
  /// The first receiver; ``WatchSender/subscribe()`` and
  /// ``WatchReceiver/clone()`` make more.
  public var receiver: WatchReceiver<Element>

  @usableFromInline
  init(initial: Element, strategy: WaitStrategy) {
    let core = _WatchCore(initial: initial, strategy: strategy)
    sender = WatchSender(core)
    receiver = WatchReceiver(core, seen: 0)
  }
}

extension SNChannel {
  /// Creates a latest-value channel holding `initial` (version 0).
  ///
  /// - Parameters:
  ///   - initial: The value receivers see before the first send; the first
  ///     receiver counts it as seen.
  ///   - waitStrategy: How blocking waits wait.
  /// - Returns: The first sender and the first receiver.
  @inlinable
  public static func watch(initial: Element, waitStrategy: WaitStrategy = .default)
    -> WatchChannel<Element>
  {
    WatchChannel(initial: initial, strategy: waitStrategy)
  }
}

/// A snapshot of a latest-value channel's counters.
public struct WatchStats: Sendable, Hashable, CustomStringConvertible {
  /// The version of the value held now: the number of values stored since
  /// the initial one.
  public var version: UInt64
  /// Live receivers.
  public var receivers: Int
  /// Sends refused because no receiver was left (``WatchSender/send(_:)``).
  public var closedSends: UInt64

  /// A one-line summary.
  public var description: String {
    "version \(version), receivers \(receivers), closed sends \(closedSends)"
  }
}

/// The shared state of a latest-value channel: the value under a lock and
/// its version.
///
/// Memory ordering: the value and the version change together under
/// `lock`; a receiver reads both under the lock, so the value it returns is
/// the one of the version it records. `version` is also an atomic, stored
/// (releasing) inside the lock, so ``WatchReceiver/hasChanged`` and a
/// waiter's check before sleeping can read it without the lock. The close
/// is the last sender's acquiring-and-releasing decrement of `senders`; a
/// receiver that loads `senders == 0` (acquiring) before it reads the value
/// sees the last value sent, so "closed and unchanged" is final.
@usableFromInline
final class _WatchCore<Element: Sendable>: @unchecked Sendable {
  @usableFromInline let lock = _KindLock()
  @usableFromInline @exclusivity(unchecked) var value: Element
  @usableFromInline let version = Atomic<UInt64>(0)
  @usableFromInline let senders = Atomic<Int>(1)
  @usableFromInline let receivers = Atomic<Int>(1)
  @usableFromInline let closedSends = Atomic<UInt64>(0)
  @usableFromInline let strategy: WaitStrategy
  /// "A new version or the close."
  @usableFromInline let signal = _KindSignal()

  @usableFromInline
  init(initial: Element, strategy: WaitStrategy) {
    value = initial
    self.strategy = strategy
  }

  /// Stores `element` as the newest value and wakes waiters.
  ///
  /// - Returns: The value it replaced.
  @inlinable
  func replace(_ element: consuming Element) -> Element {
    var incoming: Element? = element
    let old = lock.withLock { () -> Element in
      let old = value
      value = incoming.take()!
      _referenceBarrier(for: Element.self)
      version.store(version.load(ordering: .relaxed) &+ 1, ordering: .releasing)
      return old
    }
    signal.notifyAll()
    return old
  }

  @inlinable
  func snapshot() -> (Element, UInt64) {
    // Copied inside the lock: a replace releases the old value after it
    // (see `_copyUnderLock`).
    lock.withLock { (_copyUnderLock(value), version.load(ordering: .relaxed)) }
  }

  @inlinable
  var isClosed: Bool { senders.load(ordering: .acquiring) == 0 }

  func ready(_ seen: UInt64) -> Bool {
    version.load(ordering: .acquiring) != seen || isClosed
  }

  func releaseSender() {
    if senders.wrappingSubtract(1, ordering: .acquiringAndReleasing).oldValue == 1 {
      signal.notifyAll()
    }
  }

  var stats: WatchStats {
    WatchStats(
      version: version.load(ordering: .relaxed), receivers: receivers.load(ordering: .relaxed),
      closedSends: closedSends.load(ordering: .relaxed))
  }
}

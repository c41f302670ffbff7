import Synchronization

/// A non-`Sendable` value whose ownership moves through a channel: the
/// sender gives it up (`sending`, region isolation) and exactly one receiver
/// takes it.
///
/// Channels carry `Sendable` elements. A value that is not `Sendable` (a
/// class with mutable state, a buffer being filled) can still move between
/// threads safely when nothing else refers to it any more; Swift checks that
/// at compile time with `sending`: the compiler accepts ``init(_:)`` only
/// for a value in a disconnected region (no other live reference the caller
/// could still use), and ``take()`` returns it as `sending`, disconnected
/// again, to its new owner.
///
/// <!-- snippet: setup
/// final class Buffer { var bytes: [UInt8] = [] }
/// -->
/// ```swift
/// let channel = try SNChannel<Transferred<Buffer>>.spsc(capacity: 16)
/// var tx = channel.sender
/// var rx = channel.receiver
/// let buffer = Buffer()
/// buffer.bytes = [1, 2, 3]
/// try tx.send(Transferred(buffer))     // `buffer` must not be used after this
/// let received = try rx.receive().take()
/// ```
///
/// The wrapper is copyable (channel elements must be), so the "exactly one
/// taker" rule is checked when it runs: a second ``take()`` of the same
/// transfer traps. The channels never copy an element they move, so this
/// only fires on a program error (taking a broadcast or watch element in
/// two receivers: those kinds copy, and are not for transfers).
public struct Transferred<Value>: @unchecked Sendable {
  private final class Box: @unchecked Sendable {
    let taken = Atomic<Bool>(false)
    nonisolated(unsafe) var value: Value?
    init(_ value: consuming Value) { self.value = value }
  }

  private let box: Box

  /// Wraps `value` for the move; the caller gives it up.
  ///
  /// - Parameter value: A value in a disconnected region (the compiler
  ///   checks that nothing the caller still uses refers to it).
  public init(_ value: sending Value) { box = Box(value) }

  /// Takes the value out, once.
  ///
  /// - Returns: The value, now owned by the caller alone.
  /// - Precondition: Not taken before (traps otherwise).
  public func take() -> sending Value {
    // The exchange (acquiring and releasing) makes exactly one caller the
    // taker and orders its read after the wrapper's creation on the
    // sending thread (the channel's own hand-off orders it too).
    precondition(
      !box.taken.exchange(true, ordering: .acquiringAndReleasing), "a Transferred value taken twice"
    )
    nonisolated(unsafe) let value = box.value.take()!
    return value
  }
}

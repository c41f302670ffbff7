/// Why a channel operation failed.
///
/// Compare with the static members (`error == .closed`); equality looks only
/// at the kind of failure, not at ``transferred``, ``requestedCapacity`` or
/// ``missed``. New kinds may be added in later versions.
public struct SNChannelError: Error, Hashable, CustomStringConvertible {
  @usableFromInline
  enum Code: Hashable, Sendable {
    case full, closed, timedOut, invalidCapacity, cancelled, allocationFailed, lagged
  }

  @usableFromInline let code: Code

  /// For a batch operation, how many elements moved before it failed
  /// (they are in the channel, or in the caller's buffer); 0 otherwise.
  public let transferred: Int

  /// For ``invalidCapacity`` and ``allocationFailed``, the capacity that
  /// was asked for.
  public let requestedCapacity: Int?

  /// For ``lagged``, how many messages the receiver missed; 0 otherwise.
  public let missed: UInt64

  @usableFromInline
  init(_ code: Code, transferred: Int = 0, requestedCapacity: Int? = nil) {
    self.code = code
    self.transferred = transferred
    self.requestedCapacity = requestedCapacity
    self.missed = 0
  }

  @usableFromInline
  init(_ code: Code, missed: UInt64, transferred: Int = 0) {
    self.code = code
    self.transferred = transferred
    self.requestedCapacity = nil
    self.missed = missed
  }

  /// The channel had no room (non-blocking send).
  public static let full = SNChannelError(.full)
  /// The other side is gone or closed the channel.
  public static let closed = SNChannelError(.closed)
  /// The deadline passed before the operation could complete.
  public static let timedOut = SNChannelError(.timedOut)
  /// The capacity asked for is below 1 or above ``ChannelCapacity/maximum``.
  public static let invalidCapacity = SNChannelError(.invalidCapacity)
  /// The task was cancelled before the async operation could complete;
  /// nothing was moved (a send hands its element back).
  public static let cancelled = SNChannelError(.cancelled)
  /// The system could not provide the memory for a channel of the capacity
  /// asked for (a large capacity under a memory limit); nothing was
  /// created.
  public static let allocationFailed = SNChannelError(.allocationFailed)
  /// A broadcast receiver fell a whole ring behind: ``missed`` messages
  /// were overwritten before it read them. It continues from the oldest
  /// message still in the ring: the next receive returns it. Not final:
  /// receive again.
  public static let lagged = SNChannelError(.lagged)

  @usableFromInline
  func with(transferred: Int) -> SNChannelError {
    code == .lagged
      ? SNChannelError(code, missed: missed, transferred: transferred)
      : SNChannelError(code, transferred: transferred, requestedCapacity: requestedCapacity)
  }

  /// Whether two errors are the same kind of failure.
  public static func == (lhs: SNChannelError, rhs: SNChannelError) -> Bool { lhs.code == rhs.code }

  /// Hashes the kind of failure.
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }

  /// A short description of the failure.
  public var description: String {
    switch code {
    case .full: return "channel full"
    case .closed: return "channel closed"
    case .timedOut: return "timed out"
    case .cancelled: return "cancelled"
    case .lagged: return "lagged: missed \(missed) messages"
    case .allocationFailed:
      return "could not allocate a channel of capacity \(requestedCapacity.map(String.init) ?? "?")"
    case .invalidCapacity:
      return "invalid channel capacity \(requestedCapacity.map(String.init) ?? "?")"
        + " (must be 1...\(ChannelCapacity.maximum))"
    }
  }
}

/// A send that failed, with the element it could not deliver.
///
/// Nothing is dropped: take ``element`` back to retry or dispose of it.
///
/// <!-- snippet: setup
/// let txChannel = try SNChannel<Order>.spsc(capacity: 8)
/// var tx = txChannel.sender
/// let order = Order()
/// var backlog: [Order] = []
/// -->
/// ```swift
/// do {
///   try tx.trySend(order)
/// } catch {
///   if error.reason == .full { backlog.append(error.element) }
/// }
/// ```
public struct SendError<Element: Sendable>: Error {
  /// Why the send failed: ``SNChannelError/full``, ``SNChannelError/closed``,
  /// ``SNChannelError/timedOut`` or (async sends) ``SNChannelError/cancelled``.
  public let reason: SNChannelError
  /// The element that was not sent, handed back to the caller.
  public var element: Element

  /// Creates a send error.
  ///
  /// - Parameters:
  ///   - reason: Why the send failed.
  ///   - element: The undelivered element.
  @inlinable
  public init(reason: SNChannelError, element: consuming Element) {
    self.reason = reason
    self.element = element
  }
}

/// Channel capacity rules.
///
/// A requested capacity is rounded up to the next power of two, so that a
/// slot index is a mask instead of a division: `.spsc(capacity: 1000)` holds
/// 1024 elements. MPSC and MPMC channels hold at least 2 (their per-slot
/// sequence numbers need two slots to tell "full" from "empty").
public enum ChannelCapacity {
  /// The largest capacity accepted: 2^30 elements.
  public static let maximum = 1 << 30

  /// The capacity a channel gets for a request.
  ///
  /// - Parameters:
  ///   - requested: The capacity asked for.
  ///   - minimum: The kind's minimum (1 for SPSC, 2 for MPSC/MPMC).
  /// - Returns: The power of two that will be used.
  /// - Throws: ``SNChannelError/invalidCapacity`` below 1 or above ``maximum``.
  public static func rounded(_ requested: Int, minimum: Int = 1) throws(SNChannelError) -> Int {
    guard requested >= 1, requested <= maximum else {
      throw SNChannelError(.invalidCapacity, requestedCapacity: requested)
    }
    var capacity = max(minimum, 1)
    while capacity < requested { capacity <<= 1 }
    return capacity
  }
}

import CSNShim
import Synchronization

/// Puts one thread to sleep until another thread unparks it.
///
/// One thread owns the parker and calls ``park(deadline:)``; any thread may
/// call ``unpark()``. An unpark that comes first is remembered, so the next
/// park returns at once (a token, as in Rust's `std::thread::park`).
///
/// The parked thread really sleeps: after a short spin it waits in the
/// kernel (futex on Linux, `__ulock` on Darwin) and uses no CPU.
public final class Parker: Sendable {
  // 0: empty, 1: parked, 2: notified. On its own line: the unparker writes it.
  private let word = PaddedAtomics<UInt32>(count: 1, initialValue: 0)
  private static let empty: UInt32 = 0
  private static let parked: UInt32 = 1
  private static let notified: UInt32 = 2

  /// How many pause rounds ``park(deadline:)`` spins before it sleeps.
  public let spinCount: Int

  /// Creates a parker.
  ///
  /// - Parameter spinCount: Pauses to spin before sleeping (default 1000,
  ///   a few microseconds).
  public init(spinCount: Int = 1000) {
    self.spinCount = max(0, spinCount)
  }

  /// Sleeps until ``unpark()`` is called (or was called since the last park),
  /// or until the deadline passes.
  ///
  /// Only the owning thread may call it.
  ///
  /// - Parameter deadline: A ``MonotonicClock`` deadline, or `nil` to wait
  ///   for an unpark.
  /// - Returns: `true` if unparked, `false` if the deadline passed first.
  @discardableResult
  public func park(deadline: UInt64? = nil) -> Bool {
    for _ in 0..<spinCount {
      if takeToken() { return true }
      csn_cpu_relax()
    }
    if takeToken() { return true }
    guard
      word[0].compareExchange(
        expected: Self.empty, desired: Self.parked, ordering: .acquiring
      ).exchanged
    else {
      // The only other value is `notified`: take the token.
      consumeToken()
      return true
    }
    let address = withUnsafeAddress()
    while true {
      var timeout: Int64 = -1
      if let deadline {
        let now = MonotonicClock.nanoseconds
        if now >= deadline {
          // Leave the parked state; a racing unpark leaves its token.
          if word[0].compareExchange(
            expected: Self.parked, desired: Self.empty, ordering: .acquiring
          ).exchanged {
            return false
          }
          consumeToken()  // an unpark came in: its token is ours
          return true
        }
        timeout = Int64(clamping: deadline - now)
      }
      _ = csn_futex_wait(address, Self.parked, timeout)
      if takeToken() { return true }
    }
  }

  /// Wakes the owner if it is parked, or lets its next park return at once.
  public func unpark() {
    if word[0].exchange(Self.notified, ordering: .releasing) == Self.parked {
      _ = csn_futex_wake(withUnsafeAddress(), 1)
    }
  }

  /// Takes a token known to be there (the word read `notified`).
  ///
  /// An acquiring exchange, not a relaxed store of `empty`: another unpark
  /// may have come in since the failed compare-exchange read `notified`,
  /// and storing over its token must also acquire what that unparker wrote
  /// before it unparked. The exchange reads the latest value in the word's
  /// modification order, so it synchronizes with the last unpark (and,
  /// through the release sequence of those exchanges, with every earlier
  /// one); a plain store would drop that unpark's token without its writes,
  /// and on a weakly ordered CPU the parker could re-check its condition,
  /// miss them and sleep for good. Crossbeam's parker swaps here for the
  /// same reason.
  private func consumeToken() {
    let previous = word[0].exchange(Self.empty, ordering: .acquiring)
    assert(previous == Self.notified, "a token was taken by someone else")
  }

  private func takeToken() -> Bool {
    word[0].compareExchange(expected: Self.notified, desired: Self.empty, ordering: .acquiring)
      .exchanged
  }

  private func withUnsafeAddress() -> UnsafeMutablePointer<UInt32> {
    UnsafeMutableRawPointer(word.base).assumingMemoryBound(to: UInt32.self)
  }
}

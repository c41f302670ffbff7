import SNAtomics
import Synchronization

/// A value behind a tiny spin-then-yield lock, for the waiter lists' short
/// critical sections (an append, a removal, a phase change).
///
/// Why not `Mutex`: ThreadSanitizer cannot see the ordering that the
/// standard library's uninstrumented `Mutex` provides on Linux and reports
/// every protected access as a race; a lock built from `Atomic` operations
/// in this module is instrumented, so TSan checks the code for real.
///
/// `Value: Sendable`: the lock hands its value to whichever thread holds
/// it, so the compiler must know the value may cross threads.
final class _SpinLocked<Value: Sendable>: @unchecked Sendable {
  private let lock = _SpinLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
    try lock.withLock { try body(&value) }
  }
}

/// The lock word alone, kept inline in its owner (``_Waiter`` keeps one in
/// its own allocation: one allocation per waiter, not two).
///
/// Acquire on taking the word, release on giving it back: whatever the
/// holder wrote is seen by the next holder.
struct _SpinLock: ~Copyable {
  private let locked = Atomic<Bool>(false)

  init() {}

  func withLock<Result>(_ body: () throws -> Result) rethrows -> Result {
    if !locked.weakCompareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
      var backoff = Backoff()
      while !locked.weakCompareExchange(expected: false, desired: true, ordering: .acquiring)
        .exchanged
      {
        backoff.snooze()
      }
    }
    defer { locked.store(false, ordering: .releasing) }
    return try body()
  }
}

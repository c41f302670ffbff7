import Foundation
import Synchronization

/// Counts live `Tracked` values, to prove arenas run deinitialisers exactly once.
final class LifetimeCounter: Sendable {
  private let count = Atomic<Int>(0)
  private let deinits = Atomic<Int>(0)

  var live: Int { count.load(ordering: .relaxed) }
  var deinitialized: Int { deinits.load(ordering: .relaxed) }

  func born() { count.add(1, ordering: .relaxed) }
  func died() {
    count.subtract(1, ordering: .relaxed)
    deinits.add(1, ordering: .relaxed)
  }
}

/// A value whose copies are counted: each live instance holds one `Token`.
struct Tracked {
  let value: Int
  private let token: Token

  init(_ value: Int, _ counter: LifetimeCounter) {
    self.value = value
    token = Token(counter)
  }

  private final class Token {
    let counter: LifetimeCounter
    init(_ counter: LifetimeCounter) {
      self.counter = counter
      counter.born()
    }
    deinit { counter.died() }
  }
}

#if os(Linux) || os(macOS)
  let exitTestsSupported = true
#else
  let exitTestsSupported = false
#endif

/// A plain OS thread for tests that need two threads running at once
/// (the cooperative pool may have just one), joined explicitly.
final class OSThreadForTests: Sendable {
  private let done = DispatchSemaphore(value: 0)

  init(_ body: @escaping @Sendable () -> Void) {
    let thread = Thread { [done] in
      body()
      done.signal()
    }
    thread.start()
  }

  /// Waits until the body has returned.
  func join() { done.wait() }
}

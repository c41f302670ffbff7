import Synchronization

/// Counts live instances of ``Tracked`` values, to check exactly-once
/// destruction: no leak (every tracked value deinitialised) and no double
/// free (never more deinitialisations than creations).
public final class LifetimeTracker: Sendable {
  private let created = Atomic<Int>(0)
  private let destroyed = Atomic<Int>(0)

  /// Creates a tracker with no instances.
  public init() {}

  /// Makes a tracked value carrying `payload`.
  ///
  /// - Parameter payload: An integer the test can check on arrival.
  /// - Returns: A new tracked instance.
  public func instance(_ payload: Int) -> Tracked {
    created.wrappingAdd(1, ordering: .relaxed)
    return Tracked(payload, tracker: self)
  }

  fileprivate func didDeinit() { destroyed.wrappingAdd(1, ordering: .relaxed) }

  /// Instances created so far.
  public var createdCount: Int { created.load(ordering: .relaxed) }
  /// Instances deinitialised so far.
  public var destroyedCount: Int { destroyed.load(ordering: .relaxed) }
  /// Instances alive now.
  public var liveCount: Int { createdCount - destroyedCount }
}

/// A class instance whose deinitialisation a ``LifetimeTracker`` counts.
public final class Tracked: Sendable {
  /// The value the test gave it.
  public let payload: Int
  private let tracker: LifetimeTracker

  fileprivate init(_ payload: Int, tracker: LifetimeTracker) {
    self.payload = payload
    self.tracker = tracker
  }

  deinit { tracker.didDeinit() }
}

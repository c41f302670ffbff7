import Synchronization

/// A statistics counter on its own cache line, updated with relaxed atomics.
///
/// Relaxed updates order nothing: a counter says how many events happened,
/// never that their effects are visible. Keeping it on its own line means
/// counting never slows the data it counts.
///
/// Two ways to add:
/// - ``add(_:)`` is a read-modify-write, correct with any number of writers.
/// - ``addFromOwner(_:)`` is a plain load and store, cheaper, and correct only
///   while a single thread writes the counter (readers may be many).
public final class RelaxedCounter: Sendable {
  @usableFromInline let storage = PaddedAtomics<UInt64>(count: 1, initialValue: 0)

  /// Creates a counter at zero.
  public init() {}

  /// The current count.
  @inlinable
  public var value: UInt64 { storage[0].load(ordering: .relaxed) }

  /// Adds `amount`; safe with any number of concurrent writers.
  ///
  /// - Parameter amount: The amount to add (wraps on overflow).
  @inlinable
  public func add(_ amount: UInt64 = 1) {
    storage[0].wrappingAdd(amount, ordering: .relaxed)
  }

  /// Adds `amount` without a read-modify-write instruction.
  ///
  /// Only the counter's single owning thread may call it; concurrent callers
  /// would lose counts (never memory safety).
  ///
  /// - Parameter amount: The amount to add (wraps on overflow).
  @inlinable
  public func addFromOwner(_ amount: UInt64 = 1) {
    let current = storage[0].load(ordering: .relaxed)
    storage[0].store(current &+ amount, ordering: .relaxed)
  }
}

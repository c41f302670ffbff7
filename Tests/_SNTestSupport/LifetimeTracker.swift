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

/// Message counts for stress tests: large in optimised builds, small in
/// debug and sanitizer builds, overridable with `SN_STRESS_MESSAGES`.
public enum StressSize {
  /// The number of messages a stress test sends in total.
  public static var messages: Int {
    if let text = getenvString("SN_STRESS_MESSAGES"), let value = Int(text), value > 0 {
      return value
    }
    #if DEBUG
      return 20_000
    #else
      return 1_000_000
    #endif
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private func getenvString(_ name: String) -> String? {
  guard let value = getenv(name) else { return nil }
  return String(cString: value)
}

/// A value written by one thread and read by another after `join()`, which
/// orders the two; for collecting results from test threads.
public final class JoinedResult<Value>: @unchecked Sendable {
  /// The value; write it only on the worker thread, read it only after join.
  public var value: Value

  /// Creates a result holder with a starting value.
  ///
  /// - Parameter value: The starting value.
  public init(_ value: Value) { self.value = value }
}

/// Checks that every producer's sequence numbers `0..<perProducer` arrived
/// exactly once across all consumers' logs.
///
/// Each message is `producer << 32 | sequence`.
///
/// - Parameters:
///   - logs: Every consumer's received messages.
///   - producers: The number of producers.
///   - perProducer: Messages each producer sent.
/// - Returns: A description of the first problem, or `nil` if delivery was exactly-once.
public func exactlyOnceProblem(logs: [[UInt64]], producers: Int, perProducer: Int) -> String? {
  var seen = [[UInt8]](repeating: [UInt8](repeating: 0, count: perProducer), count: producers)
  for log in logs {
    var last = [Int](repeating: -1, count: producers)
    for message in log {
      let producer = Int(message >> 32)
      let sequence = Int(message & 0xFFFF_FFFF)
      guard producer < producers, sequence < perProducer else {
        return "unknown message \(producer):\(sequence)"
      }
      if sequence <= last[producer] {
        return "producer \(producer): \(sequence) after \(last[producer]) (order broken)"
      }
      last[producer] = sequence
      if seen[producer][sequence] != 0 { return "producer \(producer): \(sequence) twice" }
      seen[producer][sequence] = 1
    }
  }
  for producer in 0..<producers {
    if let missing = seen[producer].firstIndex(of: 0) {
      return "producer \(producer): \(missing) never arrived"
    }
  }
  return nil
}

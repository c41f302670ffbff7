import CSNShim

/// Exponential backoff for spin loops: spin with the CPU's pause hint, then
/// yield the core, then tell the caller to park.
///
/// Use ``spin()`` between retries of a failed compare-and-swap, and
/// ``snooze()`` while waiting for another thread to make progress. Once
/// ``shouldPark`` is true, spinning has stopped paying off and the caller
/// should sleep (for example on an ``UnsafeEventCount`` or a ``Parker``).
///
/// <!-- snippet: setup
/// let parker = Parker()
/// func ready() -> Bool { true }
/// -->
/// ```swift
/// var backoff = Backoff()
/// while !ready() {
///   if backoff.shouldPark { parker.park(); backoff.reset() } else { backoff.snooze() }
/// }
/// ```
@frozen
public struct Backoff: Sendable {
  @usableFromInline var step: UInt32 = 0

  /// The strategy whose limits this backoff follows.
  public let strategy: WaitStrategy

  /// Creates a backoff that follows `strategy`.
  ///
  /// - Parameter strategy: Spin and yield limits; ``WaitStrategy/default`` if omitted.
  @inlinable
  public init(strategy: WaitStrategy = .default) {
    self.strategy = strategy
  }

  /// Spins `2^step` pause instructions (capped), for contention on a shared
  /// atomic. Never yields.
  @inlinable
  public mutating func spin() {
    let exponent = min(step, strategy.spinExponent)
    for _ in 0..<(1 << exponent) { csn_cpu_relax() }
    if step <= strategy.spinExponent { step &+= 1 }
  }

  /// Waits a little longer each call: spins while within the spin budget,
  /// then yields the core to other threads.
  @inlinable
  public mutating func snooze() {
    if step <= strategy.spinExponent {
      for _ in 0..<(1 << step) { csn_cpu_relax() }
    } else {
      csn_yield()
    }
    step &+= 1
  }

  /// Whether spinning and yielding are used up and the caller should park.
  ///
  /// Always `false` for a strategy that never parks.
  @inlinable
  public var shouldPark: Bool {
    strategy.parks && step > strategy.spinExponent &+ strategy.yieldCount
  }

  /// One CPU spin-wait hint (`pause` on x86, `yield` on arm64): put it in
  /// any loop that polls memory another thread will change.
  @inlinable @inline(__always)
  public static func pause() { csn_cpu_relax() }

  /// Gives the core to another thread (`sched_yield`).
  @inlinable
  public static func yieldCore() { csn_yield() }

  /// Starts over from the shortest wait.
  @inlinable
  public mutating func reset() { step = 0 }
}

/// How a blocked thread waits: how long it spins, how often it yields, and
/// whether it finally parks.
///
/// On this library's reference machine (2-vCPU EPYC VM), a futex wake-up of a
/// thread that is already asleep costs tens of microseconds, while a thread
/// still spinning notices new data in about 0.3 µs; so the default spins for
/// a few microseconds before it parks.
public struct WaitStrategy: Sendable, Hashable {
  /// Spin rounds double the pause count up to `2^spinExponent` pauses.
  public var spinExponent: UInt32
  /// How many `sched_yield` calls follow the spinning.
  public var yieldCount: UInt32
  /// Whether the thread finally parks (sleeps until woken). A strategy that
  /// does not park keeps yielding forever and never sleeps.
  public var parks: Bool

  /// Creates a strategy.
  ///
  /// - Parameters:
  ///   - spinExponent: Spin rounds go up to `2^spinExponent` pauses (at most 16).
  ///   - yieldCount: Yields after spinning.
  ///   - parks: Whether to park afterwards.
  @inlinable
  public init(spinExponent: UInt32, yieldCount: UInt32, parks: Bool) {
    precondition(spinExponent <= 16, "spinExponent \(spinExponent) is above 16")
    self.spinExponent = spinExponent
    self.yieldCount = yieldCount
    self.parks = parks
  }

  /// Spin about 1–2 k pauses in total, yield a few times, then park.
  @inlinable
  public static var `default`: WaitStrategy {
    WaitStrategy(spinExponent: 7, yieldCount: 4, parks: true)
  }

  /// Park almost at once: least CPU while idle, slowest wake-up.
  @inlinable
  public static var lowCPU: WaitStrategy {
    WaitStrategy(spinExponent: 2, yieldCount: 1, parks: true)
  }

  /// Spin and yield forever, never sleep: lowest latency, burns a core while
  /// idle. Only for threads that own a dedicated core.
  @inlinable
  public static var spinThenYield: WaitStrategy {
    WaitStrategy(spinExponent: 7, yieldCount: 0, parks: false)
  }
}

import SNAtomics
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// What a worker threw when the pool's policy was ``WorkerErrorPolicy/stopPool``.
public struct WorkerFailure: Sendable, CustomStringConvertible {
  /// The worker whose handler threw.
  public let workerIndex: Int
  /// The error it threw.
  public let error: any Error

  /// The worker and the error.
  public var description: String { "worker \(workerIndex) failed: \(error)" }
}

/// How a pool ended: each worker's final state, anything that was never
/// processed, and the final statistics.
public struct PoolTermination<W: Worker> {
  /// Each worker's final state, by worker index.
  public var states: [W.State]
  /// Messages accepted but never processed: always empty after a graceful
  /// ``WorkerPool/shutdown()``; after ``WorkerPool/stop()`` or a
  /// ``WorkerErrorPolicy/stopPool`` failure, what was still queued.
  public var unprocessed: [Envelope<W.Message>]
  /// The error that stopped the pool, if one did.
  public var failure: WorkerFailure?
  /// The counters after every thread finished (exact).
  public var statistics: PoolStatistics

  /// Combines the workers' states into one value (shared-nothing
  /// aggregation: no locks were ever needed).
  ///
  /// - Parameters:
  ///   - initial: The starting value.
  ///   - combine: Folds one worker's state into the result.
  /// - Returns: The combined value.
  public func reduce<Result>(
    _ initial: Result, _ combine: (Result, W.State) throws -> Result
  ) rethrows -> Result {
    try states.reduce(initial, combine)
  }
}

struct _Lifecycle<W: Worker>: ~Copyable {
  enum Phase {
    case created
    case running
    case closing
    case terminated
  }

  var phase = Phase.created
  var threads: [OSThread] = []
  var closers: [OSThread] = []
  var submitters: [_SubmitterRecord] = []
  var termination: _Unchecked<PoolTermination<W>>?
  var failure: WorkerFailure?
  var waiters: [CheckedContinuation<Void, Never>] = []
}

enum _TerminateAction {
  case close(startFirst: Bool)
  case wait
}

/// Carries a value the lifecycle lock protects; the lock gives the ordering.
struct _Unchecked<Value>: @unchecked Sendable {
  var value: Value
}

/// What one worker thread leaves behind for the thread that joins it.
@usableFromInline
final class _WorkerRemains<W: Worker>: @unchecked Sendable {
  @usableFromInline var state: W.State?
  @usableFromInline var unprocessed: [Envelope<W.Message>] = []
  @usableFromInline init() {}
}

extension WorkerPool {
  /// Graceful shutdown: stops intake, lets every worker drain every accepted
  /// message, runs a final tick, joins the threads and returns the states.
  ///
  /// Blocks the calling thread until the workers finish; from Swift
  /// concurrency use ``shutdownGracefully()``. Sends racing with shutdown
  /// either succeed (and are processed) or fail with ``PoolError/shutDown``,
  /// handing their message back. A pool never started is started first, so
  /// messages queued before `start()` are processed too. Calling it again,
  /// or after ``stop()``, returns the same termination.
  ///
  /// - Returns: The final states, statistics and (for a pool stopped by a
  ///   failure) what was left unprocessed.
  @discardableResult
  public func shutdown() -> PoolTermination<W> {
    defer { joinClosers() }
    return terminate(immediate: false)
  }

  /// Immediate stop: intake closes, each worker stops after the message it
  /// is handling, and messages still queued are handed back in
  /// ``PoolTermination/unprocessed`` (no final tick).
  ///
  /// - Returns: The final states, statistics and unprocessed messages.
  @discardableResult
  public func stop() -> PoolTermination<W> {
    defer { joinClosers() }
    return terminate(immediate: true)
  }

  /// Joins the helper threads that ran shutdowns; they are done or about to
  /// return (they resume waiters as their last step), so this waits at most
  /// a few microseconds.
  func joinClosers() {
    for closer in lifecycle.withLock({ $0.closers }) { closer.join() }
  }

  /// Starts a graceful shutdown (or an immediate stop) on a background
  /// thread and returns at once. Safe to call from any context, including
  /// a task-cancellation handler.
  ///
  /// - Parameter immediate: `true` for ``stop()``, `false` for ``shutdown()``.
  public func requestShutdown(immediate: Bool = false) {
    let thread = OSThread.spawn(name: "sn-pool-close") { [self] in
      _ = terminate(immediate: immediate)
    }
    lifecycle.withLock { $0.closers.append(thread) }
  }

  /// Suspends until the pool has terminated (by ``shutdown()``, ``stop()``,
  /// ``requestShutdown(immediate:)`` or a ``WorkerErrorPolicy/stopPool``
  /// failure), without blocking a thread.
  public func waitUntilTerminated() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let done = lifecycle.withLock { state -> Bool in
        if case .terminated = state.phase { return true }
        state.waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
    joinClosers()
  }

  /// Whether the pool has terminated.
  public var isTerminated: Bool {
    lifecycle.withLock { state in
      if case .terminated = state.phase { return true }
      return false
    }
  }

  func terminate(immediate: Bool) -> PoolTermination<W> {
    let action = lifecycle.withLock { state -> _TerminateAction in
      switch state.phase {
      case .created:
        state.phase = .closing
        return .close(startFirst: true)
      case .running:
        state.phase = .closing
        return .close(startFirst: false)
      case .closing, .terminated:
        return .wait
      }
    }
    switch action {
    case .close(let startFirst):
      if startFirst { spawnThreads() }
      if immediate {
        stopRequested.store(true, ordering: .releasing)
        for slot in slots { slot.doorbell.wake(count: 1) }
      }
      closeSubmitterIntake()
      for slot in slots { slot.closeGate() }
      for slot in slots { slot.closeQueueWhenIdle() }
      let threads = lifecycle.withLock { $0.threads }
      for thread in threads { thread.join() }
      _collectMeshLeftovers()
      results.closeSender()
      var states: [W.State] = []
      var unprocessed: [Envelope<W.Message>] = []
      for remain in remains {
        if let state = remain.state { states.append(state) }
        unprocessed += remain.unprocessed
      }
      let statistics = self.statistics
      let waiters = lifecycle.withLock { state -> [CheckedContinuation<Void, Never>] in
        state.termination = _Unchecked(
          value: PoolTermination(
            states: states, unprocessed: unprocessed, failure: state.failure,
            statistics: statistics))
        state.phase = .terminated
        defer { state.waiters = [] }
        return state.waiters
      }
      for waiter in waiters { waiter.resume() }
    case .wait:
      while !isTerminated { usleep(500) }
    }
    return lifecycle.withLock { $0.termination!.value }
  }

  /// Records the first failure and asks for an immediate stop (from a
  /// worker thread under ``WorkerErrorPolicy/stopPool``).
  func failPool(_ failure: WorkerFailure) {
    let first = lifecycle.withLock { state -> Bool in
      guard state.failure == nil else { return false }
      state.failure = failure
      return true
    }
    stopRequested.store(true, ordering: .releasing)
    if first { requestShutdown(immediate: true) }
  }
}

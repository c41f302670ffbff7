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
///
/// The states and the unprocessed messages are handed out once: the first
/// call of ``WorkerPool/shutdown()``, ``WorkerPool/stop()`` or
/// ``WorkerPool/shutdownGracefully()`` that collects the termination gets
/// them (``includesRemains`` is `true`). Every later call gets the same
/// failure and statistics, with empty ``states`` and ``unprocessed`` and
/// ``includesRemains`` `false`. A state need not be `Sendable`, so two
/// callers must never hold the same one; and an unprocessed message has
/// one owner, who retries or disposes of it.
public struct PoolTermination<W: Worker> {
  /// Each worker's final state, by worker index; empty unless
  /// ``includesRemains``.
  public var states: [W.State]
  /// Messages accepted but never processed: always empty after a graceful
  /// ``WorkerPool/shutdown()``; after ``WorkerPool/stop()`` or a
  /// ``WorkerErrorPolicy/stopPool`` failure, what was still queued. Empty
  /// unless ``includesRemains``.
  public var unprocessed: [Envelope<W.Message>]
  /// Whether this is the one hand-out that carries the workers' ``states``
  /// and the ``unprocessed`` messages (the first collection); `false` for
  /// every later one.
  public var includesRemains = true
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
    /// `start()` is spawning the worker threads; a termination waits until
    /// they are all recorded in `threads`.
    case starting
    case running
    case closing
    case terminated
  }

  var phase = Phase.created
  var threads: [OSThread] = []
  var closers: [OSThread] = []
  var submitters: [_SubmitterRecord] = []
  /// Set once the pool has terminated. The first collector takes its
  /// states and unprocessed messages out (see ``PoolTermination``).
  var termination: _Unchecked<PoolTermination<W>>?
  var failure: WorkerFailure?
  var waiters: [CheckedContinuation<Void, Never>] = []
}

enum _TerminateAction {
  case close(startFirst: Bool)
  /// `start()` is between spawning the threads and recording them.
  case waitForStart
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
  /// messages queued before `start()` are processed too. Racing `start()`
  /// on another thread is safe: one of them starts the threads, and shutdown
  /// joins them all.
  ///
  /// The first call that collects the termination (this, ``stop()`` or
  /// ``shutdownGracefully()``) gets the workers' states and the unprocessed
  /// messages; a later call, or one after ``stop()``, waits for the same
  /// termination and gets its failure and statistics without them
  /// (``PoolTermination/includesRemains`` is `false`). The result is
  /// `sending`: no other reference to its states exists, so the caller may
  /// hand it to another task or thread even when `W.State` is not
  /// `Sendable`.
  ///
  /// - Returns: The final states, statistics and (for a pool stopped by a
  ///   failure) what was left unprocessed.
  @discardableResult
  public func shutdown() -> sending PoolTermination<W> {
    terminate(immediate: false)
    joinClosers()
    return collectTermination()
  }

  /// Immediate stop: intake closes, each worker stops after the message it
  /// is handling, and messages still queued are handed back in
  /// ``PoolTermination/unprocessed`` (no final tick).
  ///
  /// As for ``shutdown()``, only the first call that collects the
  /// termination gets the states and the unprocessed messages.
  ///
  /// - Returns: The final states, statistics and unprocessed messages.
  @discardableResult
  public func stop() -> sending PoolTermination<W> {
    terminate(immediate: true)
    joinClosers()
    return collectTermination()
  }

  /// Hands out the termination: the states and unprocessed messages to the
  /// first caller, the rest to everyone (the pool has terminated).
  func collectTermination() -> sending PoolTermination<W> {
    lifecycle.withLock { state in
      guard let stored = state.termination?.value else {
        preconditionFailure("collecting the termination of a running pool")
      }
      if stored.includesRemains {
        // Replaced whole: mutating the fields through the optional chain
        // (`state.termination?.value.states = []`) left the handed-out
        // arrays retained (Swift 6.3.1), so states and unprocessed messages
        // outlived their collector.
        var rest = stored
        rest.states = []
        rest.unprocessed = []
        rest.includesRemains = false
        state.termination = _Unchecked(value: rest)
      }
      return stored
    }
  }

  /// Joins the helper threads that ran shutdowns; they are done or about to
  /// return (they resume waiters as their last step), so this waits at most
  /// a few microseconds.
  func joinClosers() {
    for closer in lifecycle.withLock({ $0.closers }) { closer.join() }
  }

  /// Starts a graceful shutdown (or an immediate stop) on a background
  /// thread and returns at once. Safe to call from any context, including
  /// a task-cancellation handler, and while ``start()`` runs on another
  /// thread. It collects nothing: the states and unprocessed messages wait
  /// for the first ``shutdown()``, ``stop()`` or ``shutdownGracefully()``.
  ///
  /// - Parameter mode: ``ShutdownMode/immediate`` to stop as ``stop()`` does, ``ShutdownMode/graceful`` (the default) to drain as ``shutdown()`` does.
  public func requestShutdown(_ mode: ShutdownMode = .graceful) {
    let thread = OSThread.spawn(name: "sn-pool-close") { [self] in
      terminate(immediate: mode == .immediate)
    }
    lifecycle.withLock { $0.closers.append(thread) }
  }

  /// Suspends until the pool has terminated (by ``shutdown()``, ``stop()``,
  /// ``requestShutdown(_:)`` or a ``WorkerErrorPolicy/stopPool``
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

  /// Ends the pool, or waits until the termination another caller began
  /// is complete; afterwards `lifecycle.termination` is set.
  func terminate(immediate: Bool) {
    while true {
      let action = lifecycle.withLock { state -> _TerminateAction in
        switch state.phase {
        case .created:
          state.phase = .closing
          return .close(startFirst: true)
        case .starting:
          return .waitForStart
        case .running:
          state.phase = .closing
          return .close(startFirst: false)
        case .closing, .terminated:
          return .wait
        }
      }
      switch action {
      case .close(let startFirst):
        close(immediate: immediate, startFirst: startFirst)
        return
      case .waitForStart:
        // `start()` records its threads right after spawning them (it waits
        // for nothing else), so this lasts microseconds. Joining before that
        // would miss threads and close the results under them.
        usleep(50)
      case .wait:
        while !isTerminated { usleep(500) }
        return
      }
    }
  }

  /// The closing itself, by the one caller that moved the phase to
  /// `closing`: every worker thread is recorded by now.
  private func close(immediate: Bool, startFirst: Bool) {
    if startFirst {
      let threads = spawnThreads()
      lifecycle.withLock { $0.threads = threads }
    }
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
      // Moved, not copied: the termination becomes their one owner, so they
      // are freed when its collector lets go (an unanswered `Ask` among
      // them then fails its asker at once, not at its timeout).
      remain.state = nil
      remain.unprocessed = []
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
    if first { requestShutdown(.immediate) }
  }
}

import SNAtomics
import Synchronization

/// A serial executor and task executor that runs every job on one OS thread
/// of its own, optionally pinned to a CPU: place an actor or a task on a
/// specific core.
///
/// ```swift
/// let executor = PinnedExecutor(name: "book", cpu: 1)
///
/// actor OrderBook {
///   let executor: PinnedExecutor
///   init(executor: PinnedExecutor) { self.executor = executor }
///   nonisolated var unownedExecutor: UnownedSerialExecutor {
///     executor.asUnownedSerialExecutor()
///   }
/// }
///
/// Task(executorPreference: executor) { /* runs on the pinned thread */ }
/// ```
///
/// The job queue is this library's MPSC channel: enqueuing is one
/// compare-and-swap, and the worker spins briefly, then parks on a futex
/// when idle (it uses no CPU while there is nothing to do). When the channel
/// is full, jobs go to an unbounded overflow list instead, so `enqueue`
/// never blocks (a job may enqueue jobs on its own executor). Jobs run in
/// the order they were enqueued by each enqueuer.
///
/// The executor lives until `shutdown()`: its thread keeps it alive, as
/// the jobs that reference it must be able to run.
public final class PinnedExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
  private let jobs: MultiSender<UnownedJob>
  private let overflow = _SpinLocked<[UnownedJob]>([])
  private let overflowCount = Atomic<Int>(0)
  private let isShutDown = Atomic<Bool>(false)
  /// Enqueues in progress (low bits) and ``closedBit``: `shutdown()` closes
  /// the job channel only once no enqueue is between its check and its
  /// publish (see ``enqueue(_:)``).
  private let gate = Atomic<Int>(0)
  private static let closedBit = 1 << 62
  private let workerThreadID = Atomic<Int64>(-1)
  private let worker = _SpinLocked<OSThread?>(nil)
  /// Whether `run` returned, and the task of an async `shutdown()` to resume then.
  private let exitState = _SpinLocked<(finished: Bool, waiter: CheckedContinuation<Void, Never>?)>(
    (false, nil))

  /// Starts the executor's thread.
  ///
  /// - Parameters:
  ///   - name: The thread's name (debuggers, `top -H`).
  ///   - cpu: The CPU to pin the thread to, or `nil` to leave it unpinned;
  ///     a pin the OS refuses leaves it unpinned (see ``pinnedCPU``).
  ///   - capacity: Jobs the lock-free queue holds before jobs overflow
  ///     into a locked list; rounded up to a power of two.
  ///   - waitStrategy: How the idle worker waits.
  public init(
    name: String = "sn-executor", cpu: Int? = nil, capacity: Int = 1024,
    waitStrategy: WaitStrategy = .default
  ) {
    precondition(capacity >= 1 && capacity <= ChannelCapacity.maximum, "capacity \(capacity)")
    let channel = try! SNChannel<UnownedJob>.mpsc(capacity: capacity, waitStrategy: waitStrategy)
    jobs = channel.sender
    let receiver = channel.receiver
    let thread = OSThread.spawn(name: name, cpu: cpu, taking: receiver) { [self] rx in
      workerThreadID.store(OSThread.currentThreadID, ordering: .releasing)
      run(&rx)
      let waiter = exitState.withLock { state in
        state.finished = true
        return state.waiter.take()
      }
      waiter?.resume()
    }
    worker.withLock { $0 = thread }
  }

  /// The CPU the worker thread is pinned to, or `nil`.
  public var pinnedCPU: Int? { worker.withLock { $0?.pinnedCPU } }

  /// Whether the calling thread is this executor's worker thread.
  public var isCurrentThread: Bool {
    workerThreadID.load(ordering: .acquiring) == OSThread.currentThreadID
  }

  /// Queues a job to run on the worker thread. Never blocks.
  ///
  /// - Parameter job: The job.
  public func enqueue(_ job: consuming ExecutorJob) {
    // The gate: entering and leaving are RMWs on `gate`, as is shutdown's
    // closing OR, so they are totally ordered. An enqueue that entered
    // before the OR is counted, and shutdown waits until it has left; the
    // leave is a release that shutdown's acquire load reads, so the job's
    // publish happens before the channel closes, and the worker, which
    // acquires the close, sees it. An enqueue after the OR sees the bit and
    // traps. (Without the gate an enqueue racing shutdown could publish
    // after the worker saw the channel closed and empty: the job vanished;
    // issue 15, item 3.)
    let entered = gate.wrappingAdd(1, ordering: .acquiring).oldValue
    precondition(entered & Self.closedBit == 0, "job enqueued on a shut-down PinnedExecutor")
    defer { gate.wrappingSubtract(1, ordering: .releasing) }
    let job = UnownedJob(job)
    if overflowCount.load(ordering: .relaxed) == 0 {
      do {
        try jobs.trySend(job)
        return
      } catch {}
    }
    overflow.withLock { $0.append(job) }
    overflowCount.wrappingAdd(1, ordering: .releasing)
    // The worker's wait re-checks `overflowCount`: the usual event-count protocol.
    jobs.ring.receiverEvents.notify(jobs.ring.fence)
  }

  /// This executor as an actor's serial executor.
  ///
  /// - Returns: An unowned reference to `self`.
  public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
    UnownedSerialExecutor(ordinary: self)
  }

  /// This executor as a task executor (for `Task(executorPreference:)`).
  ///
  /// - Returns: An unowned reference to `self`.
  public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
    UnownedTaskExecutor(ordinary: self)
  }

  /// Traps unless called on the worker thread (used by `assumeIsolated`).
  public func checkIsolated() {
    precondition(isCurrentThread, "not on the PinnedExecutor's thread")
  }

  /// Whether the caller runs on the worker thread.
  ///
  /// - Returns: `true` on the worker thread.
  public func isIsolatingCurrentContext() -> Bool? { isCurrentThread }

  /// Stops accepting jobs, lets the worker run every job already queued,
  /// and waits for its thread to end. Enqueuing afterwards traps.
  ///
  /// Call it from outside the executor, once the actors and tasks that use
  /// it are done. It blocks the calling thread: from async code use the
  /// `async` overload, which does not.
  public func shutdown() {
    precondition(!isCurrentThread, "shutdown() called on the executor's own thread")
    guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
    closeGate()
    let thread = worker.withLock { $0.take() }
    thread?.join()
  }

  /// Stops new enqueues, waits for those in progress to publish, then
  /// tells the worker that no more jobs will come. Closing the receiving
  /// side while `jobs` lives is sound only because no send is in flight
  /// once the gate is drained (the close detection assumes it).
  private func closeGate() {
    gate.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing)
    var backoff = Backoff()
    while gate.load(ordering: .acquiring) != Self.closedBit { backoff.snooze() }
    jobs.ring.control.markSendersGone()
  }

  /// Stops accepting jobs, lets the worker run every job already queued,
  /// and suspends the calling task (never blocking its thread) until the
  /// worker thread has finished. Enqueuing afterwards traps.
  ///
  /// The async form of the blocking `shutdown()`: a join that waits for queued jobs
  /// must not run on a cooperative thread (on a 2-core machine the pool has
  /// two, and blocking one while the jobs need the other deadlocks it). The
  /// worker resumes the task as its last action; the join that follows
  /// waits only for the thread's exit, never for other work.
  nonisolated(nonsending)
    public func shutdown() async
  {
    precondition(!isCurrentThread, "shutdown() called on the executor's own thread")
    guard !isShutDown.exchange(true, ordering: .acquiringAndReleasing) else { return }
    closeGate()
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let finished = exitState.withLock { state -> Bool in
        if state.finished { return true }
        state.waiter = continuation
        return false
      }
      if finished { continuation.resume() }
    }
    let thread = worker.withLock { $0.take() }
    thread?.join()
  }

  #if DEBUG
    /// The identities the schedule hook reports for the job channel (tests).
    package var scheduleIdentities: [ObjectIdentifier] { jobs.ring.control.scheduleIdentities }
  #endif

  private func takeOverflow() -> UnownedJob? {
    guard overflowCount.load(ordering: .acquiring) > 0 else { return nil }
    let job = overflow.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    if job != nil { overflowCount.wrappingSubtract(1, ordering: .relaxed) }
    return job
  }

  private func run(_ rx: inout MPSCReceiver<UnownedJob>) {
    let serial = asUnownedSerialExecutor()
    let task = asUnownedTaskExecutor()
    let ring = jobs.ring
    while true {
      let job: UnownedJob
      do {
        job = try _blockingLoop(
          events: ring.receiverEvents, control: ring.control, deadline: nil,
          attempt: { () throws(SNChannelError) -> UnownedJob? in
            do throws(SNChannelError) {
              if let job = try rx.tryReceive() { return job }
            } catch {
              if let job = takeOverflow() { return job }
              throw error
            }
            return takeOverflow()
          },
          ready: { ring.readyToReceive() || self.overflowCount.load(ordering: .relaxed) > 0 })
      } catch {
        return  // shut down and drained
      }
      job.runSynchronously(isolatedTo: serial, taskExecutor: task)
    }
  }
}

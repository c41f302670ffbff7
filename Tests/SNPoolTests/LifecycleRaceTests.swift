import SNAtomics
import SNPool
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Throws on the message `3`, counts every other one.
struct ThrowsAtThreeWorker: Worker {
  struct Failure: Error {}

  func makeState(workerIndex: Int) -> Int { 0 }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout Int, context: inout WorkerContext<Self>
  ) throws {
    if envelope.message == 3 { throw Failure() }
    state += 1
  }
}

/// Inside an exit test: ends the child process with a failure (and says
/// why) unless `condition` holds, so a broken promise fails the parent test
/// just as a crash does.
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
  guard !condition else { return }
  var text = "requirement failed: \(message())\n"
  text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
  exit(1)
}

/// Sends `values` round-robin over the workers (blocking sends; from a
/// synchronous context, so async callers do not pick the async overload).
func queue(_ values: Range<Int>, into pool: WorkerPool<ThrowsAtThreeWorker>) {
  for value in values { try! pool.send(value, toWorker: value % pool.workerCount) }
}

/// Records what a failed child process wrote to its standard error.
func reportChildErrors(_ result: ExitTest.Result?) {
  guard let result else { return }
  if case .exitCode(0) = result.exitStatus { return }
  Issue.record("child: \(String(decoding: result.standardErrorContent, as: UTF8.self))")
}

/// Terminations racing `start()`. The old code crashed here ("results closed
/// early") or lost the workers' states, so each scenario runs in a child
/// process: a crash fails the test instead of ending the run.
@Suite("WorkerPool termination racing start")
struct LifecycleRaceTests {
  @Test("a stopPool failure during start loses nothing: every message processed or handed back")
  func failureDuringStart() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardErrorContent]
    ) {
      for round in 0..<20 {
        let pool = try! WorkerPool(
          worker: ThrowsAtThreeWorker(),
          configuration: PoolConfiguration().withWorkerCount(4).withErrorPolicy(.stopPool)
            .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(1024)))
        queue(0..<1000, into: pool)
        try! pool.start()
        await pool.waitUntilTerminated()
        let termination = pool.shutdown()
        require(termination.failure != nil, "round \(round): no failure reported")
        require(termination.states.count == 4, "round \(round): \(termination.states.count) states")
        let handled = termination.states.reduce(0, +) + 1  // + the message that threw
        require(
          handled + termination.unprocessed.count == 1000,
          "round \(round): \(handled) handled + \(termination.unprocessed.count) unprocessed")
        require(
          termination.statistics.processed + UInt64(termination.unprocessed.count) == 1000,
          "round \(round): statistics \(termination.statistics.processed)")
      }
    }
    reportChildErrors(result)
  }

  @Test("start() on one thread racing shutdown() on another: one wins, nothing is lost")
  func startRacingShutdown() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardErrorContent]
    ) {
      for round in 0..<200 {
        let pool = try! WorkerPool(
          worker: ThrowsAtThreeWorker(),
          configuration: PoolConfiguration().withWorkerCount(2))
        queue(10..<110, into: pool)
        let starter = OSThread.spawn(name: "starter") {
          do throws(PoolError) {
            try pool.start()
          } catch {
            require(error == .alreadyStarted, "round \(round): start threw \(error)")
          }
        }
        let termination = pool.shutdown()
        starter.join()
        require(termination.states.count == 2, "round \(round): \(termination.states.count) states")
        require(
          termination.states.reduce(0, +) == 100,
          "round \(round): \(termination.states.reduce(0, +)) of 100 processed")
      }
    }
    reportChildErrors(result)
  }

  @Test("run() as a task, then requestShutdown(): the pool drains and terminates")
  func runThenRequestShutdown() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardErrorContent]
    ) {
      for round in 0..<50 {
        let pool = try! WorkerPool(
          worker: ThrowsAtThreeWorker(),
          configuration: PoolConfiguration().withWorkerCount(2))
        queue(10..<60, into: pool)
        let task = Task { try await pool.run() }
        pool.requestShutdown()
        await pool.waitUntilTerminated()
        do {
          try await task.value
        } catch {
          // A shutdown that won the race to start() makes run() report it.
          require(error as? PoolError == .alreadyStarted, "round \(round): run threw \(error)")
        }
        let termination = pool.shutdown()
        require(termination.states.count == 2, "round \(round): \(termination.states.count) states")
        require(
          termination.states.reduce(0, +) == 50,
          "round \(round): \(termination.states.reduce(0, +)) of 50 processed")
      }
    }
    reportChildErrors(result)
  }
}

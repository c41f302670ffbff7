#if DEBUG
  import SNAtomics
  @testable import SNChannels
  import Synchronization
  import Testing

  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Darwin)
    import Darwin
  #endif

  extension ScheduleHookTests {
    /// Issue 15, item 3: an enqueue whose slot is claimed when `shutdown()`
    /// starts must run (or trap), never vanish. Before the fix the worker
    /// saw the channel closed with an empty head slot and exited, and the
    /// job never ran.
    @Test func enqueueRacingShutdownStillRuns() async throws {
      let executor = PinnedExecutor(name: "sn-race")
      let ids = Set(executor.scheduleIdentities)
      let once = Once()
      let stopper = _SpinLocked<AsyncJoinable?>(nil)
      _DebugSchedule.install { point, id in
        guard point == .sendClaimed, ids.contains(id), once.take() else { return }
        let thread = spawnThread(taking: 0) { _ in executor.shutdown() }
        stopper.withLock { $0 = thread }
        usleep(50_000)  // shutdown runs while this job's slot is claimed
      }
      let counter = PinnedCounter(executor: executor)
      let ran = SharedFlag()
      // An actor job: it returns to the caller's executor afterwards, so
      // nothing is enqueued on the executor once it is shut down.
      Task.detached {
        _ = await counter.increment()
        ran.set()
      }
      // Generous limits: a vanished job never runs, while under the full
      // ThreadSanitizer suite the cooperative pool that resumes the task
      // can be busy for seconds (3 s failed there once; alone it takes
      // well under a second).
      #expect(await waitInTask(seconds: 30) { stopper.withLock { $0 != nil } })
      _DebugSchedule.install(nil)
      #expect(await waitInTask(seconds: 60) { ran.isSet }, "the job vanished")
      let thread = stopper.withLock { $0.take() }
      await thread?.join()
    }
  }
#endif

import SNAtomics
import Synchronization
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// CPU time the calling thread has used, in nanoseconds.
private func threadCPUNanoseconds() -> UInt64 {
  var spec = timespec()
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &spec)
  return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

@Suite struct PaddingTests {
  @Test func atomicsSitOnSeparateAlignedLines() {
    let atomics = PaddedAtomics<Int>(count: 3, initialValue: 7)
    var addresses: [UInt] = []
    for index in 0..<3 {
      #expect(atomics[index].load(ordering: .relaxed) == 7)
      withUnsafePointer(to: atomics[index]) { addresses.append(UInt(bitPattern: $0)) }
    }
    for address in addresses { #expect(address % UInt(CacheLine.padding) == 0) }
    #expect(addresses[1] - addresses[0] == UInt(CacheLine.padding))
    atomics[1].store(42, ordering: .relaxed)
    #expect(atomics[0].load(ordering: .relaxed) == 7)
    #expect(atomics[1].load(ordering: .relaxed) == 42)
  }

  @Test func paddingIsAtLeastTheReportedLine() {
    #expect(CacheLine.padding >= 64)
    if let reported = CacheLine.reportedSize { #expect(CacheLine.padding >= reported) }
  }
}

@Suite struct CounterTests {
  @Test func concurrentAddsAreAllCounted() {
    let counter = RelaxedCounter()
    let threads = (0..<4).map { _ in
      OSThread.spawn { for _ in 0..<10_000 { counter.add() } }
    }
    for thread in threads { thread.join() }
    #expect(counter.value == 40_000)
  }

  @Test func ownerAddsAccumulate() {
    let counter = RelaxedCounter()
    for _ in 0..<100 { counter.addFromOwner(3) }
    #expect(counter.value == 300)
  }
}

@Suite struct BackoffTests {
  @Test func defaultStrategyParksAfterSpinAndYield() {
    var backoff = Backoff()
    var rounds = 0
    while !backoff.shouldPark {
      backoff.snooze()
      rounds += 1
    }
    let strategy = WaitStrategy.default
    #expect(rounds == Int(strategy.spinExponent + strategy.yieldCount + 1))
    backoff.reset()
    #expect(!backoff.shouldPark)
  }

  @Test func spinThenYieldNeverParks() {
    var backoff = Backoff(strategy: .spinThenYield)
    for _ in 0..<100 { backoff.snooze() }
    #expect(!backoff.shouldPark)
  }
}

@Suite struct ParkerTests {
  @Test func unparkBeforeParkIsRemembered() {
    let parker = Parker()
    parker.unpark()
    #expect(parker.park(deadline: MonotonicClock.deadline(after: .seconds(5))))
  }

  @Test func parkTimesOut() {
    let parker = Parker(spinCount: 10)
    let start = MonotonicClock.nanoseconds
    #expect(!parker.park(deadline: MonotonicClock.deadline(after: .milliseconds(30))))
    #expect(MonotonicClock.nanoseconds - start >= 29_000_000)
  }

  @Test func parkedThreadWakesAndSleepsWithoutBurningCPU() {
    let parker = Parker()
    let cpuUsed = Atomic<UInt64>(0)
    let woke = Atomic<Bool>(false)
    let thread = OSThread.spawn {
      let before = threadCPUNanoseconds()
      let unparked = parker.park(deadline: MonotonicClock.deadline(after: .seconds(10)))
      cpuUsed.store(threadCPUNanoseconds() - before, ordering: .relaxed)
      woke.store(unparked, ordering: .releasing)
    }
    // Let it go to sleep, then wake it.
    let sleepUntil = MonotonicClock.deadline(after: .milliseconds(300))
    while MonotonicClock.nanoseconds < sleepUntil { usleep(10_000) }
    parker.unpark()
    thread.join()
    let didWake = woke.load(ordering: .acquiring)
    #expect(didWake)
    // 300 ms parked; spinning would have used ~300 ms of CPU.
    #expect(cpuUsed.load(ordering: .relaxed) < 50_000_000)
  }
}

@Suite struct EventCountTests {
  @Test func waiterWakesOnNotifyAndTimesOutOtherwise() {
    let words = PaddedAtomics<Int>(count: 1, initialValue: 0)
    let epoch = UnsafeMutablePointer<Atomic<UInt32>>.allocate(capacity: 1)
    epoch.initialize(to: Atomic(0))
    defer { epoch.deallocate() }
    let state = withUnsafePointer(to: words[0]) { UnsafeMutablePointer(mutating: $0) }
    let events = UnsafeEventCount(state: state, epoch: epoch)
    let fence = AsymmetricFence.process

    let key = events.prepareWait(fence)
    let start = MonotonicClock.nanoseconds
    #expect(!events.wait(key, deadline: MonotonicClock.deadline(after: .milliseconds(20))))
    #expect(MonotonicClock.nanoseconds - start >= 19_000_000)

    let ready = Atomic<Bool>(false)
    let done = Atomic<Bool>(false)
    let thread = OSThread.spawn {
      while !ready.load(ordering: .acquiring) {
        let key = events.prepareWait(fence)
        if ready.load(ordering: .acquiring) {
          events.cancelWait()
          break
        }
        events.wait(key, deadline: nil)
      }
      done.store(true, ordering: .releasing)
    }
    usleep(20_000)
    ready.store(true, ordering: .releasing)
    events.notify(fence, count: 1)
    thread.join()
    let finished = done.load(ordering: .acquiring)
    #expect(finished)
  }

  @Test func membarrierIsUsedOnLinuxUnlessSymmetricIsRequested() {
    if let value = getenv("SN_FENCE"), String(cString: value) == "symmetric" {
      // .ci/run runs the channel tests once more this way, for the fallback path.
      #expect(!AsymmetricFence.process.isAsymmetric)
      return
    }
    #if os(Linux)
      #expect(AsymmetricFence.process.isAsymmetric)
    #endif
  }
}

@Suite struct OSThreadTests {
  @Test func pinsToAnAllowedCPU() throws {
    let allowed = OSThread.allowedCPUs
    #expect(!allowed.isEmpty)
    let cpu = try #require(allowed.last)
    let ranOn = Atomic<Int>(-2)
    let thread = OSThread.spawn(name: "pinned", cpu: cpu) {
      ranOn.store(OSThread.currentCPU ?? -1, ordering: .relaxed)
    }
    thread.join()
    #if os(Linux)
      #expect(thread.pinnedCPU == cpu)
      #expect(ranOn.load(ordering: .relaxed) == cpu)
    #endif
  }

  @Test func refusedPinLeavesTheThreadUnpinned() {
    let thread = OSThread.spawn(cpu: 100_000) {}
    thread.join()
    #expect(thread.pinnedCPU == nil)
    #if os(Linux)
      #expect(thread.pinError != nil)
    #endif
  }
}

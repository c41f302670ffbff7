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
    /// Issue 15, item 2: a waker that removes a waiter appended but not yet
    /// counted drove the state word negative, and `notify`'s signed check
    /// then skipped a thread asleep on the futex. Forced here: while `late`
    /// is being registered, a send wakes one waiter; the waker skips
    /// `early` (cancelled) and fires `late`; the next send must still wake
    /// the second sleeping receiver. Failed before the fix.
    @Test func wakeDuringRegistrationStillWakesSleepers() throws {
      let channel = try SNChannel<Int>.mpmc(capacity: 8)
      let tx = channel.sender
      let rx = channel.receiver
      let ring = tx.ring
      let queue = ring.control.receiverWaiters
      let got = Deliveries()
      var sleepers: [OSThread] = []
      for _ in 0..<2 {
        sleepers.append(
          OSThread.spawn(taking: rx.clone()) { receiver in
            if let value = try? receiver.receive() { got.note(value) }
          })
      }
      #expect(waitOnThread(seconds: 2) { tx.parkedThreads.receivers == 2 })
      let early = _Waiter()
      queue.register(early, tag: 0)
      early.cancel()  // stays listed: a waker's fire on it fails
      let late = _Waiter()
      let once = Once()
      let secondDelivered = SharedFlag()
      _DebugSchedule.install { point, id in
        guard point == .waiterRegistered, id == ObjectIdentifier(queue), once.take() else { return }
        if case .sent = ring.push(0) {}
        _ = waitOnThread(seconds: 1) { got.count == 1 }
        if case .sent = ring.push(1) {}
        secondDelivered.set(waitOnThread(seconds: 0.5) { got.count == 2 })
      }
      queue.register(late, tag: 0)
      _DebugSchedule.install(nil)
      #expect(secondDelivered.isSet, "a receiver slept beside an element")
      queue.deregister(early)
      queue.deregister(late)
      _ = consume tx
      for sleeper in sleepers { sleeper.join() }
      #expect(got.isExactly(2))
    }
  }
#endif

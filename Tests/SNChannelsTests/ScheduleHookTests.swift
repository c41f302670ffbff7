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

  /// A flag that can be taken once, from any thread.
  final class Once: Sendable {
    private let armed = Atomic<Bool>(true)
    func take() -> Bool { armed.exchange(false, ordering: .acquiringAndReleasing) }
  }

  /// A boolean shared between threads.
  final class SharedFlag: Sendable {
    private let value = Atomic<Bool>(false)
    func set(_ newValue: Bool = true) { value.store(newValue, ordering: .releasing) }
    var isSet: Bool { value.load(ordering: .acquiring) }
  }

  /// How often each value in `0..<count` was received.
  final class Tally: @unchecked Sendable {
    private let counts: UnsafeMutablePointer<Atomic<Int>>
    private let size: Int
    private let received = Atomic<Int>(0)

    init(count: Int) {
      size = count
      counts = .allocate(capacity: count)
      for index in 0..<count { (counts + index).initialize(to: Atomic(0)) }
    }

    deinit { counts.deallocate() }

    func note(_ value: Int) {
      counts[value].wrappingAdd(1, ordering: .relaxed)
      received.wrappingAdd(1, ordering: .releasing)
    }

    var total: Int { received.load(ordering: .acquiring) }

    /// Values received other than exactly once.
    var wrong: [Int] { (0..<size).filter { counts[$0].load(ordering: .relaxed) != 1 } }
  }

  /// What the randomized-schedule producers share: how many values went in,
  /// and how often the receivers failed to catch up.
  final class Progress: Sendable {
    private let count = Atomic<Int>(0)
    private let stallCount = Atomic<Int>(0)

    /// Records `sent` more values; every 40 or so, waits (up to 2 s) until
    /// everything sent so far has been received.
    func sent(_ sent: Int, tally: Tally) {
      let total = count.wrappingAdd(sent, ordering: .relaxed).newValue
      guard total % 40 < sent else { return }
      if !waitOnThread(seconds: 2, until: { tally.total >= count.load(ordering: .relaxed) }) {
        stallCount.wrappingAdd(1, ordering: .relaxed)
      }
    }

    var stalls: Int { stallCount.load(ordering: .relaxed) }
  }

  /// Tests that steer the schedule through the debug-only hook between a
  /// claim and its publish (``_DebugSchedule``). Serialized: one hook for
  /// the process, though each test reacts only to its own channel.
  @Suite(.serialized) struct ScheduleHookTests {
    /// Sender-side mirror of the stranded element (issue 15, item 1): two
    /// senders sleep on a full channel; one receive claims slot 0 and holds
    /// it, another frees slot 1 and wakes a sender that finds slot 0 still
    /// taken. Both must get their element in once slot 0 is freed. Before
    /// the fix the woken sender slept again and the last wake-up went to the
    /// other one, leaving a sender asleep beside a free slot.
    @Test func blockedSendersAllProceedAfterASlowReceive() throws {
      let channel = try SNChannel<Int>.mpmc(capacity: 2)
      let tx = channel.sender
      let rx = channel.receiver
      try tx.trySend(0)
      try tx.trySend(1)
      let ids = Set(tx.scheduleIdentities)
      let once = Once()
      let inWindow = SharedFlag()
      _DebugSchedule.install { point, id in
        guard point == .receiveClaimed, ids.contains(id), once.take() else { return }
        inWindow.set()
        usleep(30_000)
      }
      defer { _DebugSchedule.install(nil) }
      let sent = Deliveries()
      var senders: [OSThread] = []
      for value in 2..<4 {
        senders.append(
          OSThread.spawn(taking: tx.clone()) { sender in
            if (try? sender.send(value)) != nil { sent.note(value) }
          })
      }
      #expect(waitOnThread(seconds: 2) { tx.parkedThreads.senders == 2 })
      let slowReceiver = OSThread.spawn(taking: rx.clone()) { receiver in
        _ = try? receiver.receive()
      }
      #expect(waitOnThread(seconds: 2) { inWindow.isSet })
      #expect(try rx.tryReceive() == 1)
      slowReceiver.join()
      #expect(waitOnThread(seconds: 1) { sent.count == 2 })
      _ = consume rx  // releases a sender still asleep (its send fails)
      for sender in senders { sender.join() }
    }

    /// The randomized schedule: the hook sleeps or yields at random between
    /// every claim and publish (both sides) and after every waiter
    /// registration, while two producers (single and batch sends) feed a
    /// blocking receiver, a selecting thread and an async iterator over a
    /// small MPMC channel whose waiters park almost at once. Every few
    /// sends a producer waits until everything sent so far has arrived: an
    /// element stranded beside sleeping receivers shows up as a stall (at
    /// most 2 s each). Every value must arrive exactly once.
    @Test func randomizedScheduleDeliversExactlyOnce() async throws {
      let perProducer = AsyncStressSize.underThreadSanitizer ? 300 : 2_000
      let channel = try SNChannel<Int>.mpmc(capacity: 4, waitStrategy: .lowCPU)
      let idle = try SNChannel<Int>.mpmc(capacity: 2)
      let tx = channel.sender
      let rx = channel.receiver
      let ids = Set(tx.scheduleIdentities)
      _DebugSchedule.install { _, id in
        guard ids.contains(id) else { return }
        switch UInt32.random(in: 0..<64) {
        case 0: usleep(UInt32.random(in: 500...2_000))
        case 1..<5: usleep(UInt32.random(in: 1...100))
        case 5..<13: sched_yield()
        default: break
        }
      }
      defer { _DebugSchedule.install(nil) }
      let tally = Tally(count: 2 * perProducer)
      let progress = Progress()
      let blocking = spawnThread(taking: rx.clone()) { receiver in
        while let value = try? receiver.receive() { tally.note(value) }
      }
      let pair = SelectPair(busy: rx.clone(), idle: idle.receiver.clone())
      let selecting = spawnThread(taking: pair) { pair in
        while case .first(let value) = try? Select.receive(from: &pair.busy, &pair.idle) {
          tally.note(value)
        }
      }
      let iterating = Task(taking: rx.clone()) { receiver in
        do {
          for try await value in receiver.clone().messages() { tally.note(value) }
        } catch {}
      }
      let single = spawnThread(taking: tx.clone()) { sender in
        for value in 0..<perProducer {
          if (try? sender.send(value)) != nil { progress.sent(1, tally: tally) }
        }
      }
      let batched = spawnThread(taking: tx.clone()) { sender in
        var next = perProducer
        while next < 2 * perProducer {
          let end = min(next + 3, 2 * perProducer)
          if (try? sender.send(contentsOf: Array(next..<end))) != nil {
            progress.sent(end - next, tally: tally)
          }
          next = end
        }
      }
      await single.join()
      await batched.join()
      let delivered = await waitInTask(seconds: 5) { tally.total == 2 * perProducer }
      #expect(delivered, "\(2 * perProducer - tally.total) values left in the channel")
      #expect(progress.stalls == 0, "deliveries stalled \(progress.stalls) times")
      _ = consume tx
      _ = consume idle
      await blocking.join()
      await selecting.join()
      await iterating.value
      #expect(tally.wrong.isEmpty, "received other than once: \(tally.wrong.prefix(10))")
    }
  }
#endif

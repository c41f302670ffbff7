import SNAtomics
import SNChannels
import Testing
import _SNTestSupport

@Suite struct BlockingMessagesTests {
  @Test func forLoopEndsOnClose() throws {
    let channel = try SNChannel<Int>.mpsc(capacity: 4)
    let producer = OSThread.spawn(taking: channel.sender.clone()) { tx in
      for value in 0..<100 { try? tx.send(value) }
    }
    let rest = channel
    rest.sender.close()
    var received: [Int] = []
    for value in rest.receiver.blockingMessages() { received.append(value) }
    producer.join()
    #expect(received == Array(0..<100))
  }

  @Test func rendezvousAndOneshot() throws {
    let channel = SNChannel<Int>.rendezvous()
    let producer = OSThread.spawn(taking: channel.sender.clone()) { tx in
      for value in 0..<10 { try? tx.send(value) }
    }
    let rest = channel
    rest.sender.close()
    #expect(Array(rest.receiver.blockingMessages()) == Array(0..<10))
    producer.join()

    let oneshot = SNChannel<String>.oneshot()
    try oneshot.sender.send("only")
    #expect(Array(oneshot.receiver.blockingMessages()) == ["only"])
  }
}

@Suite struct SenderGroupTests {
  @Test func routesByWorkerAndClosesAll() throws {
    var group = SenderGroup<SPSCSender<Int>>()
    var threads: [OSThread] = []
    let logs = (0..<3).map { _ in JoinedResult<[Int]>([]) }
    for worker in 0..<3 {
      let channel = try SNChannel<Int>.spsc(capacity: 8)
      #expect(group.append(channel.sender) == worker)
      let log = logs[worker]
      threads.append(
        OSThread.spawn(taking: channel.receiver) { rx in
          while let value = try? rx.receive() { log.value.append(value) }
        })
    }
    #expect(group.count == 3)
    for key in 0..<300 { try group.send(key, to: key % 3) }
    let stats = group.withSender(1) { $0.stats }
    #expect(stats.sent == 100)
    group.closeAll()
    #expect(group.count == 0)
    for thread in threads { thread.join() }
    for worker in 0..<3 {
      #expect(logs[worker].value == Array(stride(from: worker, to: 300, by: 3)))
    }
  }

  @Test func trySendHandsBack() throws {
    var group = SenderGroup<MultiSender<Int>>()
    let channel = try SNChannel<Int>.mpsc(capacity: 2)
    group.append(channel.sender.clone())
    try group.trySend(1, to: 0)
    try group.trySend(2, to: 0)
    do {
      try group.trySend(3, to: 0)
      Issue.record("a full channel took a third element")
    } catch {
      #expect(error.reason == .full)
      #expect(error.element == 3)
    }
  }
}

/// Not `Sendable`: only `Transferred` moves it between threads.
final class Scratch {
  var values: [Int] = []
}

@Suite struct TransferredTests {
  @Test func movesANonSendableValue() throws {
    let channel = try SNChannel<Transferred<Scratch>>.spsc(capacity: 4)
    let consumer = OSThread.spawn(taking: channel.receiver) { rx in
      let scratch = try! rx.receive().take()
      #expect(scratch.values == [1, 2, 3])
    }
    var tx = channel.sender
    let scratch = Scratch()
    scratch.values = [1, 2, 3]
    try tx.send(Transferred(scratch))
    consumer.join()
  }

  @Test func secondTakeTraps() async {
    await #expect(processExitsWith: .failure) {
      let transfer = Transferred(Scratch())
      _ = transfer.take()
      _ = transfer.take()
    }
  }
}

@Suite struct ForceSendTests {
  @Test func evictsTheOldestAndHandsItOver() throws {
    let tracker = LifetimeTracker()
    do {
      let channel = try SNChannel<Tracked>.mpmc(capacity: 2)
      let evictor = channel.receiver.clone()
      var evicted: [Int] = []
      for value in 0..<5 {
        try channel.sender.forceSend(tracker.instance(value), evictingThrough: evictor) {
          evicted.append($0.payload)
        }
      }
      #expect(evicted == [0, 1, 2])
      #expect(try channel.receiver.tryReceive()?.payload == 3)
      #expect(try channel.receiver.tryReceive()?.payload == 4)
      #expect(try channel.receiver.tryReceive() == nil)
    }
    #expect(tracker.liveCount == 0)
  }
}

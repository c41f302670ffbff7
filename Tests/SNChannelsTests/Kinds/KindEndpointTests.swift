import SNAtomics
import SNChannels
import Testing

/// The issue 18 kinds as ``ReceivingEndpoint``/``SendingEndpoint``: code
/// written once over the protocols (deadline and async waits, batches,
/// `ChannelMessages`, `close()`) serves them with each kind's meaning.
@Suite struct KindEndpointTests {
  /// Written once, over any receiver: the shared layer's deadline form.
  static func receiveSoon<R: ReceivingEndpoint & ~Copyable>(
    _ receiver: inout R, within duration: Duration = .seconds(30)
  ) throws(SNChannelError) -> R.Element {
    try receiver.receive(deadline: .now + duration)
  }

  @Test func oneshotThroughTheSharedLayer() throws {
    let channel = SNChannel<Int>.oneshot()
    var rx = channel.receiver
    #expect(throws: SNChannelError.timedOut) { try Self.receiveSoon(&rx, within: .milliseconds(2)) }
    let sender = OSThread.spawn(taking: Optional(channel.sender)) { tx in
      sleepThread(microseconds: 2000)
      try! tx.take()!.send(8)
    }
    #expect(try Self.receiveSoon(&rx) == 8)
    sender.join()
    #expect(throws: SNChannelError.closed) { try Self.receiveSoon(&rx) }
    #expect(rx.stats.sent == 1 && rx.stats.received == 1)
  }

  @Test func oneshotCloseHandsALaterSendBackAndKeepsAnEarlierValue() throws {
    do {
      let channel = SNChannel<Int>.oneshot()
      var rx = channel.receiver
      rx.close()
      do {
        try channel.sender.send(1)
        Issue.record("expected .closed")
      } catch {
        #expect(error.reason == .closed)
        #expect(error.element == 1)
      }
      #expect(throws: SNChannelError.closed) { try rx.tryReceive() }
    }
    do {
      let channel = SNChannel<Int>.oneshot()
      var rx = channel.receiver
      try channel.sender.send(2)
      rx.close()
      #expect(try rx.tryReceive() == 2)
    }
  }

  @Test func oneshotAsyncDeadlineWaitIsCancellable() async throws {
    let channel = SNChannel<Int>.oneshot()
    let task = Task(taking: channel.receiver) { rx -> SNChannelError? in
      do throws(SNChannelError) {
        _ = try await rx.receive(deadline: .now + .seconds(60))
        return nil
      } catch { return error }
    }
    try await Task.sleep(for: .milliseconds(5))
    task.cancel()
    #expect(await task.value == .cancelled)
  }

  @Test func broadcastBatchReportsALagAfterWhatItAppended() throws {
    let channel = try SNChannel<Int>.broadcast(capacity: 4)
    var rx = channel.receiver
    for value in 0..<2 { try channel.sender.send(value) }
    var buffer: [Int] = []
    #expect(try rx.tryReceive(into: &buffer, maxCount: 8) == 2)
    #expect(buffer == [0, 1])
    for value in 2..<10 { try channel.sender.send(value) }
    do {
      _ = try rx.tryReceive(into: &buffer, maxCount: 8)
      Issue.record("expected a lag")
    } catch {
      #expect(error == .lagged)
      #expect(error.missed == 4)
    }
    #expect(try rx.tryReceive(into: &buffer, maxCount: 8) == 4)
    #expect(buffer == [0, 1, 6, 7, 8, 9])
    #expect(rx.stats.depth == 0)
    #expect(rx.broadcastStats.missed == 4)
  }

  @Test func broadcastMessagesEndAtTheClose() async throws {
    let channel = try SNChannel<Int>.broadcast(capacity: 8)
    let rx = channel.receiver.subscribe()
    do {
      let sender = channel.sender
      for value in 0..<5 { try sender.send(value) }
    }
    var seen: [Int] = []
    for try await value in rx.messages() { seen.append(value) }
    #expect(seen == [0, 1, 2, 3, 4])
  }

  @Test func closingEveryBroadcastReceiverFailsSends() throws {
    let channel = try SNChannel<Int>.broadcast(capacity: 4)
    let tx = channel.sender
    var rx = channel.receiver
    var second = rx.subscribe()
    try tx.send(1)
    rx.close()
    try tx.send(2)
    second.close()
    #expect(throws: SendError<Int>.self) { try tx.send(3) }
    #expect(try second.tryReceive() == 1, "a closed receiver still reads what was sent")
  }

  @Test func watchReceivesTheNextChangeNeverAnOlderOne() throws {
    let channel = SNChannel<Int>.watch(initial: 0)
    let tx = channel.sender
    var rx = channel.receiver
    #expect(rx.stats.depth == 0)
    tx.replace(1)
    tx.replace(2)
    #expect(rx.stats.depth == 1)
    #expect(try Self.receiveSoon(&rx) == 2)
    #expect(throws: SNChannelError.timedOut) { try Self.receiveSoon(&rx, within: .milliseconds(2)) }
    var buffer: [Int] = []
    tx.replace(3)
    #expect(try rx.tryReceive(into: &buffer, maxCount: 4) == 1)
    #expect(buffer == [3])
    rx.close()
    #expect(throws: SendError<Int>.self) { try tx.send(4) }
  }

  @Test func rendezvousSenderAsASendingEndpoint() throws {
    let channel = SNChannel<Int>.rendezvous()
    let tx = channel.sender.clone()
    #expect(try tx.trySend(contentsOf: [1, 2]) == 0, "nobody waits")
    let receiver = OSThread.spawn(taking: channel.receiver.clone()) { rx in
      #expect(try! rx.receive(deadline: .now + .seconds(30)) == 1)
    }
    try tx.send(1, deadline: .now + .seconds(30))
    receiver.join()
    let openBefore = !tx.isClosed
    #expect(openBefore)
    var rx = channel.receiver
    rx.close()
    let closedAfter = tx.isClosed
    #expect(closedAfter)
    #expect(throws: SNChannelError.closed) { try tx.trySend(contentsOf: [3]) }
  }
}

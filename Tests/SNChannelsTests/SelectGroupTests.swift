import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// `SelectGroup`: select over four or more receivers of one kind, sync and
/// async; exactly once, fair, closed receivers drop out, cancellation takes
/// nothing, no waiter left behind.
@Suite struct SelectGroupTests {
  /// Five always-ready receivers over 100k rounds: each gets a fair share.
  @Test func fairOverFiveReceivers() throws {
    let width = 5
    var senders: [SenderBox<Int>] = []
    var group = SelectGroup<MPSCReceiver<Int>>(capacity: 2)  // grows past 2
    for _ in 0..<width {
      let channel = try SNChannel<Int>.mpsc(capacity: 8)
      senders.append(SenderBox(channel.sender))
      #expect(group.append(channel.receiver) == senders.count - 1)
    }
    #expect(group.count == width)
    let rounds = 100_000
    var counts = [Int](repeating: 0, count: width)
    for _ in 0..<rounds {
      for (index, tx) in senders.enumerated() { while (try? tx.sender.trySend(index)) != nil {} }
      let (index, element) = try group.receive()
      #expect(index == element)
      counts[index] += 1
    }
    #expect(counts.allSatisfy { $0 > rounds / width * 4 / 5 }, "shares \(counts)")
  }

  /// Six SPSC producers on OS threads, an async select over all six:
  /// exactly once, then `.closed` when all are closed and drained.
  @Test func asyncSelectOverSixDeliversEverythingThenCloses() async throws {
    let width = 6
    let each = AsyncStressSize.underThreadSanitizer ? 2_000 : 20_000
    var group = SelectGroup<SPSCReceiver<UInt64>>()
    var producers: [AsyncJoinable] = []
    for producer in 0..<width {
      let channel = try SNChannel<UInt64>.spsc(capacity: 4)
      group.append(channel.receiver)
      producers.append(
        spawnThread(taking: channel.sender) { tx in
          for sequence in 0..<each {
            if sequence % 1000 == 0 { sleepThread(microseconds: 200) }  // let the select suspend
            try! tx.send(UInt64(producer) << 32 | UInt64(sequence))
          }
        })
    }
    var log: [UInt64] = []
    while true {
      do throws(SNChannelError) {
        let (index, value) = try await group.receive()
        #expect(Int(value >> 32) == index)
        log.append(value)
      } catch {
        #expect(error == .closed)
        break
      }
    }
    for producer in producers { await producer.join() }
    #expect(exactlyOnceProblem(logs: [log], producers: width, perProducer: each) == nil)
    while var receiver = group.removeLast() {
      #expect(receiver.registeredWaiters == (0, 0))
      #expect(throws: SNChannelError.closed) { try receiver.tryReceive() }
    }
  }

  /// A cancelled async select over four empty receivers takes nothing and
  /// leaves no waiter on any of them; an element sent afterwards is still
  /// there.
  @Test func cancelledGroupSelectTakesNothing() async throws {
    var group = SelectGroup<MPMCReceiver<Int>>()
    var senders: [SenderBox<Int>] = []
    var receivers: [MPMCBox<Int>] = []
    for _ in 0..<4 {
      let channel = try SNChannel<Int>.mpmc(capacity: 4)
      senders.append(SenderBox(channel.sender))
      receivers.append(MPMCBox(channel.receiver.clone()))
      group.append(channel.receiver)
    }
    let task = Task(taking: group) { group -> SNChannelError? in
      do throws(SNChannelError) {
        _ = try await group.receive()
        return nil
      } catch { return error }
    }
    #expect(await eventually { senders.allSatisfy { $0.sender.registeredWaiters.receivers == 1 } })
    task.cancel()
    #expect(await task.value == .cancelled)
    for (index, tx) in senders.enumerated() {
      #expect(tx.sender.registeredWaiters == (0, 0))
      try tx.sender.trySend(index)
      #expect(try receivers[index].receiver.tryReceive() == index)
    }
  }

  /// `tryReceive` finds nothing in empty receivers, finds what is there,
  /// and throws `.closed` once all are closed and drained (and for an empty group).
  @Test func tryReceiveAndClose() throws {
    var empty = SelectGroup<SPSCReceiver<Int>>()
    #expect(throws: SNChannelError.closed) { try empty.tryReceive() }
    #expect(throws: SNChannelError.closed) { try empty.receive() }
    var group = SelectGroup<SPSCReceiver<Int>>()
    let a = try SNChannel<Int>.spsc(capacity: 2)
    let b = try SNChannel<Int>.spsc(capacity: 2)
    let c = try SNChannel<Int>.spsc(capacity: 2)
    let d = try SNChannel<Int>.spsc(capacity: 2)
    var txC = c.sender
    group.append(a.receiver)
    group.append(b.receiver)
    group.append(c.receiver)
    group.append(d.receiver)
    #expect(try group.tryReceive() == nil)
    try txC.trySend(3)
    let got = try #require(try group.tryReceive())
    #expect(got.index == 2 && got.element == 3)
    _ = consume a.sender
    _ = consume b.sender
    _ = consume d.sender
    #expect(try group.tryReceive() == nil)
    txC.close()
    #expect(throws: SNChannelError.closed) { try group.tryReceive() }
    #expect(throws: SNChannelError.closed) { try group.receive() }
  }
}

/// Holds a multi-producer sender in a copyable reference.
final class SenderBox<Element: Sendable>: Sendable {
  let sender: MultiSender<Element>
  init(_ sender: consuming MultiSender<Element>) { self.sender = sender }
}

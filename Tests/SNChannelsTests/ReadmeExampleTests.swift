import SNAtomics
import SNChannels
import Testing

/// The README's "Channels in one screen" example, kept here so it stays true.
@Suite struct ReadmeExampleTests {
  @Test func mpscExampleDeliversEveryMessageThenCloses() throws {
    let channel = try SNChannel<UInt64>.mpsc(capacity: 1024)
    let tx = channel.sender
    var rx = channel.receiver
    let producers = (0..<4).map { id in
      OSThread.spawn(taking: tx.clone()) { tx in
        for i in 0..<1_000 { try? tx.send(UInt64(id) << 32 | UInt64(i)) }
      }
    }
    tx.close()
    var count = 0
    var closed = false
    do {
      while true {
        _ = try rx.receive()
        count += 1
      }
    } catch {
      closed = error == .closed
    }
    for producer in producers { producer.join() }
    #expect(closed)
    #expect(count == 4_000)
  }
}

/// `offer`, the non-throwing polling send, hands the element back.
@Suite struct OfferTests {
  @Test func offerReturnsTheElementWhenFullOrClosed() throws {
    let spsc = try SNChannel<Int>.spsc(capacity: 1)
    var tx = spsc.sender
    var rx = spsc.receiver
    #expect(tx.offer(1) == nil)
    #expect(tx.offer(2) == 2)
    #expect(tx.stats.sendErrors.full == 1)
    #expect(try rx.tryReceive() == 1)
    rx.close()
    #expect(tx.offer(3) == 3)
    let closed = tx.isClosed
    #expect(closed)

    let mpsc = try SNChannel<Int>.mpsc(capacity: 2)
    let multi = mpsc.sender
    var single = mpsc.receiver
    #expect(multi.offer(1) == nil && multi.offer(2) == nil)
    #expect(multi.offer(3) == 3)
    #expect(multi.stats.sendErrors.full == 1)
    #expect(try single.tryReceive() == 1)
  }
}

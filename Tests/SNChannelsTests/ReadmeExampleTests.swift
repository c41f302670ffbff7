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

/// A failed `trySend` hands the element back in its `SendError`, says why,
/// and counts the failure (the polling form; `offer` was its duplicate).
@Suite struct TrySendHandBackTests {
  /// The element a failed `trySend` hands back, and its reason.
  static func failure(_ body: () throws(SendError<Int>) -> Void) -> (Int, SNChannelError)? {
    do throws(SendError<Int>) {
      try body()
      return nil
    } catch {
      return (error.element, error.reason)
    }
  }

  @Test func trySendHandsTheElementBackWhenFullOrClosed() throws {
    let spsc = try SNChannel<Int>.spsc(capacity: 1)
    var tx = spsc.sender
    var rx = spsc.receiver
    #expect(Self.failure { () throws(SendError<Int>) in try tx.trySend(1) } == nil)
    let full = Self.failure { () throws(SendError<Int>) in try tx.trySend(2) }
    #expect(full?.0 == 2 && full?.1 == .full)
    #expect(tx.stats.sendErrors.full == 1)
    #expect(try rx.tryReceive() == 1)
    rx.close()
    let closed = Self.failure { () throws(SendError<Int>) in try tx.trySend(3) }
    #expect(closed?.0 == 3 && closed?.1 == .closed)

    let mpsc = try SNChannel<Int>.mpsc(capacity: 2)
    let multi = mpsc.sender
    var single = mpsc.receiver
    try multi.trySend(1)
    try multi.trySend(2)
    let multiFull = Self.failure { () throws(SendError<Int>) in try multi.trySend(3) }
    #expect(multiFull?.0 == 3 && multiFull?.1 == .full)
    #expect(multi.stats.sendErrors.full == 1)
    #expect(try single.tryReceive() == 1)
  }
}

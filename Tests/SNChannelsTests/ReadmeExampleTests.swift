import SNAtomics
import SNChannels
import Testing

/// The README's "Channels in one screen" example, kept here so it stays true.
@Suite struct ReadmeExampleTests {
  @Test func mpscExampleDeliversEveryMessageThenCloses() throws {
    let channel = try Channel<UInt64>.mpsc(capacity: 1024)
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

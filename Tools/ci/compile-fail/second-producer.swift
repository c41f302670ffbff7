// Must not compile: the sender moved into the thread is used again here.
import SNAtomics
import SNChannels

func secondProducer() throws {
  let channel = try SNChannel<Int>.spsc(capacity: 8)
  var tx = channel.sender
  let thread = OSThread.spawn { try? tx.send(1) }
  try tx.send(2)
  thread.join()
}

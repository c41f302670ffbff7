// Must compile: one producer thread owns the sender, this scope keeps the receiver.
import SNAtomics
import SNChannels

func valid() throws {
  let channel = try SNChannel<Int>.spsc(capacity: 8)
  var tx = channel.sender
  var rx = channel.receiver
  let thread = OSThread.spawn { try? tx.send(1) }
  _ = try rx.receive()
  thread.join()
}

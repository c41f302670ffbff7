// Must not compile: an SPSC sender cannot be copied.
import SNChannels

func copiedSender() throws {
  let channel = try SNChannel<Int>.spsc(capacity: 8)
  let tx = channel.sender
  let first = tx
  let second = tx
  take(first)
  take(second)
}

func take<T: ~Copyable>(_ value: consuming T) {}

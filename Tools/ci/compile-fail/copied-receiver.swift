// Must not compile: an MPSC receiver cannot be copied (there is one consumer).
import SNChannels

func copiedReceiver() throws {
  let channel = try SNChannel<Int>.mpsc(capacity: 8)
  let rx = channel.receiver
  let first = rx
  let second = rx
  take(first)
  take(second)
}

func take<T: ~Copyable>(_ value: consuming T) {}

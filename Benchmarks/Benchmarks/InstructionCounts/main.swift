// Runs one channel hot path on one thread, the channel filled first and then
// drained, so that callgrind counts the same instructions on every run (no
// thread timing involved). Tools/ci/instruction-gate.sh runs each case at two
// message counts and gates the difference per message: a deterministic check
// of the send and receive paths, where wall-clock ratios on this shared VM
// are too noisy to gate the multi-producer kinds.
//
// Usage: InstructionCounts CASE MESSAGES
//   CASE: spsc, spsc-batch, mpsc, mpsc-batch, mpmc, mpmc-batch

import SNChannels

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3, let messages = Int(arguments[2]), messages > 0 else {
  print("usage: InstructionCounts CASE MESSAGES")
  exit(2)
}
let batch = 64

/// Calls `body` with the values 1...messages in chunks of `batch`, reusing
/// one array (as a producer that batches would).
func forEachChunk(_ messages: Int, _ body: ([UInt64]) -> Void) {
  var chunk: [UInt64] = []
  chunk.reserveCapacity(batch)
  for start in stride(from: 1, through: messages, by: batch) {
    chunk.removeAll(keepingCapacity: true)
    for value in start..<min(messages + 1, start + batch) { chunk.append(UInt64(value)) }
    body(chunk)
  }
}

@inline(never)
func spsc(_ messages: Int, batched: Bool) -> UInt64 {
  let channel = try! Channel<UInt64>.spsc(capacity: messages)
  var tx = channel.sender
  var rx = channel.receiver
  if batched {
    forEachChunk(messages) { chunk in
      precondition(try! tx.trySend(contentsOf: chunk) == chunk.count)
    }
  } else {
    for value in 1...UInt64(messages) { precondition(tx.offer(value) == nil) }
  }
  var sum: UInt64 = 0
  if batched {
    var buffer: [UInt64] = []
    buffer.reserveCapacity(batch)
    while try! rx.tryReceive(into: &buffer, maxCount: batch) > 0 {
      for value in buffer { sum &+= value }
      buffer.removeAll(keepingCapacity: true)
    }
  } else {
    while let value = try! rx.tryReceive() { sum &+= value }
  }
  return sum
}

@inline(never)
func multi(_ messages: Int, mpmc: Bool, batched: Bool) -> UInt64 {
  var sum: UInt64 = 0
  func send(_ tx: borrowing MultiSender<UInt64>) {
    if batched {
      forEachChunk(messages) { chunk in
        precondition(try! tx.trySend(contentsOf: chunk) == chunk.count)
      }
    } else {
      for value in 1...UInt64(messages) { precondition(tx.offer(value) == nil) }
    }
  }
  var buffer: [UInt64] = []
  buffer.reserveCapacity(batch)
  if mpmc {
    let channel = try! Channel<UInt64>.mpmc(capacity: messages)
    send(channel.sender)
    let rx = channel.receiver
    if batched {
      while try! rx.tryReceive(into: &buffer, maxCount: batch) > 0 {
        for value in buffer { sum &+= value }
        buffer.removeAll(keepingCapacity: true)
      }
    } else {
      while let value = try! rx.tryReceive() { sum &+= value }
    }
  } else {
    let channel = try! Channel<UInt64>.mpsc(capacity: messages)
    send(channel.sender)
    var rx = channel.receiver
    if batched {
      while try! rx.tryReceive(into: &buffer, maxCount: batch) > 0 {
        for value in buffer { sum &+= value }
        buffer.removeAll(keepingCapacity: true)
      }
    } else {
      while let value = try! rx.tryReceive() { sum &+= value }
    }
  }
  return sum
}

let sum: UInt64
switch arguments[1] {
case "spsc": sum = spsc(messages, batched: false)
case "spsc-batch": sum = spsc(messages, batched: true)
case "mpsc": sum = multi(messages, mpmc: false, batched: false)
case "mpsc-batch": sum = multi(messages, mpmc: false, batched: true)
case "mpmc": sum = multi(messages, mpmc: true, batched: false)
case "mpmc-batch": sum = multi(messages, mpmc: true, batched: true)
default:
  print("unknown case \(arguments[1])")
  exit(2)
}
precondition(sum == UInt64(messages) * UInt64(messages + 1) / 2, "lost or duplicated messages")

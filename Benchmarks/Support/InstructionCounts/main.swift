// Runs one channel hot path on one thread, the channel filled first and then
// drained, so that callgrind counts the same instructions on every run (no
// thread timing involved). Tools/ci/instruction-gate.sh runs each case at two
// message counts and gates the difference per message: a deterministic check
// of the send and receive paths, where wall-clock ratios on this shared VM
// are too noisy to gate the multi-producer kinds.
//
// The pool's cases (pool-…) fill first too, before the worker threads
// start, and count the worker's drain and the shutdown with the sends; the
// thread start and join are the same at both message counts, so they cancel.
//
// Usage: InstructionCounts CASE MESSAGES
//   CASE: spsc, spsc-batch, mpsc, mpsc-batch, mpmc, mpmc-batch,
//         pool-keyed-send, pool-keyed-hash-send, pool-mesh-send, pool-shared-drain

import SNChannels
import SNPool

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

/// Sends 1...messages into a channel with room for all of them: one per
/// call (`one`, which returns whether it was taken), or in chunks of `batch`
/// through one reused array (`many`, which returns how many it took).
@inline(__always)
func fill(
  _ messages: Int, batched: Bool, one: (UInt64) -> Bool, many: ([UInt64]) -> Int
) {
  guard batched else {
    for value in 1...UInt64(messages) { precondition(one(value)) }
    return
  }
  var chunk: [UInt64] = []
  chunk.reserveCapacity(batch)
  for start in stride(from: 1, through: messages, by: batch) {
    chunk.removeAll(keepingCapacity: true)
    for value in start..<min(messages + 1, start + batch) { chunk.append(UInt64(value)) }
    precondition(many(chunk) == chunk.count)
  }
}

/// Receives until the channel is empty, one element per call (`one`) or up to
/// `batch` per call (`many`, appending to the array it is given); returns
/// the sum of what came out.
@inline(__always)
func drain(
  batched: Bool, one: () -> UInt64?, many: (inout [UInt64]) -> Int
) -> UInt64 {
  var sum: UInt64 = 0
  if batched {
    var buffer: [UInt64] = []
    buffer.reserveCapacity(batch)
    while many(&buffer) > 0 {
      for value in buffer { sum &+= value }
      buffer.removeAll(keepingCapacity: true)
    }
  } else {
    while let value = one() { sum &+= value }
  }
  return sum
}

/// Written out rather than through `fill`/`drain`: captured by their
/// closures, the SPSC endpoints would live in memory and each operation would
/// count about 5 instructions more than in a plain loop (the inout effect in
/// SNChannels' "Choosing a channel" article). The multi-producer endpoints
/// are not mutated, so the helpers cost them nothing.
@inline(never)
func spsc(_ messages: Int, batched: Bool) -> UInt64 {
  let channel = try! SNChannel<UInt64>.spsc(capacity: messages)
  var tx = channel.sender
  var rx = channel.receiver
  var sum: UInt64 = 0
  if batched {
    var chunk: [UInt64] = []
    chunk.reserveCapacity(batch)
    for start in stride(from: 1, through: messages, by: batch) {
      chunk.removeAll(keepingCapacity: true)
      for value in start..<min(messages + 1, start + batch) { chunk.append(UInt64(value)) }
      precondition(try! tx.trySend(contentsOf: chunk) == chunk.count)
    }
    chunk.removeAll(keepingCapacity: true)
    while try! rx.tryReceive(into: &chunk, maxCount: batch) > 0 {
      for value in chunk { sum &+= value }
      chunk.removeAll(keepingCapacity: true)
    }
  } else {
    for value in 1...UInt64(messages) { try! tx.trySend(value) }
    while let value = try! rx.tryReceive() { sum &+= value }
  }
  return sum
}

@inline(never)
func multi(_ messages: Int, mpmc: Bool, batched: Bool) -> UInt64 {
  func send(_ tx: borrowing MultiSender<UInt64>) {
    fill(
      messages, batched: batched, one: { (try? tx.trySend($0)) != nil },
      many: { try! tx.trySend(contentsOf: $0) })
  }
  if mpmc {
    let channel = try! SNChannel<UInt64>.mpmc(capacity: messages)
    send(channel.sender)
    let rx = channel.receiver
    return drain(
      batched: batched, one: { try! rx.tryReceive() },
      many: { try! rx.tryReceive(into: &$0, maxCount: batch) })
  }
  let channel = try! SNChannel<UInt64>.mpsc(capacity: messages)
  send(channel.sender)
  var rx = channel.receiver
  return drain(
    batched: batched, one: { try! rx.tryReceive() },
    many: { try! rx.tryReceive(into: &$0, maxCount: batch) })
}

/// Sums what it is sent. The message `0` makes worker 0 send 1...messages
/// to worker 1 over the mesh (`pool-mesh-send`).
struct SumWorker: Worker {
  let messages: Int

  func makeState(workerIndex: Int) -> UInt64 { 0 }

  func handleMessage(
    _ envelope: Envelope<UInt64>, state: inout UInt64, context: inout WorkerContext<Self>
  ) throws {
    guard envelope.message == 0 else {
      state &+= envelope.message
      return
    }
    for value in 1...UInt64(messages) { try context.send(value, toWorker: 1) }
  }
}

/// A pool of `workers` whose queues and submitter lanes (or, with `mesh`,
/// its mesh lanes) hold every message, so that no send ever waits. With
/// `mesh` the queues stay small: making one costs time in its capacity,
/// which would count as a per-message cost here.
func pool(workers: Int, _ messages: Int, mesh: Bool = false) -> WorkerPool<SumWorker> {
  try! WorkerPool(
    worker: SumWorker(messages: messages),
    configuration: PoolConfiguration().withWorkerCount(workers)
      .withWorkerConfiguration(
        WorkerConfiguration().withQueueCapacity(mesh ? 1024 : messages)
      )
      .withMesh(mesh ? MeshConfiguration().withLaneCapacity(messages) : nil))
}

/// External keyed sends through a submitter to two workers (hash, route,
/// lane push), then the workers' drain of their lanes.
@inline(never)
func poolKeyedSend(_ messages: Int) -> UInt64 {
  let pool = pool(workers: 2, messages)
  var submitter = try! pool.makeSubmitter()
  for value in 1...UInt64(messages) { try! submitter.send(value, key: value) }
  _ = consume submitter
  try! pool.start()
  return pool.shutdown().states.reduce(0, &+)
}

/// Sums what it is sent and the key hashes that come with it: keyed sends
/// to it carry the hash (``Worker/receivesKeyHash``), wider lane items.
struct HashSumWorker: Worker {
  static var receivesKeyHash: Bool { true }

  func makeState(workerIndex: Int) -> UInt64 { 0 }

  func handleMessage(
    _ envelope: Envelope<UInt64>, state: inout UInt64, context: inout WorkerContext<Self>
  ) {
    state &+= envelope.message
    if envelope.keyHash == nil { state &+= 1 << 63 }  // every keyed send has one
  }
}

/// `pool-keyed-send` for a worker that reads key hashes: the lanes carry
/// the message and its hash.
@inline(never)
func poolKeyedHashSend(_ messages: Int) -> UInt64 {
  let pool = try! WorkerPool(
    worker: HashSumWorker(),
    configuration: PoolConfiguration().withWorkerCount(2)
      .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(messages)))
  var submitter = try! pool.makeSubmitter()
  for value in 1...UInt64(messages) { try! submitter.send(value, key: value) }
  _ = consume submitter
  try! pool.start()
  return pool.shutdown().states.reduce(0, &+)
}

/// Worker 0 sends every message to worker 1 over the mesh (stage, flush,
/// lane), and worker 1 handles them.
@inline(never)
func poolMeshSend(_ messages: Int) -> UInt64 {
  let pool = pool(workers: 2, messages, mesh: true)
  try! pool.send(0, toWorker: 0)
  try! pool.start()
  return pool.shutdown().states[1]
}

/// `pool.send` into one worker's shared queue, then the run loop's drain.
@inline(never)
func poolSharedDrain(_ messages: Int) -> UInt64 {
  let pool = pool(workers: 1, messages)
  for value in 1...UInt64(messages) { try! pool.send(value, toWorker: 0) }
  try! pool.start()
  return pool.shutdown().states[0]
}

let sum: UInt64
switch arguments[1] {
case "spsc": sum = spsc(messages, batched: false)
case "spsc-batch": sum = spsc(messages, batched: true)
case "mpsc": sum = multi(messages, mpmc: false, batched: false)
case "mpsc-batch": sum = multi(messages, mpmc: false, batched: true)
case "mpmc": sum = multi(messages, mpmc: true, batched: false)
case "mpmc-batch": sum = multi(messages, mpmc: true, batched: true)
case "pool-keyed-send": sum = poolKeyedSend(messages)
case "pool-keyed-hash-send": sum = poolKeyedHashSend(messages)
case "pool-mesh-send": sum = poolMeshSend(messages)
case "pool-shared-drain": sum = poolSharedDrain(messages)
default:
  print("unknown case \(arguments[1])")
  exit(2)
}
precondition(sum == UInt64(messages) * UInt64(messages + 1) / 2, "lost or duplicated messages")

import SNPartition
import SNPool
import Synchronization
import Testing

/// What the envelope workers below saw: each message's key hash, and how
/// many carried a submission time.
struct EnvelopeRecord {
  var keyHashes: [UInt64?] = []
  var stamped = 0

  mutating func record(_ envelope: Envelope<Int>) {
    keyHashes.append(envelope.keyHash)
    if envelope.submittedAt != 0 { stamped += 1 }
  }
}

/// Records envelopes; does not ask for key hashes (the default).
struct PlainEnvelopeWorker: Worker {
  func makeState(workerIndex: Int) -> EnvelopeRecord { EnvelopeRecord() }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout EnvelopeRecord, context: inout WorkerContext<Self>
  ) {
    state.record(envelope)
  }
}

/// Records envelopes and asks for key hashes.
struct HashReadingEnvelopeWorker: Worker {
  static var receivesKeyHash: Bool { true }

  func makeState(workerIndex: Int) -> EnvelopeRecord { EnvelopeRecord() }

  func handleMessage(
    _ envelope: Envelope<Int>, state: inout EnvelopeRecord, context: inout WorkerContext<Self>
  ) {
    state.record(envelope)
  }
}

/// A key that counts how often it is hashed.
struct CountingKey: StableHashable {
  static let hashes = Atomic<Int>(0)
  var value: Int

  func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    Self.hashes.wrappingAdd(1, ordering: .relaxed)
    return withUnsafeBytes(of: value.littleEndian) { body($0) }
  }
}

@Suite("Cheap envelopes: no clock read or key hash a worker does not use")
struct CheapEnvelopeTests {
  /// Sends `0..<count` keyed by value through every keyed entry point in
  /// turn: the pool's send, its trySend, its batch send, and a submitter's
  /// send and trySend.
  func sendEveryWay<W: Worker, Key: StableHashable>(
    _ pool: WorkerPool<W>, keys: (Int) -> Key, count: Int
  ) throws where W.Message == Int {
    var submitter = try pool.makeSubmitter()
    for id in 0..<count {
      switch id % 5 {
      case 0: try pool.send(id, key: keys(id))
      case 1: try pool.trySend(id, key: keys(id))
      case 2: try pool.send(contentsOf: [id], key: keys)
      case 3: try submitter.send(id, key: keys(id))
      default: try submitter.trySend(id, key: keys(id))
      }
    }
  }

  @Test("keyed messages carry their hash only to a worker that reads it", arguments: [1, 2])
  func keyHashOnlyWhenAsked(workers: Int) throws {
    let configuration = PoolConfiguration().withWorkerCount(workers)
    let plain = try WorkerPool(
      worker: PlainEnvelopeWorker(), configuration: configuration)
    let reading = try WorkerPool(
      worker: HashReadingEnvelopeWorker(), configuration: configuration)
    try plain.start()
    try reading.start()
    try sendEveryWay(plain, keys: { $0 }, count: 500)
    try sendEveryWay(reading, keys: { $0 }, count: 500)
    let plainHashes = plain.shutdown().states.flatMap(\.keyHashes)
    let readHashes = reading.shutdown().states.flatMap(\.keyHashes)
    #expect(plainHashes.count == 500 && plainHashes.allSatisfy { $0 == nil })
    #expect(readHashes.count == 500 && readHashes.allSatisfy { $0 != nil })
    let hasher = reading.partitioner.keyHasher
    #expect(Set(readHashes.compactMap { $0 }) == Set((0..<500).map { hasher.hash($0) }))
  }

  @Test("with one worker, a key is hashed only if the worker reads the hash")
  func noHashingWithoutRouting() throws {
    let configuration = PoolConfiguration().withWorkerCount(1)
    let plain = try WorkerPool(
      worker: PlainEnvelopeWorker(), configuration: configuration)
    CountingKey.hashes.store(0, ordering: .relaxed)
    try sendEveryWay(plain, keys: { CountingKey(value: $0) }, count: 100)
    #expect(CountingKey.hashes.load(ordering: .relaxed) == 0)
    #expect(plain.shutdown().states[0].keyHashes.count == 100)

    let reading = try WorkerPool(
      worker: HashReadingEnvelopeWorker(), configuration: configuration)
    CountingKey.hashes.store(0, ordering: .relaxed)
    try sendEveryWay(reading, keys: { CountingKey(value: $0) }, count: 100)
    #expect(CountingKey.hashes.load(ordering: .relaxed) == 100)
    #expect(reading.shutdown().states[0].keyHashes.count == 100)
  }

  @Test("queue delay is sampled: one stamp (one clock read) per interval")
  func queueDelaySampled() throws {
    var configuration = PoolConfiguration().withWorkerCount(1)
    configuration.recordsQueueDelay = true
    configuration.latencySampleInterval = 16
    configuration.worker.queueCapacity = 8192  // everything is sent before start
    let pool = try WorkerPool(worker: PlainEnvelopeWorker(), configuration: configuration)
    // One producer thread: the per-worker count is exact.
    for id in 0..<1600 { try pool.send(id, toWorker: 0) }
    try pool.send(contentsOf: Array(1600..<3200), key: { $0 })
    var submitter = try pool.makeSubmitter()
    for id in 3200..<4800 { try submitter.send(id, key: id) }
    _ = consume submitter
    try pool.start()
    let termination = pool.shutdown()
    #expect(termination.states[0].keyHashes.count == 4800)
    #expect(termination.states[0].stamped == 300)
    #expect(termination.statistics.queueDelay.count == 300)
    #expect(termination.statistics.processingLatency.count == 300)
  }

  @Test("by default no message carries a submission time")
  func noStampsByDefault() throws {
    let pool = try WorkerPool(
      worker: PlainEnvelopeWorker(),
      configuration: PoolConfiguration().withWorkerCount(1))
    try pool.start()
    for id in 0..<1000 { try pool.send(id, key: id) }
    let termination = pool.shutdown()
    #expect(termination.states[0].stamped == 0)
    #expect(termination.statistics.queueDelay.count == 0)
  }
}

import SNAtomics
import SNPartition
import SNPool

/// One parsed line's contribution to its path, as it travels to the path's
/// owner: plain values, no `String`. The path's name stays in the mapped
/// file; `nameAddress` points at it (the mapping is read-only and outlives
/// the run), and names are resolved only at the end.
public struct PathHit: Sendable, Hashable {
  /// The path's stable hash (XXH3, seed 0): the routing and table key.
  public var hash: UInt64
  /// The address of the path's bytes in the mapped file.
  public var nameAddress: UInt
  /// The path's length in bytes.
  public var nameLength: UInt32
  /// Request time in microseconds.
  public var latencyMicros: UInt32
  /// Response bytes.
  public var bytes: UInt64

  /// Parses `line` and makes its hit, or `nil` for a malformed line. The
  /// one-thread version and every worker call this same function.
  ///
  /// - Parameter line: One line of the mapped file, without its newline.
  /// - Returns: The hit, or `nil`.
  public static func parse(_ line: UnsafeRawBufferPointer) -> PathHit? {
    guard let fields = AccessLog.parse(line), let base = line.baseAddress else { return nil }
    let name = UnsafeRawBufferPointer(
      rebasing: line[fields.pathStart..<fields.pathStart + fields.pathLength])
    return PathHit(
      hash: StableHash.xxh3(name, seed: 0),
      nameAddress: UInt(bitPattern: base) + UInt(fields.pathStart),
      nameLength: UInt32(truncatingIfNeeded: fields.pathLength),
      latencyMicros: fields.latencyMicros, bytes: fields.bytes)
  }
}

/// One path's figures, as `sn logs` prints and checks them.
public struct PathSummary: Sendable, Hashable {
  /// The path.
  public var path: String
  /// Requests for it.
  public var requests: Int
  /// Response bytes summed.
  public var bytes: UInt64
  /// Median request time (nearest rank), in microseconds.
  public var p50Micros: UInt32
  /// 99th percentile request time (nearest rank), in microseconds.
  public var p99Micros: UInt32
}

/// Per-path state, keyed by the path's hash: the whole table on the one
/// thread, or the owned paths on one worker.
///
/// Two paths whose 64-bit hashes collide would be counted as one, the same
/// way in both versions (so the check cannot see it); with 5,000 paths the
/// chance is about 10^-12.
public struct PathTable {
  struct Entry {
    var nameAddress: UInt
    var nameLength: UInt32
    var requests = 0
    var bytes: UInt64 = 0
    var latencies: [UInt32] = []
  }
  var slots: [UInt64: Int] = [:]
  var entries: [Entry] = []

  /// An empty table.
  public init() {}

  /// Adds one hit to its path.
  ///
  /// - Parameter hit: The hit.
  public mutating func add(_ hit: PathHit) {
    let slot: Int
    if let found = slots[hit.hash] {
      slot = found
    } else {
      slot = entries.count
      slots[hit.hash] = slot
      entries.append(Entry(nameAddress: hit.nameAddress, nameLength: hit.nameLength))
    }
    entries.withUnsafeMutableBufferPointer { entries in
      entries[slot].requests &+= 1
      entries[slot].bytes &+= hit.bytes
      entries[slot].latencies.append(hit.latencyMicros)
    }
  }

  /// The paths' summaries: names read from the mapped file (which must
  /// still be open), percentiles by nearest rank over every request time.
  ///
  /// - Returns: One summary per path, in no particular order.
  public func summaries() -> [PathSummary] {
    entries.map { entry in
      var latencies = entry.latencies
      let count = latencies.count
      // Selection, not a sort (sorting took about 20 % of a run).
      let p99 = Self.select(&latencies, rank: (count * 99 + 99) / 100 - 1, below: count)
      let p50 = Self.select(&latencies, rank: (count * 50 + 99) / 100 - 1, below: count)
      let name = UnsafeRawBufferPointer(
        start: UnsafeRawPointer(bitPattern: entry.nameAddress), count: Int(entry.nameLength))
      return PathSummary(
        path: String(decoding: name, as: UTF8.self), requests: entry.requests, bytes: entry.bytes,
        p50Micros: p50, p99Micros: p99)
    }
  }

  /// The value that would be at index `rank` if `values[..<below]` were
  /// sorted (quickselect; reorders `values`, leaving every value at or
  /// below `rank`'s before it).
  ///
  /// - Parameters:
  ///   - values: The values; reordered.
  ///   - rank: The zero-based rank, in `0..<below`.
  ///   - below: How many leading values to select from.
  /// - Returns: The value of that rank.
  /// - Complexity: O(`below`) on average.
  public static func select(_ values: inout [UInt32], rank: Int, below: Int) -> UInt32 {
    precondition(rank >= 0 && rank < below && below <= values.count, "select: rank out of range")
    return values.withUnsafeMutableBufferPointer { values in
      var low = 0
      var high = below - 1
      while low < high {
        // Median of three as the pivot; Hoare partition.
        let middle = low + (high - low) / 2
        let a = values[low]
        let b = values[middle]
        let c = values[high]
        let pivot = max(min(a, b), min(max(a, b), c))
        var i = low
        var j = high
        while i <= j {
          while values[i] < pivot { i += 1 }
          while values[j] > pivot { j -= 1 }
          if i <= j {
            values.swapAt(i, j)
            i += 1
            j -= 1
          }
        }
        // Now values[low...j] <= pivot, values[i...high] >= pivot, and
        // values[j+1..<i] == pivot.
        if rank <= j {
          high = j
        } else if rank >= i {
          low = i
        } else {
          return values[rank]
        }
      }
      return values[rank]
    }
  }
}

/// What one run over an access log found, and how long it took.
public struct LogRun: Sendable {
  /// Workers (0: the one-thread version).
  public var workers: Int
  /// Lines read (well-formed and malformed).
  public var lines: Int
  /// Malformed lines: counted, not aggregated.
  public var malformed: Int
  /// Per path, sorted by path.
  public var paths: [PathSummary]
  /// Paths each worker owned (empty for the one-thread version).
  public var pathsPerWorker: [Int] = []
  /// Wall-clock seconds, from the mapped file to the sorted summaries.
  public var seconds: Double
  /// CPU seconds the whole process used meanwhile.
  public var cpuSeconds: Double
  /// Lines per wall-clock second.
  public var linesPerSecond: Double { Double(lines) / max(seconds, 1e-9) }
}

/// The `sn logs` pipeline: a one-thread version and a shared-nothing pool
/// version over the same parse function.
public enum LogPipeline {
  /// Aggregates `file` on the calling thread.
  ///
  /// - Parameter file: The mapped access log.
  /// - Returns: The run.
  public static func oneThread(_ file: RecordFile) -> LogRun {
    let start = MonotonicClock.nanoseconds
    let cpuStart = processCPUSeconds()
    var table = PathTable()
    var malformed = 0
    let lines =
      (try? file.shares(1))?[0].forEachUnsafeRecord { line in
        if let hit = PathHit.parse(line) { table.add(hit) } else { malformed += 1 }
      } ?? 0
    let paths = table.summaries().sorted { $0.path < $1.path }
    return LogRun(
      workers: 0, lines: lines, malformed: malformed, paths: paths,
      seconds: Double(MonotonicClock.nanoseconds - start) / 1e9,
      cpuSeconds: processCPUSeconds() - cpuStart)
  }

  /// Aggregates `file` on a pool of `workers`: each worker reads and parses
  /// its own share of the file and sends each hit to its path's owner over
  /// the worker mesh, in batches; the owners keep the per-path state.
  ///
  /// - Parameters:
  ///   - file: The mapped access log.
  ///   - workers: Workers, at least 1.
  ///   - batchCapacity: Hits per mesh message.
  ///   - chunksPerWorker: Pieces each worker's share is read in (between
  ///     two, it handles what its peers sent).
  /// - Returns: The run.
  /// - Throws: ``SNToolError/invalidArgument`` or ``SNToolError/pipelineFailed``.
  public static func pool(
    _ file: RecordFile, workers: Int, batchCapacity: Int = 2_048, chunksPerWorker: Int = 64
  ) throws(SNToolError) -> LogRun {
    guard workers >= 1 else { throw .invalidArgument.with(detail: "--workers must be >= 1") }
    let start = MonotonicClock.nanoseconds
    let cpuStart = processCPUSeconds()
    let pool: WorkerPool<LogAggregationWorker>
    do {
      pool = try WorkerPool(
        worker: LogAggregationWorker(
          chunks: file.shares(workers * chunksPerWorker), workerCount: workers,
          chunksPerWorker: chunksPerWorker, batchCapacity: batchCapacity),
        configuration: PoolConfiguration()
          .withWorkerCount(workers)
          .withErrorPolicy(.stopPool)
          .withName("sn-logs")
          .withMesh(MeshConfiguration().withLaneCapacity(1_024).withStageCapacity(16)))
      try pool.start()
      for worker in 0..<workers { try pool.send(.read, toWorker: worker) }
    } catch {
      throw .pipelineFailed.with(detail: "\(error)")
    }
    let termination = pool.shutdown()
    if let stopped = termination.failure { throw .pipelineFailed.with(detail: "\(stopped)") }
    var paths: [PathSummary] = []
    var lines = 0
    var malformed = 0
    for state in termination.states {
      lines += state.lines
      malformed += state.malformed
      paths += state.summaries
    }
    paths.sort { $0.path < $1.path }
    return LogRun(
      workers: workers, lines: lines, malformed: malformed, paths: paths,
      pathsPerWorker: termination.states.map(\.summaries.count),
      seconds: Double(MonotonicClock.nanoseconds - start) / 1e9,
      cpuSeconds: processCPUSeconds() - cpuStart)
  }
}

/// The worker of `sn logs`: reads its share of the file in chunks, parses
/// each line, keeps the hits of paths it owns and batches the others per
/// owner; folds the batches its peers send.
///
/// Memory ordering: a batch is an array handed over by the mesh lane (its
/// release store publishes the array, the owner's acquire load sees it
/// whole); the path bytes it points at are the read-only mapped file.
/// Deadlock freedom: mesh sends never block (they overflow locally), and
/// reading is split into `.read` messages the worker sends itself, so
/// between two chunks it folds what peers sent. The end: a worker that has
/// read its share sends each peer `.done` after its last batch; lanes keep
/// one sender's order, so a worker that has read its own share and has
/// `.done` from every peer holds all its paths' hits, and summarises them.
public struct LogAggregationWorker: Worker {
  /// What travels: a reminder to read the next chunk, or a batch of hits.
  public enum Message: Sendable {
    /// Read the next chunk of this worker's share.
    case read
    /// Hits of paths the receiver owns.
    case hits([PathHit])
    /// The sender has read its whole share and sent every hit before this
    /// message (a lane delivers in order).
    case done
  }

  /// A worker's own data.
  public struct State {
    let me: Int
    var nextChunk: Int
    var table = PathTable()
    var outgoing: [[PathHit]]
    var lines = 0
    var malformed = 0
    var readAll = false
    var peersDone = 0
    /// The owned paths' summaries, made here once every hit has arrived.
    var summaries: [PathSummary] = []
  }

  let chunks: [RecordShare]
  let workerCount: Int
  let chunksPerWorker: Int
  let batchCapacity: Int

  /// Creates the worker.
  ///
  /// - Parameters:
  ///   - chunks: The file cut in `workerCount * chunksPerWorker` shares.
  ///   - workerCount: Workers.
  ///   - chunksPerWorker: Consecutive chunks per worker.
  ///   - batchCapacity: Hits per batch sent to a peer.
  public init(chunks: [RecordShare], workerCount: Int, chunksPerWorker: Int, batchCapacity: Int) {
    precondition(chunks.count == workerCount * chunksPerWorker && batchCapacity >= 1)
    self.chunks = chunks
    self.workerCount = workerCount
    self.chunksPerWorker = chunksPerWorker
    self.batchCapacity = batchCapacity
  }

  /// Starts at the worker's first chunk.
  ///
  /// - Parameter workerIndex: The worker.
  /// - Returns: The fresh state.
  public func makeState(workerIndex: Int) -> State {
    State(
      me: workerIndex, nextChunk: workerIndex * chunksPerWorker,
      outgoing: Array(repeating: [], count: workerCount))
  }

  /// Reads a chunk or folds a batch.
  ///
  /// - Parameters:
  ///   - envelope: The message.
  ///   - state: The worker's state.
  ///   - context: The mesh.
  /// - Throws: ``SubmitError`` if the mesh refuses a batch.
  public func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    switch envelope.message {
    case .hits(let hits):
      for hit in hits { state.table.add(hit) }
    case .done:
      state.peersDone += 1
      finishIfComplete(&state)
    case .read:
      let me = state.me
      let workers = UInt64(workerCount)
      let capacity = batchCapacity
      var table = state.table
      var outgoing = state.outgoing
      state.table = PathTable()
      state.outgoing = []
      var malformed = 0
      var full: [(Int, [PathHit])] = []
      state.lines += chunks[state.nextChunk].forEachUnsafeRecord { line in
        guard let hit = PathHit.parse(line) else {
          malformed += 1
          return
        }
        // Parenthesised: `>>` binds tighter than `&*` in Swift.
        let owner = Int(truncatingIfNeeded: ((hit.hash >> 32) &* workers) >> 32)
        if owner == me {
          table.add(hit)
        } else {
          outgoing[owner].append(hit)
          if outgoing[owner].count >= capacity {
            full.append((owner, outgoing[owner]))
            outgoing[owner] = []
            outgoing[owner].reserveCapacity(capacity)
          }
        }
      }
      state.table = table
      state.malformed += malformed
      state.nextChunk += 1
      for (owner, hits) in full { try context.send(.hits(hits), toWorker: owner) }
      if state.nextChunk < (me + 1) * chunksPerWorker {
        state.outgoing = outgoing
        try context.send(.read, toWorker: me)
      } else {
        for owner in outgoing.indices where !outgoing[owner].isEmpty {
          try context.send(.hits(outgoing[owner]), toWorker: owner)
        }
        state.outgoing = Array(repeating: [], count: workerCount)
        for peer in 0..<workerCount where peer != me { try context.send(.done, toWorker: peer) }
        state.readAll = true
        finishIfComplete(&state)
      }
    }
  }

  /// Once this worker has read its share and every peer has said `.done`,
  /// no hit is still on its way here: sorts the latencies and resolves the
  /// names on this worker, in parallel with the others.
  func finishIfComplete(_ state: inout State) {
    guard state.readAll && state.peersDone == workerCount - 1 else { return }
    state.summaries = state.table.summaries()
    state.table = PathTable()
  }
}

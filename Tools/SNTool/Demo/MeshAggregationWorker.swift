import SNAtomics
import SNPartition
import SNPool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The shared-nothing demo's worker: generates its own share of the trade
/// stream, routes each trade to the worker that owns its symbol, and
/// aggregates the trades routed to it.
///
/// Trades travel by indirection, not one mesh message each (the message
/// shape the "Designing a pipeline" article advises): a generation step
/// partitions a chunk of trades by owner, branch-free, into buffers this
/// worker holds (one per destination, in ``TradeBatches``; its own share
/// goes to a buffer it folds at once), then sends each peer one small
/// ``Message/batch(from:buffer:count:)`` handle over the mesh. The peer
/// folds the buffer in a tight loop and hands it back with
/// ``Message/returned(by:buffer:)``. Per trade that leaves an 8-byte store
/// and an 8-byte load; the mesh carries one message per peer per chunk.
///
/// Generation runs in chunks, each one a `.generate` message the worker
/// sends itself: between two chunks the run loop handles what the other
/// workers sent (batches to fold, buffers coming back) and flushes the
/// stages. While a peer still holds every buffer this worker has for it,
/// the worker skips generating (it still re-arms itself) until one comes
/// back. The pending `.generate` message keeps the worker busy, so a
/// graceful shutdown waits for the whole share.
///
/// Memory ordering: the buffers are plain memory; the mesh lanes order the
/// hand-overs. The generating worker writes a buffer, then publishes the
/// `.batch` handle (the lane's release store); the owner reads the handle
/// (the lane's acquire load), so every trade written is visible before it
/// folds them. The owner's reads of the buffer come before it publishes
/// `.returned` (release), which the generating worker reads (acquire)
/// before it writes that buffer again: no read sees a later write.
/// Deadlock freedom: a worker handles `.batch` and `.returned` whatever its
/// own buffers' state, and waiting (no free buffer) never blocks the run
/// loop, so every lent buffer comes back.
public struct MeshAggregationWorker: Worker {
  /// What travels between workers: small handles, never the trades.
  public enum Message: Sendable, Hashable {
    /// Generate the next chunk of this worker's share.
    case generate
    /// Worker `from`'s buffer number `buffer` for the receiver holds `count`
    /// packed trades of symbols the receiver owns.
    case batch(from: Int32, buffer: Int32, count: Int32)
    /// Worker `by` folded the receiver's buffer number `buffer` for it: the
    /// receiver may fill it again.
    case returned(by: Int32, buffer: Int32)
  }

  /// A worker's own data: no other thread ever touches it.
  public struct State {
    /// This worker's share of the stream.
    var shard: SeededShard
    /// This worker's index.
    let me: Int
    /// Aggregates of the symbols this worker owns, compact, by slot.
    var table: [SymbolAggregate]
    /// Per destination: the buffers for it this worker may fill.
    var free: [[Int32]]
    /// Per destination: trades put in its buffer by the current chunk.
    var fills: [Int]
    /// Per destination: the buffer the current chunk fills.
    var open: [Int32]
    /// The notional of every trade folded here, summed as they come.
    var notional = 0.0
    /// Trades this worker generated.
    var generated = 0
    /// Trades folded here.
    var folded: UInt64 = 0
    /// Generation steps in a row that found no free buffer.
    var stalls = 0
  }

  /// The whole stream, split into one share per worker.
  public let shards: SeededShards
  /// Distinct symbols.
  public let symbolCount: Int
  /// Trades generated per `.generate` message (at most the buffers'
  /// capacity).
  public let chunkSize: Int
  /// Per symbol: `slot << 32 | owner`, where `slot` is the symbol's index in
  /// its owner's compact table (owners from the pool's partitioner).
  let routes: [UInt64]
  /// Symbols each worker owns, by slot.
  let owned: [[UInt32]]
  /// The buffers trades travel in.
  public let batches: TradeBatches

  /// Creates the worker.
  ///
  /// - Parameters:
  ///   - shards: The stream and its split.
  ///   - symbolCount: Distinct symbols.
  ///   - chunkSize: Trades per generation step, at least 1.
  ///   - owners: The owning worker of each symbol (the pool's partitioner),
  ///     each in `0..<workerCount`.
  ///   - workerCount: Workers in the pool.
  ///   - buffersPerPeer: Buffers each worker may lend each peer at once.
  public init(
    shards: SeededShards, symbolCount: Int, chunkSize: Int, owners: [UInt16], workerCount: Int,
    buffersPerPeer: Int = 64
  ) {
    precondition(chunkSize >= 1 && buffersPerPeer >= 1, "MeshAggregationWorker: sizes >= 1")
    precondition(owners.count == symbolCount, "MeshAggregationWorker: one owner per symbol")
    self.shards = shards
    self.symbolCount = symbolCount
    self.chunkSize = chunkSize
    var owned: [[UInt32]] = Array(repeating: [], count: workerCount)
    var routes: [UInt64] = []
    routes.reserveCapacity(symbolCount)
    for (symbol, owner) in owners.enumerated() {
      let owner = Int(owner)
      precondition(owner < workerCount, "MeshAggregationWorker: owner out of range")
      routes.append(UInt64(owned[owner].count) << 32 | UInt64(owner))
      owned[owner].append(UInt32(symbol))
    }
    // One worker's slots are the symbols themselves (the one-worker loop
    // of `generateChunk` indexes its table by symbol).
    assert(workerCount != 1 || owned[0].elementsEqual(0..<UInt32(symbolCount)))
    self.routes = routes
    self.owned = owned
    batches = TradeBatches(workerCount: workerCount, depth: buffersPerPeer, capacity: chunkSize)
  }

  /// Makes the worker's share cursor, table and buffer lists on its own
  /// thread.
  ///
  /// - Parameter workerIndex: The worker.
  /// - Returns: The fresh state.
  public func makeState(workerIndex: Int) -> State {
    let workers = batches.workerCount
    return State(
      shard: shards.shard(workerIndex), me: workerIndex,
      table: owned[workerIndex].map { SymbolAggregate(symbol: $0) },
      free: (0..<workers).map { $0 == workerIndex ? [] : (0..<Int32(batches.depth)).reversed() },
      fills: Array(repeating: 0, count: workers), open: Array(repeating: 0, count: workers))
  }

  /// Generates a chunk, folds a peer's batch, or takes a buffer back.
  ///
  /// - Parameters:
  ///   - envelope: The handle.
  ///   - state: The worker's state.
  ///   - context: The mesh.
  /// - Throws: ``SubmitError`` if the mesh refuses a handle (it cannot: at
  ///   most `buffersPerPeer` handles per lane and direction are in flight);
  ///   the pool's error policy then stops it.
  public func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    switch envelope.message {
    case .batch(let from, let buffer, let count):
      fold(
        batches.base(from: Int(from), to: state.me, index: Int(buffer)), count: Int(count),
        into: &state)
      try context.send(.returned(by: Int32(state.me), buffer: buffer), toWorker: Int(from))
    case .returned(let peer, let buffer):
      state.free[Int(peer)].append(buffer)
    case .generate:
      // Hand back the buffers folded this round before spending a chunk's
      // time generating: the peers get them a chunk earlier.
      context.flushMesh()
      if takeBuffers(&state) {
        state.stalls = 0
        try generateChunk(&state, &context)
      } else {
        // A peer holds every buffer this worker has for it. Go round the
        // run loop (it takes what the peers send back) a few times; then
        // the peer is likely off its CPU: sleep briefly rather than spin,
        // since on a shared host the peer may need this CPU.
        state.stalls += 1
        if state.stalls > 16 { usleep(50) }
      }
      if state.shard.remaining > 0 { try context.send(.generate, toWorker: state.me) }
    }
  }

  /// Takes one free buffer per peer for the next chunk, or none if a peer
  /// has none left.
  func takeBuffers(_ state: inout State) -> Bool {
    for peer in state.free.indices where peer != state.me && state.free[peer].isEmpty {
      return false
    }
    for peer in state.free.indices where peer != state.me {
      state.open[peer] = state.free[peer].removeLast()
    }
    return true
  }

  func generateChunk(_ state: inout State, _ context: inout WorkerContext<Self>) throws {
    let me = state.me
    let workers = batches.workerCount
    // Where each destination's trades go: this worker's own share to its
    // scratch buffer (the pair (me, me)), each peer's to the buffer taken.
    let targets = (0..<workers).map {
      batches.base(from: me, to: $0, index: $0 == me ? 0 : Int(state.open[$0]))
    }
    var shard = state.shard
    var count = 0
    let symbolCount = symbolCount
    let chunkSize = chunkSize
    if workers == 1 {
      // Alone, this worker owns every symbol, in order, so a symbol's slot
      // is the symbol: nothing to route or look up (a slot load from the
      // 80 KB route table cost this loop 10 % of its speed). The
      // reference's fused loop.
      var notional = 0.0
      state.table.withUnsafeMutableBufferPointer { table in
        while count < chunkSize, let (_, random) = shard.next() {
          count &+= 1
          let trade = TradeGenerator.trade(random: random, symbolCount: symbolCount)
          let value = trade.price * trade.quantity
          notional += value
          table[Int(trade.symbol)].add(
            price: trade.price, quantity: trade.quantity, notional: value)
        }
      }
      state.shard = shard
      state.generated += count
      state.notional += notional
      state.folded &+= UInt64(count)
      return
    }
    // Branch-free partition by owner: one table load gives the owner and
    // the owner's slot; one store into that owner's buffer. This worker's
    // own share goes to its scratch buffer and is folded right after, in
    // a tight loop. (Folding it in the same loop costs more: either a
    // branch mispredicted on every other trade, or, branch-free, dummy
    // updates whose store-to-load forwarding stalls.)
    routes.withUnsafeBufferPointer { routes in
      targets.withUnsafeBufferPointer { targets in
        state.fills.withUnsafeMutableBufferPointer { fills in
          count = Self.partition(
            &shard, upTo: chunkSize, symbolCount: symbolCount, routes: routes, targets: targets,
            fills: fills)
        }
      }
    }
    state.shard = shard
    state.generated += count
    fold(targets[me], count: state.fills[me], into: &state)
    for peer in 0..<workers where peer != me {
      let filled = state.fills[peer]
      if filled == 0 {
        state.free[peer].append(state.open[peer])
      } else {
        try context.send(
          .batch(from: Int32(me), buffer: state.open[peer], count: Int32(filled)), toWorker: peer)
      }
    }
  }

  /// Generates up to `limit` trades of `shard` and stores each, packed
  /// (`slot << 32 | price << 16 | quantity`), at the end of its owner's
  /// buffer: `targets[owner][fills[owner]]`, then counts it in `fills`.
  ///
  /// - Returns: The trades generated.
  @inline(__always)
  static func partition(
    _ shard: inout SeededShard, upTo limit: Int, symbolCount: Int,
    routes: UnsafeBufferPointer<UInt64>, targets: UnsafeBufferPointer<UnsafeMutablePointer<UInt64>>,
    fills: UnsafeMutableBufferPointer<Int>
  ) -> Int {
    for index in fills.indices { fills[index] = 0 }
    var count = 0
    while count < limit, let (_, random) = shard.next() {
      count &+= 1
      let trade = TradeGenerator.wholeTrade(random: random, symbolCount: symbolCount)
      let route = routes[Int(trade.symbol)]
      let owner = Int(truncatingIfNeeded: route & 0xFFFF_FFFF)
      targets[owner][fills[owner]] =
        route & 0xFFFF_FFFF_0000_0000 | UInt64(trade.price) << 16 | UInt64(trade.quantity)
      fills[owner] &+= 1
    }
    return count
  }

  /// Folds `count` packed trades (`slot << 32 | price << 16 | quantity`)
  /// into this worker's table.
  func fold(_ words: UnsafeMutablePointer<UInt64>, count: Int, into state: inout State) {
    let notional = state.table.withUnsafeMutableBufferPointer { table in
      Self.fold(words, count: count, into: table)
    }
    state.notional += notional
    state.folded &+= UInt64(count)
  }

  /// Folds `count` packed trades into `table`, by slot.
  ///
  /// - Returns: The trades' total notional.
  @inline(__always)
  static func fold(
    _ words: UnsafePointer<UInt64>, count: Int,
    into table: UnsafeMutableBufferPointer<SymbolAggregate>
  ) -> Double {
    var notional = 0.0
    for index in 0..<count {
      let word = words[index]
      let price = Double(Int(truncatingIfNeeded: word >> 16 & 0xFFFF))
      let quantity = Double(Int(truncatingIfNeeded: word & 0xFFFF))
      let value = price * quantity
      notional += value
      table[Int(truncatingIfNeeded: word >> 32)].add(
        price: price, quantity: quantity, notional: value)
    }
    return notional
  }
}

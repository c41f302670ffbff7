import SNMemory
import SNPool
import SNSimd

/// What a demo worker sends back through the pool's results channel.
public enum WorkerReport: Sendable {
  /// A chunk of the worker's per-symbol aggregates (sent at shutdown).
  case aggregates([SymbolAggregate])
  /// The worker's last word: its index, trades folded and the notional its
  /// SIMD kernels summed batch by batch.
  case finished(workerIndex: Int, trades: UInt64, simdNotional: Double, arenaBytes: Int)
}

/// The demo's worker: per-symbol aggregation of trades.
///
/// `handleMessage` only queues the trade in the worker's own pending list;
/// `tick` (after each drained batch) does the math for the whole batch:
/// it copies prices and quantities into scratch buffers from the worker's
/// `BumpArena` (rewound after the batch, so it settles on one chunk), computes
/// every notional with one SIMD `Batch.multiply`, sums them with `Batch.sum`,
/// and folds each trade into the symbol's aggregate. At shutdown it emits
/// its aggregates through the pool's MPSC results channel.
public struct AggregationWorker: Worker {
  /// A worker's own data: no other thread ever touches it.
  public struct State {
    /// Aggregates by symbol id; a worker writes only the symbols routed to it.
    var table: [SymbolAggregate]
    /// Trades handled since the last tick.
    var pending: [Trade]
    /// Scratch memory for the batch math.
    let arena: BumpArena
    /// Sum of every batch's `Batch.sum` of notionals.
    var simdNotional: Double = 0
    /// Trades folded.
    var trades: UInt64 = 0
    /// The arena's largest footprint seen.
    var arenaBytes = 0
  }

  /// The message type: one trade, routed by its symbol.
  public typealias Message = Trade
  /// The output type: aggregates and a final report.
  public typealias Output = WorkerReport

  /// Distinct symbols in the stream.
  public let symbolCount: Int
  /// Aggregates per results message at shutdown.
  public let chunkSize: Int

  /// Creates the worker.
  ///
  /// - Parameters:
  ///   - symbolCount: Distinct symbols (the table size).
  ///   - chunkSize: Aggregates per results message.
  public init(symbolCount: Int, chunkSize: Int = 4096) {
    self.symbolCount = symbolCount
    self.chunkSize = chunkSize
  }

  /// Makes the table and the arena on the worker's own thread, so first
  /// touch places them on its NUMA node.
  ///
  /// - Parameter workerIndex: Unused.
  /// - Returns: A fresh state.
  public func makeState(workerIndex: Int) -> State {
    // 64 KiB is the default first chunk; it cannot fail short of an exhausted
    // address space, where trapping is the honest outcome for a demo.
    let arena = try! BumpArena(chunkByteCount: 64 << 10)
    return State(
      table: (0..<symbolCount).map { SymbolAggregate(symbol: UInt32($0)) }, pending: [],
      arena: arena)
  }

  /// Queues the trade for the next tick's batch.
  ///
  /// - Parameters:
  ///   - envelope: The trade.
  ///   - state: This worker's state.
  ///   - context: Unused.
  public func handleMessage(
    _ envelope: Envelope<Trade>, state: inout State, context: inout WorkerContext<Self>
  ) {
    state.pending.append(envelope.message)
  }

  /// Folds the pending batch with SIMD math in arena scratch memory; at
  /// shutdown, emits the aggregates and a final report.
  ///
  /// - Parameters:
  ///   - state: This worker's state.
  ///   - context: Emits into the results channel.
  /// - Throws: `SendError` if the results receiver was dropped.
  public func tick(state: inout State, context: inout WorkerContext<Self>) throws {
    if !state.pending.isEmpty { foldPending(&state) }
    guard context.isShuttingDown else { return }
    var chunk: [SymbolAggregate] = []
    chunk.reserveCapacity(chunkSize)
    for aggregate in state.table where aggregate.count > 0 {
      chunk.append(aggregate)
      if chunk.count == chunkSize {
        try context.emit(.aggregates(chunk))
        chunk.removeAll(keepingCapacity: true)
      }
    }
    if !chunk.isEmpty { try context.emit(.aggregates(chunk)) }
    try context.emit(
      .finished(
        workerIndex: context.workerIndex, trades: state.trades, simdNotional: state.simdNotional,
        arenaBytes: state.arenaBytes))
  }

  func foldPending(_ state: inout State) {
    let count = state.pending.count
    let arena = state.arena
    arena.withScope { arena in
      let prices = UnsafeMutableBufferPointer(
        start: arena.unsafeAllocate(of: Double.self, count: count), count: count)
      let quantities = UnsafeMutableBufferPointer(
        start: arena.unsafeAllocate(of: Double.self, count: count), count: count)
      let notionals = UnsafeMutableBufferPointer(
        start: arena.unsafeAllocate(of: Double.self, count: count), count: count)
      for (index, trade) in state.pending.enumerated() {
        prices.initializeElement(at: index, to: trade.price)
        quantities.initializeElement(at: index, to: trade.quantity)
      }
      notionals.initialize(repeating: 0)
      Batch.multiply(UnsafeBufferPointer(prices), UnsafeBufferPointer(quantities), into: notionals)
      state.simdNotional += Batch.sum(UnsafeBufferPointer(notionals))
      state.table.withUnsafeMutableBufferPointer { table in
        for index in 0..<count {
          table[Int(state.pending[index].symbol)].add(
            price: prices[index], quantity: quantities[index], notional: notionals[index])
        }
      }
      state.arenaBytes = max(state.arenaBytes, arena.statistics.bytesInUse)
    }
    state.trades &+= UInt64(count)
    state.pending.removeAll(keepingCapacity: true)
  }
}

import SNAtomics
import SNPartition
import SNPool

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The shared-nothing demo's worker: generates its own share of the trade
/// stream, routes each trade to the worker that owns its symbol over the
/// pool's mesh (or folds it in place when it owns the symbol itself), and
/// aggregates the trades routed to it.
///
/// Generation runs in chunks, each one a `.generate` message the worker
/// sends itself: between two chunks the run loop handles what the other
/// workers sent and flushes the stages, and while a peer's lane is full the
/// worker skips generating (it still re-arms itself) until the backlog
/// drains. The pending `.generate` message keeps the worker busy, so a
/// graceful shutdown waits for the whole share.
public struct MeshAggregationWorker: Worker {
  /// What travels between workers.
  /// What travels between workers: a trade packed into 8 bytes (symbol,
  /// whole-cent price and quantity; the demo's ranges fit 32 + 16 + 16
  /// bits), or the `generate` command. Small messages matter: a mesh hop
  /// moves one cache line per 8 of these, against one per 2 for an enum
  /// holding a ``Trade``.
  @frozen
  public struct Message: Sendable, Hashable {
    /// The symbol id, or `UInt32.max` for ``generate``.
    public var symbol: UInt32
    /// The price in cents, 1...50000.
    public var price: UInt16
    /// The quantity, 1...500.
    public var quantity: UInt16

    /// Generate the next chunk of this worker's share.
    public static let generate = Message(symbol: .max, price: 0, quantity: 0)

    /// A trade for a symbol the receiver owns.
    ///
    /// - Parameter trade: The trade (whole-number price and quantity).
    /// - Returns: The packed message.
    @inline(__always)
    public static func trade(_ trade: Trade) -> Message {
      Message(
        symbol: trade.symbol, price: UInt16(truncatingIfNeeded: Int(trade.price)),
        quantity: UInt16(truncatingIfNeeded: Int(trade.quantity)))
    }

    /// The trade this message carries.
    public var trade: Trade {
      Trade(symbol: symbol, price: Double(price), quantity: Double(quantity))
    }

    /// Whether this is the ``generate`` command.
    public var isGenerate: Bool { symbol == .max }
  }

  /// A worker's own data: no other thread ever touches it.
  public struct State {
    /// This worker's share of the stream.
    var shard: SeededShard
    /// Per symbol: its slot in `table` if this worker owns it, else
    /// `-1 - owner`.
    var slots: [Int32]
    /// Aggregates of the symbols this worker owns, compact (half the cache
    /// footprint of a table of every symbol, at 2 workers).
    var table: [SymbolAggregate]
    /// The notional of every trade folded here, summed as they come.
    var notional = 0.0
    /// Trades this worker generated.
    var generated = 0
    /// Trades folded here.
    var folded: UInt64 = 0
    /// A chunk's trades for other workers (reused buffer).
    var outgoing: [Trade] = []
  }

  /// The whole stream, split into one share per worker.
  public let shards: SeededShards
  /// Distinct symbols.
  public let symbolCount: Int
  /// Trades generated per `.generate` message.
  public let chunkSize: Int
  /// The owner of each symbol, from the pool's partitioner.
  public let owners: [UInt16]

  /// Creates the worker.
  ///
  /// - Parameters:
  ///   - shards: The stream and its split.
  ///   - symbolCount: Distinct symbols.
  ///   - chunkSize: Trades per generation step.
  ///   - owners: The owning worker of each symbol (the pool's partitioner).
  public init(shards: SeededShards, symbolCount: Int, chunkSize: Int, owners: [UInt16]) {
    self.shards = shards
    self.symbolCount = symbolCount
    self.chunkSize = chunkSize
    self.owners = owners
  }

  /// Makes the worker's share cursor and table on its own thread.
  ///
  /// - Parameter workerIndex: The worker.
  /// - Returns: The fresh state.
  public func makeState(workerIndex: Int) -> State {
    var slots: [Int32] = []
    var table: [SymbolAggregate] = []
    for symbol in 0..<symbolCount {
      let owner = Int(owners[symbol])
      if owner == workerIndex {
        slots.append(Int32(table.count))
        table.append(SymbolAggregate(symbol: UInt32(symbol)))
      } else {
        slots.append(Int32(-1 - owner))
      }
    }
    return State(shard: shards.shard(workerIndex), slots: slots, table: table)
  }

  /// Generates a chunk, or folds a trade.
  ///
  /// - Parameters:
  ///   - envelope: `.generate` or a trade.
  ///   - state: The worker's state.
  ///   - context: The mesh.
  /// - Throws: ``SubmitError`` if the mesh refuses a trade (it cannot with
  ///   the demo's backlog limit); the pool's error policy then stops it.
  public func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) throws {
    let message = envelope.message
    if !message.isGenerate {
      fold(message.trade, into: &state)
    } else {
      if context.isMeshBackpressured {
        // A peer's lane is full: it is busy or off its CPU. Sleep briefly
        // rather than spin: on a shared host the peer may need this CPU,
        // and spinning (or yielding in a loop) burns CPU for nothing.
        usleep(50)
      } else {
        try generateChunk(&state, &context)
      }
      if state.shard.remaining > 0 { try context.send(.generate, toWorker: context.workerIndex) }
    }
  }

  func generateChunk(_ state: inout State, _ context: inout WorkerContext<Self>) throws {
    if state.outgoing.count < chunkSize {
      state.outgoing = Array(repeating: Trade(symbol: 0, price: 0, quantity: 0), count: chunkSize)
    }
    // First pass, as tight as the reference's loop (no call that may throw,
    // no per-trade uniqueness check): fold this worker's own symbols, set
    // the other workers' trades aside.
    var shard = state.shard
    var notional = 0.0
    var folded: UInt64 = 0
    var count = 0
    var away = 0
    let symbolCount = symbolCount
    let chunkSize = chunkSize
    state.slots.withUnsafeBufferPointer { slots in
      state.table.withUnsafeMutableBufferPointer { table in
        state.outgoing.withUnsafeMutableBufferPointer { outgoing in
          while count < chunkSize, let (_, random) = shard.next() {
            count &+= 1
            let trade = TradeGenerator.trade(random: random, symbolCount: symbolCount)
            let slot = Int(slots[Int(trade.symbol)])
            if slot >= 0 {
              let value = trade.price * trade.quantity
              notional += value
              folded &+= 1
              table[slot].add(
                price: trade.price, quantity: trade.quantity, notional: value)
            } else {
              outgoing[away] = trade
              away &+= 1
            }
          }
        }
      }
    }
    state.shard = shard
    state.generated += count
    state.notional += notional
    state.folded &+= folded
    // Second pass: stage the other workers' trades for their owners.
    for index in 0..<away {
      let trade = state.outgoing[index]
      try context.send(.trade(trade), toWorker: -1 - Int(state.slots[Int(trade.symbol)]))
    }
  }

  @inline(__always)
  func fold(_ trade: Trade, into state: inout State) {
    let value = trade.price * trade.quantity
    state.notional += value
    state.folded &+= 1
    state.table[Int(state.slots[Int(trade.symbol)])].add(
      price: trade.price, quantity: trade.quantity, notional: value)
  }
}

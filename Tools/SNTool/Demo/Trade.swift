/// One event of the demo stream: a trade of `quantity` units of symbol
/// `symbol` at `price` (in cents).
///
/// Prices and quantities are whole numbers held in `Double`, and every sum
/// the demo forms stays below 2^53, so each sum is exact whatever the order
/// of additions: the pool's answer must equal the single-threaded one bit
/// for bit.
@frozen
public struct Trade: Sendable, Hashable {
  /// The symbol id, in `0..<symbolCount`: the routing key.
  public var symbol: UInt32
  /// The price in cents, a whole number in `1...50_000`.
  public var price: Double
  /// The quantity, a whole number in `1...500`.
  public var quantity: Double

  /// Creates a trade.
  ///
  /// - Parameters:
  ///   - symbol: The symbol id.
  ///   - price: The price in cents.
  ///   - quantity: The quantity.
  @inlinable
  public init(symbol: UInt32, price: Double, quantity: Double) {
    self.symbol = symbol
    self.price = price
    self.quantity = quantity
  }
}

/// A deterministic stream of trades: the same seed gives the same trades on
/// every run and host (SplitMix64, no Foundation randomness).
public struct TradeGenerator: Sendable {
  /// How many distinct symbols the stream uses.
  public let symbolCount: Int
  @usableFromInline var state: UInt64

  /// Creates a generator.
  ///
  /// - Parameters:
  ///   - seed: The seed.
  ///   - symbolCount: Distinct symbols, at least 1.
  public init(seed: UInt64, symbolCount: Int) {
    precondition(symbolCount >= 1, "TradeGenerator: symbolCount must be at least 1")
    self.state = seed
    self.symbolCount = symbolCount
  }

  @inlinable
  mutating func nextRandom() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// The next trade. One symbol in eight of the draws goes to the first
  /// 1 % of symbols, so some keys are hot, as in real market data.
  ///
  /// - Returns: The trade.
  @inlinable
  public mutating func next() -> Trade {
    Self.trade(random: nextRandom(), symbolCount: symbolCount)
  }

  /// The trade a 64-bit random word stands for: record `i` of the stream is
  /// `trade(random: SeededShards.random(seed:index: i), …)`, so a worker can
  /// generate its own share of the stream (see `SeededShards`).
  ///
  /// - Parameters:
  ///   - random: The record's random word.
  ///   - symbolCount: Distinct symbols, at least 1.
  /// - Returns: The trade.
  @inlinable @inline(__always)
  public static func trade(random: UInt64, symbolCount: Int) -> Trade {
    let fields = wholeTrade(random: random, symbolCount: symbolCount)
    return Trade(
      symbol: fields.symbol, price: Double(fields.price), quantity: Double(fields.quantity))
  }

  /// The same trade as ``trade(random:symbolCount:)``, as the whole numbers
  /// it is made of (`trade` converts these to `Double`): for a pipeline
  /// that moves trades in packed integer form and converts where it folds
  /// them, once, as the single-threaded loop does.
  ///
  /// - Parameters:
  ///   - random: The record's random word.
  ///   - symbolCount: Distinct symbols, at least 1.
  /// - Returns: The symbol, the price in cents (`1...50_000`) and the
  ///   quantity (`1...500`).
  @inlinable @inline(__always)
  public static func wholeTrade(
    random: UInt64, symbolCount: Int
  ) -> (symbol: UInt32, price: UInt32, quantity: UInt32) {
    let hotRange = UInt64(max(1, symbolCount / 100))
    let symbol =
      random & 7 == 0
      ? (random >> 8) % hotRange : (random >> 8) % UInt64(symbolCount)
    let price = 1 + (random >> 32) % 50_000
    let quantity = 1 + (random >> 16 & 0xFFFF) % 500
    return (
      UInt32(truncatingIfNeeded: symbol), UInt32(truncatingIfNeeded: price),
      UInt32(truncatingIfNeeded: quantity)
    )
  }
}

/// What the demo computes per symbol: trade count, volume, notional
/// (price × quantity) and the price range.
@frozen
public struct SymbolAggregate: Sendable, Hashable {
  /// The symbol id.
  public var symbol: UInt32
  /// Trades seen.
  public var count: UInt64
  /// Sum of quantities.
  public var volume: Double
  /// Sum of price × quantity.
  public var notional: Double
  /// Lowest price.
  public var minPrice: Double
  /// Highest price.
  public var maxPrice: Double

  /// An empty aggregate for `symbol`.
  ///
  /// - Parameter symbol: The symbol id.
  @inlinable
  public init(symbol: UInt32) {
    self.symbol = symbol
    count = 0
    volume = 0
    notional = 0
    minPrice = .infinity
    maxPrice = -.infinity
  }

  /// The volume-weighted average price, in cents.
  public var vwap: Double { volume > 0 ? notional / volume : 0 }

  /// Folds one trade (with its precomputed notional) in.
  ///
  /// - Parameters:
  ///   - price: The price.
  ///   - quantity: The quantity.
  ///   - notional: `price × quantity`.
  @inlinable
  public mutating func add(price: Double, quantity: Double, notional: Double) {
    count &+= 1
    volume += quantity
    self.notional += notional
    minPrice = Swift.min(minPrice, price)
    maxPrice = Swift.max(maxPrice, price)
  }
}

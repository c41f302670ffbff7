/// A generated input split into shares, one per worker: record `i` of the
/// whole stream is a pure function of the seed and `i`, so every worker
/// generates its own contiguous range of indices and the union over the
/// workers is exactly the stream one thread would generate, whatever the
/// worker count.
///
/// The random word of record `i` is SplitMix64 at counter `i`:
/// `mix(seed &+ (i + 1) &* 0x9E3779B97F4A7C15)`, the same value a sequential
/// SplitMix64 seeded with `seed` returns on its `i+1`-th draw.
///
/// ```swift
/// let shards = try SeededShards(seed: 42, count: 1_000_000, shardCount: 2)  // one per worker
/// // on worker w (here 0):
/// var shard = shards.shard(0)
/// var sum: UInt64 = 0
/// while let (_, random) = shard.next() { sum &+= random }
/// ```
public struct SeededShards: Sendable, Hashable {
  /// The seed of the whole stream.
  public let seed: UInt64
  /// Records in the whole stream.
  public let count: Int
  /// How many shares the stream is split into.
  public let shardCount: Int

  /// Splits a stream of `count` records into `shardCount` contiguous shares
  /// whose sizes differ by at most one.
  ///
  /// - Parameters:
  ///   - seed: The seed of the stream.
  ///   - count: Records in the stream, at least 0.
  ///   - shardCount: Shares (usually the worker count), at least 1.
  /// - Throws: ``SourceError/invalidRecordCount`` or
  ///   ``SourceError/invalidShardCount``, naming the setting.
  public init(seed: UInt64, count: Int, shardCount: Int) throws(SourceError) {
    guard count >= 0 else { throw .invalidRecordCount.with(detail: "count \(count)") }
    guard shardCount >= 1 else { throw .invalidShardCount.with(detail: "shardCount \(shardCount)") }
    self.seed = seed
    self.count = count
    self.shardCount = shardCount
  }

  /// The record indices share `shard` owns.
  ///
  /// - Parameter shard: The share, in `0..<shardCount`.
  /// - Returns: A contiguous range; the ranges of all shares tile `0..<count`.
  public func indices(ofShard shard: Int) -> Range<Int> {
    precondition(shard >= 0 && shard < shardCount, "shard \(shard) not in 0..<\(shardCount)")
    let base = count / shardCount
    let extra = count % shardCount
    let lower = shard * base + min(shard, extra)
    return lower..<(lower + base + (shard < extra ? 1 : 0))
  }

  /// A cursor over share `shard`.
  ///
  /// - Parameter shard: The share, in `0..<shardCount`.
  /// - Returns: The share's generator, positioned at its first record.
  public func shard(_ shard: Int) -> SeededShard {
    SeededShard(seed: seed, indices: indices(ofShard: shard))
  }

  /// The random word of record `index` (SplitMix64 at that counter).
  ///
  /// - Parameters:
  ///   - seed: The stream's seed.
  ///   - index: The record index.
  /// - Returns: The record's 64 random bits.
  @inlinable
  public static func random(seed: UInt64, index: Int) -> UInt64 {
    SeededShard.mix(seed &+ UInt64(truncatingIfNeeded: index &+ 1) &* SeededShard.gamma)
  }
}

/// One worker's share of a ``SeededShards`` stream: yields `(index, random)`
/// for each record of its range, in order. A value type: copy it to replay.
@frozen
public struct SeededShard: Sendable, Hashable, IteratorProtocol, Sequence {
  /// The record indices this share covers.
  public let indices: Range<Int>
  /// The next index to yield.
  @usableFromInline var nextIndex: Int
  /// The SplitMix64 counter state of `nextIndex - 1`.
  @usableFromInline var state: UInt64

  @usableFromInline static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

  /// A cursor over `indices` of the stream seeded with `seed`.
  ///
  /// - Parameters:
  ///   - seed: The stream's seed.
  ///   - indices: The records to yield.
  public init(seed: UInt64, indices: Range<Int>) {
    self.indices = indices
    nextIndex = indices.lowerBound
    state = seed &+ UInt64(truncatingIfNeeded: indices.lowerBound) &* Self.gamma
  }

  /// Records not yet yielded.
  public var remaining: Int { indices.upperBound - nextIndex }

  /// The next record's index and random word, or `nil` past the end.
  ///
  /// - Returns: `(index, random)`.
  /// - Complexity: O(1): three multiplies, no division.
  @inlinable
  public mutating func next() -> (index: Int, random: UInt64)? {
    guard nextIndex < indices.upperBound else { return nil }
    state &+= Self.gamma
    defer { nextIndex &+= 1 }
    return (nextIndex, Self.mix(state))
  }

  @inlinable @inline(__always)
  static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

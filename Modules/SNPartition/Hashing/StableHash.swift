/// The stable hash functions behind ``KeyHasher``, callable on raw bytes.
///
/// Every function here is a published algorithm with published outputs; the
/// tests check each one against reference vectors. None of them depends on the
/// process, the machine or the Swift release, which is the whole point: use
/// them (through ``KeyHasher``) wherever a hash decides where data lives.
public enum StableHash {}

// MARK: - Shared helpers

extension UnsafeRawBufferPointer {
  /// Reads a little-endian `UInt64` at `offset` without alignment requirements.
  @inlinable @inline(__always)
  func _le64(_ offset: Int) -> UInt64 {
    loadUnaligned(fromByteOffset: offset, as: UInt64.self).littleEndian
  }

  /// Reads a little-endian `UInt32` at `offset` without alignment requirements.
  @inlinable @inline(__always)
  func _le32(_ offset: Int) -> UInt32 {
    loadUnaligned(fromByteOffset: offset, as: UInt32.self).littleEndian
  }
}

extension UInt64 {
  /// Rotates left by `amount` bits (0 < amount < 64).
  @inlinable @inline(__always)
  func _rotl(_ amount: UInt64) -> UInt64 {
    (self << amount) | (self >> (64 &- amount))
  }
}

/// 64×64→128-bit multiply, folded to 64 bits by XOR of the halves.
@inlinable @inline(__always)
func _mulFold64(_ lhs: UInt64, _ rhs: UInt64) -> UInt64 {
  let product = lhs.multipliedFullWidth(by: rhs)
  return product.high ^ product.low
}

// MARK: - XXH64

// The primes are computed properties so that inlined code sees constants
// (a global `let` is reached through an accessor from other modules).

@inlinable var _xxPrime64_1: UInt64 { 0x9E37_79B1_85EB_CA87 }
@inlinable var _xxPrime64_2: UInt64 { 0xC2B2_AE3D_27D4_EB4F }
@inlinable var _xxPrime64_3: UInt64 { 0x1656_67B1_9E37_79F9 }
@inlinable var _xxPrime64_4: UInt64 { 0x85EB_CA77_C2B2_AE63 }
@inlinable var _xxPrime64_5: UInt64 { 0x27D4_EB2F_1656_67C5 }

@inlinable @inline(__always)
func _xxh64Round(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
  (acc &+ lane &* _xxPrime64_2)._rotl(31) &* _xxPrime64_1
}

@inlinable @inline(__always)
func _xxh64MergeRound(_ acc: UInt64, _ lane: UInt64) -> UInt64 {
  (acc ^ _xxh64Round(0, lane)) &* _xxPrime64_1 &+ _xxPrime64_4
}

@inlinable @inline(__always)
func _xxh64Avalanche(_ value: UInt64) -> UInt64 {
  var hash = value
  hash ^= hash >> 33
  hash = hash &* _xxPrime64_2
  hash ^= hash >> 29
  hash = hash &* _xxPrime64_3
  hash ^= hash >> 32
  return hash
}

extension StableHash {
  /// XXH64 of exactly 8 bytes, `word`'s little-endian bytes: the same value
  /// as ``xxh64(_:seed:)`` on them, with the length known at compile time
  /// (about 20 instructions instead of the general loop).
  @inlinable @inline(__always)
  static func _xxh64(word: UInt64, seed: UInt64) -> UInt64 {
    var hash = seed &+ _xxPrime64_5 &+ 8
    hash ^= _xxh64Round(0, word)
    hash = hash._rotl(27) &* _xxPrime64_1 &+ _xxPrime64_4
    return _xxh64Avalanche(hash)
  }

  /// XXH64 (xxHash, 64-bit) of `bytes` with `seed`.
  ///
  /// The format is frozen by its author and implemented identically in every
  /// language, so a Go or Rust service can compute the same value.
  ///
  /// - Parameters:
  ///   - bytes: The input.
  ///   - seed: The seed; ``KeyHasher/routingSeedV1`` is the library's default.
  /// - Returns: The 64-bit digest, as the reference implementation returns it.
  /// - Complexity: O(`bytes.count`).
  @inlinable
  public static func xxh64(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
    let count = bytes.count
    var offset = 0
    var hash: UInt64
    if count >= 32 {
      var v1 = seed &+ _xxPrime64_1 &+ _xxPrime64_2
      var v2 = seed &+ _xxPrime64_2
      var v3 = seed
      var v4 = seed &- _xxPrime64_1
      while offset + 32 <= count {
        v1 = _xxh64Round(v1, bytes._le64(offset))
        v2 = _xxh64Round(v2, bytes._le64(offset + 8))
        v3 = _xxh64Round(v3, bytes._le64(offset + 16))
        v4 = _xxh64Round(v4, bytes._le64(offset + 24))
        offset += 32
      }
      hash = v1._rotl(1) &+ v2._rotl(7) &+ v3._rotl(12) &+ v4._rotl(18)
      hash = _xxh64MergeRound(hash, v1)
      hash = _xxh64MergeRound(hash, v2)
      hash = _xxh64MergeRound(hash, v3)
      hash = _xxh64MergeRound(hash, v4)
    } else {
      hash = seed &+ _xxPrime64_5
    }
    hash &+= UInt64(truncatingIfNeeded: count)
    while offset + 8 <= count {
      hash ^= _xxh64Round(0, bytes._le64(offset))
      hash = hash._rotl(27) &* _xxPrime64_1 &+ _xxPrime64_4
      offset += 8
    }
    if offset + 4 <= count {
      hash ^= UInt64(bytes._le32(offset)) &* _xxPrime64_1
      hash = hash._rotl(23) &* _xxPrime64_2 &+ _xxPrime64_3
      offset += 4
    }
    while offset < count {
      hash ^= UInt64(bytes[offset]) &* _xxPrime64_5
      hash = hash._rotl(11) &* _xxPrime64_1
      offset += 1
    }
    return _xxh64Avalanche(hash)
  }
}

// MARK: - Kafka murmur2

extension StableHash {
  /// MurmurHash2 (32-bit) exactly as Apache Kafka's `Utils.murmur2` computes it,
  /// with Kafka's fixed seed `0x9747b28c`.
  ///
  /// Kafka's default partitioner for keyed records is
  /// `toPositive(murmur2(keyBytes)) % numPartitions`, where `toPositive` clears
  /// the sign bit. ``KeyHasher/kafkaMurmur2`` returns that positive value, so a
  /// ``HashPartitioner`` built with ``HashPartitioner/kafkaCompatible(partitions:)``
  /// picks the partition the Java producer picks for the same serialized key.
  ///
  /// - Parameter bytes: The serialized key.
  /// - Returns: The signed 32-bit result, as Java's `int`.
  /// - Complexity: O(`bytes.count`).
  @inlinable
  public static func kafkaMurmur2(_ bytes: UnsafeRawBufferPointer) -> Int32 {
    let multiplier: UInt32 = 0x5BD1_E995
    let count = bytes.count
    var hash: UInt32 = 0x9747_B28C ^ UInt32(truncatingIfNeeded: count)
    var offset = 0
    while offset + 4 <= count {
      var lane = bytes._le32(offset)
      lane = lane &* multiplier
      lane ^= lane >> 24
      lane = lane &* multiplier
      hash = hash &* multiplier
      hash ^= lane
      offset += 4
    }
    let tail = count & 3
    if tail == 3 { hash ^= UInt32(bytes[offset + 2]) << 16 }
    if tail >= 2 { hash ^= UInt32(bytes[offset + 1]) << 8 }
    if tail >= 1 {
      hash ^= UInt32(bytes[offset])
      hash = hash &* multiplier
    }
    hash ^= hash >> 13
    hash = hash &* multiplier
    hash ^= hash >> 15
    return Int32(bitPattern: hash)
  }
}

// MARK: - SipHash-1-3

@inlinable @inline(__always)
func _sipRound(
  _ v0: inout UInt64, _ v1: inout UInt64, _ v2: inout UInt64, _ v3: inout UInt64
) {
  v0 &+= v1
  v1 = v1._rotl(13)
  v1 ^= v0
  v0 = v0._rotl(32)
  v2 &+= v3
  v3 = v3._rotl(16)
  v3 ^= v2
  v0 &+= v3
  v3 = v3._rotl(21)
  v3 ^= v0
  v2 &+= v1
  v1 = v1._rotl(17)
  v1 ^= v2
  v2 = v2._rotl(32)
}

extension StableHash {
  /// SipHash with `compressionRounds` and `finalizationRounds` under the
  /// 128-bit key (`key0`, `key1`), where each half is read as SipHash's
  /// little-endian key words.
  ///
  /// SipHash-1-3 (the default) is what Swift's own `Hasher` runs, but here with
  /// a key you choose and share across the cluster instead of a per-process
  /// random one. SipHash-2-4 (rounds 2 and 4) is the original, with published
  /// test vectors; the tests check both.
  ///
  /// - Parameters:
  ///   - bytes: The input.
  ///   - key0: The first 8 key bytes, read little-endian.
  ///   - key1: The last 8 key bytes, read little-endian.
  ///   - compressionRounds: Rounds per 8-byte block (1 for SipHash-1-3).
  ///   - finalizationRounds: Rounds at the end (3 for SipHash-1-3).
  /// - Returns: The 64-bit SipHash output.
  /// - Complexity: O(`bytes.count`).
  @inlinable
  public static func sipHash(
    _ bytes: UnsafeRawBufferPointer, key0: UInt64, key1: UInt64,
    compressionRounds: Int = 1, finalizationRounds: Int = 3
  ) -> UInt64 {
    var v0: UInt64 = 0x736F_6D65_7073_6575 ^ key0
    var v1: UInt64 = 0x646F_7261_6E64_6F6D ^ key1
    var v2: UInt64 = 0x6C79_6765_6E65_7261 ^ key0
    var v3: UInt64 = 0x7465_6462_7974_6573 ^ key1
    let count = bytes.count
    var offset = 0
    while offset + 8 <= count {
      let block = bytes._le64(offset)
      v3 ^= block
      for _ in 0..<compressionRounds { _sipRound(&v0, &v1, &v2, &v3) }
      v0 ^= block
      offset += 8
    }
    var last = UInt64(truncatingIfNeeded: count) << 56
    var shift: UInt64 = 0
    while offset < count {
      last |= UInt64(bytes[offset]) << shift
      shift += 8
      offset += 1
    }
    v3 ^= last
    for _ in 0..<compressionRounds { _sipRound(&v0, &v1, &v2, &v3) }
    v0 ^= last
    v2 ^= 0xFF
    for _ in 0..<finalizationRounds { _sipRound(&v0, &v1, &v2, &v3) }
    return v0 ^ v1 ^ v2 ^ v3
  }
}

/// The stable hash that turns a key into the 64-bit value a partitioner routes on.
///
/// Every partitioner holds one. The choices:
///
/// | hasher | use it when | notes |
/// |---|---|---|
/// | ``xxh64`` (default) | always, unless a reason below applies | frozen format, ported everywhere |
/// | ``xxh3`` | keys are hashed at very high rates | faster on short keys |
/// | ``kafkaMurmur2`` | keys must land where Kafka's Java producer puts them | 31-bit output: use with modulo |
/// | ``sipHash13(key0:key1:)`` | keys come from untrusted clients | keyed: an attacker cannot aim keys at one worker |
///
/// The default seed is ``routingSeedV1``. It is part of the routing contract:
/// the library will never change what `KeyHasher.xxh64` computes. A future
/// default would get a new name (`routingSeedV2`) so stored placements stay
/// valid.
@frozen
public struct KeyHasher: Sendable, Hashable, CustomStringConvertible {
  @usableFromInline
  enum _Algorithm: UInt8, Sendable, Hashable {
    case xxh64, xxh3, kafkaMurmur2, sipHash13
  }

  @usableFromInline let _algorithm: _Algorithm
  @usableFromInline let _key0: UInt64
  @usableFromInline let _key1: UInt64

  @inlinable
  init(_algorithm: _Algorithm, key0: UInt64, key1: UInt64) {
    self._algorithm = _algorithm
    self._key0 = key0
    self._key1 = key1
  }

  /// The library's fixed, versioned routing seed: the bytes `"SNPart\0\u{1}"` read
  /// big-endian, `0x534E_5061_7274_0001`.
  public static let routingSeedV1: UInt64 = 0x534E_5061_7274_0001

  /// XXH64 seeded with ``routingSeedV1``: the default for every partitioner.
  public static let xxh64 = KeyHasher(_algorithm: .xxh64, key0: routingSeedV1, key1: 0)

  /// XXH3-64 seeded with ``routingSeedV1``: the faster option for short keys.
  public static let xxh3 = KeyHasher(_algorithm: .xxh3, key0: routingSeedV1, key1: 0)

  /// Kafka's murmur2 with the sign bit cleared (`Utils.toPositive(Utils.murmur2(key))`).
  ///
  /// The output has 31 significant bits, so pair it with
  /// ``HashPartitioner/Reduction/modulo`` (what Kafka does); see
  /// ``HashPartitioner/kafkaCompatible(partitions:)``.
  public static let kafkaMurmur2 = KeyHasher(_algorithm: .kafkaMurmur2, key0: 0, key1: 0)

  /// The default hasher, ``xxh64``.
  public static let `default` = xxh64

  /// XXH64 with a seed of your own.
  ///
  /// - Parameter seed: The seed; every process that must agree on routing uses the same one.
  /// - Returns: The hasher.
  public static func xxh64(seed: UInt64) -> KeyHasher {
    KeyHasher(_algorithm: .xxh64, key0: seed, key1: 0)
  }

  /// XXH3-64 with a seed of your own.
  ///
  /// - Parameter seed: The seed; every process that must agree on routing uses the same one.
  /// - Returns: The hasher.
  public static func xxh3(seed: UInt64) -> KeyHasher {
    KeyHasher(_algorithm: .xxh3, key0: seed, key1: 0)
  }

  /// Keyed SipHash-1-3, for keys an attacker can choose.
  ///
  /// With a public hash an attacker can search for keys that all land on one
  /// worker. With a secret key shared by your processes (and nobody else) they
  /// cannot. Keep the key out of logs; rotate it only together with a planned
  /// reshuffle, since it decides placement.
  ///
  /// - Parameters:
  ///   - key0: The first 8 bytes of the 128-bit secret, as a little-endian word.
  ///   - key1: The last 8 bytes of the secret, as a little-endian word.
  /// - Returns: The hasher.
  public static func sipHash13(key0: UInt64, key1: UInt64) -> KeyHasher {
    KeyHasher(_algorithm: .sipHash13, key0: key0, key1: key1)
  }

  /// Hashes raw bytes.
  ///
  /// - Parameter bytes: The key's stable bytes.
  /// - Returns: The 64-bit routing hash.
  /// - Complexity: O(`bytes.count`); no allocation.
  @inlinable
  public func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
    switch _algorithm {
    case .xxh64:
      // 8-byte keys (integers) are the common case; after inlining the
      // count is a constant and only the short form remains.
      if bytes.count == 8 {
        return StableHash._xxh64(
          word: UInt64(littleEndian: bytes.loadUnaligned(as: UInt64.self)), seed: _key0)
      }
      return StableHash.xxh64(bytes, seed: _key0)
    case .xxh3: return StableHash.xxh3(bytes, seed: _key0)
    case .kafkaMurmur2:
      return UInt64(UInt32(bitPattern: StableHash.kafkaMurmur2(bytes)) & 0x7FFF_FFFF)
    case .sipHash13: return StableHash.sipHash(bytes, key0: _key0, key1: _key1)
    }
  }

  /// Hashes a key through its stable bytes.
  ///
  /// - Parameter key: The key.
  /// - Returns: The 64-bit routing hash.
  /// - Complexity: O(size of the key's bytes); no allocation for the built-in key types.
  @inlinable
  public func hash<Key: StableHashable>(_ key: Key) -> UInt64 {
    key.withStableBytes { hash(bytes: $0) }
  }

  /// A short name, such as `xxh64(seed: 0x534e506172740001)`; never prints a SipHash key.
  public var description: String {
    switch _algorithm {
    case .xxh64: return "xxh64(seed: 0x\(String(_key0, radix: 16)))"
    case .xxh3: return "xxh3(seed: 0x\(String(_key0, radix: 16)))"
    case .kafkaMurmur2: return "kafkaMurmur2"
    case .sipHash13: return "sipHash13(key: <secret>)"
    }
  }
}

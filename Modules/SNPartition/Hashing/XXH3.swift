// XXH3-64, written from the published algorithm description (xxHash's doc/xxhash_spec.md
// and the reference code's structure) and checked against outputs of the reference
// library in the tests. Short keys (≤ 16 bytes, the usual routing key) take an
// inlinable path that needs only constant secret words; longer keys call into the
// module.

/// The 192-byte default secret of XXH3 (`kSecret` in the reference implementation),
/// as 24 little-endian words. Part of the algorithm, not a choice of ours.
@usableFromInline let _xxh3SecretWords: [UInt64] = [
  0xBE4B_A423_396C_FEB8, 0x1CAD_21F7_2C81_017C, 0xDB97_9083_E96D_D4DE,
  0x1F67_B3B7_A4A4_4072, 0x78E5_C0CC_4EE6_79CB, 0x2172_FFCC_7DD0_5A82,
  0x8E24_43F7_7446_08B8, 0x4C26_3A81_E690_35E0, 0xCB00_C391_BB52_283C,
  0xA32E_531B_8B65_D088, 0x4EF9_0DA2_9748_6471, 0xD8AC_DEA9_46EF_1938,
  0x3F34_9CE3_3F76_FAA8, 0x1D4F_0BC7_C7BB_DCF9, 0x3159_B4CD_4BE0_518A,
  0x6473_78D9_C97E_9FC8, 0xC3EB_D334_83AC_C5EA, 0xEB63_13FA_FFA0_81C5,
  0x49DA_F0B7_51DD_0D17, 0x9E68_D429_2655_16D3, 0xFCA1_477D_58BE_162B,
  0xCE31_D07A_D1B8_F88F, 0x2804_1695_8F3A_CB45, 0x7E40_4BBB_CAFB_D7AF,
]

@usableFromInline let _xxPrime32_1: UInt64 = 0x9E37_79B1
@usableFromInline let _xxPrime32_2: UInt64 = 0x85EB_CA77
@usableFromInline let _xxPrime32_3: UInt64 = 0xC2B2_AE3D
@usableFromInline let _xxPrimeMX1: UInt64 = 0x1656_6791_9E37_79F9
@usableFromInline let _xxPrimeMX2: UInt64 = 0x9FB2_1C65_1E98_DF25

@inlinable @inline(__always)
func _xxh3Avalanche(_ value: UInt64) -> UInt64 {
  var hash = value ^ (value >> 37)
  hash = hash &* _xxPrimeMX1
  return hash ^ (hash >> 32)
}

@inlinable @inline(__always)
func _xxh3RRMXMX(_ value: UInt64, _ length: UInt64) -> UInt64 {
  var hash = value ^ (value._rotl(49) ^ value._rotl(24))
  hash = hash &* _xxPrimeMX2
  hash ^= (hash >> 35) &+ length
  hash = hash &* _xxPrimeMX2
  return hash ^ (hash >> 28)
}

extension StableHash {
  /// XXH3-64 (xxHash 3, 64-bit output) of `bytes` with `seed`.
  ///
  /// The fastest member of the xxHash family on short keys; the format has been
  /// stable since xxHash 0.8.0.
  ///
  /// - Parameters:
  ///   - bytes: The input.
  ///   - seed: The seed; ``KeyHasher/routingSeedV1`` is the library's default.
  /// - Returns: The 64-bit digest, as the reference `XXH3_64bits_withSeed` returns it.
  /// - Complexity: O(`bytes.count`).
  @inlinable
  public static func xxh3(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
    let count = bytes.count
    if count > 16 { return _xxh3Long(bytes, seed: seed) }
    let length = UInt64(truncatingIfNeeded: count)
    if count > 8 {
      let flip1 = (0x1F67_B3B7_A4A4_4072 ^ 0x78E5_C0CC_4EE6_79CB) &+ seed
      let flip2 = (0x2172_FFCC_7DD0_5A82 ^ 0x8E24_43F7_7446_08B8) &- seed
      let low = bytes._le64(0) ^ flip1
      let high = bytes._le64(count - 8) ^ flip2
      let acc = length &+ low.byteSwapped &+ high &+ _mulFold64(low, high)
      return _xxh3Avalanche(acc)
    }
    if count >= 4 {
      let mixedSeed = seed ^ (UInt64(UInt32(truncatingIfNeeded: seed).byteSwapped) << 32)
      let first = UInt64(bytes._le32(0))
      let last = UInt64(bytes._le32(count - 4))
      let flip = (0x1CAD_21F7_2C81_017C ^ 0xDB97_9083_E96D_D4DE) &- mixedSeed
      return _xxh3RRMXMX((last &+ (first << 32)) ^ flip, length)
    }
    if count > 0 {
      let c1 = UInt32(bytes[0])
      let c2 = UInt32(bytes[count >> 1])
      let c3 = UInt32(bytes[count - 1])
      let combined = (c1 << 16) | (c2 << 24) | c3 | (UInt32(count) << 8)
      let flip = UInt64(0x8727_5A9B as UInt32) &+ seed
      return _xxh64Avalanche(UInt64(combined) ^ flip)
    }
    return _xxh64Avalanche(seed ^ (0x4C26_3A81_E690_35E0 ^ 0xCB00_C391_BB52_283C))
  }
}

/// XXH3-64 for inputs longer than 16 bytes: the 17–128, 129–240 and long paths.
@usableFromInline
func _xxh3Long(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
  _xxh3SecretWords.withUnsafeBytes { secret in
    let count = bytes.count
    if count <= 240 { return _xxh3Medium(bytes, secret: secret, seed: seed) }
    if seed == 0 { return _xxh3HashLong(bytes, secret: secret) }
    // A seeded long hash runs over a secret derived from the seed.
    return withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 24) { derived in
      for index in stride(from: 0, to: 24, by: 2) {
        derived[index] = (secret._le64(index * 8) &+ seed).littleEndian
        derived[index + 1] = (secret._le64(index * 8 + 8) &- seed).littleEndian
      }
      return _xxh3HashLong(bytes, secret: UnsafeRawBufferPointer(derived))
    }
  }
}

@inline(__always)
private func mix16(
  _ input: UnsafeRawBufferPointer, _ inputOffset: Int,
  _ secret: UnsafeRawBufferPointer, _ secretOffset: Int, _ seed: UInt64
) -> UInt64 {
  _mulFold64(
    input._le64(inputOffset) ^ (secret._le64(secretOffset) &+ seed),
    input._le64(inputOffset + 8) ^ (secret._le64(secretOffset + 8) &- seed))
}

private func _xxh3Medium(
  _ input: UnsafeRawBufferPointer, secret: UnsafeRawBufferPointer, seed: UInt64
) -> UInt64 {
  let count = input.count
  var acc = UInt64(count) &* _xxPrime64_1
  if count <= 128 {
    if count > 32 {
      if count > 64 {
        if count > 96 {
          acc &+= mix16(input, 48, secret, 96, seed)
          acc &+= mix16(input, count - 64, secret, 112, seed)
        }
        acc &+= mix16(input, 32, secret, 64, seed)
        acc &+= mix16(input, count - 48, secret, 80, seed)
      }
      acc &+= mix16(input, 16, secret, 32, seed)
      acc &+= mix16(input, count - 32, secret, 48, seed)
    }
    acc &+= mix16(input, 0, secret, 0, seed)
    acc &+= mix16(input, count - 16, secret, 16, seed)
    return _xxh3Avalanche(acc)
  }
  // 129...240 bytes: 8 rounds, avalanche, then the rest at a 3-byte secret offset.
  for round in 0..<8 { acc &+= mix16(input, 16 * round, secret, 16 * round, seed) }
  acc = _xxh3Avalanche(acc)
  for round in 8..<(count / 16) {
    acc &+= mix16(input, 16 * round, secret, 16 * (round - 8) + 3, seed)
  }
  acc &+= mix16(input, count - 16, secret, 136 - 17, seed)
  return _xxh3Avalanche(acc)
}

private func _xxh3HashLong(_ input: UnsafeRawBufferPointer, secret: UnsafeRawBufferPointer)
  -> UInt64
{
  let stripeLength = 64
  let stripesPerBlock = (secret.count - stripeLength) / 8
  let blockLength = stripeLength * stripesPerBlock
  let count = input.count
  var acc: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (
    _xxPrime32_3, _xxPrime64_1, _xxPrime64_2, _xxPrime64_3,
    _xxPrime64_4, _xxPrime32_2, _xxPrime64_5, _xxPrime32_1
  )
  withUnsafeMutableBytes(of: &acc) { raw in
    let lanes = raw.bindMemory(to: UInt64.self)
    func accumulate(_ inputOffset: Int, _ secretOffset: Int) {
      for lane in 0..<8 {
        let value = input._le64(inputOffset + 8 * lane)
        let keyed = value ^ secret._le64(secretOffset + 8 * lane)
        lanes[lane ^ 1] &+= value
        lanes[lane] &+= (keyed & 0xFFFF_FFFF) &* (keyed >> 32)
      }
    }
    func scramble() {
      for lane in 0..<8 {
        var value = lanes[lane]
        value ^= value >> 47
        value ^= secret._le64(secret.count - stripeLength + 8 * lane)
        lanes[lane] = value &* _xxPrime32_1
      }
    }
    let blocks = (count - 1) / blockLength
    for block in 0..<blocks {
      for stripe in 0..<stripesPerBlock {
        accumulate(block * blockLength + stripe * stripeLength, stripe * 8)
      }
      scramble()
    }
    let tailStripes = ((count - 1) - blocks * blockLength) / stripeLength
    for stripe in 0..<tailStripes {
      accumulate(blocks * blockLength + stripe * stripeLength, stripe * 8)
    }
    accumulate(count - stripeLength, secret.count - stripeLength - 7)
  }
  return withUnsafeBytes(of: &acc) { raw in
    let lanes = raw.bindMemory(to: UInt64.self)
    var result = UInt64(count) &* _xxPrime64_1
    for pair in 0..<4 {
      result &+= _mulFold64(
        lanes[2 * pair] ^ secret._le64(11 + 16 * pair),
        lanes[2 * pair + 1] ^ secret._le64(11 + 16 * pair + 8))
    }
    return _xxh3Avalanche(result)
  }
}

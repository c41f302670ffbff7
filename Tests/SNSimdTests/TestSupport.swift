import CSNSimd
import Testing

@testable import SNSimd

/// A small deterministic generator (SplitMix64), so a failing length and
/// seed reproduce exactly.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Every tail for 8-lane vectors unrolled up to four times (0..<3*32 covers
/// each path: scalar only, one vector, the unrolled body, and each tail),
/// plus sizes around powers of two and a few larger ones.
let testLengths: [Int] = Array(0..<96) + [127, 128, 129, 255, 1023, 1024, 1025, 4097]

/// Start offsets in elements from a fresh allocation: 0 is the allocator's
/// alignment (16 bytes or more), the others are unaligned for 256-bit loads.
let testOffsets: [Int] = [0, 1, 3]

/// The tiers this machine can run; the AVX2 one only where the CPU has it.
let availableTiers: [Batch.Tier] = Batch.Tier.allCases.filter {
  $0.rawValue <= Batch.Tier.best.rawValue
}

/// A heap buffer with `offset` unused elements before the data, freed on
/// deinit, so tests can hand out unaligned buffers.
final class TestBuffer<T: BitwiseCopyable> {
  let storage: UnsafeMutableBufferPointer<T>
  let offset: Int
  let count: Int

  init(_ values: [T], offset: Int) {
    self.offset = offset
    self.count = values.count
    // Trivial elements: writing into the fresh allocation needs no
    // initialisation, and the padding before `offset` is never read.
    storage = .allocate(capacity: values.count + offset + 1)
    for (i, v) in values.enumerated() { storage[offset + i] = v }
  }

  deinit { storage.deallocate() }

  var base: UnsafeMutablePointer<T> { storage.baseAddress! + offset }
  var mutable: UnsafeMutableBufferPointer<T> { .init(start: base, count: count) }
  var buffer: UnsafeBufferPointer<T> { .init(start: base, count: count) }
  var array: [T] { Array(buffer) }
}

/// Whether `got` is within `tolerance` of `want`, treating equal infinities
/// and two NaNs as equal.
func close<T: BinaryFloatingPoint>(_ got: T, _ want: T, tolerance: T) -> Bool {
  if got.isNaN || want.isNaN { return got.isNaN && want.isNaN }
  if got.isInfinite || want.isInfinite { return got == want }
  return abs(got - want) <= tolerance
}

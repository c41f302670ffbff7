import Foundation
import SNSimd
import Testing

// The public API on whichever tier is active (CI runs the suite twice, the
// second time with SN_SIMD_TIER=portable), plus the tier selection itself.

/// The guide's `process_batch_simd`: multiply a batch by 2.0, 8 lanes at a time.
func processBatchSIMD(_ data: [Float]) -> [Float] {
  Batch.scale(data, by: 2.0)
}

@Suite("Batch public API")
struct BatchAPITests {
  @Test("processBatchSIMD doubles every element, tails included")
  func guideExample() {
    var rng = SplitMix64(seed: 2)
    for n in [0, 1, 7, 8, 9, 1023, 4097] {
      let data = randomFloats(n, &rng)
      #expect(processBatchSIMD(data) == data.map { $0 * 2 })
    }
  }

  @Test("empty inputs: no-ops, zero sums, nil extremes")
  func empty() {
    let none: [Float] = []
    #expect(Batch.scale(none, by: 3).isEmpty)
    #expect(Batch.add(none, none).isEmpty)
    #expect(Batch.sum(none) == 0)
    #expect(Batch.dot(none, none) == 0)
    #expect(Batch.min(none) == nil)
    #expect(Batch.max([Double]()) == nil)
    #expect(Batch.argmin(none) == nil)
    #expect(Batch.argmax([Double]()) == nil)
    #expect(Batch.sum([Int32]()) == 0)
    #expect(Batch.min([Int32]()) == nil)
    #expect(Batch.map(none) { $0 * 2 }.isEmpty)
  }

  @Test("array, in-place and span forms agree with a scalar loop")
  func forms() {
    var rng = SplitMix64(seed: 3)
    for n in [1, 13, 100, 1025] {
      let x = randomDoubles(n, &rng)
      let y = randomDoubles(n, &rng)
      #expect(Batch.add(x, y) == zip(x, y).map { $0 + $1 })
      #expect(Batch.subtract(x, y) == zip(x, y).map { $0 - $1 })
      #expect(Batch.multiply(x, y) == zip(x, y).map { $0 * $1 })
      #expect(Batch.clamp(x, to: -1...1) == x.map { Swift.min(Swift.max($0, -1), 1) })
      var inPlace = x
      Batch.scale(&inPlace, by: -0.5)
      #expect(inPlace == x.map { $0 * -0.5 })
      var acc = y
      Batch.axpy(3, x: x, y: &acc)
      for i in 0..<n { #expect(abs(acc[i] - (3 * x[i] + y[i])) <= 1e-12) }
      #expect(Batch.min(x) == x.min())
      #expect(Batch.argmax(x) == x.firstIndex(of: x.max()!))
      #expect(abs(Batch.sum(x.span) - Batch.sum(x)) <= 1e-12)
      #expect(Batch.dot(x.span, y.span) == Batch.dot(x, y))
      #expect(Batch.max(x.span) == x.max())
      var out = [Double](repeating: 0, count: n)
      var outSpan = out.mutableSpan
      Batch.scale(x.span, by: 4, into: &outSpan)
      _ = consume outSpan
      #expect(out == x.map { $0 * 4 })
    }
  }

  @Test(
    "Int32 sum is exact and widened; min/max match", arguments: [0, 1, 7, 8, 9, 17, 33, 1023, 4097])
  func int32(n: Int) {
    var rng = SplitMix64(seed: UInt64(n))
    // Values near the limits: a 32-bit accumulator would overflow.
    let x = (0..<n).map { _ in Int32.random(in: (Int32.max - 1000)...Int32.max, using: &rng) }
    let neg = x.map { -$0 }
    #expect(Batch.sum(x) == x.reduce(Int64(0)) { $0 + Int64($1) })
    #expect(Batch.sum(neg.span) == neg.reduce(Int64(0)) { $0 + Int64($1) })
    let mixed = (0..<n).map { _ in Int32.random(in: .min ... .max, using: &rng) }
    #expect(Batch.min(mixed) == mixed.min())
    #expect(Batch.max(mixed) == mixed.max())
    #expect(Batch.min(mixed.span) == mixed.min())
  }

  @Test(
    "map applies the closure to every lane, tails included", arguments: [0, 1, 7, 8, 9, 23, 1025])
  func map(n: Int) throws {
    var rng = SplitMix64(seed: 9)
    let x = randomFloats(n, &rng)
    #expect(Batch.map(x) { $0 * 3 + 1 } == x.map { $0 * 3 + 1 })
    // A type-changing map: Float to Int32 lanes.
    let rounded: [Int32] = Batch.map(x) { SIMD8<Int32>($0.rounded(.down)) }
    #expect(rounded == x.map { Int32($0.rounded(.down)) })
    // In place through buffers.
    var y = x
    y.withUnsafeMutableBufferPointer { b in Batch.map(UnsafeBufferPointer(b), into: b) { -$0 } }
    #expect(y == x.map { -$0 })
  }

  struct Refused: Error, Equatable {}

  @Test("a throwing map rethrows its typed error")
  func mapThrows() {
    #expect(throws: Refused.self) {
      _ = try Batch.map([Float](repeating: 1, count: 20)) { (v: SIMD8<Float>) throws(Refused) in
        if v[0] > 0 { throw Refused() }
        return v
      }
    }
  }

  @Test("the best tier matches the CPU's flags, and the active tier follows SN_SIMD_TIER")
  func tiers() throws {
    #if arch(x86_64) && os(Linux)
      let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
      let flags = Set(
        cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") }?.split(separator: " ")
          .map(String.init) ?? [])
      let wide = flags.contains("avx2") && flags.contains("fma")
      #expect(Batch.Tier.best == (wide ? .avx2 : .portable))
    #else
      #expect(Batch.Tier.best == .portable)
    #endif
    let forced = ProcessInfo.processInfo.environment["SN_SIMD_TIER"] == "portable"
    #expect(Batch.Tier.active == (forced ? .portable : Batch.Tier.best))
  }

  @Test("mismatched lengths stop the program with a precondition")
  func mismatchedLengths() async {
    await #expect(processExitsWith: .failure) {
      _ = Batch.add([Float](repeating: 1, count: 9), [Float](repeating: 1, count: 8))
    }
    await #expect(processExitsWith: .failure) {
      _ = Batch.dot([Double](repeating: 1, count: 3), [Double](repeating: 1, count: 4))
    }
  }
}

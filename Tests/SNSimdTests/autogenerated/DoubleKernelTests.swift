import CSNSimd
import Testing

@testable import SNSimd

// Double kernels on each tier, called through the tier's own entry points so
// both tiers run in the same process whatever `Batch.Tier.active` is.
// Generated from Tools/codegen/templates/ScalarKernelTests.swift.in by
// Tools/codegen/simd.py (with FloatKernelTests.swift): edit the template.

/// One tier's Double kernels, called directly.
struct DoubleTierKernels: CustomStringConvertible {
  let tier: Batch.Tier
  var description: String { tier.description }
  var avx2: Bool { tier == .avx2 }

  func scale(_ x: UnsafePointer<Double>, _ a: Double, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    avx2 ? sn_simd_scale_f64(y, x, a, n) : Portable.scale(x, a, y, n)
  }
  func add(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    avx2 ? sn_simd_add_f64(z, x, y, n) : Portable.add(x, y, z, n)
  }
  func subtract(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    avx2 ? sn_simd_sub_f64(z, x, y, n) : Portable.subtract(x, y, z, n)
  }
  func multiply(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    avx2 ? sn_simd_mul_f64(z, x, y, n) : Portable.multiply(x, y, z, n)
  }
  func axpy(_ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
    avx2 ? sn_simd_axpy_f64(y, a, x, n) : Portable.axpy(a, x, y, n)
  }
  func clamp(
    _ x: UnsafePointer<Double>, _ lo: Double, _ hi: Double, _ y: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    avx2 ? sn_simd_clamp_f64(y, x, lo, hi, n) : Portable.clamp(x, lo, hi, y, n)
  }
  func sum(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    avx2 ? sn_simd_sum_f64(x, n) : Portable.sum(x, n)
  }
  func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    avx2 ? sn_simd_dot_f64(x, y, n) : Portable.dot(x, y, n)
  }
  func min(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    avx2 ? sn_simd_min_f64(x, n) : Portable.min(x, n)
  }
  func max(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    avx2 ? sn_simd_max_f64(x, n) : Portable.max(x, n)
  }
  func argmin(_ x: UnsafePointer<Double>, _ n: Int) -> Int {
    avx2 ? Int(sn_simd_argmin_f64(x, n)) : Portable.argmin(x, n)
  }
  func argmax(_ x: UnsafePointer<Double>, _ n: Int) -> Int {
    avx2 ? Int(sn_simd_argmax_f64(x, n)) : Portable.argmax(x, n)
  }
}

let doubleTiers = availableTiers.map(DoubleTierKernels.init)

func randomDoubles(_ n: Int, _ rng: inout SplitMix64) -> [Double] {
  (0..<n).map { _ in Double.random(in: -10...10, using: &rng) }
}

@Suite("Double kernels")
struct DoubleKernelTests {
  @Test("scale, add, subtract, multiply, clamp match a scalar loop exactly", arguments: doubleTiers)
  func elementwise(k: DoubleTierKernels) {
    var rng = SplitMix64(seed: 0xD0B1E)
    for n in testLengths {
      for off in testOffsets {
        let xv = randomDoubles(n, &rng)
        let yv = randomDoubles(n, &rng)
        let a = Double.random(in: -4...4, using: &rng)
        let x = TestBuffer(xv, offset: off)
        let y = TestBuffer(yv, offset: (off + 1) % 4)
        let z = TestBuffer([Double](repeating: .nan, count: n), offset: (off + 2) % 4)
        // One IEEE operation per element: every tier must be bit-exact.
        k.scale(x.base, a, z.base, n)
        #expect(z.array == xv.map { $0 * a }, "scale n=\(n) off=\(off)")
        k.add(x.base, y.base, z.base, n)
        #expect(z.array == zip(xv, yv).map { $0 + $1 }, "add n=\(n) off=\(off)")
        k.subtract(x.base, y.base, z.base, n)
        #expect(z.array == zip(xv, yv).map { $0 - $1 }, "subtract n=\(n) off=\(off)")
        k.multiply(x.base, y.base, z.base, n)
        #expect(z.array == zip(xv, yv).map { $0 * $1 }, "multiply n=\(n) off=\(off)")
        k.clamp(x.base, -3, 5, z.base, n)
        #expect(z.array == xv.map { Swift.min(Swift.max($0, -3), 5) }, "clamp n=\(n) off=\(off)")
        // In place: the output is the input.
        k.scale(x.base, a, x.base, n)
        #expect(x.array == xv.map { $0 * a }, "scale in place n=\(n) off=\(off)")
      }
    }
  }

  @Test("axpy matches a scalar loop within one rounding", arguments: doubleTiers)
  func axpy(k: DoubleTierKernels) {
    var rng = SplitMix64(seed: 0xA4B1)
    for n in testLengths {
      for off in testOffsets {
        let xv = randomDoubles(n, &rng)
        let yv = randomDoubles(n, &rng)
        let a = Double.random(in: -4...4, using: &rng)
        let x = TestBuffer(xv, offset: off)
        let y = TestBuffer(yv, offset: (off + 3) % 4)
        k.axpy(a, x.base, y.base, n)
        // Fused (AVX2) and unfused (portable) differ by at most the
        // product's rounding: half an ulp of |a*x|, plus the sum's.
        for i in 0..<n {
          let want = a * xv[i] + yv[i]
          let tolerance = (abs(a * xv[i]) + abs(yv[i])) * Double.ulpOfOne
          #expect(close(y.buffer[i], want, tolerance: tolerance), "axpy n=\(n) i=\(i)")
        }
      }
    }
  }

  @Test("sum and dot match a scalar loop within n·ε·Σ|terms|", arguments: doubleTiers)
  func reductions(k: DoubleTierKernels) {
    var rng = SplitMix64(seed: 0x5D07)
    for n in testLengths {
      for off in testOffsets {
        let xv = randomDoubles(n, &rng)
        let yv = randomDoubles(n, &rng)
        let x = TestBuffer(xv, offset: off)
        let y = TestBuffer(yv, offset: (off + 1) % 4)
        // The reference is accumulated in Double, so it is nearly exact; the
        // kernels reorder the additions, which the classic bound covers.
        let sumWant = xv.reduce(0.0) { $0 + Double($1) }
        let sumBound = Double(n + 1) * Double.ulpOfOne * xv.reduce(0) { $0 + abs($1) }
        #expect(close(k.sum(x.base, n), Double(sumWant), tolerance: sumBound), "sum n=\(n)")
        let dotWant = zip(xv, yv).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        let dotBound =
          Double(n + 1) * Double.ulpOfOne * zip(xv, yv).reduce(0) { $0 + abs($1.0 * $1.1) }
        #expect(close(k.dot(x.base, y.base, n), Double(dotWant), tolerance: dotBound), "dot n=\(n)")
      }
    }
  }

  @Test("min, max, argmin, argmax match a scalar scan exactly", arguments: doubleTiers)
  func extremes(k: DoubleTierKernels) {
    var rng = SplitMix64(seed: 0x313A)
    for n in testLengths where n > 0 {
      for off in testOffsets {
        // Few distinct values, so ties happen and "first index" is tested.
        let xv = (0..<n).map { _ in Double(Int.random(in: -50...50, using: &rng)) / 4 }
        let x = TestBuffer(xv, offset: off)
        #expect(k.min(x.base, n) == xv.min(), "min n=\(n)")
        #expect(k.max(x.base, n) == xv.max(), "max n=\(n)")
        #expect(k.argmin(x.base, n) == xv.firstIndex(of: xv.min()!), "argmin n=\(n)")
        #expect(k.argmax(x.base, n) == xv.firstIndex(of: xv.max()!), "argmax n=\(n)")
      }
    }
  }

  @Test(
    "a NaN anywhere makes min/max NaN and argmin/argmax its first index", arguments: doubleTiers)
  func nanPropagation(k: DoubleTierKernels) {
    var rng = SplitMix64(seed: 0x7A7)
    for n in testLengths where n > 0 {
      var xv = randomDoubles(n, &rng)
      let first = Int.random(in: 0..<n, using: &rng)
      xv[first] = .nan
      if first + 1 < n { xv[Int.random(in: (first + 1)..<n, using: &rng)] = .nan }
      let x = TestBuffer(xv, offset: 1)
      #expect(k.min(x.base, n).isNaN, "min n=\(n) nan at \(first)")
      #expect(k.max(x.base, n).isNaN, "max n=\(n) nan at \(first)")
      #expect(k.sum(x.base, n).isNaN, "sum n=\(n)")
      #expect(k.argmin(x.base, n) == first, "argmin n=\(n)")
      #expect(k.argmax(x.base, n) == first, "argmax n=\(n)")
      let z = TestBuffer([Double](repeating: 0, count: n), offset: 0)
      k.clamp(x.base, -1, 1, z.base, n)
      #expect(z.buffer[first].isNaN, "clamp keeps NaN n=\(n)")
    }
  }

  @Test("AVX2 axpy is exact (fused) for every relative alignment of x and y")
  func axpyAlignments() {
    guard Batch.Tier.best == .avx2 else { return }
    for n in [63, 64, 65, 100, 257] {
      for xo in 0..<8 {
        for yo in 0..<8 {
          var rng = SplitMix64(seed: UInt64(n * 64 + xo * 8 + yo))
          let xv = randomDoubles(n, &rng)
          let yv = randomDoubles(n, &rng)
          let x = TestBuffer(xv, offset: xo)
          let y = TestBuffer(yv, offset: yo)
          sn_simd_axpy_f64(y.base, 1.5, x.base, n)
          let want = zip(xv, yv).map { $0.1.addingProduct(1.5, $0.0) }
          #expect(y.array == want, "n=\(n) xo=\(xo) yo=\(yo)")
        }
      }
    }
  }

  @Test(
    "argmin/argmax find the extreme at every position, the first of equals",
    arguments: doubleTiers)
  func argPositions(k: DoubleTierKernels) {
    for off in testOffsets {
      let n = 100
      for pos in 0..<n {
        var xv = [Double](repeating: 1, count: n)
        xv[pos] = -2
        if pos + 37 < n { xv[pos + 37] = -2 }
        xv[(pos + 50) % n] = 3
        let x = TestBuffer(xv, offset: off)
        #expect(k.argmin(x.base, n) == pos, "argmin pos=\(pos) off=\(off)")
        #expect(k.argmax(x.base, n) == (pos + 50) % n, "argmax pos=\(pos) off=\(off)")
      }
    }
  }

  @Test(
    "infinities: min/max find them, sums overflow to them, clamp bounds them",
    arguments: doubleTiers
  )
  func infinities(k: DoubleTierKernels) {
    for n in [3, 9, 40, 100] {
      var xv = (0..<n).map { Double($0) }
      xv[n / 2] = .infinity
      xv[n - 1] = -.infinity
      let x = TestBuffer(xv, offset: 0)
      #expect(k.max(x.base, n) == .infinity)
      #expect(k.min(x.base, n) == -.infinity)
      // +inf + -inf is NaN.
      #expect(k.sum(x.base, n).isNaN)
      let z = TestBuffer([Double](repeating: 0, count: n), offset: 0)
      k.clamp(x.base, -2, 2, z.base, n)
      #expect(z.array.allSatisfy { (-2...2).contains($0) })
      let big = TestBuffer([Double](repeating: .greatestFiniteMagnitude, count: n + 1), offset: 0)
      #expect(k.sum(big.base, n + 1) == .infinity)
    }
  }
}

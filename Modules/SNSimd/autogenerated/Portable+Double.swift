// The portable tier for Double: Swift SIMD8 code that compiles to SSE2 on
// x86-64 and NEON on arm64. Generated from Tools/codegen/templates/Portable+Scalar.swift.in
// by Tools/codegen/simd.py (with Portable+Float.swift): edit the template.
//
// Choices measured on the reference machine (SNSimd's "Design notes" article):
// - Reductions keep four independent SIMD8 accumulators; one accumulator is
//   bound by add latency, and a scalar `for-in` sum runs at ~4 GB/s.
// - Min/max use compare + `replace(with:where:)`, which LLVM turns into
//   `maxps`/`minps`; `pointwiseMin` on floats does not vectorise. Clamp is
//   a scalar loop in the one shape LLVM vectorises to `maxps`/`minps` (see
//   `clamp`).
// - On x86-64, `addingProduct` without FMA enabled is a libm `fmaf` call per
//   lane, so the multiply-add here is `a * x + y` (two roundings); arm64
//   always has FMA and uses the fused form.
// - Tails (count % 8) run as scalar loops.

extension Portable {
  @inline(__always)
  static func load(_ p: UnsafePointer<Double>, _ i: Int) -> SIMD8<Double> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Double>.self)
  }

  @inline(__always)
  static func store(_ v: SIMD8<Double>, _ p: UnsafeMutablePointer<Double>, _ i: Int) {
    UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: SIMD8<Double>.self)
  }

  @inline(__always)
  static func fused(_ x: SIMD8<Double>, _ a: SIMD8<Double>, _ y: SIMD8<Double>) -> SIMD8<Double> {
    #if arch(arm64)
      return y.addingProduct(x, a)
    #else
      return x * a + y
    #endif
  }

  static func scale(
    _ x: UnsafePointer<Double>, _ a: Double, _ y: UnsafeMutablePointer<Double>, _ n: Int
  ) {
    elementwise(x, x, y, n, { u, _ in u * a }, { u, _ in u * a })
  }

  static func add(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    elementwise(x, y, z, n, { $0 + $1 }, { $0 + $1 })
  }

  static func subtract(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    elementwise(x, y, z, n, { $0 - $1 }, { $0 - $1 })
  }

  static func multiply(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    elementwise(x, y, z, n, { $0 * $1 }, { $0 * $1 })
  }

  static func axpy(
    _ a: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int
  ) {
    let va = SIMD8<Double>(repeating: a)
    elementwise(x, UnsafePointer(y), y, n, { fused($0, va, $1) }, { a * $0 + $1 })
  }

  static func clamp(
    _ x: UnsafePointer<Double>, _ lo: Double, _ hi: Double, _ y: UnsafeMutablePointer<Double>,
    _ n: Int
  ) {
    // Written so that LLVM vectorises it to one `maxps` and one `minps` per
    // vector: x86 `max(a, b)` is exactly `a > b ? a : b` and `min(a, b)` is
    // `a < b ? a : b`, both returning `b` when either is NaN, so a NaN
    // element stays NaN (as on the AVX2 tier). `Swift.max(v, lo)` is
    // `lo >= v ? lo : v`, which is not `maxps` and becomes compare plus a
    // three-instruction blend; so does `replace(with:where:)`, whose mask
    // round trip LLVM does not fold back into `maxps`. Measured in L1 (Float):
    // this shape 100 GB/s, `Swift.min(Swift.max(...))` 63, compare +
    // `replace(with:where:)` 46.
    var i = 0
    while i < n {
      let v = x[i]
      let t = lo > v ? lo : v
      y[i] = hi < t ? hi : t
      i &+= 1
    }
  }

  /// z[i] = op(x[i], y[i]), two vectors per step, then a scalar tail.
  /// `z` may be exactly `x` or `y` (in place): each lane is read before it
  /// is written.
  @inline(__always)
  static func elementwise(
    _ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ z: UnsafeMutablePointer<Double>,
    _ n: Int, _ op: (SIMD8<Double>, SIMD8<Double>) -> SIMD8<Double>,
    _ scalar: (Double, Double) -> Double
  ) {
    var i = 0
    while i &+ 16 <= n {
      let a0 = load(x, i)
      let a1 = load(x, i &+ 8)
      let b0 = load(y, i)
      let b1 = load(y, i &+ 8)
      store(op(a0, b0), z, i)
      store(op(a1, b1), z, i &+ 8)
      i &+= 16
    }
    if i &+ 8 <= n {
      store(op(load(x, i), load(y, i)), z, i)
      i &+= 8
    }
    while i < n {
      z[i] = scalar(x[i], y[i])
      i &+= 1
    }
  }

  static func sum(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    var a0 = SIMD8<Double>()
    var a1 = SIMD8<Double>()
    var a2 = SIMD8<Double>()
    var a3 = SIMD8<Double>()
    var i = 0
    while i &+ 32 <= n {
      a0 += load(x, i)
      a1 += load(x, i &+ 8)
      a2 += load(x, i &+ 16)
      a3 += load(x, i &+ 24)
      i &+= 32
    }
    while i &+ 8 <= n {
      a0 += load(x, i)
      i &+= 8
    }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n {
      s += x[i]
      i &+= 1
    }
    return s
  }

  static func dot(_ x: UnsafePointer<Double>, _ y: UnsafePointer<Double>, _ n: Int) -> Double {
    var a0 = SIMD8<Double>()
    var a1 = SIMD8<Double>()
    var a2 = SIMD8<Double>()
    var a3 = SIMD8<Double>()
    var i = 0
    while i &+ 32 <= n {
      a0 = fused(load(x, i), load(y, i), a0)
      a1 = fused(load(x, i &+ 8), load(y, i &+ 8), a1)
      a2 = fused(load(x, i &+ 16), load(y, i &+ 16), a2)
      a3 = fused(load(x, i &+ 24), load(y, i &+ 24), a3)
      i &+= 32
    }
    while i &+ 8 <= n {
      a0 = fused(load(x, i), load(y, i), a0)
      i &+= 8
    }
    var s = ((a0 + a1) + (a2 + a3)).sum()
    while i < n {
      s += x[i] * y[i]
      i &+= 1
    }
    return s
  }

  /// The smallest element, or NaN if any element is NaN; `n >= 1`.
  static func min(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    extreme(x, n) { $0 .< $1 }
  }

  /// The largest element, or NaN if any element is NaN; `n >= 1`.
  static func max(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
    extreme(x, n) { $0 .> $1 }
  }

  /// NaNs never win `better` (every comparison with NaN is false), so the
  /// running extremes skip them; a separate flag vector remembers that one
  /// was seen, and then the answer is NaN.
  ///
  /// Two accumulators, not four: on SSE2 (16 registers) four SIMD8
  /// accumulators plus the loads and a `SIMDMask` flag spilled to the stack
  /// every iteration (40 GB/s in L1). Each step folds four vectors pairwise
  /// into two before touching the accumulators (63 GB/s standalone, against
  /// 50 with one vector per accumulator). The flag is an integer vector set
  /// through `replace(with:where:)`; a `SIMDMask` carried across iterations
  /// was widened and repacked each time.
  @inline(__always)
  static func extreme(
    _ x: UnsafePointer<Double>, _ n: Int,
    _ better: (SIMD8<Double>, SIMD8<Double>) -> SIMDMask<SIMD8<Double>.MaskStorage>
  ) -> Double {
    var m0 = SIMD8<Double>(repeating: x[0])
    var m1 = m0
    var seen = SIMD8<Double>.MaskStorage()
    var i = 0
    while i &+ 32 <= n {
      let v0 = load(x, i)
      let v1 = load(x, i &+ 8)
      var w0 = load(x, i &+ 16)
      var w1 = load(x, i &+ 24)
      seen.replace(with: 1, where: (v0 .!= v0) .| (v1 .!= v1) .| (w0 .!= w0) .| (w1 .!= w1))
      // A NaN in v never replaces w, and a NaN w never replaces m.
      w0.replace(with: v0, where: better(v0, w0))
      w1.replace(with: v1, where: better(v1, w1))
      m0.replace(with: w0, where: better(w0, m0))
      m1.replace(with: w1, where: better(w1, m1))
      i &+= 32
    }
    while i &+ 8 <= n {
      let v = load(x, i)
      seen.replace(with: 1, where: v .!= v)
      m0.replace(with: v, where: better(v, m0))
      i &+= 8
    }
    if seen != .zero { return .nan }
    m0.replace(with: m1, where: better(m1, m0))
    var r = m0[0]
    for k in 1..<8 where better(SIMD8(repeating: m0[k]), SIMD8(repeating: r))[0] {
      r = m0[k]
    }
    while i < n {
      let v = x[i]
      if v.isNaN { return .nan }
      if better(SIMD8(repeating: v), SIMD8(repeating: r))[0] { r = v }
      i &+= 1
    }
    return r
  }

  /// The index of the first smallest element, or of the first NaN; `n >= 1`.
  static func argmin(_ x: UnsafePointer<Double>, _ n: Int) -> Int {
    argExtreme(x, n) { $0 .< $1 }
  }

  /// The index of the first largest element, or of the first NaN; `n >= 1`.
  static func argmax(_ x: UnsafePointer<Double>, _ n: Int) -> Int {
    argExtreme(x, n) { $0 .> $1 }
  }

  /// Each lane keeps its best value and the 8-element block it came from
  /// (strict comparison keeps the first occurrence per lane); the lanes are
  /// then merged preferring the better value, then the lower index. Block
  /// numbers are held in the mask's integer type so one mask drives both
  /// blends; inputs too long for it take the scalar path.
  @inline(__always)
  static func argExtreme(
    _ x: UnsafePointer<Double>, _ n: Int,
    _ better: (SIMD8<Double>, SIMD8<Double>) -> SIMDMask<SIMD8<Double>.MaskStorage>
  ) -> Int {
    typealias Blocks = SIMD8<Double>.MaskStorage
    let vectorCount = n / 8
    var best = 0
    var i = 0
    if vectorCount > 0 && vectorCount <= Int(Blocks.Scalar.max) {
      var m = load(x, 0)
      var blocks = Blocks()
      var nan = m .!= m
      var block: Blocks.Scalar = 1
      i = 8
      while i &+ 8 <= n {
        let v = load(x, i)
        nan = nan .| (v .!= v)
        let win = better(v, m)
        m.replace(with: v, where: win)
        blocks.replace(with: Blocks(repeating: block), where: win)
        block &+= 1
        i &+= 8
      }
      if any(nan) { return firstNaN(x, n) }
      best = Int(blocks[0]) &* 8
      for k in 1..<8 {
        let candidate = Int(blocks[k]) &* 8 &+ k
        let value = m[k]
        let current = x[best]
        if better(SIMD8(repeating: value), SIMD8(repeating: current))[0]
          || (value == current && candidate < best)
        {
          best = candidate
        }
      }
    } else {
      i = 1
    }
    while i < n {
      let v = x[i]
      if v.isNaN { return x[best].isNaN ? best : i }
      if x[best].isNaN { return best }
      if better(SIMD8(repeating: v), SIMD8(repeating: x[best]))[0] { best = i }
      i &+= 1
    }
    return best
  }

  static func firstNaN(_ x: UnsafePointer<Double>, _ n: Int) -> Int {
    var i = 0
    while !x[i].isNaN { i &+= 1 }
    return i
  }
}

// The portable tier for Int32: a widening sum and min/max with compare +
// blend (the same shape as the floating-point kernels, without NaN).

extension Portable {
  @inline(__always)
  static func load(_ p: UnsafePointer<Int32>, _ i: Int) -> SIMD8<Int32> {
    UnsafeRawPointer(p + i).loadUnaligned(as: SIMD8<Int32>.self)
  }

  /// Sums in 64-bit lanes, so no count below 2^32 elements can overflow.
  static func sum(_ x: UnsafePointer<Int32>, _ n: Int) -> Int64 {
    var a0 = SIMD8<Int64>()
    var a1 = SIMD8<Int64>()
    var i = 0
    while i &+ 16 <= n {
      a0 &+= SIMD8<Int64>(truncatingIfNeeded: load(x, i))
      a1 &+= SIMD8<Int64>(truncatingIfNeeded: load(x, i &+ 8))
      i &+= 16
    }
    var s = (a0 &+ a1).wrappedSum()
    while i < n {
      s &+= Int64(x[i])
      i &+= 1
    }
    return s
  }

  static func min(_ x: UnsafePointer<Int32>, _ n: Int) -> Int32 {
    extreme(x, n) { $0 .< $1 }
  }

  static func max(_ x: UnsafePointer<Int32>, _ n: Int) -> Int32 {
    extreme(x, n) { $0 .> $1 }
  }

  @inline(__always)
  static func extreme(
    _ x: UnsafePointer<Int32>, _ n: Int,
    _ better: (SIMD8<Int32>, SIMD8<Int32>) -> SIMDMask<SIMD8<Int32>>
  ) -> Int32 {
    var m0 = SIMD8<Int32>(repeating: x[0])
    var m1 = m0
    var i = 0
    while i &+ 16 <= n {
      let v0 = load(x, i)
      let v1 = load(x, i &+ 8)
      m0.replace(with: v0, where: better(v0, m0))
      m1.replace(with: v1, where: better(v1, m1))
      i &+= 16
    }
    m0.replace(with: m1, where: better(m1, m0))
    var r = m0[0]
    for k in 1..<8 where better(SIMD8(repeating: m0[k]), SIMD8(repeating: r))[0] {
      r = m0[k]
    }
    while i < n {
      if better(SIMD8(repeating: x[i]), SIMD8(repeating: r))[0] { r = x[i] }
      i &+= 1
    }
    return r
  }
}

// `map` with a user SIMD closure: the escape hatch for any element-wise
// kernel the library does not ship. It is fully `@inlinable` so the closure
// is specialised and inlined at the call site, which is what lets it
// vectorise; a non-inlined closure call per 8 lanes would cost more than the
// arithmetic.

extension Batch {
  /// Applies a SIMD transform eight lanes at a time: `y[i..<i+8] = transform(x[i..<i+8])`.
  ///
  /// The tail (the last `x.count % 8` elements) is copied into a vector whose
  /// unused lanes are zero, transformed, and only the valid lanes are
  /// stored, so `transform` sees full vectors only and never has to handle a
  /// short one. Its results for the zero padding lanes are discarded.
  ///
  /// ```swift
  /// let fahrenheit: [Float] = [32, 212, 98.6]
  /// var celsius = [Float](repeating: 0, count: fahrenheit.count)
  /// fahrenheit.withUnsafeBufferPointer { f in
  ///   celsius.withUnsafeMutableBufferPointer { c in
  ///     Batch.map(f, into: c) { ($0 - 32) * (5.0 / 9.0) }  // 8 at a time
  ///   }
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - y: The output; must have `x.count` elements; may be `x` itself when
  ///     the types match.
  ///   - transform: A lane-wise function. It runs on the caller's thread,
  ///     once per 8 elements.
  /// - Throws: Whatever `transform` throws; elements before the failing
  ///   vector have been written, the rest of `y` is unchanged.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*) calls of `transform` / 8; no allocation.
  @inlinable
  public static func map<T: SIMDScalar, U: SIMDScalar, E: Error>(
    _ x: UnsafeBufferPointer<T>, into y: UnsafeMutableBufferPointer<U>,
    _ transform: (SIMD8<T>) throws(E) -> SIMD8<U>
  ) throws(E) {
    checkCounts("map", x.count, y.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    let n = x.count
    let xs = UnsafeRawPointer(xp)
    let ys = UnsafeMutableRawPointer(yp)
    var i = 0
    while i &+ 8 <= n {
      let v = xs.loadUnaligned(
        fromByteOffset: i &* MemoryLayout<T>.stride, as: SIMD8<T>.self)
      ys.storeBytes(
        of: try transform(v), toByteOffset: i &* MemoryLayout<U>.stride, as: SIMD8<U>.self)
      i &+= 8
    }
    if i < n {
      var v = SIMD8<T>()
      for k in 0..<(n &- i) { v[k] = xp[i &+ k] }
      let r = try transform(v)
      for k in 0..<(n &- i) { yp[i &+ k] = r[k] }
    }
  }

  /// Returns a new array with a SIMD transform applied eight lanes at a time.
  ///
  /// <!-- snippet: setup
  /// let data: [Float] = [1, 2, 3]
  /// -->
  /// ```swift
  /// let doubled = Batch.map(data) { $0 * 2 }
  /// ```
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - transform: A lane-wise function, called once per 8 elements.
  /// - Returns: A new array of `x.count` results.
  /// - Throws: Whatever `transform` throws; nothing is returned then.
  /// - Complexity: O(*n*); allocates the result.
  @inlinable
  public static func map<T: SIMDScalar, U: SIMDScalar, E: Error>(
    _ x: [T], _ transform: (SIMD8<T>) throws(E) -> SIMD8<U>
  ) throws(E) -> [U] {
    // `Array(unsafeUninitializedCapacity:)` is `rethrows` (untyped), so the
    // typed error is carried out of it by hand. SIMD scalars are trivial, so
    // leaving `initialized` at 0 after a failure leaks nothing.
    var failure: E?
    let out = x.withUnsafeBufferPointer { xb in
      [U](unsafeUninitializedCapacity: xb.count) { yb, initialized in
        do throws(E) {
          try map(xb, into: yb, transform)
          initialized = xb.count
        } catch {
          failure = error
        }
      }
    }
    if let failure { throw failure }
    return out
  }
}

internal import CSNSimd

// Float kernels, generated from Tools/codegen/templates/Batch+Scalar.swift.in by
// Tools/codegen/simd.py (with Batch+Double.swift): edit the template, not this file.
//
// Each public kernel is `@inlinable` so its length check and array handling
// inline into the caller, and forwards base addresses to a `@usableFromInline`
// entry point compiled in this module, which picks the tier with one relaxed
// load. Keeping the loops out of line means they are always compiled with
// this module's optimiser settings, and the C tier stays an internal import.

extension Batch {
  /// Multiplies every element by a scalar: `y[i] = x[i] * a`.
  ///
  /// `y` may be the same buffer as `x` (in place), but must not partly
  /// overlap it.
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - a: The factor.
  ///   - y: The output; must have `x.count` elements.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func scale(
    _ x: UnsafeBufferPointer<Float>, by a: Float, into y: UnsafeMutableBufferPointer<Float>
  ) {
    checkCounts("scale", x.count, y.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    _scale(xp, a, yp, x.count)
  }

  /// Adds two buffers element by element: `z[i] = x[i] + y[i]`.
  ///
  /// `z` may be the same buffer as `x` or `y`, but must not partly overlap them.
  ///
  /// - Parameters:
  ///   - x: The first operands.
  ///   - y: The second operands; must have `x.count` elements.
  ///   - z: The output; must have `x.count` elements.
  /// - Precondition: all three counts are equal.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func add(
    _ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
    into z: UnsafeMutableBufferPointer<Float>
  ) {
    checkCounts("add", x.count, y.count)
    checkCounts("add", x.count, z.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress, let zp = z.baseAddress else { return }
    _add(xp, yp, zp, x.count)
  }

  /// Subtracts element by element: `z[i] = x[i] - y[i]`.
  ///
  /// `z` may be the same buffer as `x` or `y`, but must not partly overlap them.
  ///
  /// - Parameters:
  ///   - x: The minuends.
  ///   - y: The subtrahends; must have `x.count` elements.
  ///   - z: The output; must have `x.count` elements.
  /// - Precondition: all three counts are equal.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func subtract(
    _ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
    into z: UnsafeMutableBufferPointer<Float>
  ) {
    checkCounts("subtract", x.count, y.count)
    checkCounts("subtract", x.count, z.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress, let zp = z.baseAddress else { return }
    _subtract(xp, yp, zp, x.count)
  }

  /// Multiplies element by element: `z[i] = x[i] * y[i]`.
  ///
  /// `z` may be the same buffer as `x` or `y`, but must not partly overlap them.
  ///
  /// - Parameters:
  ///   - x: The first factors.
  ///   - y: The second factors; must have `x.count` elements.
  ///   - z: The output; must have `x.count` elements.
  /// - Precondition: all three counts are equal.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func multiply(
    _ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>,
    into z: UnsafeMutableBufferPointer<Float>
  ) {
    checkCounts("multiply", x.count, y.count)
    checkCounts("multiply", x.count, z.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress, let zp = z.baseAddress else { return }
    _multiply(xp, yp, zp, x.count)
  }

  /// Multiply-add in place (BLAS `axpy`): `y[i] = a * x[i] + y[i]`.
  ///
  /// The AVX2 tier fuses the multiply and the add (one rounding); the
  /// portable tier on x86-64 rounds twice, because without FMA in the
  /// baseline target a fused Swift `addingProduct` becomes a library call
  /// per lane. Results may therefore differ in the last bit between tiers.
  ///
  /// - Parameters:
  ///   - a: The factor.
  ///   - x: The elements to scale.
  ///   - y: The accumulators, updated in place; must have `x.count` elements.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func axpy(
    _ a: Float, x: UnsafeBufferPointer<Float>, y: UnsafeMutableBufferPointer<Float>
  ) {
    checkCounts("axpy", x.count, y.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    _axpy(a, xp, yp, x.count)
  }

  /// Limits every element to a range: `y[i] = min(max(x[i], lo), hi)`.
  ///
  /// A NaN element stays NaN.
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - range: The bounds; building a `ClosedRange` already requires
  ///     `lowerBound <= upperBound`, so NaN bounds are impossible.
  ///   - y: The output; must have `x.count` elements; may be `x` itself.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func clamp(
    _ x: UnsafeBufferPointer<Float>, to range: ClosedRange<Float>,
    into y: UnsafeMutableBufferPointer<Float>
  ) {
    checkCounts("clamp", x.count, y.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return }
    _clamp(xp, range.lowerBound, range.upperBound, yp, x.count)
  }

  /// The sum of all elements.
  ///
  /// The elements are added in several interleaved partial sums, not left
  /// to right, so the result can differ from a scalar loop by rounding
  /// (relative error bounded by about `n * Float.ulpOfOne` of the sum of
  /// magnitudes). Infinities and NaNs propagate as in IEEE 754 addition.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The sum; `0` for an empty buffer.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func sum(_ x: UnsafeBufferPointer<Float>) -> Float {
    guard let xp = x.baseAddress else { return 0 }
    return _sum(xp, x.count)
  }

  /// The dot product `x[0] * y[0] + x[1] * y[1] + …`.
  ///
  /// Accumulated in several partial sums (fused on the AVX2 tier); see
  /// ``sum(_:)-(UnsafeBufferPointer<Float>)`` for the rounding this implies.
  ///
  /// - Parameters:
  ///   - x: The first vector.
  ///   - y: The second vector; must have `x.count` elements.
  /// - Returns: The dot product; `0` for empty buffers.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func dot(_ x: UnsafeBufferPointer<Float>, _ y: UnsafeBufferPointer<Float>)
    -> Float
  {
    checkCounts("dot", x.count, y.count)
    guard let xp = x.baseAddress, let yp = y.baseAddress else { return 0 }
    return _dot(xp, yp, x.count)
  }

  /// The smallest element, propagating NaN.
  ///
  /// If any element is NaN the result is NaN (IEEE 754-2019 `minimum`):
  /// a NaN in a batch usually means bad data, and hiding it would be worse.
  /// `-0.0` and `+0.0` compare equal and either may be returned.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The minimum, NaN if any element is NaN, `nil` if `x` is empty.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func min(_ x: UnsafeBufferPointer<Float>) -> Float? {
    guard let xp = x.baseAddress, x.count > 0 else { return nil }
    return _min(xp, x.count)
  }

  /// The largest element, propagating NaN.
  ///
  /// If any element is NaN the result is NaN (IEEE 754-2019 `maximum`).
  /// `-0.0` and `+0.0` compare equal and either may be returned.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The maximum, NaN if any element is NaN, `nil` if `x` is empty.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func max(_ x: UnsafeBufferPointer<Float>) -> Float? {
    guard let xp = x.baseAddress, x.count > 0 else { return nil }
    return _max(xp, x.count)
  }

  /// The index of the smallest element (the first one, if it occurs twice).
  ///
  /// Consistent with ``min(_:)-(UnsafeBufferPointer<Float>)``: if any element
  /// is NaN, the index of the first NaN.
  ///
  /// - Parameter x: The elements.
  /// - Returns: An index into `x`, or `nil` if `x` is empty.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func argmin(_ x: UnsafeBufferPointer<Float>) -> Int? {
    guard let xp = x.baseAddress, x.count > 0 else { return nil }
    return _argmin(xp, x.count)
  }

  /// The index of the largest element (the first one, if it occurs twice).
  ///
  /// If any element is NaN, the index of the first NaN.
  ///
  /// - Parameter x: The elements.
  /// - Returns: An index into `x`, or `nil` if `x` is empty.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func argmax(_ x: UnsafeBufferPointer<Float>) -> Int? {
    guard let xp = x.baseAddress, x.count > 0 else { return nil }
    return _argmax(xp, x.count)
  }
}

// MARK: - Arrays

extension Batch {
  /// Returns every element multiplied by a scalar.
  ///
  /// ```swift
  /// let twice = Batch.scale([1, 2, 3] as [Float], by: 2)  // [2, 4, 6]
  /// ```
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - a: The factor.
  /// - Returns: A new array of `x.count` products.
  /// - Complexity: O(*n*); allocates the result.
  @inlinable
  public static func scale(_ x: [Float], by a: Float) -> [Float] {
    x.withUnsafeBufferPointer { xb in
      [Float](unsafeUninitializedCapacity: xb.count) { yb, initialized in
        scale(xb, by: a, into: yb)
        initialized = xb.count
      }
    }
  }

  /// Multiplies every element of an array by a scalar, in place.
  ///
  /// - Parameters:
  ///   - x: The elements, replaced by their products.
  ///   - a: The factor.
  /// - Complexity: O(*n*); no allocation unless `x` shares its storage.
  @inlinable
  public static func scale(_ x: inout [Float], by a: Float) {
    x.withUnsafeMutableBufferPointer { xb in scale(UnsafeBufferPointer(xb), by: a, into: xb) }
  }

  /// Returns the element-wise sum of two arrays.
  ///
  /// - Parameters:
  ///   - x: The first operands.
  ///   - y: The second operands; must have `x.count` elements.
  /// - Returns: A new array with `x[i] + y[i]`.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); allocates the result.
  @inlinable
  public static func add(_ x: [Float], _ y: [Float]) -> [Float] {
    binaryArray(x, y) { add($0, $1, into: $2) }
  }

  /// Returns the element-wise difference of two arrays.
  ///
  /// - Parameters:
  ///   - x: The minuends.
  ///   - y: The subtrahends; must have `x.count` elements.
  /// - Returns: A new array with `x[i] - y[i]`.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); allocates the result.
  @inlinable
  public static func subtract(_ x: [Float], _ y: [Float]) -> [Float] {
    binaryArray(x, y) { subtract($0, $1, into: $2) }
  }

  /// Returns the element-wise product of two arrays.
  ///
  /// - Parameters:
  ///   - x: The first factors.
  ///   - y: The second factors; must have `x.count` elements.
  /// - Returns: A new array with `x[i] * y[i]`.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); allocates the result.
  @inlinable
  public static func multiply(_ x: [Float], _ y: [Float]) -> [Float] {
    binaryArray(x, y) { multiply($0, $1, into: $2) }
  }

  /// Multiply-add into an array in place: `y[i] = a * x[i] + y[i]`.
  ///
  /// - Parameters:
  ///   - a: The factor.
  ///   - x: The elements to scale.
  ///   - y: The accumulators; must have `x.count` elements.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation unless `y` shares its storage.
  @inlinable
  public static func axpy(_ a: Float, x: [Float], y: inout [Float]) {
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { yb in axpy(a, x: xb, y: yb) }
    }
  }

  /// Returns the elements limited to a range (NaN stays NaN).
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - range: The bounds.
  /// - Returns: A new array with every element clamped.
  /// - Complexity: O(*n*); allocates the result.
  @inlinable
  public static func clamp(_ x: [Float], to range: ClosedRange<Float>) -> [Float] {
    x.withUnsafeBufferPointer { xb in
      [Float](unsafeUninitializedCapacity: xb.count) { yb, initialized in
        clamp(xb, to: range, into: yb)
        initialized = xb.count
      }
    }
  }

  /// The sum of all elements; see ``sum(_:)-(UnsafeBufferPointer<Float>)``.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The sum; `0` for an empty array.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func sum(_ x: [Float]) -> Float {
    x.withUnsafeBufferPointer { sum($0) }
  }

  /// The dot product of two arrays.
  ///
  /// - Parameters:
  ///   - x: The first vector.
  ///   - y: The second vector; must have `x.count` elements.
  /// - Returns: The dot product; `0` for empty arrays.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func dot(_ x: [Float], _ y: [Float]) -> Float {
    x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { dot(xb, $0) } }
  }

  /// The smallest element, NaN if any is NaN, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The minimum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func min(_ x: [Float]) -> Float? {
    x.withUnsafeBufferPointer { min($0) }
  }

  /// The largest element, NaN if any is NaN, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The maximum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func max(_ x: [Float]) -> Float? {
    x.withUnsafeBufferPointer { max($0) }
  }

  /// The index of the first smallest element (or first NaN), `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: An index into `x`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func argmin(_ x: [Float]) -> Int? {
    x.withUnsafeBufferPointer { argmin($0) }
  }

  /// The index of the first largest element (or first NaN), `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: An index into `x`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func argmax(_ x: [Float]) -> Int? {
    x.withUnsafeBufferPointer { argmax($0) }
  }
}

// MARK: - Spans

extension Batch {
  /// Multiplies every element of a span by a scalar into a mutable span.
  ///
  /// - Parameters:
  ///   - x: The input elements.
  ///   - a: The factor.
  ///   - y: The output; must have `x.count` elements.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func scale(_ x: Span<Float>, by a: Float, into y: inout MutableSpan<Float>) {
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { scale(xb, by: a, into: $0) }
    }
  }

  /// Multiply-add into a mutable span: `y[i] = a * x[i] + y[i]`.
  ///
  /// - Parameters:
  ///   - a: The factor.
  ///   - x: The elements to scale.
  ///   - y: The accumulators; must have `x.count` elements.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func axpy(_ a: Float, x: Span<Float>, y: inout MutableSpan<Float>) {
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeMutableBufferPointer { axpy(a, x: xb, y: $0) }
    }
  }

  /// The sum of the elements of a span.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The sum; `0` for an empty span.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func sum(_ x: Span<Float>) -> Float {
    x.withUnsafeBufferPointer { sum($0) }
  }

  /// The dot product of two spans.
  ///
  /// - Parameters:
  ///   - x: The first vector.
  ///   - y: The second vector; must have `x.count` elements.
  /// - Returns: The dot product; `0` for empty spans.
  /// - Precondition: `x.count == y.count`.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func dot(_ x: Span<Float>, _ y: Span<Float>) -> Float {
    x.withUnsafeBufferPointer { xb in y.withUnsafeBufferPointer { dot(xb, $0) } }
  }

  /// The smallest element of a span, NaN if any is NaN, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The minimum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func min(_ x: Span<Float>) -> Float? {
    x.withUnsafeBufferPointer { min($0) }
  }

  /// The largest element of a span, NaN if any is NaN, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The maximum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func max(_ x: Span<Float>) -> Float? {
    x.withUnsafeBufferPointer { max($0) }
  }
}

// MARK: - Dispatch

extension Batch {
  @usableFromInline
  static func _scale(
    _ x: UnsafePointer<Float>, _ a: Float, _ y: UnsafeMutablePointer<Float>, _ n: Int
  ) {
    if Tier.current == .avx2 {
      sn_simd_scale_f32(y, x, a, n)
    } else {
      Portable.scale(x, a, y, n)
    }
  }

  @usableFromInline
  static func _add(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>,
    _ n: Int
  ) {
    if Tier.current == .avx2 {
      sn_simd_add_f32(z, x, y, n)
    } else {
      Portable.add(x, y, z, n)
    }
  }

  @usableFromInline
  static func _subtract(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>,
    _ n: Int
  ) {
    if Tier.current == .avx2 {
      sn_simd_sub_f32(z, x, y, n)
    } else {
      Portable.subtract(x, y, z, n)
    }
  }

  @usableFromInline
  static func _multiply(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>,
    _ n: Int
  ) {
    if Tier.current == .avx2 {
      sn_simd_mul_f32(z, x, y, n)
    } else {
      Portable.multiply(x, y, z, n)
    }
  }

  @usableFromInline
  static func _axpy(
    _ a: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ n: Int
  ) {
    if Tier.current == .avx2 {
      sn_simd_axpy_f32(y, a, x, n)
    } else {
      Portable.axpy(a, x, y, n)
    }
  }

  @usableFromInline
  static func _clamp(
    _ x: UnsafePointer<Float>, _ lo: Float, _ hi: Float, _ y: UnsafeMutablePointer<Float>,
    _ n: Int
  ) {
    if Tier.current == .avx2 {
      sn_simd_clamp_f32(y, x, lo, hi, n)
    } else {
      Portable.clamp(x, lo, hi, y, n)
    }
  }

  @usableFromInline
  static func _sum(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    Tier.current == .avx2 ? sn_simd_sum_f32(x, n) : Portable.sum(x, n)
  }

  @usableFromInline
  static func _dot(_ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ n: Int) -> Float {
    Tier.current == .avx2 ? sn_simd_dot_f32(x, y, n) : Portable.dot(x, y, n)
  }

  @usableFromInline
  static func _min(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    Tier.current == .avx2 ? sn_simd_min_f32(x, n) : Portable.min(x, n)
  }

  @usableFromInline
  static func _max(_ x: UnsafePointer<Float>, _ n: Int) -> Float {
    Tier.current == .avx2 ? sn_simd_max_f32(x, n) : Portable.max(x, n)
  }

  @usableFromInline
  static func _argmin(_ x: UnsafePointer<Float>, _ n: Int) -> Int {
    Tier.current == .avx2 ? Int(sn_simd_argmin_f32(x, n)) : Portable.argmin(x, n)
  }

  @usableFromInline
  static func _argmax(_ x: UnsafePointer<Float>, _ n: Int) -> Int {
    Tier.current == .avx2 ? Int(sn_simd_argmax_f32(x, n)) : Portable.argmax(x, n)
  }
}

internal import CSNSimd

// Int32 kernels: the integer reductions a worker needs on counters and ids.

extension Batch {
  /// The sum of all elements, widened to 64 bits.
  ///
  /// Integer addition is associative, so the result is exact and the same on
  /// every tier. It cannot overflow for fewer than 2^32 elements.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The exact sum; `0` for an empty buffer.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func sum(_ x: UnsafeBufferPointer<Int32>) -> Int64 {
    guard let xp = x.baseAddress else { return 0 }
    return _sum(xp, x.count)
  }

  /// The smallest element.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The minimum, or `nil` if `x` is empty.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func min(_ x: UnsafeBufferPointer<Int32>) -> Int32? {
    guard let xp = x.baseAddress, x.count > 0 else { return nil }
    return _min(xp, x.count)
  }

  /// The largest element.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The maximum, or `nil` if `x` is empty.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func max(_ x: UnsafeBufferPointer<Int32>) -> Int32? {
    guard let xp = x.baseAddress, x.count > 0 else { return nil }
    return _max(xp, x.count)
  }

  /// The exact sum of an array, widened to 64 bits.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The sum; `0` for an empty array.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func sum(_ x: [Int32]) -> Int64 {
    x.withUnsafeBufferPointer { sum($0) }
  }

  /// The smallest element of an array, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The minimum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func min(_ x: [Int32]) -> Int32? {
    x.withUnsafeBufferPointer { min($0) }
  }

  /// The largest element of an array, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The maximum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func max(_ x: [Int32]) -> Int32? {
    x.withUnsafeBufferPointer { max($0) }
  }

  /// The exact sum of a span, widened to 64 bits.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The sum; `0` for an empty span.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func sum(_ x: Span<Int32>) -> Int64 {
    x.withUnsafeBufferPointer { sum($0) }
  }

  /// The smallest element of a span, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The minimum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func min(_ x: Span<Int32>) -> Int32? {
    x.withUnsafeBufferPointer { min($0) }
  }

  /// The largest element of a span, `nil` if empty.
  ///
  /// - Parameter x: The elements.
  /// - Returns: The maximum.
  /// - Complexity: O(*n*); no allocation.
  @inlinable
  public static func max(_ x: Span<Int32>) -> Int32? {
    x.withUnsafeBufferPointer { max($0) }
  }

  @usableFromInline
  static func _sum(_ x: UnsafePointer<Int32>, _ n: Int) -> Int64 {
    Tier.current == .avx2 ? sn_simd_sum_i32(x, n) : Portable.sum(x, n)
  }

  @usableFromInline
  static func _min(_ x: UnsafePointer<Int32>, _ n: Int) -> Int32 {
    Tier.current == .avx2 ? sn_simd_min_i32(x, n) : Portable.min(x, n)
  }

  @usableFromInline
  static func _max(_ x: UnsafePointer<Int32>, _ n: Int) -> Int32 {
    Tier.current == .avx2 ? sn_simd_max_i32(x, n) : Portable.max(x, n)
  }
}

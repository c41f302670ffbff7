extension Batch {
  /// Builds a new array of `x.count` elements from a buffer kernel `f(x, y, out)`.
  @inlinable
  static func binaryArray<T>(
    _ x: [T], _ y: [T],
    _ f: (UnsafeBufferPointer<T>, UnsafeBufferPointer<T>, UnsafeMutableBufferPointer<T>) -> Void
  ) -> [T] {
    x.withUnsafeBufferPointer { xb in
      y.withUnsafeBufferPointer { yb in
        [T](unsafeUninitializedCapacity: xb.count) { zb, initialized in
          f(xb, yb, zb)
          initialized = xb.count
        }
      }
    }
  }
}

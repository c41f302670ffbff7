/// A key whose routing bytes are the same in every process, on every machine.
///
/// Routing must not depend on Swift's `Hasher`, which is seeded at random per
/// process. A `StableHashable` type instead hands a stable hasher an explicit
/// byte sequence: integers as the 8 little-endian bytes of their value widened
/// to 64 bits, strings as UTF-8, byte buffers as they are. Two values that
/// should reach the same worker must produce the same bytes.
///
/// Every fixed-width integer type of the standard library is widened the same
/// way, so a key's route depends on its value, not on its declared width:
/// `7 as Int32`, `7 as Int64` and `7 as Int` all feed the bytes
/// `07 00 00 00 00 00 00 00`. Signed values are sign-extended (`-1 as Int8`
/// feeds eight `FF` bytes, as `-1 as Int` does); unsigned values are
/// zero-extended. A negative signed value therefore routes like the unsigned
/// value with the same 64-bit pattern (`-1 as Int` like `UInt64.max`).
///
/// Conform a type of your own by exposing the bytes that identify it:
///
/// ```swift
/// struct AccountID: StableHashable {
///   var raw: UInt64
///   func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
///     raw.withStableBytes(body)
///   }
/// }
/// ```
///
/// Changing the bytes a type produces changes where its keys are routed: treat
/// it like a change of on-disk format.
public protocol StableHashable {
  /// Calls `body` with the bytes that identify this key for routing.
  ///
  /// - Parameter body: A closure that reads the bytes. The buffer is valid only
  ///   for the duration of the call.
  /// - Returns: What `body` returns.
  func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R
}

extension FixedWidthInteger {
  /// Calls `body` with the little-endian bytes of this integer.
  @inlinable @inline(__always)
  func _withLittleEndianBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes(of: self.littleEndian) { body($0) }
  }
}

// Every integer is widened to 64 bits (signed ones sign-extended, unsigned
// ones zero-extended), so a key routes by its value whatever its declared
// width, and `Int`/`UInt` route the same way on a (hypothetical) 32-bit build
// as on the 64-bit ones we support.

extension Int: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `Int64`.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    Int64(self)._withLittleEndianBytes(body)
  }
}

extension UInt: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as a `UInt64`.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    UInt64(self)._withLittleEndianBytes(body)
  }
}

extension Int8: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `Int64` (sign-extended),
  /// so it routes like the same value of any other integer type.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    Int64(self)._withLittleEndianBytes(body)
  }
}

extension Int16: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `Int64` (sign-extended),
  /// so it routes like the same value of any other integer type.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    Int64(self)._withLittleEndianBytes(body)
  }
}

extension Int32: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `Int64` (sign-extended),
  /// so it routes like the same value of any other integer type.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    Int64(self)._withLittleEndianBytes(body)
  }
}

extension Int64: StableHashable {
  /// Feeds the 8 little-endian bytes of the value.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    _withLittleEndianBytes(body)
  }
}

extension UInt8: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `UInt64` (zero-extended),
  /// so it routes like the same value of any other integer type.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    UInt64(self)._withLittleEndianBytes(body)
  }
}

extension UInt16: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `UInt64` (zero-extended),
  /// so it routes like the same value of any other integer type.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    UInt64(self)._withLittleEndianBytes(body)
  }
}

extension UInt32: StableHashable {
  /// Feeds the 8 little-endian bytes of the value as an `UInt64` (zero-extended),
  /// so it routes like the same value of any other integer type.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    UInt64(self)._withLittleEndianBytes(body)
  }
}

extension UInt64: StableHashable {
  /// Feeds the 8 little-endian bytes of the value.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    _withLittleEndianBytes(body)
  }
}

extension String: StableHashable {
  /// Feeds the UTF-8 bytes of the string, without a terminator.
  ///
  /// Native Swift strings are already contiguous UTF-8, so this neither copies
  /// nor allocates; a bridged string is copied once.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let result = utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
      return result
    }
    var copy = self
    return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
  }
}

extension Substring: StableHashable {
  /// Feeds the UTF-8 bytes of the substring, so `"ab"[...]` routes like `"ab"`.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    if let result = utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) {
      return result
    }
    return String(self).withStableBytes(body)
  }
}

extension Array: StableHashable where Element == UInt8 {
  /// Feeds the bytes of the array as they are.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes { body($0) }
  }
}

extension ArraySlice: StableHashable where Element == UInt8 {
  /// Feeds the bytes of the slice as they are.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes { body($0) }
  }
}

extension ContiguousArray: StableHashable where Element == UInt8 {
  /// Feeds the bytes of the array as they are.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    withUnsafeBytes { body($0) }
  }
}

extension UnsafeRawBufferPointer: StableHashable {
  /// Feeds the bytes in the buffer as they are.
  @inlinable
  public func withStableBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
    body(self)
  }
}

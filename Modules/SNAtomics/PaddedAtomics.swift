import Synchronization

/// A fixed number of atomics, each alone on its own cache line.
///
/// Use it for indices and flags that different threads write: two atomics in
/// one `PaddedAtomics` never share a cache line (nor an adjacent-line
/// prefetch pair), so a write to one never slows a read of another.
///
/// ```swift
/// final class Counters: Sendable {
///   let lines = PaddedAtomics<Int>(count: 2, initialValue: 0)
/// }
/// let counters = Counters()
/// counters.lines[0].wrappingAdd(1, ordering: .relaxed)
/// ```
///
/// The storage is one heap block aligned to ``CacheLine/padding`` and freed
/// when the value is destroyed.
@frozen
public struct PaddedAtomics<Value: AtomicRepresentable>: ~Copyable, @unchecked Sendable {
  @usableFromInline let base: UnsafeMutableRawPointer

  /// The number of atomics.
  public let count: Int

  /// Creates `count` atomics, each on its own cache line, all holding
  /// `initialValue`.
  ///
  /// - Parameters:
  ///   - count: How many atomics; at least 1.
  ///   - initialValue: The value every atomic starts with.
  public init(count: Int, initialValue: Value) {
    precondition(count >= 1, "PaddedAtomics needs at least one atomic, not \(count)")
    let stride = CacheLine.padding
    precondition(
      MemoryLayout<Atomic<Value>>.size <= stride, "Atomic value larger than a cache line")
    base = .allocate(byteCount: count * stride, alignment: stride)
    self.count = count
    for index in 0..<count {
      (base + index * stride).initializeMemory(as: Atomic<Value>.self, to: Atomic(initialValue))
    }
  }

  deinit {
    for index in 0..<count {
      (base + index * CacheLine.padding).assumingMemoryBound(to: Atomic<Value>.self)
        .deinitialize(count: 1)
    }
    base.deallocate()
  }

  /// The atomic at `index`.
  ///
  /// - Complexity: O(1).
  @inlinable
  public subscript(index: Int) -> Atomic<Value> {
    unsafeAddress {
      precondition(index >= 0 && index < count, "PaddedAtomics index \(index) out of range")
      return UnsafePointer(
        (base + index &* CacheLine.padding).assumingMemoryBound(to: Atomic<Value>.self))
    }
  }
}

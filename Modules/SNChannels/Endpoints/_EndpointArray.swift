/// A growable array of noncopyable endpoints: the storage that
/// ``SelectGroup`` and ``SenderGroup`` share (the standard library's `Array`
/// holds only copyable elements).
///
/// It owns its elements: appended ones are moved in, `removeLast()` moves
/// one out, and the rest are deinitialized with the array. The raw pointer
/// lives only here.
@frozen @usableFromInline
struct _EndpointArray<Element: ~Copyable>: ~Copyable {
  /// The first element; `count` initialized elements follow it.
  @usableFromInline var base: UnsafeMutablePointer<Element>
  @usableFromInline var capacity: Int
  /// The number of elements.
  @usableFromInline private(set) var count = 0

  /// An empty array with room for `capacity` elements (at least one).
  @inlinable
  init(capacity: Int) {
    precondition(capacity >= 0, "capacity must not be negative")
    self.capacity = max(capacity, 1)
    base = .allocate(capacity: self.capacity)
  }

  @inlinable
  deinit {
    base.deinitialize(count: count)
    base.deallocate()
  }

  /// Moves `element` in at index `count`, doubling the room when full.
  ///
  /// - Returns: The element's index.
  @inlinable
  mutating func append(_ element: consuming Element) -> Int {
    if count == capacity {
      let grown = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
      grown.moveInitialize(from: base, count: count)
      base.deallocate()
      base = grown
      capacity *= 2
    }
    (base + count).initialize(to: element)
    count += 1
    return count - 1
  }

  /// Moves the last element out, or returns `nil` if the array is empty.
  @inlinable
  mutating func removeLast() -> Element? {
    guard count > 0 else { return nil }
    count -= 1
    return (base + count).move()
  }
}

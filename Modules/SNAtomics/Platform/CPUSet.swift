/// A set of CPU numbers (or NUMA node numbers): what the Linux kernel writes
/// as a CPU list such as `0-3,8,10-11`.
///
/// Parse one with ``init(parsing:)``; ``description`` writes the same compact
/// form back. Iteration is in ascending order, each number once.
///
/// ```swift
/// let online = try CPUSet(parsing: "0-3,8\n")
/// print(online.count, Array(online), online)  // 5 [0, 1, 2, 3, 8] 0-3,8
/// ```
///
/// Numbers run from 0 to ``maximumID``, which is far above what any kernel
/// supports (8192 CPUs, 1024 nodes), so an absurd list is rejected rather than
/// allocated.
public struct CPUSet: Sendable, Hashable {
  /// The largest CPU number a set can hold.
  public static let maximumID = 65_535

  /// Bit `n % 64` of word `n / 64` is set when `n` is in the set. Trailing
  /// zero words are trimmed, so equal sets have equal storage.
  private var words: [UInt64]

  /// Creates an empty set.
  public init() {
    words = []
  }

  /// Creates a set holding the given numbers (duplicates are ignored).
  ///
  /// A number outside `0...maximumID` is a programmer error and traps; text
  /// from outside the program goes through ``init(parsing:)``, which throws.
  ///
  /// - Parameter ids: CPU numbers, each in `0...maximumID`.
  /// - Complexity: O(n) for n numbers.
  public init(_ ids: some Sequence<Int>) {
    words = []
    for id in ids { insert(id) }
  }

  /// The number of CPUs in the set.
  ///
  /// - Complexity: O(largest number / 64).
  public var count: Int { words.reduce(0) { $0 + $1.nonzeroBitCount } }

  /// Whether the set is empty.
  public var isEmpty: Bool { words.isEmpty }

  /// Whether `id` is in the set.
  ///
  /// - Parameter id: Any integer; negative and too large ones are never members.
  /// - Returns: Whether the set holds it.
  /// - Complexity: O(1).
  public func contains(_ id: Int) -> Bool {
    guard id >= 0, id / 64 < words.count else { return false }
    return words[id / 64] & (1 << UInt64(id % 64)) != 0
  }

  /// Adds `id` to the set.
  ///
  /// - Parameter id: A CPU number in `0...maximumID` (anything else traps).
  /// - Complexity: Amortized O(1).
  public mutating func insert(_ id: Int) {
    precondition(
      id >= 0 && id <= Self.maximumID, "CPUSet: \(id) is outside 0...\(Self.maximumID)")
    let word = id / 64
    if word >= words.count { words += repeatElement(0, count: word + 1 - words.count) }
    words[word] |= 1 << UInt64(id % 64)
  }

  /// The CPUs in either set.
  ///
  /// - Parameter other: Another set.
  /// - Returns: The union.
  /// - Complexity: O(largest number / 64).
  public func union(_ other: CPUSet) -> CPUSet {
    var result = words.count >= other.words.count ? self : other
    let shorter = words.count >= other.words.count ? other.words : words
    for (index, word) in shorter.enumerated() { result.words[index] |= word }
    return result
  }

  /// The CPUs in both sets.
  ///
  /// - Parameter other: Another set.
  /// - Returns: The intersection.
  /// - Complexity: O(largest number / 64).
  public func intersection(_ other: CPUSet) -> CPUSet {
    var result = CPUSet()
    result.words = zip(words, other.words).map { $0 & $1 }
    result.trim()
    return result
  }

  private mutating func trim() {
    while words.last == 0 { words.removeLast() }
  }
}

extension CPUSet: Sequence {
  /// Walks the set in ascending order.
  public struct Iterator: IteratorProtocol {
    private let words: [UInt64]
    private var index = 0
    private var remaining: UInt64

    fileprivate init(_ words: [UInt64]) {
      self.words = words
      remaining = words.first ?? 0
    }

    /// The next CPU number, or `nil` at the end.
    ///
    /// - Returns: The next number.
    public mutating func next() -> Int? {
      while remaining == 0 {
        index += 1
        guard index < words.count else { return nil }
        remaining = words[index]
      }
      let bit = remaining.trailingZeroBitCount
      remaining &= remaining - 1
      return index * 64 + bit
    }
  }

  /// An iterator over the numbers in ascending order.
  ///
  /// - Returns: The iterator.
  public func makeIterator() -> Iterator { Iterator(words) }

  /// The number of CPUs, for `Array(set)` and friends.
  public var underestimatedCount: Int { count }
}

extension CPUSet: ExpressibleByArrayLiteral {
  /// Creates a set from a literal such as `[0, 1, 8]`.
  ///
  /// - Parameter elements: CPU numbers, each in `0...maximumID`.
  public init(arrayLiteral elements: Int...) {
    self.init(elements)
  }
}

extension CPUSet: CustomStringConvertible {
  /// The kernel's compact list form, `0-3,8,10-11`; empty for an empty set.
  ///
  /// ``init(parsing:)`` reads it back to an equal set.
  public var description: String { Self.listDescription(self) }

  /// Any integers in the kernel's compact list form (sorted, duplicates
  /// dropped), also those a `CPUSet` cannot hold, such as numbers read from a
  /// recorded topology file.
  package static func listDescription(_ ids: some Sequence<Int>) -> String {
    var parts: [String] = []
    var start: Int?
    var previous = 0
    for id in Set(ids).sorted() {
      if let low = start, id != previous + 1 {
        parts.append(low == previous ? "\(low)" : "\(low)-\(previous)")
        start = id
      } else if start == nil {
        start = id
      }
      previous = id
    }
    if let low = start { parts.append(low == previous ? "\(low)" : "\(low)-\(previous)") }
    return parts.joined(separator: ",")
  }
}

extension CPUSet {
  /// Parses a CPU list in the kernel's syntax, as sysfs writes it
  /// (`/sys/devices/system/cpu/online`, `node0/cpulist`, `cpuset.cpus`).
  ///
  /// The list is regions separated by commas or whitespace (a trailing newline
  /// or comma is fine; an empty list is the empty set). A region is
  ///
  /// - `n`: one CPU;
  /// - `a-b`: `a` through `b`;
  /// - `a-b:s`: every `s`-th CPU from `a` up to `b` (`0-7:2` is `0,2,4,6`), the
  ///   stride syntax of `taskset -c`;
  /// - `a-b:u/g`: the first `u` CPUs of each group of `g` from `a` up to `b`
  ///   (`0-15:2/8` is `0,1,8,9`), the kernel's group syntax.
  ///
  /// Overlapping regions are merged. Numbers are decimal, without sign.
  ///
  /// - Parameter text: The list.
  /// - Throws: ``CPUListError/invalidSyntax`` for anything else,
  ///   ``CPUListError/reversedRange``, ``CPUListError/valueTooLarge`` for a
  ///   number above ``maximumID``, ``CPUListError/invalidStride``.
  /// - Complexity: O(length of `text` + CPUs in the set).
  public init(parsing text: some StringProtocol) throws(CPUListError) {
    self.init()
    let input = Substring(text).utf8
    var parser = _CPUListParser(input: input)
    while let region = try parser.nextRegion() {
      var id = region.low
      while id <= region.high {
        // `used` CPUs of each `group`; a plain range is one group using all.
        for member in id..<Swift.min(id + region.used, region.high + 1) { insert(member) }
        id += region.group
      }
    }
  }
}

/// One region of a CPU list: from `low` to `high`, the first `used` of every `group`.
struct _CPURegion {
  var low: Int
  var high: Int
  var used: Int
  var group: Int
}

/// Reads a CPU list byte by byte, the grammar of the kernel's `bitmap_parselist`
/// plus the `a-b:s` stride form.
struct _CPUListParser {
  private let input: Substring.UTF8View
  private var index: Substring.UTF8View.Index

  init(input: Substring.UTF8View) {
    self.input = input
    index = input.startIndex
  }

  private var offset: Int { input.distance(from: input.startIndex, to: index) }
  private var current: UInt8? { index < input.endIndex ? input[index] : nil }

  private static func isSeparator(_ byte: UInt8) -> Bool {
    // ',', ' ', '\t', '\n', '\r', '\v', '\f'
    byte == UInt8(ascii: ",") || byte == 0x20 || (0x09...0x0D).contains(byte)
  }

  /// The next region, or `nil` at the end of the list.
  mutating func nextRegion() throws(CPUListError) -> _CPURegion? {
    while let byte = current, Self.isSeparator(byte) { input.formIndex(after: &index) }
    guard current != nil else { return nil }
    let start = offset
    let low = try number()
    guard take("-") else {
      try endOfRegion()
      return _CPURegion(low: low, high: low, used: 1, group: 1)
    }
    let high = try number()
    guard low <= high else { throw .reversedRange(low, high, at: start) }
    guard take(":") else {
      try endOfRegion()
      return _CPURegion(low: low, high: high, used: 1, group: 1)
    }
    let strideOffset = offset
    let first = try number()
    var region = _CPURegion(low: low, high: high, used: 1, group: first)
    if take("/") {
      region = _CPURegion(low: low, high: high, used: first, group: try number())
    }
    try endOfRegion()
    guard region.group > 0, region.used > 0, region.used <= region.group else {
      throw .invalidStride(
        "stride or group \(region.used)/\(region.group) in region at offset \(start)",
        at: strideOffset)
    }
    return region
  }

  private mutating func take(_ character: Unicode.Scalar) -> Bool {
    guard current == UInt8(ascii: character) else { return false }
    input.formIndex(after: &index)
    return true
  }

  private func endOfRegion() throws(CPUListError) {
    guard let byte = current, !Self.isSeparator(byte) else { return }
    throw .invalidSyntax(at: offset, expected: "',', whitespace or the end", in: input)
  }

  /// A decimal number in `0...CPUSet.maximumID`; stops before the first non-digit.
  private mutating func number() throws(CPUListError) -> Int {
    let start = offset
    var value = 0
    var digits = 0
    while let byte = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
      // Checked before it can grow further, so no length of digits overflows.
      value = value * 10 + Int(byte - UInt8(ascii: "0"))
      guard value <= CPUSet.maximumID else { throw .valueTooLarge(at: start, in: input) }
      digits += 1
      input.formIndex(after: &index)
    }
    guard digits > 0 else { throw .invalidSyntax(at: start, expected: "a number", in: input) }
    return value
  }
}

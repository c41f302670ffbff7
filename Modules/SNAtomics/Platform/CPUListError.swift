/// Why a CPU list such as `0-3,8` could not be read.
///
/// A struct over a private code so that new cases can be added without
/// breaking code that compares with the existing ones:
///
/// ```swift
/// do {
///   _ = try CPUSet(parsing: "3-1")
/// } catch where error == .reversedRange {
///   print("backwards range at offset \(error.offset)")
/// } catch {
///   print(error)
/// }
/// ```
public struct CPUListError: Error, Hashable, Sendable, CustomStringConvertible {
  private enum Code: Hashable, Sendable {
    case invalidSyntax
    case reversedRange
    case valueTooLarge
    case invalidStride
  }

  private let code: Code

  /// The UTF-8 offset in the input where the problem starts.
  public let offset: Int

  /// A human-readable detail: what was expected and the input itself.
  public let detail: String

  private init(_ code: Code, offset: Int = 0, detail: String = "") {
    self.code = code
    self.offset = offset
    self.detail = detail
  }

  /// Compares the error kind only (not ``offset`` or ``detail``).
  ///
  /// - Parameters:
  ///   - lhs: An error.
  ///   - rhs: Another error.
  /// - Returns: Whether both are the same kind of error.
  public static func == (lhs: CPUListError, rhs: CPUListError) -> Bool {
    lhs.code == rhs.code
  }

  /// Hashes the error kind only, consistent with `==`.
  ///
  /// - Parameter hasher: The hasher to feed.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(code)
  }

  /// Something other than a number, `-`, `:`, `/`, a comma or whitespace, or
  /// one of those where a number must be (`0-`, `-1`, `0x1`, `all`).
  public static let invalidSyntax = CPUListError(.invalidSyntax)
  /// A range whose end is below its start (`3-1`).
  public static let reversedRange = CPUListError(.reversedRange)
  /// A number above ``CPUSet/maximumID``.
  public static let valueTooLarge = CPUListError(.valueTooLarge)
  /// A stride or group of 0, or a group using none or more CPUs than it has
  /// (`0-7:0`, `0-7:0/2`, `0-7:3/2`).
  public static let invalidStride = CPUListError(.invalidStride)

  static func invalidSyntax(at offset: Int, expected: String, in input: Substring.UTF8View)
    -> CPUListError
  {
    CPUListError(
      .invalidSyntax, offset: offset,
      detail: "expected \(expected) at offset \(offset) in \(quote(input))")
  }

  static func reversedRange(_ low: Int, _ high: Int, at offset: Int) -> CPUListError {
    CPUListError(.reversedRange, offset: offset, detail: "range \(low)-\(high) runs backwards")
  }

  static func valueTooLarge(at offset: Int, in input: Substring.UTF8View) -> CPUListError {
    CPUListError(
      .valueTooLarge, offset: offset,
      detail: "number at offset \(offset) exceeds \(CPUSet.maximumID) in \(quote(input))")
  }

  static func invalidStride(_ what: String, at offset: Int) -> CPUListError {
    CPUListError(.invalidStride, offset: offset, detail: what)
  }

  /// The input in quotes, cut to 80 bytes so a huge file does not flood a log.
  private static func quote(_ input: Substring.UTF8View) -> String {
    let head = String(decoding: input.prefix(80), as: UTF8.self)
    return "\"\(head)\(input.count > 80 ? "…" : "")\""
  }

  /// A description naming the error kind and its detail.
  public var description: String {
    let name: String
    switch code {
    case .invalidSyntax: name = "invalidSyntax"
    case .reversedRange: name = "reversedRange"
    case .valueTooLarge: name = "valueTooLarge"
    case .invalidStride: name = "invalidStride"
    }
    return detail.isEmpty ? "CPUListError.\(name)" : "CPUListError.\(name): \(detail)"
  }
}

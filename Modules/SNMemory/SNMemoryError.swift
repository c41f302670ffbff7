/// An error thrown by SNMemory for input it cannot honour or memory the system refuses.
///
/// A struct over a private code so that new cases can be added without breaking
/// code that switches over the existing ones; compare with the static members:
///
/// ```swift
/// do {
///   _ = try BumpArena(chunkByteCount: 0)
/// } catch where error == .invalidSize {
///   print("rejected: \(error)")
/// } catch {
///   print("another error: \(error)")
/// }
/// ```
public struct SNMemoryError: Error, Hashable, Sendable, CustomStringConvertible {
  private enum Code: Hashable, Sendable {
    case invalidSize
    case invalidAlignment
    case outOfMemory
    case invalidNode
    case unavailable
    case systemCallFailed
  }

  private let code: Code

  /// The `errno` reported by the failing system call, or 0 where none applies.
  public let errno: Int32

  /// A human-readable detail (the offending value, the call that failed, an install hint).
  public let detail: String

  private init(_ code: Code, errno: Int32 = 0, detail: String = "") {
    self.code = code
    self.errno = errno
    self.detail = detail
  }

  /// Compares the error kind only (not `errno` or `detail`).
  ///
  /// - Parameters:
  ///   - lhs: An error.
  ///   - rhs: Another error.
  /// - Returns: Whether both are the same kind of error.
  public static func == (lhs: SNMemoryError, rhs: SNMemoryError) -> Bool {
    lhs.code == rhs.code
  }

  /// Hashes the error kind only, consistent with `==`.
  ///
  /// - Parameter hasher: The hasher to feed.
  public func hash(into hasher: inout Hasher) {
    hasher.combine(code)
  }

  /// A size was zero, negative, or too large to represent.
  public static let invalidSize = SNMemoryError(.invalidSize)
  /// An alignment was not a positive power of two (or exceeds the supported maximum).
  public static let invalidAlignment = SNMemoryError(.invalidAlignment)
  /// The system refused to provide memory (address space or memory exhausted).
  public static let outOfMemory = SNMemoryError(.outOfMemory)
  /// A NUMA node number that does not exist on this machine.
  public static let invalidNode = SNMemoryError(.invalidNode)
  /// The feature is not part of this build (a package trait is off) or not on this platform.
  public static let unavailable = SNMemoryError(.unavailable)
  /// A system call failed for a reason other than the ones above; see ``errno``.
  public static let systemCallFailed = SNMemoryError(.systemCallFailed)

  static func invalidSize(_ value: Int, _ what: String) -> SNMemoryError {
    SNMemoryError(.invalidSize, detail: "\(what) must be positive and representable, got \(value)")
  }

  static func invalidAlignment(_ value: Int) -> SNMemoryError {
    SNMemoryError(
      .invalidAlignment, detail: "alignment must be a power of two up to 4096, got \(value)")
  }

  static func outOfMemory(errno: Int32, _ what: String) -> SNMemoryError {
    SNMemoryError(.outOfMemory, errno: errno, detail: what)
  }

  static func invalidNode(_ node: Int, nodeCount: Int) -> SNMemoryError {
    SNMemoryError(
      .invalidNode, detail: "NUMA node \(node) does not exist (this machine has \(nodeCount))")
  }

  static func unavailable(_ why: String) -> SNMemoryError {
    SNMemoryError(.unavailable, detail: why)
  }

  static func systemCallFailed(errno: Int32, _ call: String) -> SNMemoryError {
    SNMemoryError(.systemCallFailed, errno: errno, detail: "\(call) failed with errno \(errno)")
  }

  /// A description naming the error kind and its detail.
  public var description: String {
    let name: String
    switch code {
    case .invalidSize: name = "invalidSize"
    case .invalidAlignment: name = "invalidAlignment"
    case .outOfMemory: name = "outOfMemory"
    case .invalidNode: name = "invalidNode"
    case .unavailable: name = "unavailable"
    case .systemCallFailed: name = "systemCallFailed"
    }
    return detail.isEmpty ? "SNMemoryError.\(name)" : "SNMemoryError.\(name): \(detail)"
  }
}

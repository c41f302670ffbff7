/// Why a partitioned source could not be opened or split.
///
/// A struct over a private code so that cases can be added later; compare
/// with the static members (`error == .fileNotFound`). ``detail`` names the
/// setting and the offending value.
public struct SourceError: Error, Hashable, CustomStringConvertible {
  private enum Code: Hashable {
    case fileNotFound
    case unreadableFile
    case emptyFile
    case invalidDelimiter
    case invalidShardCount
    case invalidRecordCount
  }

  private let code: Code

  /// The setting and the offending value (for example `path "/tmp/x"`).
  public let detail: String?

  private init(_ code: Code, detail: String? = nil) {
    self.code = code
    self.detail = detail
  }

  /// The file does not exist.
  public static let fileNotFound = SourceError(.fileNotFound)
  /// The file exists but could not be opened, read or mapped (see ``detail``).
  public static let unreadableFile = SourceError(.unreadableFile)
  /// The file holds no bytes: a pipeline over it would do nothing.
  public static let emptyFile = SourceError(.emptyFile)
  /// The delimiter is empty, or overlaps itself (a proper prefix equals a
  /// suffix, as in `"aa"`), which would make record boundaries depend on
  /// where a reader starts.
  public static let invalidDelimiter = SourceError(.invalidDelimiter)
  /// The number of shares is below 1, or a share index is out of range.
  public static let invalidShardCount = SourceError(.invalidShardCount)
  /// A generator's record count is negative.
  public static let invalidRecordCount = SourceError(.invalidRecordCount)

  func with(detail: String) -> SourceError { SourceError(code, detail: detail) }

  /// Whether two errors are the same kind of failure.
  public static func == (lhs: SourceError, rhs: SourceError) -> Bool { lhs.code == rhs.code }

  /// Hashes the kind of failure.
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }

  /// A short description naming the setting.
  public var description: String {
    let text: String
    switch code {
    case .fileNotFound: text = "the file does not exist"
    case .unreadableFile: text = "the file could not be read"
    case .emptyFile: text = "the file is empty"
    case .invalidDelimiter: text = "the delimiter must be non-empty and must not overlap itself"
    case .invalidShardCount: text = "the share count must be at least 1 (and an index below it)"
    case .invalidRecordCount: text = "the record count must not be negative"
    }
    guard let detail else { return "SourceError: \(text)" }
    return "SourceError: \(text) (\(detail))"
  }
}

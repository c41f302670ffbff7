/// A file of delimited records, mapped into memory and split into byte
/// ranges, one per worker, so that every worker reads and parses its own
/// share of the input.
///
/// A share is a raw byte range cut without looking at the data; its
/// records are those that *start* inside it. Record 0 starts at byte 0, and
/// every other record starts right after a delimiter. A reader finds its
/// first record by looking for a delimiter that ends at or after its range's
/// start, and reads its last record past its range's end, to the next
/// delimiter. So a record that straddles a cut, or is longer than a whole
/// range, is read exactly once, by the share it starts in; a share may hold
/// no record at all (a file with fewer records than workers).
///
/// A record does not include its delimiter. A delimiter at the very end of
/// the file ends the last record (no empty record follows it); two
/// delimiters in a row make an empty record.
///
/// ```swift
/// let file = try RecordFile(path: "access.log")  // newline-delimited
/// let shares = try file.shares(2)  // usually the pool's worker count
/// // on worker w (here 0), from its handler or tick:
/// var bytes = 0
/// shares[0].forEachUnsafeRecord { line in bytes += line.count }
/// ```
public final class RecordFile: Sendable {
  /// The file's path, as given.
  public let path: String
  /// The bytes that end a record.
  public let delimiter: [UInt8]
  @usableFromInline let storage: _MappedFileStorage

  /// Opens and maps `path`.
  ///
  /// - Parameters:
  ///   - path: The file.
  ///   - delimiter: The bytes that end a record; newline by default. Must be
  ///     non-empty and must not overlap itself (`"\r\n"` is fine, `"aa"` is
  ///     not).
  /// - Throws: ``SourceError/invalidDelimiter``, ``SourceError/fileNotFound``,
  ///   ``SourceError/unreadableFile`` or ``SourceError/emptyFile``, naming
  ///   the setting.
  public init(path: String, delimiter: [UInt8] = [0x0A]) throws(SourceError) {
    guard !delimiter.isEmpty else {
      throw .invalidDelimiter.with(detail: "delimiter is empty")
    }
    for length in 1..<delimiter.count
    where delimiter.prefix(length).elementsEqual(delimiter.suffix(length)) {
      throw .invalidDelimiter.with(detail: "delimiter \(delimiter) overlaps itself")
    }
    self.path = path
    self.delimiter = delimiter
    storage = try _MappedFileStorage(path: path)
  }

  /// The file's size in bytes.
  public var byteCount: Int { storage.byteCount }

  /// Splits the file into `count` byte ranges of nearly equal size.
  ///
  /// - Parameter count: The number of shares (usually the worker count).
  /// - Returns: The shares, in file order; together they hold every record
  ///   exactly once.
  /// - Throws: ``SourceError/invalidShardCount`` if `count < 1`.
  public func shares(_ count: Int) throws(SourceError) -> [RecordShare] {
    guard count >= 1 else { throw .invalidShardCount.with(detail: "count \(count)") }
    let size = byteCount
    return (0..<count).map { index in
      // Multiplying first keeps the cuts even; sizes are far below 2^63 / count.
      let lower = size / count * index + min(index, size % count)
      let upper = size / count * (index + 1) + min(index + 1, size % count)
      return RecordShare(file: self, byteRange: lower..<upper)
    }
  }
}

/// One worker's share of a ``RecordFile``: the records that start in
/// ``byteRange``.
public struct RecordShare: Sendable {
  /// The file.
  public let file: RecordFile
  /// The raw cut: records starting here belong to this share.
  public let byteRange: Range<Int>

  /// The offset of this share's first record, or `byteRange.upperBound`
  /// if no record starts in the range.
  public var firstRecordStart: Int {
    let lower = byteRange.lowerBound
    if lower == 0 { return 0 }
    let delimiter = file.delimiter
    // A record starts at p when the delimiter ends at p: search for a
    // delimiter starting at or after lower - delimiter.count.
    let from = max(0, lower - delimiter.count)
    let found = file.storage.find(delimiter, from: from, before: byteRange.upperBound)
    return min(found + delimiter.count, byteRange.upperBound)
  }

  /// Hands each record of this share to `body`, in file order, without its
  /// delimiter.
  ///
  /// The bytes are the mapped file itself (no copy): the buffer is valid
  /// only during the call to `body`; copy what must outlive it.
  ///
  /// - Parameter body: Takes one record's bytes.
  /// - Returns: How many records were read.
  /// - Throws: Whatever `body` throws; reading stops there.
  /// - Complexity: O(bytes of the share's records), one `memchr` per record.
  @discardableResult
  public func forEachUnsafeRecord<E: Error>(
    _ body: (UnsafeRawBufferPointer) throws(E) -> Void
  ) throws(E) -> Int {
    let storage = file.storage
    let delimiter = file.delimiter
    let end = storage.byteCount
    var start = firstRecordStart
    var records = 0
    while start < byteRange.upperBound {
      let stop = storage.find(delimiter, from: start, before: end)
      try body(storage.bytes(start..<stop))
      records += 1
      start = stop + delimiter.count
    }
    return records
  }
}

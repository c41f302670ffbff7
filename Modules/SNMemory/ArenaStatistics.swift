/// A snapshot of one arena's memory use.
public struct ArenaStatistics: Hashable, Sendable {
  /// Bytes obtained from the system for the arena's chunks (whole mappings).
  public var bytesReserved: Int
  /// Bytes handed out since the last reset (for ``BumpArena`` this includes
  /// alignment padding and the unused tails of chunks that were left behind).
  public var bytesInUse: Int
  /// How many chunks the arena holds.
  public var chunkCount: Int
  /// Bytes of chunks set up for huge pages (``PageKind/hugeTLB`` or
  /// ``PageKind/transparentHuge``). For transparent huge pages this is what
  /// was advised; ``HugePages/residentBytes(in:byteCount:)`` measures what the
  /// kernel actually promoted.
  public var hugePageBytes: Int

  /// Creates a snapshot.
  ///
  /// - Parameters:
  ///   - bytesReserved: Bytes mapped for chunks.
  ///   - bytesInUse: Bytes handed out since the last reset.
  ///   - chunkCount: Number of chunks.
  ///   - hugePageBytes: Bytes of chunks set up for huge pages.
  public init(bytesReserved: Int, bytesInUse: Int, chunkCount: Int, hugePageBytes: Int) {
    self.bytesReserved = bytesReserved
    self.bytesInUse = bytesInUse
    self.chunkCount = chunkCount
    self.hugePageBytes = hugePageBytes
  }
}

extension ArenaStatistics {
  init(chunks: [_Mapping], bytesInUse: Int) {
    var reserved = 0
    var huge = 0
    for chunk in chunks {
      reserved += chunk.byteCount
      if chunk.kind.isHuge { huge += chunk.byteCount }
    }
    self.init(
      bytesReserved: reserved, bytesInUse: bytesInUse, chunkCount: chunks.count,
      hugePageBytes: huge)
  }
}

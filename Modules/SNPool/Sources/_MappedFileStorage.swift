#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A whole file mapped read-only into memory; unmapped when the last
/// reference goes. The only holder of the mapping's raw pointer.
///
/// Read-only and never written after `init`, so any thread may read it.
@usableFromInline
final class _MappedFileStorage: @unchecked Sendable {
  @usableFromInline let base: UnsafeRawPointer
  @usableFromInline let byteCount: Int

  init(path: String) throws(SourceError) {
    let descriptor = open(path, O_RDONLY)
    guard descriptor >= 0 else {
      let code = errno
      if code == ENOENT { throw .fileNotFound.with(detail: "path \"\(path)\"") }
      throw .unreadableFile.with(
        detail: "path \"\(path)\": \(String(cString: strerror(code)))")
    }
    defer { close(descriptor) }
    var info = stat()
    guard fstat(descriptor, &info) == 0 else {
      throw .unreadableFile.with(
        detail: "path \"\(path)\": \(String(cString: strerror(errno)))")
    }
    guard (info.st_mode & S_IFMT) == S_IFREG else {
      throw .unreadableFile.with(detail: "path \"\(path)\": not a regular file")
    }
    let size = Int(info.st_size)
    guard size > 0 else { throw .emptyFile.with(detail: "path \"\(path)\"") }
    guard let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, descriptor, 0),
      mapped != MAP_FAILED
    else {
      throw .unreadableFile.with(
        detail: "path \"\(path)\": mmap: \(String(cString: strerror(errno)))")
    }
    // Records are read front to back, once.
    _ = madvise(mapped, size, MADV_SEQUENTIAL)
    base = UnsafeRawPointer(mapped)
    byteCount = size
  }

  deinit {
    munmap(UnsafeMutableRawPointer(mutating: base), byteCount)
  }

  /// The first position `p >= from`, `p < end`, where `delimiter` starts,
  /// or `end` if there is none (a match may run past `end`, up to the
  /// file's end).
  @usableFromInline
  func find(_ delimiter: [UInt8], from: Int, before end: Int) -> Int {
    let first = delimiter[0]
    var position = from
    while position < end {
      guard let hit = memchr(base + position, Int32(first), end - position) else { return end }
      let found = UnsafeRawPointer(hit) - base
      if delimiter.count == 1 { return found }
      if found + delimiter.count <= byteCount,
        delimiter.withUnsafeBytes({ memcmp(base + found, $0.baseAddress!, $0.count) == 0 })
      {
        return found
      }
      position = found + 1
    }
    return end
  }

  /// The bytes `range`, valid while this storage lives.
  @usableFromInline
  func bytes(_ range: Range<Int>) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: base + range.lowerBound, count: range.count)
  }
}

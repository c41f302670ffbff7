#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// One parsed access-log line: where its path is, and what it adds to the
/// path's figures. Plain values: no `String`, nothing to retain.
public struct AccessLogLine: Sendable, Hashable {
  /// The path's first byte, as an offset into the line.
  public var pathStart: Int
  /// The path's length in bytes.
  public var pathLength: Int
  /// The HTTP status.
  public var status: Int
  /// Response bytes (`-` counts as 0).
  public var bytes: UInt64
  /// Request time in microseconds.
  public var latencyMicros: UInt32
}

/// The access-log format of `sn logs`: nginx "combined" plus a trailing
/// request time in seconds (`$request_time`, millisecond resolution):
///
/// ```
/// 10.0.3.7 - - [06/Dec/2026:21:00:07 +0000] "GET /api/items/42 HTTP/1.1" 200 5120 "-" "curl/8.5" 0.123
/// ```
public enum AccessLog {
  /// Parses one line (without its newline) by scanning bytes.
  ///
  /// - Parameter line: The line's bytes.
  /// - Returns: The line's fields, or `nil` if it is not in the format
  ///   (a malformed line: the caller counts it).
  /// - Complexity: O(line length).
  public static func parse(_ line: UnsafeRawBufferPointer) -> AccessLogLine? {
    let count = line.count
    var index = 0
    // The request: `"METHOD PATH PROTOCOL"`.
    while index < count && line[index] != 0x22 { index += 1 }
    index += 1
    while index < count && line[index] != 0x20 && line[index] != 0x22 { index += 1 }
    guard index < count, line[index] == 0x20 else { return nil }
    index += 1
    let pathStart = index
    while index < count && line[index] != 0x20 && line[index] != 0x22 { index += 1 }
    let pathLength = index - pathStart
    guard pathLength > 0, index < count else { return nil }
    while index < count && line[index] != 0x22 { index += 1 }
    index += 1
    // ` STATUS BYTES `
    guard index < count, line[index] == 0x20 else { return nil }
    index += 1
    var status = 0
    let statusStart = index
    while index < count, line[index] &- 0x30 < 10 {
      status = status * 10 + Int(line[index] &- 0x30)
      index += 1
    }
    guard index - statusStart == 3, index < count, line[index] == 0x20 else { return nil }
    index += 1
    var bytes: UInt64 = 0
    if index < count && line[index] == 0x2D {
      index += 1
    } else {
      let bytesStart = index
      while index < count, line[index] &- 0x30 < 10 {
        let (product, overflow) = bytes.multipliedReportingOverflow(by: 10)
        guard !overflow else { return nil }
        bytes = product &+ UInt64(line[index] &- 0x30)
        index += 1
      }
      guard index > bytesStart else { return nil }
    }
    guard index < count, line[index] == 0x20 else { return nil }
    // The request time: the last field, `SECONDS[.FRACTION]`.
    var end = count
    while end > index && line[end - 1] == 0x0D { end -= 1 }
    var last = end
    while last > index && line[last - 1] != 0x20 { last -= 1 }
    guard last < end, let micros = parseSeconds(line, from: last, to: end) else { return nil }
    return AccessLogLine(
      pathStart: pathStart, pathLength: pathLength, status: status, bytes: bytes,
      latencyMicros: micros)
  }

  /// Parses `digits[.digits]` seconds (at most 6 fractional digits, below
  /// about 4295 s) into microseconds.
  static func parseSeconds(_ line: UnsafeRawBufferPointer, from: Int, to end: Int) -> UInt32? {
    var index = from
    var whole: UInt64 = 0
    while index < end, line[index] &- 0x30 < 10, whole < 10_000 {
      whole = whole * 10 + UInt64(line[index] &- 0x30)
      index += 1
    }
    guard index > from else { return nil }
    var fraction: UInt64 = 0
    var scale: UInt64 = 1_000_000
    if index < end && line[index] == 0x2E {
      index += 1
      let fractionStart = index
      while index < end, line[index] &- 0x30 < 10, scale > 1 {
        scale /= 10
        fraction += UInt64(line[index] &- 0x30) * scale
        index += 1
      }
      guard index > fractionStart else { return nil }
    }
    guard index == end else { return nil }
    let micros = whole * 1_000_000 + fraction
    guard micros <= UInt64(UInt32.max) else { return nil }
    return UInt32(micros)
  }

  /// Writes a deterministic access log: `lines` lines over `paths` paths with
  /// a skewed (roughly Zipf-like) popularity, statuses, sizes and request
  /// times in milliseconds.
  ///
  /// - Parameters:
  ///   - path: The file to create or replace.
  ///   - lines: Lines to write, at least 0.
  ///   - paths: Distinct paths, at least 1.
  ///   - seed: The seed; the same arguments give the same file.
  /// - Returns: The bytes written.
  /// - Throws: ``SNToolError/invalidArgument`` for bad counts,
  ///   ``SNToolError/unreadableFile`` if the file cannot be written.
  @discardableResult
  public static func generate(
    to path: String, lines: Int, paths: Int, seed: UInt64 = 42
  ) throws(SNToolError) -> Int {
    guard lines >= 0 else { throw .invalidArgument.with(detail: "--lines must be >= 0") }
    guard paths >= 1 else { throw .invalidArgument.with(detail: "--paths must be >= 1") }
    guard let file = fopen(path, "wb") else {
      throw .unreadableFile.with(detail: "\(path): cannot create (errno \(errno))")
    }
    defer { fclose(file) }
    let agents = [
      "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
      "curl/8.5.0", "Go-http-client/1.1",
    ].map { Array($0.utf8) }
    let methods = ["GET", "GET", "GET", "POST", "PUT", "GET", "DELETE", "GET"].map {
      Array($0.utf8)
    }
    var state = seed
    var buffer: [UInt8] = []
    buffer.reserveCapacity(1 << 20)
    var written = 0
    func flush() throws(SNToolError) {
      let wrote = buffer.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
      guard wrote == buffer.count else {
        throw .unreadableFile.with(detail: "\(path): write failed (errno \(errno))")
      }
      written += wrote
      buffer.removeAll(keepingCapacity: true)
    }
    func append(_ number: UInt64, width: Int = 0) {
      var digits:
        (
          UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
          UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8
        ) =
          (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
      var count = 0
      var value = number
      withUnsafeMutableBytes(of: &digits) { digits in
        repeat {
          digits[count] = UInt8(value % 10) + 0x30
          value /= 10
          count += 1
        } while value > 0 || count < width
        for index in stride(from: count - 1, through: 0, by: -1) { buffer.append(digits[index]) }
      }
    }
    for _ in 0..<lines {
      let a = splitMix(&state)
      let b = splitMix(&state)
      // Skew: u^3 puts most requests on the first paths.
      let unit = Double(a >> 11) / Double(1 << 53)
      let pathIndex = min(paths - 1, Int(unit * unit * unit * Double(paths)))
      let second = b % 86_400
      buffer.append(contentsOf: "10.0.".utf8)
      append(b >> 20 & 0xFF)
      buffer.append(0x2E)
      append(b >> 28 & 0xFF)
      buffer.append(contentsOf: " - - [06/Dec/2026:".utf8)
      append(second / 3600, width: 2)
      buffer.append(0x3A)
      append(second / 60 % 60, width: 2)
      buffer.append(0x3A)
      append(second % 60, width: 2)
      buffer.append(contentsOf: " +0000] \"".utf8)
      buffer.append(contentsOf: methods[Int(b >> 36 & 7)])
      buffer.append(contentsOf: " /api/v1/".utf8)
      buffer.append(contentsOf: ["items/", "users/", "orders/", "static/img/"][pathIndex & 3].utf8)
      append(UInt64(pathIndex))
      buffer.append(contentsOf: " HTTP/1.1\" ".utf8)
      let roll = b >> 40 & 1023
      append(roll < 3 ? 500 : roll < 20 ? 404 : roll < 60 ? 304 : 200)
      buffer.append(0x20)
      append(roll < 60 ? 0 : 200 + (b >> 48 & 0xFFFF))
      buffer.append(contentsOf: " \"-\" \"".utf8)
      buffer.append(contentsOf: agents[Int(b >> 12 & 0xFF) % agents.count])
      buffer.append(contentsOf: "\" ".utf8)
      // Request time: mostly a few ms, a long tail to seconds.
      let c = splitMix(&state)
      let millis = (c & 63) + (c >> 6 & 0x3FF == 0 ? c >> 16 & 0xFFF : c >> 16 & 0x3F)
      append(millis / 1000)
      buffer.append(0x2E)
      append(millis % 1000, width: 3)
      buffer.append(0x0A)
      if buffer.count >= 1 << 20 - 512 { try flush() }
    }
    try flush()
    return written
  }

  /// SplitMix64: the generator's random stream.
  static func splitMix(_ state: inout UInt64) -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

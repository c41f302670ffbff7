#if Cluster
  import Foundation
  import SNCluster
  import Testing

  // The codec of ClusterCodec's documentation, verbatim.
  struct Reading: Sendable { var sensor: UInt32; var value: Double }

  struct ReadingCodec: ClusterCodec {
    func encode(_ message: Reading, into buffer: inout [UInt8]) {
      withUnsafeBytes(of: message.sensor.littleEndian) { buffer += $0 }
      withUnsafeBytes(of: message.value.bitPattern.littleEndian) { buffer += $0 }
    }
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Reading {
      guard bytes.count == 12 else { throw CocoaError(.coderInvalidValue) }
      return Reading(
        sensor: UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)),
        value: Double(
          bitPattern: UInt64(
            littleEndian:
              bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self))))
    }
  }

  @Suite struct DocExampleTests {
    @Test func theDocumentedCodecRoundTrips() throws {
      var buffer: [UInt8] = []
      ReadingCodec().encode(Reading(sensor: 7, value: 2.5), into: &buffer)
      #expect(buffer.count == 12)
      let reading = try buffer.withUnsafeBytes { try ReadingCodec().decode($0) }
      #expect(reading.sensor == 7 && reading.value == 2.5)
      #expect(throws: CocoaError.self) {
        try [UInt8](repeating: 0, count: 5).withUnsafeBytes { try ReadingCodec().decode($0) }
      }
    }
  }
#endif

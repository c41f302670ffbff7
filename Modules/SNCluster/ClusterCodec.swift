#if Cluster
  import Foundation

  /// Turns a message into bytes and back, for the trip between nodes.
  ///
  /// Supply one for your message type (a fixed binary layout is fastest), or use
  /// ``CodableCodec`` for any `Codable` type. Both methods may throw: an encoding
  /// error comes back from the sender's `send` with the message
  /// (``ClusterError/encodingFailed``), a decoding error on the receiving node
  /// hands the message back to its sender (``ClusterError/decodingFailed``).
  ///
  /// <!-- snippet: skip SNCluster builds gRPC; the same codec is compiled and round-tripped in SNClusterTests (DocExampleTests) -->
  /// ```swift
  /// struct Reading: Sendable { var sensor: UInt32; var value: Double }
  ///
  /// struct ReadingCodec: ClusterCodec {
  ///   func encode(_ message: Reading, into buffer: inout [UInt8]) {
  ///     withUnsafeBytes(of: message.sensor.littleEndian) { buffer += $0 }
  ///     withUnsafeBytes(of: message.value.bitPattern.littleEndian) { buffer += $0 }
  ///   }
  ///   func decode(_ bytes: UnsafeRawBufferPointer) throws -> Reading {
  ///     guard bytes.count == 12 else { throw CocoaError(.coderInvalidValue) }
  ///     return Reading(
  ///       sensor: UInt32(littleEndian: bytes.loadUnaligned(as: UInt32.self)),
  ///       value: Double(bitPattern: UInt64(littleEndian:
  ///         bytes.loadUnaligned(fromByteOffset: 4, as: UInt64.self))))
  ///   }
  /// }
  /// ```
  public protocol ClusterCodec<Message>: Sendable {
    /// The message type.
    associatedtype Message: Sendable

    /// Appends the bytes of `message` to `buffer` (which may already hold other
    /// messages: append only).
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - buffer: The batch being built.
    /// - Throws: Anything; the message comes back to the caller of `send`.
    func encode(_ message: Message, into buffer: inout [UInt8]) throws

    /// Rebuilds a message from exactly the bytes ``encode(_:into:)`` appended.
    ///
    /// - Parameter bytes: One message's bytes (valid only during the call).
    /// - Returns: The message.
    /// - Throws: Anything; the message is handed back to its sender.
    func decode(_ bytes: UnsafeRawBufferPointer) throws -> Message
  }

  /// A ready codec for `Codable` messages, in JSON (Foundation's coders).
  ///
  /// Convenient and self-describing, but an order of magnitude slower than a
  /// hand-written binary codec for small messages; measure before using it on a
  /// hot path.
  public struct CodableCodec<Message: Codable & Sendable>: ClusterCodec {
    /// Creates the codec.
    public init() {}

    /// Appends the JSON of `message`.
    ///
    /// - Parameters:
    ///   - message: The message.
    ///   - buffer: The batch being built.
    /// - Throws: `EncodingError`.
    public func encode(_ message: Message, into buffer: inout [UInt8]) throws {
      buffer += try JSONEncoder().encode(message)
    }

    /// Decodes JSON bytes.
    ///
    /// - Parameter bytes: One message's JSON.
    /// - Returns: The message.
    /// - Throws: `DecodingError`.
    public func decode(_ bytes: UnsafeRawBufferPointer) throws -> Message {
      try JSONDecoder().decode(Message.self, from: Data(bytes))
    }
  }
#endif

#if Cluster
  import GRPCCore

  /// The one gRPC method of a link: a bidirectional stream of batches up, acks down.
  @usableFromInline
  enum _Wire {
    static let linkMethod = MethodDescriptor(
      fullyQualifiedService: "sn.cluster.Node", method: "Link", type: .bidirectionalStreaming)
    static let pingMethod = MethodDescriptor(
      fullyQualifiedService: "sn.cluster.Node", method: "Ping", type: .unary)
    /// Request metadata: the sender's incarnation (random per sender, names the
    /// sequence space) and its routing fingerprint.
    static let incarnationKey = "sn-incarnation"
    static let fingerprintKey = "sn-fingerprint"

    // A batch frame:  u64 firstSeq, u32 count, then per message
    //                 u32 worker, u32 length, length bytes.
    // An ack frame:   u64 ackedThrough (every seq <= it is settled), u32 rejectedCount,
    //                 then per rejection u64 seq, u8 reason, u32 length, UTF-8 detail.
    // All little-endian. The header layout lets the sender build a batch in place.
    @inlinable static var batchHeaderBytes: Int { 12 }
    @inlinable static var entryHeaderBytes: Int { 8 }

    enum Reason: UInt8 {
      case decodingFailed = 1
      case workerRejected = 2

      var error: ClusterError {
        switch self {
        case .decodingFailed: .decodingFailed
        case .workerRejected: .workerRejected
        }
      }
    }

    struct Rejection: Sendable {
      var seq: UInt64
      var reason: Reason
      var detail: String
    }

    struct Ack: Sendable {
      var ackedThrough: UInt64
      var rejections: [Rejection]
    }

    @inlinable
    static func append<T: FixedWidthInteger>(_ value: T, to buffer: inout [UInt8]) {
      withUnsafeBytes(of: value.littleEndian) { buffer += $0 }
    }

    @inlinable
    static func store<T: FixedWidthInteger>(_ value: T, at offset: Int, in buffer: inout [UInt8]) {
      buffer.withUnsafeMutableBytes {
        $0.storeBytes(of: value.littleEndian, toByteOffset: offset, as: T.self)
      }
    }

    /// `load` over an array, bounds checked before touching the bytes.
    static func read<T: FixedWidthInteger>(
      _: T.Type, at offset: Int, in frame: [UInt8]
    ) throws(ClusterError) -> T {
      guard offset >= 0, offset + MemoryLayout<T>.size <= frame.count else {
        throw .decodingFailed.with(detail: "truncated frame")
      }
      return frame.withUnsafeBytes {
        T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self))
      }
    }

    static func encode(_ ack: Ack) -> [UInt8] {
      var buffer: [UInt8] = []
      buffer.reserveCapacity(12)
      append(ack.ackedThrough, to: &buffer)
      append(UInt32(ack.rejections.count), to: &buffer)
      for rejection in ack.rejections {
        append(rejection.seq, to: &buffer)
        append(rejection.reason.rawValue, to: &buffer)
        let detail = Array(rejection.detail.utf8.prefix(4096))
        append(UInt32(detail.count), to: &buffer)
        buffer += detail
      }
      return buffer
    }

    static func decodeAck(_ bytes: [UInt8]) throws(ClusterError) -> Ack {
      let through = try read(UInt64.self, at: 0, in: bytes)
      let count = try read(UInt32.self, at: 8, in: bytes)
      var offset = 12
      var rejections: [Rejection] = []
      for _ in 0..<count {
        let seq = try read(UInt64.self, at: offset, in: bytes)
        let raw = try read(UInt8.self, at: offset + 8, in: bytes)
        let length = Int(try read(UInt32.self, at: offset + 9, in: bytes))
        offset += 13
        guard offset + length <= bytes.count, let reason = Reason(rawValue: raw) else {
          throw .decodingFailed.with(detail: "bad ack frame")
        }
        let detail = String(decoding: bytes[offset..<offset + length], as: UTF8.self)
        offset += length
        rejections.append(Rejection(seq: seq, reason: reason, detail: detail))
      }
      return Ack(ackedThrough: through, rejections: rejections)
    }
  }

  /// Frames travel as plain byte arrays; the layout above is applied by the link
  /// and the receiver, so gRPC copies each frame once in and once out.
  struct _FrameSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes {
      Bytes(message)
    }
  }

  struct _FrameDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8]
    {
      serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
  }
#endif

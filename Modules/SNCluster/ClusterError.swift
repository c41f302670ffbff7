#if Cluster
  /// Why a cluster could not be configured, or why a message was not delivered.
  ///
  /// A struct over a private code so that cases can be added without breaking
  /// `switch` statements; compare with the static members
  /// (`error == .unknownNode`). Equality looks only at the kind of failure;
  /// ``detail`` names the offending value.
  public struct ClusterError: Error, Hashable, CustomStringConvertible {
    private enum Code: Hashable {
      case emptyMembership
      case duplicateNode
      case unknownNode
      case badAddress
      case invalidWorkerCount
      case badNodeList
      case messageTooLarge
      case encodingFailed
      case decodingFailed
      case nodeUnavailable
      case membershipMismatch
      case workerRejected
      case shutDown
      case bindFailed
    }

    private let code: Code

    /// Extra detail for the description (the offending value or the cause), if any.
    public let detail: String?

    private init(_ code: Code, detail: String? = nil) {
      self.code = code
      self.detail = detail
    }

    /// Returns the same kind of error with `detail` attached.
    ///
    /// - Parameter detail: What to show after the error's kind.
    /// - Returns: An error equal to `self` (equality ignores detail).
    public func with(detail: String) -> ClusterError { ClusterError(code, detail: detail) }

    /// A membership with no nodes.
    public static let emptyMembership = ClusterError(.emptyMembership)
    /// Two nodes share an id, or a node being added is already a member.
    public static let duplicateNode = ClusterError(.duplicateNode)
    /// A node id that is not a member of the membership.
    public static let unknownNode = ClusterError(.unknownNode)
    /// An address that is not `host:port` with a port in `0...65535`.
    public static let badAddress = ClusterError(.badAddress)
    /// A node declared with fewer than one worker.
    public static let invalidWorkerCount = ClusterError(.invalidWorkerCount)
    /// A node list (file or environment) line that does not parse.
    public static let badNodeList = ClusterError(.badNodeList)
    /// An encoded message larger than ``ClusterConfiguration/maximumMessageBytes``.
    public static let messageTooLarge = ClusterError(.messageTooLarge)
    /// The codec threw while encoding (on the sender).
    public static let encodingFailed = ClusterError(.encodingFailed)
    /// The codec threw while decoding (on the receiving node); the message was not delivered.
    public static let decodingFailed = ClusterError(.decodingFailed)
    /// The node could not be reached within the reconnect limit, or its stream broke
    /// and did not come back: the message was not acknowledged.
    public static let nodeUnavailable = ClusterError(.nodeUnavailable)
    /// The receiving node routes with a different membership (ids or worker counts).
    public static let membershipMismatch = ClusterError(.membershipMismatch)
    /// The receiving node's pool refused the message (worker index out of range or
    /// pool shut down).
    public static let workerRejected = ClusterError(.workerRejected)
    /// The sender was closed before the message was acknowledged.
    public static let shutDown = ClusterError(.shutDown)
    /// The node could not listen on its address.
    public static let bindFailed = ClusterError(.bindFailed)

    /// Whether two errors are the same kind of failure (detail is ignored).
    ///
    /// - Parameters:
    ///   - lhs: An error.
    ///   - rhs: Another error.
    /// - Returns: `true` for the same kind.
    public static func == (lhs: ClusterError, rhs: ClusterError) -> Bool { lhs.code == rhs.code }

    /// Hashes the kind of failure.
    ///
    /// - Parameter hasher: The hasher.
    public func hash(into hasher: inout Hasher) { hasher.combine(code) }

    /// The kind of failure, then the detail if any.
    public var description: String {
      let kind = "\(code)"
      guard let detail else { return kind }
      return "\(kind): \(detail)"
    }
  }

  /// A message that was not delivered, handed back to its sender with the reason.
  public struct UndeliveredMessage<Message: Sendable>: Sendable {
    /// The message, as the sender passed it.
    public var message: Message
    /// The node it was routed to.
    public let node: Int
    /// Why it came back.
    public let reason: ClusterError

    @inlinable
    init(message: Message, node: Int, reason: ClusterError) {
      self.message = message
      self.node = node
      self.reason = reason
    }
  }

  /// Messages handed back to their sender: nothing sent is lost silently.
  ///
  /// A message in ``undelivered`` was not acknowledged by the owning worker's
  /// node; see <doc:DeliveryGuarantees> for what that does and does not imply.
  public struct ClusterSendError<Message: Sendable>: Error {
    /// The first reason (every message also carries its own).
    public let reason: ClusterError
    /// The messages, in the order they were sent per node.
    public var undelivered: [UndeliveredMessage<Message>]

    /// Creates an error.
    ///
    /// - Parameters:
    ///   - reason: The first reason.
    ///   - undelivered: The messages handed back.
    public init(reason: ClusterError, undelivered: [UndeliveredMessage<Message>]) {
      self.reason = reason
      self.undelivered = undelivered
    }
  }
#endif

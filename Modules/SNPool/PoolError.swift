/// Why the pool did not accept, deliver or answer a message, or refused a
/// start: the failures of a pool in use. A configuration the pool cannot be
/// built from is a ``PoolConfigurationError``.
///
/// A struct over a private code so that cases can be added without breaking
/// `switch` statements; compare with the static members
/// (`error == .queueFull`). Equality looks only at the kind of failure.
public struct PoolError: Error, Hashable, CustomStringConvertible {
  private enum Code: Hashable {
    case allocationFailed
    case queueFull
    case timedOut
    case shutDown
    case cancelled
    case noReply
    case alreadyStarted
  }

  private let code: Code

  /// Extra detail for the description (the offending value), if any.
  public let detail: String?

  private init(_ code: Code, detail: String? = nil) {
    self.code = code
    self.detail = detail
  }

  /// The system could not provide the memory for a submitter's lanes
  /// (``WorkerPool/makeSubmitter()``); a pool whose own queues do not fit
  /// fails to build with ``PoolConfigurationError/allocationFailed``.
  public static let allocationFailed = PoolError(.allocationFailed)
  /// The worker's queue was full (fail-fast backpressure).
  public static let queueFull = PoolError(.queueFull)
  /// The worker's queue stayed full until the timeout passed, or (for an
  /// ask) no reply came before it.
  public static let timedOut = PoolError(.timedOut)
  /// The pool is shutting down or has stopped: it accepts no more messages.
  public static let shutDown = PoolError(.shutDown)
  /// The submitting task was cancelled while it waited for room.
  public static let cancelled = PoolError(.cancelled)
  /// The worker dropped an ``Ask`` without replying (its handler threw, or
  /// let go of it): see ``AskableWorker``.
  public static let noReply = PoolError(.noReply)
  /// ``WorkerPool/start()`` was called on a pool that was already started.
  public static let alreadyStarted = PoolError(.alreadyStarted)

  /// The same kind of failure with a detail attached.
  ///
  /// - Parameter detail: The offending value, for the description.
  /// - Returns: A copy carrying `detail`.
  func with(detail: String) -> PoolError { PoolError(code, detail: detail) }

  /// Whether two errors are the same kind of failure.
  public static func == (lhs: PoolError, rhs: PoolError) -> Bool { lhs.code == rhs.code }

  /// Hashes the kind of failure.
  public func hash(into hasher: inout Hasher) { hasher.combine(code) }

  /// A short description of the failure.
  public var description: String {
    let text: String
    switch code {
    case .allocationFailed: text = "could not allocate a submitter's lanes"
    case .queueFull: text = "the worker's queue is full"
    case .timedOut: text = "the timeout passed (the queue stayed full, or no reply came)"
    case .shutDown: text = "the pool is shutting down"
    case .cancelled: text = "the submitting task was cancelled"
    case .noReply: text = "the worker dropped the ask without replying"
    case .alreadyStarted: text = "the pool was already started"
    }
    guard let detail else { return "PoolError: \(text)" }
    return "PoolError: \(text) (\(detail))"
  }
}

/// A submission that failed, with the message it could not deliver.
///
/// Nothing is dropped: take ``message`` back to retry, divert or count it.
///
/// <!-- snippet: setup
/// struct Book: Worker {
///   func makeState(workerIndex: Int) -> Int { 0 }
///   func handleMessage(_ envelope: Envelope<Order>, state: inout Int, context: inout WorkerContext<Self>) {
///     state += envelope.message.amount
///   }
/// }
/// let pool = try WorkerPool(worker: Book(), configuration: PoolConfiguration())
/// let order = Order()
/// var overflow: [Order] = []
/// -->
/// ```swift
/// do {
///   try pool.send(order, key: order.account)
/// } catch {
///   if error.reason == .queueFull { overflow.append(error.message) }
/// }
/// ```
public struct SubmitError<Message: Sendable>: Error {
  /// Why the message was not accepted: ``PoolError/queueFull``,
  /// ``PoolError/timedOut``, ``PoolError/shutDown`` or ``PoolError/cancelled``.
  public let reason: PoolError
  /// The worker the message was routed to.
  public let workerIndex: Int
  /// The message, handed back to the caller.
  public var message: Message

  /// Creates a submit error.
  ///
  /// - Parameters:
  ///   - reason: Why the message was not accepted.
  ///   - workerIndex: The worker it was routed to.
  ///   - message: The undelivered message.
  public init(reason: PoolError, workerIndex: Int, message: Message) {
    self.reason = reason
    self.workerIndex = workerIndex
    self.message = message
  }
}

/// A batch submission that could not deliver every message.
///
/// The messages in ``rejected`` were not accepted and are the caller's again;
/// every other message of the batch was accepted.
public struct BatchSubmitError<Message: Sendable>: Error {
  /// Why the first rejection happened.
  public let reason: PoolError
  /// The messages that were not accepted, in submission order per worker.
  public var rejected: [Message]

  /// Creates a batch submit error.
  ///
  /// - Parameters:
  ///   - reason: Why messages were rejected.
  ///   - rejected: The rejected messages.
  public init(reason: PoolError, rejected: [Message]) {
    self.reason = reason
    self.rejected = rejected
  }
}

import SNAtomics

/// A worker that answers requests sent with `WorkerPool.ask(_:key:timeout:)`.
///
/// Design: an ask travels through the worker's ordinary queue, as one of its
/// ``Worker/Message``s, so `AskableWorker` only refines ``Worker`` and no
/// existing worker changes. ``message(asking:)`` wraps an ``Ask`` (the request
/// plus its reply promise) into a message; the handler reads
/// ``Ask/request`` and fulfils the promise with ``Ask/reply(_:)``, at once or
/// later (keeping the ask in its state and replying from a tick, for
/// instance). Asks and plain messages to one worker keep their order.
///
/// A worker whose messages are all asks needs no `message(asking:)`: when
/// `Message` is `Ask<Request, Reply>` the ask is the message.
///
/// ```swift
/// struct Balances: AskableWorker {
///   enum Message: Sendable {
///     case deposit(account: String, amount: Int)
///     case balance(Ask<String, Int>)
///   }
///   static func message(asking ask: Ask<String, Int>) -> Message { .balance(ask) }
///
///   func makeState(workerIndex: Int) -> [String: Int] { [:] }
///   func handleMessage(
///     _ envelope: Envelope<Message>, state: inout [String: Int],
///     context: inout WorkerContext<Self>
///   ) {
///     switch envelope.message {
///     case .deposit(let account, let amount): state[account, default: 0] += amount
///     case .balance(let ask): ask.reply(state[ask.request, default: 0])
///     }
///   }
/// }
///
/// let pool = try WorkerPool(
///   worker: Balances(), configuration: PoolConfiguration().withWorkerCount(2))
/// try pool.start()
/// try await pool.send(.deposit(account: "alice", amount: 40), key: "alice")
/// let balance = try await pool.ask("alice", key: "alice", timeout: .seconds(1))  // 40
/// _ = pool.shutdown()
/// ```
///
/// A reply that is never sent does not hang the asker: when the handler
/// throws or drops the ask without replying, the last reference to the
/// ``Ask`` goes away and the asker fails at once with
/// ``PoolError/noReply``. An ask that stays referenced without a reply (kept
/// in a state, or handed back in ``PoolTermination/unprocessed`` by
/// ``WorkerPool/stop()``) fails with ``PoolError/timedOut`` at the asker's
/// timeout.
public protocol AskableWorker: Worker {
  /// What an asker sends.
  associatedtype Request: Sendable
  /// What the worker answers.
  associatedtype Reply: Sendable

  /// Wraps an ask into a message for this worker's queue.
  ///
  /// - Parameter ask: The request and its reply promise.
  /// - Returns: The message that carries `ask`.
  static func message(asking ask: Ask<Request, Reply>) -> Message
}

extension AskableWorker where Message == Ask<Request, Reply> {
  /// The ask itself: this worker's messages are all asks.
  ///
  /// - Parameter ask: The request and its reply promise.
  /// - Returns: `ask`.
  public static func message(asking ask: Ask<Request, Reply>) -> Message { ask }
}

/// A request sent with `WorkerPool.ask(_:key:timeout:)` and the promise
/// of its reply, fulfilled by the worker with ``reply(_:)``.
///
/// Only the first reply counts. Dropping the last reference to an ask that
/// was never answered fails its asker with ``PoolError/noReply``, so an ask
/// cannot be lost silently.
public final class Ask<Request: Sendable, Reply: Sendable>: Sendable {
  /// The request.
  public let request: Request
  let promise: _ReplyPromise<Reply>

  init(_ request: Request, promise: _ReplyPromise<Reply>) {
    self.request = request
    self.promise = promise
  }

  deinit {
    promise.complete(.noReply)
  }

  /// Sends the reply to the asker.
  ///
  /// - Parameter reply: The answer.
  /// - Returns: `true` if the asker gets it; `false` if it was answered
  ///   already or the asker gave up (timed out or was cancelled).
  @discardableResult
  public func reply(_ reply: Reply) -> Bool {
    promise.complete(.replied(reply))
  }

  /// Whether the asker gave up (its timeout passed or its task was
  /// cancelled) before a reply: a reply would be dropped, and a handler may
  /// skip the work.
  public var isAbandoned: Bool { promise.isAbandoned }
}

/// Why an ask failed, with its request handed back.
///
/// Nothing is lost: ``request`` is the caller's again. ``wasDelivered``
/// tells whether the worker's queue accepted it: if `false` the worker never
/// sees it; if `true` the worker may have handled it or still will (it sees
/// ``Ask/isAbandoned``).
public struct AskError<Request: Sendable>: Error {
  /// Why: ``PoolError/queueFull``, ``PoolError/shutDown`` (the pool stopped
  /// taking messages), ``PoolError/timedOut`` (no room, or no reply, before
  /// the timeout), ``PoolError/cancelled`` (the asking task was cancelled)
  /// or ``PoolError/noReply`` (the worker dropped the ask unanswered).
  public let reason: PoolError
  /// The worker the request was routed to.
  public let workerIndex: Int
  /// The request, handed back.
  public var request: Request
  /// Whether the worker's queue accepted the request.
  public let wasDelivered: Bool

  /// Creates an ask error.
  ///
  /// - Parameters:
  ///   - reason: Why the ask failed.
  ///   - workerIndex: The worker it was routed to.
  ///   - request: The request.
  ///   - wasDelivered: Whether the worker's queue accepted it.
  public init(reason: PoolError, workerIndex: Int, request: Request, wasDelivered: Bool) {
    self.reason = reason
    self.workerIndex = workerIndex
    self.request = request
    self.wasDelivered = wasDelivered
  }
}

/// The one place an ask's outcome is decided: the first of reply, drop
/// (``Ask``'s deinit), timeout and cancellation wins, under a lock, and
/// wakes the waiting asker (a task's continuation or a thread's parker).
/// Cold path: one lock per event, a handful per ask.
final class _ReplyPromise<Reply: Sendable>: Sendable {
  enum Outcome {
    case pending
    case replied(Reply)
    case noReply
    case gaveUp(PoolError)
  }

  enum Waiter {
    case none
    case task(CheckedContinuation<Void, Never>)
    case thread(Parker)
  }

  struct Fields {
    var outcome = Outcome.pending
    var waiter = Waiter.none
  }

  private let fields = _Lock(Fields())

  init() {}

  /// Settles the outcome if it is still pending and wakes the asker.
  ///
  /// - Returns: Whether this call settled it.
  @discardableResult
  func complete(_ outcome: Outcome) -> Bool {
    let waiter = fields.withLock { fields -> Waiter? in
      guard case .pending = fields.outcome else { return nil }
      fields.outcome = outcome
      defer { fields.waiter = .none }
      return fields.waiter
    }
    guard let waiter else { return false }
    // Woken outside the lock: the asker takes it to read the outcome.
    switch waiter {
    case .none: break
    case .task(let continuation): continuation.resume()
    case .thread(let parker): parker.unpark()
    }
    return true
  }

  /// Registers the asker; `false` if the outcome is settled already (then
  /// nobody will wake it, and it must not wait).
  func install(_ waiter: Waiter) -> Bool {
    fields.withLock { fields in
      guard case .pending = fields.outcome else { return false }
      fields.waiter = waiter
      return true
    }
  }

  var outcome: Outcome { fields.withLock { $0.outcome } }

  var isAbandoned: Bool {
    if case .gaveUp = outcome { return true }
    return false
  }
}

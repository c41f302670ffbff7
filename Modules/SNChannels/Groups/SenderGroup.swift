/// One sender per worker, in one value indexed by worker: the
/// `senders[owner].send(message)` of a partitioned pipeline.
///
/// ```swift
/// var inboxes = SenderGroup<SPSCSender<Int>>()
/// var receivers: [OSThread] = []
/// for _ in 0..<4 {
///   let channel = try SNChannel<Int>.spsc(capacity: 1024)
///   inboxes.append(channel.sender)
///   receivers.append(OSThread.spawn(taking: channel.receiver) { rx in
///     while let key = try? rx.receive() { _ = key }
///   })
/// }
/// for key in 0..<100 { try inboxes.send(key, to: key % inboxes.count) }
/// inboxes.closeAll()
/// for thread in receivers { thread.join() }
/// ```
///
/// Why a group and not an array: endpoints are noncopyable, and `Array`
/// holds only copyable elements. The group owns its senders (in storage it
/// allocates and frees) and is itself noncopyable with `mutating` sends, so
/// a group of ``SPSCSender``s keeps the compile-time single producer: the
/// one owner of the group is the one producer of every channel in it. A
/// group of ``MultiSender``s (clones of MPSC senders) works the same way,
/// one group per producer thread.
public struct SenderGroup<Sender: SendingEndpoint & ~Copyable>: ~Copyable {
  @usableFromInline var _elements: _EndpointArray<Sender>
  /// The number of senders in the group.
  public var count: Int { _elements.count }

  /// An empty group.
  ///
  /// - Parameter capacity: Senders to make room for up front (it grows as needed).
  public init(capacity: Int = 4) {
    _elements = _EndpointArray(capacity: capacity)
  }

  /// Adds a sender; it answers to the index returned.
  ///
  /// - Parameter sender: The sender; the group owns it from now on.
  /// - Returns: Its index (the count before the call).
  /// - Complexity: Amortised O(1).
  @discardableResult
  public mutating func append(_ sender: consuming Sender) -> Int {
    _elements.append(sender)
  }

  /// Sends to the channel of `worker`, blocking while it is full.
  ///
  /// - Parameters:
  ///   - element: The element.
  ///   - worker: The sender's index, `0..<count`.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`.
  @inlinable
  public mutating func send(_ element: consuming Sender.Element, to worker: Int)
    throws(SendError<Sender.Element>)
  {
    precondition(worker >= 0 && worker < count, "worker index out of range")
    try _storage[worker].send(element)
  }

  /// Sends to the channel of `worker` without blocking.
  ///
  /// - Parameters:
  ///   - element: The element.
  ///   - worker: The sender's index, `0..<count`.
  /// - Throws: ``SendError`` with ``SNChannelError/full`` or
  ///   ``SNChannelError/closed``, holding `element`.
  @inlinable
  public mutating func trySend(_ element: consuming Sender.Element, to worker: Int)
    throws(SendError<Sender.Element>)
  {
    precondition(worker >= 0 && worker < count, "worker index out of range")
    try _storage[worker].trySend(element)
  }

  /// Lends the sender of `worker` to `body`, for every other operation
  /// (timeouts, batches, async sends through its own methods).
  ///
  /// - Parameters:
  ///   - worker: The sender's index, `0..<count`.
  ///   - body: The work, given the sender `inout`.
  /// - Returns: What `body` returns.
  /// - Throws: What `body` throws.
  @inlinable
  public mutating func withSender<Result, Failure: Error>(
    _ worker: Int, _ body: (inout Sender) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    precondition(worker >= 0 && worker < count, "worker index out of range")
    return try body(&_storage[worker])
  }

  /// The storage, for the inlinable forwarding methods.
  @usableFromInline var _storage: UnsafeMutablePointer<Sender> { _elements.base }

  /// Hands back the most recently added sender.
  ///
  /// - Returns: The sender at index `count - 1`, or `nil` if the group is empty.
  public mutating func removeLast() -> Sender? {
    _elements.removeLast()
  }

  /// Drops every sender now (each channel closes once its last sender is
  /// gone); the group is empty afterwards.
  public mutating func closeAll() {
    while let sender = removeLast() { sender.close() }
  }
}

extension SenderGroup: @unchecked Sendable where Sender: Sendable & ~Copyable {}

// Moving a noncopyable endpoint into a task: what `OSThread.spawn(taking:_:)`
// does for threads. The task owns the endpoint and drops it when its
// operation returns, which closes the channel (for a sender: once no other
// sender is left), so a consumer's loop ends.
//
// Why not capture it: a noncopyable `let` cannot be captured by an escaping
// closure at all, and a captured `var` lives as long as the scope that
// declared it, so the channel would stay open after the task finished.

extension Task where Failure == Never {
  /// Starts a task that takes over `endpoint` and drops it when `operation`
  /// returns.
  ///
  /// <!-- snippet: setup
  /// let book = OrderBook()
  /// -->
  /// ```swift
  /// let channel = try SNChannel<Order>.spsc(capacity: 1024)
  /// let producer = Task(taking: channel.sender) { tx in
  ///   for amount in 1...100 { try? await tx.send(Order(amount: amount)) }
  /// }  // the task drops the sender here: the channel closes
  /// for try await order in channel.receiver.messages() { book.apply(order) }
  /// await producer.value
  /// ```
  ///
  /// - Parameters:
  ///   - endpoint: The endpoint (or any noncopyable `Sendable` value) the
  ///     task owns from now on.
  ///   - priority: The task's priority, or `nil` for the current one.
  ///   - operation: The work, given the endpoint `inout`.
  @discardableResult
  public init<Endpoint: ~Copyable & Sendable>(
    taking endpoint: consuming Endpoint, priority: TaskPriority? = nil,
    operation: sending @escaping (inout Endpoint) async -> Success
  ) {
    let box = _TakenValue(endpoint)
    self.init(priority: priority) {
      var owned = box.take()
      return await operation(&owned)
    }
  }
}

extension Task where Failure == any Error {
  /// Starts a throwing task that takes over `endpoint` and drops it when
  /// `operation` returns or throws.
  ///
  /// - Parameters:
  ///   - endpoint: The endpoint (or any noncopyable `Sendable` value) the
  ///     task owns from now on.
  ///   - priority: The task's priority, or `nil` for the current one.
  ///   - operation: The work, given the endpoint `inout`.
  @discardableResult
  public init<Endpoint: ~Copyable & Sendable>(
    taking endpoint: consuming Endpoint, priority: TaskPriority? = nil,
    operation: sending @escaping (inout Endpoint) async throws -> Success
  ) {
    let box = _TakenValue(endpoint)
    self.init(priority: priority) {
      var owned = box.take()
      return try await operation(&owned)
    }
  }
}

extension TaskGroup {
  /// Adds a child task that takes over `endpoint` and drops it when
  /// `operation` returns.
  ///
  /// - Parameters:
  ///   - endpoint: The endpoint (or any noncopyable `Sendable` value) the
  ///     child task owns from now on.
  ///   - operation: The work, given the endpoint `inout`.
  public mutating func addTask<Endpoint: ~Copyable & Sendable>(
    taking endpoint: consuming Endpoint,
    operation: sending @escaping (inout Endpoint) async -> ChildTaskResult
  ) {
    let box = _TakenValue(endpoint)
    addTask {
      var owned = box.take()
      return await operation(&owned)
    }
  }
}

extension ThrowingTaskGroup {
  /// Adds a throwing child task that takes over `endpoint` and drops it
  /// when `operation` returns or throws.
  ///
  /// - Parameters:
  ///   - endpoint: The endpoint (or any noncopyable `Sendable` value) the
  ///     child task owns from now on.
  ///   - operation: The work, given the endpoint `inout`.
  public mutating func addTask<Endpoint: ~Copyable & Sendable>(
    taking endpoint: consuming Endpoint,
    operation: sending @escaping (inout Endpoint) async throws -> ChildTaskResult
  ) {
    let box = _TakenValue(endpoint)
    addTask {
      var owned = box.take()
      return try await operation(&owned)
    }
  }
}

/// Carries a noncopyable value into a task's closure, which may only
/// capture copyable values; the task takes it out exactly once.
private final class _TakenValue<Value: ~Copyable & Sendable>: @unchecked Sendable {
  private var value: Value?
  init(_ value: consuming Value) { self.value = consume value }
  func take() -> Value {
    guard let value = value.take() else { preconditionFailure("value taken twice") }
    return value
  }
}

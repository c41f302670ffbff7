/// A value written by one thread and read by another after `join()`, which
/// orders the two; for collecting results from test threads.
public final class JoinedResult<Value>: @unchecked Sendable {
  /// The value; write it only on the worker thread, read it only after join.
  public var value: Value

  /// Creates a result holder with a starting value.
  ///
  /// - Parameter value: The starting value.
  public init(_ value: Value) { self.value = value }
}

// The `with…` setters of the timing settings, which had none while their
// siblings in Configuration.swift do (issue 17, point 3).

extension PoolConfiguration {
  /// A copy with ``latencySampleInterval`` set.
  ///
  /// - Parameter interval: Time one message in every `interval`; 0 turns
  ///   timing off.
  /// - Returns: The modified configuration.
  public func withLatencySampleInterval(_ interval: Int) -> Self {
    var copy = self
    copy.latencySampleInterval = interval
    return copy
  }

  /// A copy with ``recordsQueueDelay`` set.
  ///
  /// - Parameter records: Whether to stamp each envelope with its
  ///   submission time (one clock read per send), so statistics also show
  ///   queueing delay.
  /// - Returns: The modified configuration.
  public func withRecordsQueueDelay(_ records: Bool) -> Self {
    var copy = self
    copy.recordsQueueDelay = records
    return copy
  }
}

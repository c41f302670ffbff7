/// How ``WorkerPool/requestShutdown(_:)`` ends the pool.
public enum ShutdownMode: Sendable, Hashable {
  /// Stop taking messages, let the workers drain what is queued, then stop
  /// them: what ``WorkerPool/shutdown()`` does.
  case graceful
  /// Stop each worker after the message it is handling; messages still
  /// queued are handed back in ``PoolTermination/unprocessed``: what
  /// ``WorkerPool/stop()`` does.
  case immediate
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A value behind a `pthread_mutex_t`, for the pool's cold paths (lifecycle,
/// histograms, result endpoints).
///
/// Not `Synchronization.Mutex`: ThreadSanitizer intercepts pthread mutexes
/// but did not see the ordering of `Mutex` here (it reported an access race
/// between two `withLock` calls), and these paths are not hot.
///
/// `Value: Sendable`: the lock hands its value to whichever thread holds
/// it, so the compiler must know the value may cross threads.
final class _Lock<Value: ~Copyable & Sendable>: @unchecked Sendable {
  private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private var value: Value

  init(_ value: consuming Value) {
    self.value = value
    pthread_mutex_init(mutex, nil)
  }

  deinit {
    pthread_mutex_destroy(mutex)
    mutex.deallocate()
  }

  func withLock<Result: ~Copyable, Failure: Error>(
    _ body: (inout Value) throws(Failure) -> Result
  ) throws(Failure) -> Result {
    pthread_mutex_lock(mutex)
    defer { pthread_mutex_unlock(mutex) }
    return try body(&value)
  }
}

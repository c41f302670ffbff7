#if Cluster
  #if canImport(Glibc)
    import Glibc
  #elseif canImport(Musl)
    import Musl
  #elseif canImport(Darwin)
    import Darwin
  #endif

  /// A value behind a `pthread_mutex_t`: the links' and the receiver's state.
  ///
  /// Not `Synchronization.Mutex`, for the reason SNPool's `_Lock` gives:
  /// ThreadSanitizer intercepts pthread mutexes but does not see the ordering
  /// `Mutex` provides, and reported an access race between two `withLock`
  /// calls on the same link (SNClusterTests under TSan). One lock per link,
  /// taken once per message and once per batch.
  ///
  /// `Value: Sendable`: the lock hands its value to whichever thread holds
  /// it, so the compiler must know the value may cross threads.
  @usableFromInline
  final class _Lock<Value: Sendable>: @unchecked Sendable {
    @usableFromInline let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    /// The value lives behind a pointer, not in a stored `var`: a class's
    /// stored property passed `inout` gets a dynamic exclusivity check (two
    /// runtime calls per `withLock`, on the per-message path), which the
    /// mutex makes redundant: only its holder touches the value.
    @usableFromInline let value: UnsafeMutablePointer<Value>

    init(_ value: Value) {
      self.value = UnsafeMutablePointer<Value>.allocate(capacity: 1)
      self.value.initialize(to: value)
      pthread_mutex_init(mutex, nil)
    }

    deinit {
      value.deinitialize(count: 1)
      value.deallocate()
      pthread_mutex_destroy(mutex)
      mutex.deallocate()
    }

    @inlinable
    func withLock<Result, Failure: Error>(
      _ body: (inout Value) throws(Failure) -> Result
    ) throws(Failure) -> Result {
      pthread_mutex_lock(mutex)
      defer { pthread_mutex_unlock(mutex) }
      return try body(&value.pointee)
    }
  }
#endif

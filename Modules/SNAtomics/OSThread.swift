import CSNShim
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A real operating-system thread, optionally pinned to one CPU.
///
/// Shared-nothing workers and benchmark threads need threads they control:
/// not Swift concurrency tasks, whose cooperative pool must never block.
/// The body is a `sending` closure, so a `var` it captures (such as a channel
/// endpoint) is moved into the thread and can no longer be used by the
/// spawning code: the compiler checks single ownership. The captured `var`
/// still lives until the spawning scope ends; use
/// ``spawn(name:cpu:taking:_:)`` when dropping the value means something.
///
/// ```swift
/// let thread = OSThread.spawn(name: "worker") { print("on its own thread") }
/// thread.join()
/// ```
public final class OSThread: Sendable {
  private let handle: Mutex<HandleBox?>
  private let startInfo: PaddedAtomics<Int>  // [0]: pinned CPU or -1, [1]: pin errno

  private init(handle: HandleBox, startInfo: consuming PaddedAtomics<Int>) {
    self.handle = Mutex(handle)
    self.startInfo = startInfo
  }

  // A handle dropped without `join()` detaches the thread, so the system
  // frees its resources when it ends (a joinable thread never joined keeps
  // its stack and descriptor for good).
  deinit {
    if let box = handle.withLock({ $0.take() }) {
      _ = pthread_detach(box.thread)
    }
  }

  /// Starts a thread running `body`.
  ///
  /// - Parameters:
  ///   - name: A name shown by debuggers and `top -H` (Linux keeps 15 bytes).
  ///   - cpu: The CPU to pin the thread to before `body` runs, or `nil` to
  ///     leave it unpinned. A pin the OS refuses leaves the thread unpinned;
  ///     ``pinnedCPU`` and ``pinError`` tell which happened.
  ///   - body: The work; runs exactly once.
  /// - Returns: The running thread; call ``join()`` to wait for it.
  public static func spawn(
    name: String? = nil, cpu: Int? = nil, _ body: sending @escaping () -> Void
  ) -> OSThread {
    let info = PaddedAtomics<Int>(count: 2, initialValue: -1)
    let ready = Parker(spinCount: 100)
    let context = StartContext(
      body: body, name: name, cpu: cpu, ready: ready, info: UnsafeInfo(base: info.base))
    let thread = OSThread(handle: HandleBox(start(context)), startInfo: info)
    // Wait until the thread has pinned itself, so the pin outcome is known.
    ready.park()
    return thread
  }

  /// Starts a thread that owns `value` and lends it to `body`; the value is
  /// destroyed on that thread as soon as `body` returns.
  ///
  /// Use it for noncopyable resources whose destruction means something,
  /// such as a channel endpoint (dropping a sender closes the channel):
  ///
  /// ```swift
  /// let channel = try SNChannel<Int>.spsc(capacity: 64)
  /// let producer = OSThread.spawn(taking: channel.sender) { tx in
  ///   for i in 0..<100 { try? tx.send(i) }
  /// }  // the sender is dropped when the loop ends: the receiver sees the close
  /// ```
  ///
  /// A noncopyable `var` captured by a closure instead lives as long as the
  /// scope that declared it, so it would outlive the thread.
  ///
  /// `body` receives the value `inout`, which the compiler keeps in memory:
  /// it stores back and reloads the value's fields around opaque calls. For
  /// a hot loop, pass the value to a small function that takes it
  /// `consuming`, loops over a local and returns it (`value = run(value)`):
  /// there its fields stay in registers (see SNChannels' "Choosing a
  /// channel" article).
  ///
  /// - Parameters:
  ///   - name: A name shown by debuggers and `top -H`.
  ///   - cpu: The CPU to pin the thread to, or `nil`.
  ///   - value: The value the thread takes over.
  ///   - body: The work, given the value `inout`.
  /// - Returns: The running thread.
  public static func spawn<Value: ~Copyable & Sendable>(
    name: String? = nil, cpu: Int? = nil, taking value: consuming Value,
    _ body: @escaping @Sendable (inout Value) -> Void
  ) -> OSThread {
    let box = OwnedBox(value)
    return spawn(name: name, cpu: cpu) {
      var owned = box.take()
      body(&owned)
    }
  }

  /// Waits for the thread to finish. Calling it again returns at once.
  public func join() {
    guard
      let box = handle.withLock({ value -> HandleBox? in
        let box = value
        value = nil
        return box
      })
    else { return }
    _ = pthread_join(box.thread, nil)
  }

  /// The pthread while the thread is neither joined nor dropped (tests).
  package var pthreadHandle: pthread_t? { handle.withLock { $0?.thread } }

  /// The CPU the thread was pinned to, or `nil` if it was not pinned (none
  /// asked for, or the OS refused).
  public var pinnedCPU: Int? {
    let cpu = startInfo[0].load(ordering: .acquiring)
    return cpu >= 0 ? cpu : nil
  }

  /// The errno of a refused pin request, or `nil`.
  public var pinError: Int32? {
    let error = startInfo[1].load(ordering: .acquiring)
    return error > 0 ? Int32(error) : nil
  }

  /// The CPUs this process may run on (its affinity mask, which respects
  /// container cpusets), ascending.
  public static var allowedCPUs: [Int] {
    var buffer = [Int32](repeating: 0, count: 1024)
    let count = Int(csn_allowed_cpus(&buffer, Int32(buffer.count)))
    guard count > 0 else { return [] }
    return buffer.prefix(min(count, buffer.count)).map(Int.init)
  }

  /// The CPU the calling thread runs on now, or `nil` where unknown.
  public static var currentCPU: Int? {
    let cpu = csn_current_cpu()
    return cpu >= 0 ? Int(cpu) : nil
  }

  /// The kernel's id of the calling thread.
  public static var currentThreadID: Int64 { csn_gettid() }
}

// Carries a noncopyable value into the new thread, which takes it out once.
private final class OwnedBox<Value: ~Copyable & Sendable>: @unchecked Sendable {
  private var value: Value?
  init(_ value: consuming Value) { self.value = consume value }
  func take() -> Value {
    guard let value = value.take() else { preconditionFailure("value taken twice") }
    return value
  }
}

// The pthread handle, boxed so the Mutex holds a Sendable value.
private struct HandleBox: @unchecked Sendable {
  let thread: pthread_t
  init(_ thread: pthread_t) { self.thread = thread }
}

private struct UnsafeInfo: @unchecked Sendable {
  let base: UnsafeMutableRawPointer
  func store(_ value: Int, at index: Int) {
    (base + index * CacheLine.padding).assumingMemoryBound(to: Atomic<Int>.self).pointee
      .store(value, ordering: .releasing)
  }
}

// Everything the new thread needs, handed over once through an unmanaged box.
private final class StartContext: @unchecked Sendable {
  let body: () -> Void
  let name: String?
  let cpu: Int?
  let ready: Parker
  let info: UnsafeInfo

  init(body: @escaping () -> Void, name: String?, cpu: Int?, ready: Parker, info: UnsafeInfo) {
    self.body = body
    self.name = name
    self.cpu = cpu
    self.ready = ready
    self.info = info
  }

  func run() {
    if let name {
      #if os(Linux)
        _ = pthread_setname_np(pthread_self(), String(name.utf8.prefix(15))!)
      #elseif canImport(Darwin)
        _ = pthread_setname_np(name)
      #endif
    }
    if let cpu {
      let error = csn_pin_current_thread(Int32(clamping: cpu))
      if error == 0 { info.store(cpu, at: 0) } else { info.store(Int(error), at: 1) }
    }
    ready.unpark()
    body()
  }
}

private func start(_ context: StartContext) -> pthread_t {
  let argument = Unmanaged.passRetained(context).toOpaque()
  #if os(Linux)
    var thread = pthread_t()
    let result = pthread_create(
      &thread, nil,
      { raw in
        Unmanaged<StartContext>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
      }, argument)
    precondition(result == 0, "pthread_create failed with \(result)")
    return thread
  #else
    var thread: pthread_t?
    let result = pthread_create(
      &thread, nil,
      { raw in
        Unmanaged<StartContext>.fromOpaque(raw).takeRetainedValue().run()
        return nil
      }, argument)
    precondition(result == 0, "pthread_create failed with \(result)")
    return thread!
  #endif
}

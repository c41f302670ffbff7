import CSNShim
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// A store-load fence split unevenly between a frequent and a rare side.
///
/// Blocking channels need a store-load fence: a sender publishes an element
/// and then checks whether a receiver sleeps, while the receiver announces it
/// sleeps and then checks for elements. With an ordinary fence on both sides,
/// every send would pay an `mfence` (about 30 cycles on x86).
///
/// On Linux the process registers for `membarrier(PRIVATE_EXPEDITED)`; the
/// frequent side (``light()``) then only stops the compiler from reordering,
/// and the rare side (``heavy()``, about half a microsecond) makes every
/// running thread of the process execute a full barrier. Where `membarrier`
/// is unavailable both sides fall back to a full fence. The same scheme is
/// folly's `asymmetricHeavyBarrier`.
///
/// Why a compiler barrier is enough on the frequent side, even where the
/// hardware reorders a store before a later load (x86's store buffer, or
/// `stlr` then `ldr` on arm64): the compiler keeps the light side's store
/// and load in program order, and `membarrier` makes every running thread
/// of the process execute a full barrier at some point of its program
/// order (a thread not running passed one when it was switched out).
/// Wherever that point falls, either it follows the light side's store, so
/// the store is visible to the heavy side's later load, or it precedes the
/// light side's load, so that load sees the heavy side's earlier store.
/// That is the Dekker guarantee two full fences give. It also means the
/// heavy side must never settle for a local fence: see ``heavy()``.
@frozen
public struct AsymmetricFence: Sendable {
  /// Whether ``heavy()`` is a process-wide `membarrier` (so ``light()`` costs
  /// nothing at run time) rather than a full fence on both sides.
  public let isAsymmetric: Bool

  @usableFromInline
  init(isAsymmetric: Bool) { self.isAsymmetric = isAsymmetric }

  /// The process's fence; registering for `membarrier` happens on first use.
  ///
  /// Set `SN_FENCE=symmetric` in the environment to use full fences on both
  /// sides even where `membarrier` works (to test that path, or where the
  /// process has so many threads that the barrier's interrupts cost more).
  public static let process = AsymmetricFence(
    isAsymmetric: !symmetricRequested && csn_membarrier_register() == 0)

  /// Whether `SN_FENCE=symmetric` is set.
  static var symmetricRequested: Bool {
    guard let value = getenv("SN_FENCE") else { return false }
    return String(cString: value) == "symmetric"
  }

  /// The fence for the frequent side: a compiler barrier when asymmetric,
  /// otherwise a full hardware fence.
  @inlinable @inline(__always)
  public func light() {
    if isAsymmetric { csn_compiler_barrier() } else { csn_full_fence() }
  }

  /// Orders, at compile time only, a store to `stored` before a load from
  /// `loaded`.
  @inlinable @inline(__always)
  public static func compilerOrder(
    orderingStoreTo stored: UnsafeRawPointer, beforeLoadFrom loaded: UnsafeMutableRawPointer
  ) { csn_compiler_order(stored, loaded) }

  /// Stops the compiler from moving any memory access across this point;
  /// no instruction is emitted.
  @inlinable @inline(__always)
  public static func compilerBarrier() { csn_compiler_barrier() }

  /// The fence for the rare side: a process-wide barrier when asymmetric,
  /// otherwise a full hardware fence.
  ///
  /// If `membarrier` fails with a transient error (`ENOMEM`: the kernel
  /// could not allocate its CPU mask; `EAGAIN`, `EINTR`), it retries,
  /// backing off from yields to sleeps of up to a millisecond, until it
  /// succeeds. It cannot fall back to a full fence of its own: the peers'
  /// ``light()`` is only a compiler barrier, and the store-load order on
  /// their side comes from the barrier `membarrier` runs on their CPUs, so
  /// a local fence would let a wake-up be lost. Nor can the process switch
  /// to full fences on both sides mid-run: each side picked its mode when
  /// it was set up (channels choose their watch word then), and a peer
  /// between its store and its load would not see the switch without the
  /// very cross-CPU barrier that failed. Retrying delays only the rare side
  /// (a thread about to sleep). Any other error cannot happen once
  /// registration succeeded (`EPERM`, `EINVAL`, `ENOSYS`); it traps, as no
  /// answer would be correct.
  public func heavy() {
    if isAsymmetric {
      var failures: UInt32 = 0
      while true {
        let result = Self.membarrier()
        if result == 0 { return }
        precondition(
          result == ENOMEM || result == EAGAIN || result == EINTR,
          "membarrier failed after registration (errno \(result))")
        failures &+= 1
        if failures < 8 {
          Backoff.yieldCore()
        } else {
          usleep(min(UInt32(1) << min(failures - 8, 10), 1_000))
        }
      }
    } else {
      csn_full_fence()
    }
  }

  /// One `membarrier(PRIVATE_EXPEDITED)`: 0, or the errno it failed with.
  static func membarrier() -> Int32 {
    #if DEBUG
      if injectedFailures.load(ordering: .relaxed) > 0,
        injectedFailures.wrappingSubtract(1, ordering: .relaxed).oldValue > 0
      {
        return ENOMEM
      }
    #endif
    return csn_membarrier()
  }

  #if DEBUG
    /// Debug builds only: how many of the next barriers fail with `ENOMEM`
    /// without calling the kernel, as a kernel under memory pressure can
    /// (tests).
    package static let injectedFailures = Atomic<Int>(0)
  #endif
}

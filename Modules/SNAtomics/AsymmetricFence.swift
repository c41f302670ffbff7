import CSNShim

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

  /// The fence for the frequent side, for one store followed by one load:
  /// keeps the store to `stored` before the load from `loaded`.
  ///
  /// When asymmetric this orders only those two locations at compile time,
  /// so the caller's other state can stay in registers across it (``light()``
  /// makes the compiler reload everything); otherwise a full hardware fence.
  ///
  /// - Parameters:
  ///   - stored: The location written just before the fence.
  ///   - loaded: The location read just after the fence.
  @inlinable @inline(__always)
  public func light(
    orderingStoreTo stored: UnsafeRawPointer, beforeLoadFrom loaded: UnsafeMutableRawPointer
  ) {
    if isAsymmetric { csn_compiler_order(stored, loaded) } else { csn_full_fence() }
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
  public func heavy() {
    if isAsymmetric {
      let result = csn_membarrier()
      precondition(result == 0, "membarrier failed after registration (errno \(result))")
    } else {
      csn_full_fence()
    }
  }
}

internal import CSNSimd

/// Batch kernels over contiguous buffers of `Float`, `Double` and `Int32`.
///
/// `Batch` is a namespace: every kernel is a static function that takes its
/// inputs as `UnsafeBufferPointer`, `[T]` or `Span` and writes into an
/// `UnsafeMutableBufferPointer`, an `inout` array, a `MutableSpan`, or a new
/// array (only the array-returning forms allocate).
///
/// Doubling a batch, eight floats at a time, is one call:
///
/// ```swift
/// func processBatchSIMD(_ data: [Float]) -> [Float] {
///   Batch.scale(data, by: 2.0)
/// }
/// ```
///
/// Each kernel runs on the ``Tier/active`` tier: the AVX2/FMA C kernels on an
/// x86-64 CPU that has them, the portable Swift SIMD kernels everywhere else.
///
/// Inputs of different lengths are a programmer error and stop the program
/// with a precondition message; empty inputs are valid everywhere.
public enum Batch {}

extension Batch {
  /// An implementation of the kernels: portable Swift SIMD code, or the
  /// AVX2/FMA C kernels.
  ///
  /// The best tier the CPU supports is chosen once, when the process loads
  /// (before `main`). Setting the environment variable `SN_SIMD_TIER=portable`
  /// starts the process on ``portable`` instead; ``active`` can also be set at
  /// run time, for example to compare the tiers in one benchmark.
  public enum Tier: Int, Sendable, CaseIterable, CustomStringConvertible {
    /// Swift `SIMD8` code with several accumulators; runs on every platform.
    /// On x86-64 it compiles to 128-bit SSE2 instructions.
    case portable = 0
    /// C kernels compiled with `__attribute__((target("avx2,fma")))`:
    /// 256-bit loads, fused multiply-add. Only on x86-64 CPUs with AVX2 and FMA.
    case avx2 = 1

    /// The widest tier this CPU supports, detected when the process loaded.
    public static var best: Tier {
      Tier(rawValue: Int(sn_simd_best_tier())) ?? .portable
    }

    /// The tier every kernel uses from now on, in every thread.
    ///
    /// Reading costs one relaxed atomic load. Setting it is meant for tests
    /// and benchmarks; kernels already running finish on the tier they
    /// started with.
    ///
    /// - Precondition: a new value is supported by this CPU (`<= best`).
    public static var active: Tier {
      get { current }
      set {
        precondition(
          newValue.rawValue <= best.rawValue,
          "Batch.Tier.active: \(newValue) is not supported by this CPU (best is \(best))")
        sn_simd_set_tier(Int32(newValue.rawValue))
      }
    }

    /// A short name: `portable` or `avx2`.
    public var description: String {
      switch self {
      case .portable: "portable"
      case .avx2: "avx2"
      }
    }

    /// Whether the AVX2 C kernels should run now; read once per kernel call.
    @usableFromInline
    static var current: Tier {
      sn_simd_tier() == SN_SIMD_TIER_AVX2 ? .avx2 : .portable
    }
  }
}

extension Batch {
  /// Stops with a message naming the kernel when two lengths differ.
  ///
  /// A length mismatch is a bug in the caller, like an index out of range:
  /// processing the common prefix would be a silent partial result, and a
  /// thrown error would put `try` on every call in a hot loop for a
  /// condition no caller can recover from. So it is a precondition.
  @inlinable
  @inline(__always)
  static func checkCounts(_ kernel: StaticString, _ a: Int, _ b: Int) {
    precondition(
      a == b, "Batch.\(kernel): buffers have different lengths (\(a) and \(b))")
  }
}

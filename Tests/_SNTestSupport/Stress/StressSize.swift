/// Message counts for stress tests: large in optimised builds, small in
/// debug and sanitizer builds, overridable with `SN_STRESS_MESSAGES`.
public enum StressSize {
  /// The number of messages a stress test sends in total.
  public static var messages: Int {
    if let text = getenvString("SN_STRESS_MESSAGES"), let value = Int(text), value > 0 {
      return value
    }
    #if DEBUG
      return 20_000
    #else
      return 1_000_000
    #endif
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

private func getenvString(_ name: String) -> String? {
  guard let value = getenv(name) else { return nil }
  return String(cString: value)
}

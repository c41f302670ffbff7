/// Message counts for the async stress tests: at least 100k (the issue's
/// floor), more in release; `SN_ASYNC_MESSAGES` overrides.
enum AsyncStressSize {
  static var messages: Int {
    if let text = Environment.value("SN_ASYNC_MESSAGES"), let value = Int(text), value > 0 {
      return value
    }
    // ThreadSanitizer slows the hand-offs about 20x: keep that run short.
    if underThreadSanitizer { return 20_000 }
    #if DEBUG
      return 100_000
    #else
      return 1_000_000
    #endif
  }

  /// Whether the process runs under ThreadSanitizer (its runtime is linked in).
  static let underThreadSanitizer: Bool = {
    guard let handle = dlopen(nil, RTLD_NOW) else { return false }
    defer { dlclose(handle) }
    return dlsym(handle, "__tsan_init") != nil
  }()
}

enum Environment {
  static func value(_ name: String) -> String? {
    guard let value = getenv(name) else { return nil }
    return String(cString: value)
  }
}

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

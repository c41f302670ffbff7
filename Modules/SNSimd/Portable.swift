/// The portable tier: plain Swift SIMD code, compiled for the package's
/// baseline target. Entry points take a base address and a count `n`; the
/// public `Batch` functions have already checked lengths, and `n >= 1` for
/// min/max/argmin/argmax.
enum Portable {}

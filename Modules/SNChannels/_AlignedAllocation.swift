#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// Allocates `byteCount` bytes aligned to `alignment` (a power of two), or
/// returns `nil` when the system refuses (a ring of 2^30 slots under a
/// memory limit): `UnsafeMutableRawPointer.allocate` traps instead, and a
/// channel reports ``SNChannelError/allocationFailed``. Free with
/// ``_freeAligned(_:)``.
func _allocateAligned(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer? {
  var memory: UnsafeMutableRawPointer?
  // posix_memalign wants a multiple of the pointer size.
  let alignment = max(alignment, MemoryLayout<UnsafeRawPointer>.size)
  guard posix_memalign(&memory, alignment, max(byteCount, 1)) == 0 else { return nil }
  return memory
}

/// Frees memory from ``_allocateAligned(byteCount:alignment:)``.
func _freeAligned(_ memory: UnsafeMutableRawPointer) {
  free(memory)
}

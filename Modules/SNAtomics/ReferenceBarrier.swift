import CSNShim

/// Keeps every retain issued so far, on this thread, before this point:
/// call it after an element of type `T` is in shared memory (a ring slot,
/// a lock-protected field) and before the store that lets another thread
/// take it.
///
/// Swift's ARC optimizer treats an atomic store (and a lock's releasing
/// unlock) as unable to change a reference count, so it may sink a retain
/// below it. For a channel that is a use-after-free: a sender's copy into a
/// slot (or the caller's copy of an argument it keeps using, once the send
/// is inlined) got its retain after the publishing store, and the receiver
/// could take the element and release the last reference first
/// (`StressTests.spscInPlaceReceive` in a release build: "Object of class
/// Tracked deallocated with non-zero retain count 2"; objdump showed
/// `mov %rax,(tail)` then `call swift_retain`). An opaque call is a point
/// the optimizer must assume may release, so no retain moves past it.
///
/// Costs nothing for trivial types (`_isPOD` folds after specialisation),
/// and no instruction otherwise: the barrier is an empty `asm volatile`.
@inlinable @inline(__always)
package func _referenceBarrier<T>(for type: T.Type) {
  if !_isPOD(T.self) { csn_reference_barrier() }
}

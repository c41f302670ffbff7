import SNAtomics

/// Copies a value that a spin lock guards, so that the copy (a retain, for
/// a class reference) is made before the lock is released.
///
/// Why this needs care: where the kinds' hot paths are
/// inlined into the caller's module and specialized for a class element,
/// the optimizer's ARC code motion sank the retain of the copied reference
/// below the lock word's releasing store (objdump of the release build:
/// `movb $0, (lock)` and only then `call swift_retain`), treating the
/// atomic store as unable to affect the reference count. Once the lock is
/// released the sender may overwrite the slot and release the element it
/// held, so the late retain touched freed memory: receivers of
/// `BroadcastChannel<Tracked>` read values older than ones they had
/// already received, or crashed in `swift_retain`
/// (`KindStressTests.broadcastAsyncReceiversOfClassElements`).
///
/// The copy is followed by `_referenceBarrier(for:)`, the point every
/// sender also uses before its publishing store: no retain moves past it,
/// so the retain stays inside the lock. For trivial types the barrier is
/// nothing. (This used to be a copy in an `@inline(never) @_optimize(none)`
/// function, one call per receive, for the same reason.)
///
/// - Parameter value: The value, borrowed under the caller's lock.
/// - Returns: A copy the caller owns.
@inlinable @inline(__always)
func _copyUnderLock<T>(_ value: borrowing T) -> T {
  let copied = copy value
  _referenceBarrier(for: T.self)
  return copied
}

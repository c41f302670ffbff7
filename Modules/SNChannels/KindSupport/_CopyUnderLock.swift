/// Copies a value that a spin lock guards, so that the copy (a retain, for
/// a class reference) is made before the lock is released.
///
/// Why a function that is never inlined: where the kinds' hot paths are
/// inlined into the caller's module and specialized for a class element,
/// the optimizer's ARC code motion sank the retain of the copied reference
/// below the lock word's releasing store (objdump of the release build:
/// `movb $0, (lock)` and only then `call swift_retain`), treating the
/// atomic store as unable to affect the reference count. Once the lock is
/// released the sender may overwrite the slot and release the element it
/// held, so the late retain touched freed memory: receivers of
/// `BroadcastChannel<Tracked>` read values older than ones they had
/// already received, or crashed in `swift_retain`
/// (`KindStressTests.broadcastAsyncReceiversOfClassElements`). Inside an
/// opaque call, the retain stays before the store that follows the call.
/// Trivial types have no retain to move and are copied inline.
///
/// - Parameter value: The value, borrowed under the caller's lock.
/// - Returns: A copy the caller owns.
@inlinable @inline(__always)
func _copyUnderLock<T>(_ value: borrowing T) -> T {
  if _isPOD(T.self) { return copy value }
  return _copyOutOfLine(value)
}

/// The out-of-line copy of ``_copyUnderLock(_:)``. Not optimized either:
/// function signature optimization turned its owned result into a
/// borrowed one (`Tf4n_g`), which moved the retain back to the caller,
/// after the unlock.
@inlinable @inline(never) @_optimize(none)
func _copyOutOfLine<T>(_ value: borrowing T) -> T { copy value }

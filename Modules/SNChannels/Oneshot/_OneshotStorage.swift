import SNAtomics
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The shared state of a one-shot channel, in one raw allocation that the
/// two endpoints free between them (no class, so no reference counting and
/// no generic class deinit: the per-channel cost is a malloc, the send's
/// one read-modify-write and a free).
///
/// Layout: the state word (offset 0), the receiver's waiter (8), the tag
/// the waiter is fired with (16: a ``Select`` arm's index), the wait
/// strategy (24), then the value (initialized while `valueBit` is set and
/// neither side has taken it).
///
/// State bits (one word, changed only by read-modify-writes):
/// - `valueBit`: the sender stored the value.
/// - `senderGone`: the sender sent or was dropped; nothing more will come.
/// - `receiverGone`: the receiver was dropped.
/// - `waitingBit`: the receiver published a waiter in `waiter` and waits.
/// - `wakeDone`: the sender, having seen `waitingBit` when it finished, has
///   fired the waiter and will not touch the storage again.
/// - `takenBit`: set with `receiverGone` by a receiver that took the value.
/// - `closedBit`: the receiver closed the channel (``OneshotReceiver/close()``)
///   but still lives: a send that finishes after it keeps its value.
///
/// Memory ordering: the sender writes the value and then sets `valueBit |
/// senderGone` with a releasing compare-exchange (without `valueBit` if it
/// finds `closedBit` or `receiverGone`); the receiver reads the
/// word with an acquiring load before it reads the value, so it sees the
/// value written. The receiver writes `waiter` before setting `waitingBit`
/// (a releasing compare-exchange that succeeds only while the sender has
/// not finished); the sender's acquiring read-modify-write that sees the bit
/// reads `waiter` after it. The receiver clears the bit (to replace
/// `waiter` for the next wait) only while the sender has not finished; once
/// it has, the bit stays set and tells both sides that the sender will read
/// `waiter` and then set `wakeDone`.
///
/// Who frees: each side leaves with an acquiring-and-releasing
/// read-modify-write (the sender: the finishing one, or `wakeDone` after a
/// wake-up; the receiver: `receiverGone`), or, when the other side is seen
/// gone already, with an acquiring load. Whoever leaves second frees: it
/// has seen the other side's last write of the storage. Ownership of the
/// value: if the sender's finishing read-modify-write finds `receiverGone`,
/// the receiver left without looking at it and the sender takes it back;
/// otherwise the receiver takes it or, if it never does, frees it with the
/// storage. Exactly one side drops it.
@usableFromInline
@frozen
struct _OneshotStorage<Element: Sendable>: @unchecked Sendable {
  @usableFromInline let base: UnsafeMutableRawPointer

  @inlinable static var valueBit: Int { 1 }
  @inlinable static var senderGone: Int { 2 }
  @inlinable static var receiverGone: Int { 4 }
  @inlinable static var waitingBit: Int { 8 }
  @inlinable static var wakeDone: Int { 16 }
  @inlinable static var takenBit: Int { 32 }
  @inlinable static var closedBit: Int { 64 }

  @inlinable static var tagOffset: Int { 16 }
  @inlinable static var strategyOffset: Int { 24 }
  @inlinable static var valueOffset: Int {
    let alignment = MemoryLayout<Element>.alignment
    return (strategyOffset + MemoryLayout<WaitStrategy>.size + alignment - 1) / alignment
      * alignment
  }

  @inlinable
  init(base: UnsafeMutableRawPointer) { self.base = base }

  /// Allocates the storage: no value, no waiter, nobody gone.
  @inlinable
  static func allocate(strategy: WaitStrategy) -> Self {
    let base = _oneshotAllocate(
      byteCount: valueOffset + MemoryLayout<Element>.size,
      alignment: MemoryLayout<Element>.alignment)
    base.initializeMemory(as: Atomic<Int>.self, to: Atomic(0))
    (base + tagOffset).initializeMemory(as: Int.self, repeating: 0, count: 1)
    (base + strategyOffset).initializeMemory(as: WaitStrategy.self, to: strategy)
    return Self(base: base)
  }

  /// The state word.
  @inlinable
  var state: UnsafeMutablePointer<Atomic<Int>> { base.assumingMemoryBound(to: Atomic<Int>.self) }

  /// The receiver's published waiter (see the type's ordering notes).
  var waiter: _Waiter? {
    get { (base + 8).assumingMemoryBound(to: _Waiter?.self).pointee }
    nonmutating set { (base + 8).assumingMemoryBound(to: _Waiter?.self).pointee = newValue }
  }

  /// The tag `waiter` is fired with (written with `waiter`, under the same
  /// ordering).
  var waiterTag: Int {
    get { (base + Self.tagOffset).load(as: Int.self) }
    nonmutating set { (base + Self.tagOffset).storeBytes(of: newValue, as: Int.self) }
  }

  /// How the receiver waits.
  @inlinable
  var strategy: WaitStrategy {
    (base + Self.strategyOffset).assumingMemoryBound(to: WaitStrategy.self).pointee
  }

  @inlinable
  var valuePointer: UnsafeMutablePointer<Element> {
    (base + Self.valueOffset).assumingMemoryBound(to: Element.self)
  }

  /// Marks the sender finished (with or without a value: `bits` is
  /// `valueBit` or 0), wakes the receiver if it waits, and frees the
  /// storage if the receiver is gone (after taking a stored value back).
  ///
  /// A compare-exchange rather than a bitwise or: on x86-64 an or that
  /// returns the old value is a compare-exchange loop anyway, and this one
  /// can leave `valueBit` out when the receiver closed the channel. The
  /// value is then moved back out *before* the exchange publishes
  /// `senderGone`: after it, a receiver that leaves frees the storage.
  ///
  /// - Returns: The value back if the receiver was gone or had closed the
  ///   channel, else `nil`.
  @inlinable @inline(__always)
  func finishSending(with bits: Int) -> Element? {
    var old = state.pointee.load(ordering: .relaxed)
    var back: Element? = nil
    var tookBack = false
    while true {
      if old & Self.closedBit != 0, bits != 0, !tookBack {
        // Refused, and the value was never published: it is still ours.
        back = valuePointer.move()
        tookBack = true
      }
      let refused = old & (Self.closedBit | Self.receiverGone) != 0
      let (exchanged, original) = state.pointee.compareExchange(
        expected: old, desired: old | Self.senderGone | (refused ? 0 : bits),
        ordering: .acquiringAndReleasing)
      if exchanged { break }
      old = original
    }
    if old & Self.receiverGone != 0 {
      // The receiver left before the value went in and never looks at it.
      if bits != 0, !tookBack { back = valuePointer.move() }
      _oneshotRelease(base)
      return back
    }
    if old & Self.waitingBit != 0 { wakeReceiver() }
    return back
  }

  /// The receiver closes the channel while it lives: a send that finishes
  /// later keeps its value.
  ///
  /// - Returns: Whether a value was in before the close (it stays
  ///   receivable).
  @inlinable
  func close() -> Bool {
    let old = state.pointee.bitwiseOr(Self.closedBit, ordering: .acquiringAndReleasing).oldValue
    return old & Self.valueBit != 0
  }

  /// Fires the receiver's published waiter, then leaves (the slow path of
  /// a send): frees the storage if the receiver left meanwhile.
  @usableFromInline @inline(never)
  func wakeReceiver() {
    _ = waiter?.fire(tag: waiterTag)
    let old = state.pointee.bitwiseOr(Self.wakeDone, ordering: .acquiringAndReleasing).oldValue
    if old & Self.receiverGone != 0 { free(state: old) }
  }

  /// Whether the sender, finished in `state`, may still read `waiter`
  /// (it saw the receiver waiting and has not set `wakeDone`).
  @inlinable
  static func senderStillWaking(_ state: Int) -> Bool {
    state & (waitingBit | wakeDone) == waitingBit
  }

  /// The receiver leaves; frees the storage if the sender is gone and done
  /// with it.
  ///
  /// - Parameter received: Whether the receiver took the value.
  @inlinable
  func receiverLeaves(received: Bool) {
    // Acquiring: the storage (with an untaken value) may be freed here,
    // after the sender's writes.
    let taken = received ? Self.takenBit : 0
    var seen = state.pointee.load(ordering: .acquiring)
    if seen & Self.senderGone == 0 || Self.senderStillWaking(seen) {
      seen =
        state.pointee.bitwiseOr(Self.receiverGone | taken, ordering: .acquiringAndReleasing)
        .oldValue
      // The sender is still to leave: it frees.
      if seen & Self.senderGone == 0 || Self.senderStillWaking(seen) { return }
    }
    free(state: seen | taken)
  }

  /// Drops the value if it is stored and untaken in `state`, and frees the
  /// storage.
  @inlinable
  func free(state: Int) {
    if state & (Self.valueBit | Self.takenBit) == Self.valueBit {
      valuePointer.deinitialize(count: 1)
    }
    _oneshotRelease(base)
  }
}

/// The one-shot channel's waiter slot, for the receiver's own waits, the
/// shared layer's waits and ``Select``. Only the one receiver publishes, one
/// wait at a time (a select scans the channel between a withdraw and the
/// next publish), so `waiter` is never replaced while the sender may read
/// it: the bit is clear whenever `waiter` is written, and once the sender
/// has finished it stays set (the sender then reads `waiter`; see the
/// type's notes), so a finished sender's read never meets a new write.
extension _OneshotStorage: _WaiterSlot {
  @usableFromInline
  func isReady() -> Bool {
    state.pointee.load(ordering: .acquiring) & (Self.valueBit | Self.senderGone) != 0
  }

  /// Publishes `waiter` and sets `waitingBit`, unless the sender has
  /// finished.
  ///
  /// - Returns: Whether to wait (`false`: the sender has finished).
  @usableFromInline
  func register(_ waiter: _Waiter, tag: Int) -> Bool {
    var old = state.pointee.load(ordering: .relaxed)
    if old & Self.senderGone != 0 { return false }
    // The bit is clear (`deregister` clears it while the sender is
    // active), so the sender does not read `waiter` now.
    assert(old & Self.waitingBit == 0, "a waiter is published once at a time")
    self.waiter = waiter
    waiterTag = tag
    while old & Self.senderGone == 0 {
      let (exchanged, original) = state.pointee.compareExchange(
        expected: old, desired: old | Self.waitingBit, ordering: .acquiringAndReleasing)
      if exchanged { return true }
      old = original
    }
    return false
  }

  /// Clears `waitingBit` after a wait that ended without a wake-up, so the
  /// next wait may replace `waiter`; once the sender has finished, the bit
  /// stays.
  @usableFromInline
  func deregister(_ waiter: _Waiter) {
    var old = state.pointee.load(ordering: .relaxed)
    while old & Self.senderGone == 0 {
      let (exchanged, original) = state.pointee.compareExchange(
        expected: old, desired: old & ~Self.waitingBit, ordering: .acquiringAndReleasing)
      if exchanged { return }
      old = original
    }
  }
}

// The non-generic halves of allocate and free (the waiter slot holds a
// class reference). `malloc` and `free` directly: the standard library's
// `UnsafeMutableRawPointer.allocate` takes the runtime's aligned path
// (`posix_memalign`) for every alignment, about 70 instructions more per
// channel (callgrind, `ChannelPeers oneshot-local`).

@usableFromInline
func _oneshotAllocate(byteCount: Int, alignment: Int) -> UnsafeMutableRawPointer {
  // malloc's blocks are aligned for any fundamental type (16 bytes here).
  let memory =
    alignment <= 16
    ? malloc(byteCount) : _allocateAligned(byteCount: byteCount, alignment: alignment)
  guard let memory else { fatalError("one-shot channel: out of memory") }
  (memory + 8).initializeMemory(as: _Waiter?.self, to: nil)
  return memory
}

@usableFromInline
func _oneshotRelease(_ base: UnsafeMutableRawPointer) {
  // Most receivers never wait: skip the release of a nil waiter (a nil
  // class reference is a null pointer).
  if (base + 8).load(as: UInt.self) != 0 {
    (base + 8).assumingMemoryBound(to: _Waiter?.self).deinitialize(count: 1)
  }
  free(base)
}

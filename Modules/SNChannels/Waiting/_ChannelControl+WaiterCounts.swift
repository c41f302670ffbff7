import SNAtomics
import Synchronization

extension _ChannelControl {
  /// Registered async/select waiters on each side (for tests).
  var registeredWaiters: (receivers: Int, senders: Int) {
    (
      receiverEvents.state.pointee.load(ordering: .relaxed) >> 32,
      senderEvents.state.pointee.load(ordering: .relaxed) >> 32
    )
  }
}

extension _ChannelControl {
  /// Threads counted in on each side's futex (parked or about to park), for tests.
  var parkedThreads: (receivers: Int, senders: Int) {
    let mask = UnsafeEventCount.futexWaiterMask
    return (
      (receiverEvents.state.pointee.load(ordering: .relaxed) & mask) / UnsafeEventCount.waiterUnit,
      (senderEvents.state.pointee.load(ordering: .relaxed) & mask) / UnsafeEventCount.waiterUnit
    )
  }
}

import SNAtomics
import Synchronization

/// The ring of an SPSC channel: a power-of-two array of elements between two
/// cache lines of padding, plus the shared control block.
///
/// Memory ordering, written out once:
/// - The sender writes the element into slot `tail & mask`, then stores
///   `tail + 1` with release. The receiver loads `tail` with acquire before it
///   reads the slot, so it sees the element fully written.
/// - The receiver moves the element out of slot `head & mask`, then stores
///   `head + 1` with release. The sender loads `head` with acquire before it
///   reuses the slot, so the move-out happened before the overwrite.
/// - Each side keeps its own index and a cached copy of the other's in its
///   endpoint (thread-local), and reloads the other's shared index only when
///   the cache says full (sender) or empty (receiver). In steady state each
///   side writes only its own line and reads the other's once per lap.
/// - Sleeping uses `UnsafeEventCount` with `AsymmetricFence`: after
///   publishing, a side checks the other side's waiter count behind a
///   compiler barrier; a side going to sleep counts itself in and issues the
///   process-wide barrier before its final re-check.
@usableFromInline
final class _SPSCStorage<Element: Sendable>: @unchecked Sendable {
  @usableFromInline let control: _ChannelControl
  @usableFromInline let buffer: UnsafeMutablePointer<Element>
  @usableFromInline let mask: Int
  let allocation: UnsafeMutableRawPointer

  init(capacity: Int, strategy: WaitStrategy) throws(SNChannelError) {
    let line = CacheLine.padding
    let (bytes, overflow) = capacity.multipliedReportingOverflow(
      by: MemoryLayout<Element>.stride)
    guard !overflow, bytes <= Int.max - 2 * line else {
      throw SNChannelError(.invalidCapacity, requestedCapacity: capacity)
    }
    guard
      let memory = _allocateAligned(
        byteCount: bytes + 2 * line, alignment: max(line, MemoryLayout<Element>.alignment))
    else {
      throw SNChannelError(.allocationFailed, requestedCapacity: capacity)
    }
    allocation = memory
    buffer = (allocation + line).bindMemory(to: Element.self, capacity: capacity)
    mask = capacity - 1
    control = _ChannelControl(capacity: capacity, strategy: strategy, senders: 1, receivers: 1)
  }

  deinit {
    // Elements still queued belong to nobody else now: destroy them.
    var position = control.head.pointee.load(ordering: .acquiring)
    let end = control.tail.pointee.load(ordering: .acquiring)
    while position != end {
      (buffer + (position & mask)).deinitialize(count: 1)
      position &+= 1
    }
    _freeAligned(allocation)
  }
}

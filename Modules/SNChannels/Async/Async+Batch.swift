import SNAtomics
import Synchronization

// Async batch operations: one pair of index updates per batch, as in the
// blocking forms, suspending (never blocking) while the ring cannot move any
// element. Elements come from a `Collection` the caller keeps: what was not
// sent is `elements.dropFirst(error.transferred)`, still the caller's.

extension SPSCSender {
  /// Sends every element of `elements` in order from async code, suspending
  /// the task while the channel is full.
  ///
  /// - Parameter elements: The elements to send.
  /// - Throws: ``ChannelError/closed`` if the receiver goes away first, or
  ///   ``ChannelError/cancelled`` if the task is cancelled; the error's
  ///   ``ChannelError/transferred`` tells how many were sent (a prefix), so
  ///   `elements.dropFirst(error.transferred)` were not.
  /// - Complexity: O(`elements.count`).
  @inlinable
  nonisolated(nonsending)
    public mutating func send<C: Collection>(
      contentsOf elements: C
    ) async throws(ChannelError) where C.Element == Element
  {
    var remaining = elements[...]
    var sent = 0
    while !remaining.isEmpty {
      if Task.isCancelled { throw ChannelError.cancelled.with(transferred: sent) }
      let count: Int
      do { count = try trySend(contentsOf: remaining) } catch {
        throw error.with(transferred: sent)
      }
      if count > 0 {
        remaining = remaining.dropFirst(count)
        sent &+= count
        continue
      }
      if await awaitRoom(deadline: nil) == .cancelled {
        throw ChannelError.cancelled.with(transferred: sent)
      }
    }
  }
}

extension SPSCReceiver {
  /// Moves at least one and up to `maxCount` elements into `buffer` from
  /// async code, suspending the task while the channel is empty.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take; at least 1.
  /// - Returns: How many were appended (at least 1).
  /// - Throws: ``ChannelError/closed`` once the sender is gone and the
  ///   channel is drained; ``ChannelError/cancelled`` if the task is
  ///   cancelled (nothing taken).
  /// - Complexity: O(number received).
  @inlinable
  nonisolated(nonsending)
    public mutating func receive(
      into buffer: inout [Element], maxCount: Int
    ) async throws(ChannelError) -> Int
  {
    precondition(maxCount >= 1, "maxCount must be at least 1")
    while true {
      if Task.isCancelled { throw .cancelled }
      let count = try tryReceive(into: &buffer, maxCount: maxCount)
      if count > 0 { return count }
      if await awaitElements(deadline: nil) == .cancelled { throw .cancelled }
    }
  }
}

extension MultiSender {
  /// Sends every element of `elements` in order from async code, suspending
  /// the task while the channel is full (other producers' elements may
  /// interleave between batches).
  ///
  /// - Parameter elements: The elements to send.
  /// - Throws: ``ChannelError/closed`` if the receivers go away first, or
  ///   ``ChannelError/cancelled`` if the task is cancelled; the error's
  ///   ``ChannelError/transferred`` tells how many were sent (a prefix), so
  ///   `elements.dropFirst(error.transferred)` were not.
  /// - Complexity: O(`elements.count`).
  @inlinable
  nonisolated(nonsending)
    public func send<C: Collection>(
      contentsOf elements: C
    ) async throws(ChannelError) where C.Element == Element
  {
    var remaining = elements[...]
    var sent = 0
    var outcome = _WaitOutcome.ready
    while !remaining.isEmpty {
      if Task.isCancelled {
        // A wake-up meant for a sender that now leaves goes to the next one.
        if outcome == .woken { ring.senderEvents.notify(ring.fence) }
        throw ChannelError.cancelled.with(transferred: sent)
      }
      let count: Int
      do { count = try ring.trySend(contentsOf: remaining) } catch {
        throw error.with(transferred: sent)
      }
      if count > 0 {
        remaining = remaining.dropFirst(count)
        sent &+= count
        outcome = .ready
        continue
      }
      outcome = await ring.awaitRoom(deadline: nil)
      if outcome == .cancelled { throw ChannelError.cancelled.with(transferred: sent) }
    }
  }
}

extension MPSCReceiver {
  /// Moves at least one and up to `maxCount` elements into `buffer` from
  /// async code, suspending the task while the channel is empty.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take; at least 1.
  /// - Returns: How many were appended (at least 1).
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained; ``ChannelError/cancelled`` if the task is
  ///   cancelled (nothing taken).
  /// - Complexity: O(number received).
  @inlinable
  nonisolated(nonsending)
    public mutating func receive(
      into buffer: inout [Element], maxCount: Int
    ) async throws(ChannelError) -> Int
  {
    precondition(maxCount >= 1, "maxCount must be at least 1")
    while true {
      if Task.isCancelled { throw .cancelled }
      let count = try tryReceive(into: &buffer, maxCount: maxCount)
      if count > 0 { return count }
      if await awaitElements(deadline: nil) == .cancelled { throw .cancelled }
    }
  }
}

extension MPMCReceiver {
  /// Moves at least one and up to `maxCount` elements into `buffer` from
  /// async code, suspending the task while the channel is empty.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take; at least 1.
  /// - Returns: How many were appended (at least 1).
  /// - Throws: ``ChannelError/closed`` once every sender is gone and the
  ///   channel is drained; ``ChannelError/cancelled`` if the task is
  ///   cancelled (nothing taken).
  /// - Complexity: O(number received).
  @inlinable
  nonisolated(nonsending)
    public func receive(
      into buffer: inout [Element], maxCount: Int
    ) async throws(ChannelError) -> Int
  {
    precondition(maxCount >= 1, "maxCount must be at least 1")
    var outcome = _WaitOutcome.ready
    while true {
      if Task.isCancelled {
        // A wake-up meant for a receiver that now leaves goes to the next one.
        if outcome == .woken { ring.receiverEvents.notify(ring.fence) }
        throw .cancelled
      }
      let count = try ring.popShared(into: &buffer, maxCount: maxCount)
      if count > 0 { return count }
      outcome = await ring.awaitElements(deadline: nil)
      if outcome == .cancelled { throw .cancelled }
    }
  }
}

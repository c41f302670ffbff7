extension MultiSender {
  /// Sends without waiting, evicting the oldest queued elements when the
  /// channel is full (overwrite-oldest, crossbeam's `force_send`).
  ///
  /// Only an MPMC channel can do this: evicting takes the oldest element as
  /// a receiver would, with the receivers' compare-and-swap, which the
  /// single MPSC receiver does not use. So the call takes a receiver of the
  /// same MPMC channel (a ``MPMCReceiver/clone()`` the producer keeps),
  /// which also proves the kind at compile time.
  ///
  /// Nothing is lost: each evicted element is handed to `evicted` (more than
  /// one only when other senders fill the slot freed for this element
  /// first).
  ///
  /// ```swift
  /// let channel = try SNChannel<Int>.mpmc(capacity: 2)
  /// let evictor = channel.receiver.clone()
  /// for value in 0..<3 {
  ///   try channel.sender.forceSend(value, evictingThrough: evictor) { old in
  ///     print("dropped", old)  // 0
  ///   }
  /// }
  /// ```
  ///
  /// - Parameters:
  ///   - element: The element to send.
  ///   - receiver: A receiver of this channel (`precondition`: the same channel).
  ///   - evicted: Called with each element taken out to make room, oldest first.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`,
  ///   if the receivers are closed or gone.
  public func forceSend(
    _ element: consuming Element, evictingThrough receiver: borrowing MPMCReceiver<Element>,
    evicted: (consuming Element) -> Void
  ) throws(SendError<Element>) {
    precondition(receiver.ring === ring, "forceSend: the receiver is of another channel")
    var pending = element
    while true {
      switch ring.push(pending) {
      case .sent: return
      case .closed(let element):
        ring.control.countSendError(.closed)
        throw SendError(reason: .closed, element: element)
      case .full(let element):
        pending = element
        // Evict the oldest with the receivers' own claim (a compare-and-swap
        // on `head`), so a racing receiver and this sender never both take
        // it; then retry. Full or empty at once is possible under races:
        // the loop settles it.
        if let oldest = try? ring.popShared() { evicted(oldest) }
      }
    }
  }
}

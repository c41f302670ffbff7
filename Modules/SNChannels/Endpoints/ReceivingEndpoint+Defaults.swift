// The batch receive of the kinds that hand over one value at a time.

extension ReceivingEndpoint where Self: ~Copyable {
  /// Moves the one ready element, if any, into `buffer`; never blocks.
  ///
  /// The default for the kinds that hand over one value at a time
  /// (rendezvous, one-shot, latest value): a call takes at most one element,
  /// whatever `maxCount` is. The ring kinds take up to `maxCount` in their
  /// own implementations.
  ///
  /// - Parameters:
  ///   - buffer: Where the element is appended.
  ///   - maxCount: The most elements to take; 0 takes none.
  /// - Returns: 1 if an element was appended, else 0.
  /// - Throws: What ``tryReceive()`` throws.
  @inlinable
  public mutating func tryReceive(
    into buffer: inout [Element], maxCount: Int
  ) throws(SNChannelError) -> Int {
    guard maxCount > 0, let element = try tryReceive() else { return 0 }
    buffer.append(element)
    return 1
  }
}

/// A sending endpoint of any channel kind: ``SPSCSender``, ``MultiSender``
/// (the sender of MPSC and MPMC channels) and ``RendezvousSender``.
///
/// The kinds differ in their rings; everything above the ring is written
/// once over this protocol: sends with a timeout or a deadline, async sends,
/// batch sends, and moving an endpoint into a task
/// (`Task(taking:priority:operation:)`). The
/// requirements are the operations each kind implements itself, on its hot
/// path: `@inlinable` on the concrete type, so a call specialises in the
/// caller's module, also through a generic function.
///
/// Write generic code against it when one function should serve every kind:
///
/// ```swift
/// func produce<S: SendingEndpoint & ~Copyable>(
///   _ values: [S.Element], into sender: inout S
/// ) throws(SNChannelError) {
///   try sender.send(contentsOf: values)
/// }
/// ```
///
/// Only the library's endpoints conform: a conformer must make an
/// ``EndpointWaitPoint``, which is opaque.
public protocol SendingEndpoint: ~Copyable {
  /// The type of the elements sent.
  associatedtype Element: Sendable

  /// Sends without blocking.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` with ``SNChannelError/full`` or
  ///   ``SNChannelError/closed``, holding `element`.
  mutating func trySend(_ element: consuming Element) throws(SendError<Element>)

  /// Sends as many elements of `elements` as fit now, in order; never blocks.
  ///
  /// - Parameter elements: The elements to send.
  /// - Returns: How many were sent: a prefix of `elements`.
  /// - Throws: ``SNChannelError/closed`` if the receivers are gone (nothing sent).
  mutating func trySend<C: Collection>(
    contentsOf elements: C
  ) throws(SNChannelError) -> Int where C.Element == Element

  /// Sends, blocking the thread while the channel is full.
  ///
  /// - Parameter element: The element to send.
  /// - Throws: ``SendError`` with ``SNChannelError/closed``, holding `element`.
  mutating func send(_ element: consuming Element) throws(SendError<Element>)

  /// Gives up this sender, as dropping it does: once no sender is left,
  /// receivers drain what was sent and then see ``SNChannelError/closed``.
  consuming func close()

  /// Whether the receivers are closed or gone (sends would fail).
  var isClosed: Bool { get }

  /// The channel's counters.
  var stats: ChannelStats { get }

  /// Where a send that must wait for room waits, as of now.
  var sendWaitPoint: EndpointWaitPoint { get }
}

/// A receiving endpoint of any channel kind: ``SPSCReceiver``,
/// ``MPSCReceiver``, ``MPMCReceiver``, ``RendezvousReceiver``,
/// ``OneshotReceiver``, ``BroadcastReceiver`` (a lag is the thrown
/// ``SNChannelError/lagged``) and ``WatchReceiver`` (a receive is the next
/// change).
///
/// Everything above the ring is written once over this protocol: receives
/// with a timeout or a deadline, async and batch receives, the
/// `AsyncSequence` ``ChannelMessages``, ``Select`` and ``SelectGroup``. The
/// requirements are the operations each kind implements on its hot path.
///
/// Only the library's endpoints conform: a conformer must make an
/// ``EndpointWaitPoint``, which is opaque.
public protocol ReceivingEndpoint: ~Copyable {
  /// The type of the elements received.
  associatedtype Element: Sendable

  /// Receives without blocking.
  ///
  /// - Returns: An element, or `nil` if none is ready now.
  /// - Throws: ``SNChannelError/closed`` once the channel is closed and drained.
  mutating func tryReceive() throws(SNChannelError) -> Element?

  /// Moves up to `maxCount` ready elements into `buffer` (appending); never blocks.
  ///
  /// - Parameters:
  ///   - buffer: Where received elements are appended.
  ///   - maxCount: The most elements to take.
  /// - Returns: How many were appended (0 if none is ready now).
  /// - Throws: ``SNChannelError/closed`` once the channel is closed and drained.
  mutating func tryReceive(into buffer: inout [Element], maxCount: Int) throws(SNChannelError)
    -> Int

  /// Receives, blocking the thread while the channel is empty.
  ///
  /// - Returns: An element.
  /// - Throws: ``SNChannelError/closed`` once the channel is closed and drained.
  mutating func receive() throws(SNChannelError) -> Element

  /// Closes the channel for sending: later sends fail with
  /// ``SNChannelError/closed``; elements already queued can still be received.
  /// For the kinds with several receivers that each see every message
  /// (broadcast, latest value) and for rendezvous, it closes this receiver
  /// only: sends fail once every receiver has closed or been dropped.
  mutating func close()

  /// The channel's counters, in the shape every kind shares (broadcast and
  /// latest-value receivers have their own richer counters as well).
  var stats: ChannelStats { get }

  /// Where a receive that must wait for an element waits, as of now.
  var receiveWaitPoint: EndpointWaitPoint { get }
}

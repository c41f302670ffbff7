import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// Cancellation at every suspension point: a cancelled receive takes
/// nothing, a cancelled send hands its element back, and no waiter stays
/// registered (a leaked or double-resumed continuation would hang the task or
/// trap the checked continuation used in debug builds).
@Suite struct AsyncCancellationTests {
  enum Kind: String, CaseIterable, Sendable { case spsc, mpsc, mpmc }

  /// A task waiting to receive on an empty channel is cancelled.
  @Test(arguments: Kind.allCases)
  func cancelledReceiveTakesNothing(kind: Kind) async throws {
    switch kind {
    case .spsc:
      let channel = try SNChannel<Int>.spsc(capacity: 4)
      let tx = channel.sender
      let task = Task(taking: channel.receiver) { rx -> SNChannelError? in
        do throws(SNChannelError) {
          _ = try await rx.receive()
          return nil
        } catch { return error }
      }
      #expect(await eventually { tx.registeredWaiters.receivers == 1 })
      task.cancel()
      #expect(await task.value == .cancelled)
      #expect(tx.registeredWaiters == (0, 0))
    case .mpsc:
      let channel = try SNChannel<Int>.mpsc(capacity: 4)
      let tx = channel.sender
      let task = Task(taking: channel.receiver) { rx -> (SNChannelError?, Int?) in
        do throws(SNChannelError) {
          _ = try await rx.receive()
          return (nil, nil)
        } catch {
          // The receiver survives the cancelled wait: the element sent now is there.
          return (error, await Self.pollAfterCancellation(&rx))
        }
      }
      #expect(await eventually { tx.registeredWaiters.receivers == 1 })
      task.cancel()
      #expect(await eventually { tx.registeredWaiters.receivers == 0 })
      try tx.trySend(42)
      let (error, next) = await task.value
      #expect(error == .cancelled)
      #expect(next == 42)
    case .mpmc:
      let channel = try SNChannel<Int>.mpmc(capacity: 4)
      let tx = channel.sender
      let rx = channel.receiver
      let task = Task(taking: rx.clone()) { mine -> SNChannelError? in
        do throws(SNChannelError) {
          _ = try await mine.receive()
          return nil
        } catch { return error }
      }
      #expect(await eventually { tx.registeredWaiters.receivers == 1 })
      task.cancel()
      #expect(await task.value == .cancelled)
      try tx.trySend(42)
      #expect(try rx.tryReceive() == 42)
      #expect(tx.registeredWaiters == (0, 0))
    }
  }

  /// A task waiting to send on a full channel is cancelled: it gets its
  /// element back and the queued elements are untouched.
  @Test(arguments: Kind.allCases)
  func cancelledSendHandsTheElementBack(kind: Kind) async throws {
    let tracker = LifetimeTracker()
    switch kind {
    case .spsc:
      let channel = try SNChannel<Tracked>.spsc(capacity: 2)
      var rx = channel.receiver
      let task = Task(taking: channel.sender) { tx -> (SNChannelError?, Int?) in
        try! tx.trySend(tracker.instance(0))
        try! tx.trySend(tracker.instance(1))
        do throws(SendError<Tracked>) {
          try await tx.send(tracker.instance(99))
          return (nil, nil)
        } catch { return (error.reason, error.element.payload) }
      }
      #expect(await eventually { rx.registeredWaiters.senders == 1 })
      task.cancel()
      let (reason, payload) = await task.value
      #expect(reason == .cancelled)
      #expect(payload == 99)
      #expect(try rx.tryReceive()?.payload == 0)
      #expect(try rx.tryReceive()?.payload == 1)
      #expect(throws: SNChannelError.closed) { try rx.tryReceive() }
    case .mpsc:
      let channel = try SNChannel<Tracked>.mpsc(capacity: 2)
      let box = ReceiverBox(channel.receiver)
      try await Self.cancelFullSend(channel.sender, tracker: tracker) { () throws(SNChannelError) in
        try box.tryReceive()
      }
    case .mpmc:
      let channel = try SNChannel<Tracked>.mpmc(capacity: 2)
      let box = MPMCBox(channel.receiver)
      try await Self.cancelFullSend(channel.sender, tracker: tracker) { () throws(SNChannelError) in
        try box.receiver.tryReceive()
      }
    }
    #expect(tracker.liveCount == 0)
  }

  /// Polls the receiver of a cancelled task (async receives fail at once
  /// there) until an element comes, yielding between polls: a blocking
  /// receive would hold a pool thread that the test itself needs.
  static func pollAfterCancellation(_ rx: inout MPSCReceiver<Int>) async -> Int? {
    let deadline = MonotonicClock.deadline(after: .seconds(30))
    while MonotonicClock.nanoseconds < deadline {
      if let value = try? rx.tryReceive() { return value }
      await Task.yield()
    }
    return nil
  }

  static func cancelFullSend(
    _ tx: consuming MultiSender<Tracked>, tracker: LifetimeTracker,
    tryReceive: () throws(SNChannelError) -> Tracked?
  ) async throws {
    try tx.trySend(tracker.instance(0))
    try tx.trySend(tracker.instance(1))
    let task = Task(taking: tx.clone()) { mine -> (SNChannelError?, Int?) in
      do throws(SendError<Tracked>) {
        try await mine.send(tracker.instance(99))
        return (nil, nil)
      } catch { return (error.reason, error.element.payload) }
    }
    #expect(await eventually { tx.registeredWaiters.senders == 1 })
    task.cancel()
    let (reason, payload) = await task.value
    #expect(reason == .cancelled)
    #expect(payload == 99)
    #expect(tx.registeredWaiters == (0, 0))
    #expect(try tryReceive()?.payload == 0)
    #expect(try tryReceive()?.payload == 1)
    #expect(try tryReceive() == nil)
  }

  /// An already-cancelled task moves nothing, even when it could.
  @Test func alreadyCancelledTaskMovesNothing() async throws {
    let channel = try SNChannel<Int>.mpmc(capacity: 4)
    let tx = channel.sender
    let rx = channel.receiver
    try tx.trySend(1)
    let endpoints = Endpoints(tx: tx.clone(), rx: rx.clone())
    let task = Task(taking: endpoints) { endpoints -> (SNChannelError?, SNChannelError?, Int?) in
      withUnsafeCurrentTask { $0?.cancel() }
      var receiveError: SNChannelError?
      do throws(SNChannelError) { _ = try await endpoints.rx.receive() } catch {
        receiveError = error
      }
      var sendError: SNChannelError?
      var returned: Int?
      do throws(SendError<Int>) { try await endpoints.tx.send(2) } catch {
        sendError = error.reason
        returned = error.element
      }
      return (receiveError, sendError, returned)
    }
    let (receiveError, sendError, returned) = await task.value
    #expect(receiveError == .cancelled)
    #expect(sendError == .cancelled)
    #expect(returned == 2)
  }

  /// `for try await` over a receiver ends with `.cancelled` when the task is
  /// cancelled while it waits.
  @Test func cancelledIterationThrows() async throws {
    let channel = try SNChannel<Int>.spsc(capacity: 4)
    var tx = channel.sender
    let messages = channel.receiver.messages()
    let task = Task { () -> (Int, SNChannelError?) in
      var seen = 0
      do throws(SNChannelError) {
        for try await _ in messages { seen += 1 }
        return (seen, nil)
      } catch { return (seen, error) }
    }
    try await tx.send(1)
    try await tx.send(2)
    #expect(await eventually { tx.registeredWaiters.receivers == 1 })
    task.cancel()
    let (seen, error) = await task.value
    #expect(seen == 2)
    #expect(error == .cancelled)
  }

  /// Cancellation racing with wake-ups: every element sent is received
  /// exactly once, by the cancelled-or-not task or by the final drain.
  @Test func cancellationRacesWithSends() async throws {
    let rounds = 2_000
    let channel = try SNChannel<Int>.mpmc(capacity: 2)
    var tx = channel.sender
    let rx = channel.receiver
    var received: [Int] = []
    for round in 0..<rounds {
      let task = Task(taking: rx.clone()) { mine -> Int? in try? await mine.receive() }
      if round % 3 != 0 { await Task.yield() }
      if round % 2 == 0 {
        try await tx.send(round)
        task.cancel()
      } else {
        task.cancel()
        try await tx.send(round)
      }
      if let value = await task.value { received.append(value) }
      while let value = try rx.tryReceive() { received.append(value) }
    }
    #expect(received.sorted() == Array(0..<rounds))
    #expect(tx.registeredWaiters == (0, 0))
  }
}

/// Lends an MPSC receiver to a closure (tests only; one thread at a time).
final class ReceiverBox<Element: Sendable>: @unchecked Sendable {
  var receiver: MPSCReceiver<Element>
  init(_ receiver: consuming MPSCReceiver<Element>) { self.receiver = receiver }
  func tryReceive() throws(SNChannelError) -> Element? { try receiver.tryReceive() }
}

/// Holds an MPMC receiver in a copyable reference, for a closure that
/// receives from it (one user at a time: concurrent consumers each take a
/// `clone()`).
final class MPMCBox<Element: Sendable>: @unchecked Sendable {
  var receiver: MPMCReceiver<Element>
  init(_ receiver: consuming MPMCReceiver<Element>) { self.receiver = receiver }
}

/// Both endpoints of an MPMC channel, for a task that takes over the pair.
struct Endpoints: ~Copyable, Sendable {
  var tx: MultiSender<Int>
  var rx: MPMCReceiver<Int>
}

import SNAtomics
import SNChannels
import Synchronization

/// The mesh's lanes: one SPSC channel per ordered pair of workers
/// (`from * workerCount + to`), and the two counters that let a graceful
/// shutdown see that the mesh is empty.
///
/// Ownership: worker `from` is the only thread that uses the senders of row
/// `from`, worker `to` the only one that uses the receivers of column `to`,
/// so no endpoint is ever used by two threads. After every worker thread has
/// been joined, the joining thread may drain the receivers
/// (``drainAfterJoin()``): the join orders it after every worker's accesses.
/// The diagonal (`from == to`) has channels too, never used: a message a
/// worker sends to itself never leaves the worker (see `_MeshStage`).
@usableFromInline
final class _MeshStorage<Message: Sendable>: @unchecked Sendable {
  @usableFromInline let workerCount: Int
  @usableFromInline let senders: UnsafeMutablePointer<SPSCSender<Message>>
  @usableFromInline let receivers: UnsafeMutablePointer<SPSCReceiver<Message>>
  /// Workers that are not yet passive (see `WorkerPool+Mesh.swift`).
  @usableFromInline let active: Atomic<Int>
  /// Messages published to a lane whose handling is not finished yet.
  @usableFromInline let inflight: Atomic<Int>
  let configuration: MeshConfiguration

  init(workerCount: Int, configuration: MeshConfiguration) throws(PoolConfigurationError) {
    self.workerCount = workerCount
    self.configuration = configuration
    let lanes = workerCount * workerCount
    senders = .allocate(capacity: lanes)
    receivers = .allocate(capacity: lanes)
    for lane in 0..<lanes {
      let channel: SPSCChannel<Message>
      do {
        channel = try SNChannel<Message>.spsc(
          capacity: lane / workerCount == lane % workerCount ? 1 : configuration.laneCapacity)
      } catch {
        // Unreachable after validation; clean up what was made.
        senders.deinitialize(count: lane)
        receivers.deinitialize(count: lane)
        senders.deallocate()
        receivers.deallocate()
        throw .invalidMeshConfiguration.with(detail: "laneCapacity: \(error)")
      }
      let sender = channel.sender
      let receiver = channel.receiver
      (senders + lane).initialize(to: sender)
      (receivers + lane).initialize(to: receiver)
    }
    active = Atomic(workerCount)
    inflight = Atomic(0)
  }

  deinit {
    let lanes = workerCount * workerCount
    senders.deinitialize(count: lanes)
    receivers.deinitialize(count: lanes)
    senders.deallocate()
    receivers.deallocate()
  }

  /// Publishes up to `count` messages from `stage` on lane `from → to`;
  /// called only by worker `from`.
  ///
  /// - Returns: How many were published (a prefix), copied into the lane;
  ///   the caller deinitialises them in its stage.
  @inlinable
  func publish(from: Int, to: Int, _ stage: UnsafeMutableBufferPointer<Message>) -> Int {
    do {
      return try senders[from * workerCount + to].trySend(contentsOf: stage)
    } catch {
      return 0  // receivers close only in deinit: not reachable while sending
    }
  }

  /// Hands up to `maxCount` messages of lane `from → to` to `body`; called
  /// only by worker `to`.
  @inlinable
  func receive(
    from: Int, to: Int, maxCount: Int, _ body: (consuming Message) -> Bool
  ) -> Int {
    do {
      return try receivers[from * workerCount + to].tryReceive(maxCount: maxCount, body)
    } catch {
      return 0
    }
  }

  /// Whether any lane into worker `to` holds a message; called only by `to`.
  @inlinable
  func hasInbound(to: Int) -> Bool {
    for from in 0..<workerCount where from != to {
      let readable = (try? receivers[from * workerCount + to]._readable(upTo: 1)) ?? 0
      if readable > 0 { return true }
    }
    return false
  }

  /// Every message still in a lane, moved out; only after every worker
  /// thread was joined (an immediate stop).
  func drainAfterJoin() -> [Message] {
    var rest: [Message] = []
    for from in 0..<workerCount {
      for to in 0..<workerCount where from != to {
        _ = try? receivers[from * workerCount + to].tryReceive(into: &rest, maxCount: .max)
      }
    }
    return rest
  }
}

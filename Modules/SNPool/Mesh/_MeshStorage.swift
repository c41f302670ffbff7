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
  /// The `workerCount × workerCount` lanes (the pool's one lane type).
  @usableFromInline let row: _LaneStorage<Message>
  /// Workers that are not yet passive (see `WorkerPool+Mesh.swift`).
  @usableFromInline let active: Atomic<Int>
  /// Messages published to a lane whose handling is not finished yet.
  @usableFromInline let inflight: Atomic<Int>
  let configuration: MeshConfiguration

  init(workerCount: Int, configuration: MeshConfiguration) throws(PoolConfigurationError) {
    self.workerCount = workerCount
    self.configuration = configuration
    do throws(SNChannelError) {
      row = try _LaneStorage<Message>(count: workerCount * workerCount) { lane in
        lane / workerCount == lane % workerCount ? 1 : configuration.laneCapacity
      }
    } catch {
      // Unreachable after validation (only memory can run out).
      throw .invalidMeshConfiguration.with(detail: "laneCapacity: \(error)")
    }
    active = Atomic(workerCount)
    inflight = Atomic(0)
  }

  @inlinable var senders: UnsafeMutablePointer<SPSCSender<Message>> { row.senders }
  @inlinable var receivers: UnsafeMutablePointer<SPSCReceiver<Message>> { row.receivers }

  /// The sender of lane `from → to`; used only by worker `from`.
  @inlinable
  func sender(from: Int, to: Int) -> UnsafeMutablePointer<SPSCSender<Message>> {
    senders + (from * workerCount + to)
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

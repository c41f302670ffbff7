import SNAtomics
import SNPartition
import SNPool
import Synchronization
import _SNTestSupport

/// Records which ids and keys each worker handled.
struct RecordingWorker: Worker {
  struct State: Sendable {
    var workerIndex: Int
    var ids: [Int] = []
    var keys = Set<Int>()
    var cpus = Set<Int>()
    var ticks = 0
    var finalTickSeen = false
  }

  struct Message: Sendable {
    var id: Int
    var key: Int
  }

  var recordsCPU = false

  func makeState(workerIndex: Int) -> State { State(workerIndex: workerIndex) }

  func handleMessage(
    _ envelope: Envelope<Message>, state: inout State, context: inout WorkerContext<Self>
  ) {
    state.ids.append(envelope.message.id)
    state.keys.insert(envelope.message.key)
    if recordsCPU, let cpu = OSThread.currentCPU { state.cpus.insert(cpu) }
  }

  func tick(state: inout State, context: inout WorkerContext<Self>) {
    state.ticks += 1
    if context.isShuttingDown { state.finalTickSeen = true }
  }
}

/// Checks that ids `0..<total` each appear exactly once over all states.
func expectExactlyOnce(_ states: [RecordingWorker.State], total: Int) -> Bool {
  var seen = [UInt8](repeating: 0, count: total)
  var count = 0
  for state in states {
    for id in state.ids {
      guard id >= 0, id < total, seen[id] == 0 else { return false }
      seen[id] = 1
      count += 1
    }
  }
  return count == total
}

/// Sends ids `0..<total` from `producers` threads, retrying rejected sends
/// (for fail-fast and timeout policies); returns how many were rejected.
func produce(
  into pool: WorkerPool<RecordingWorker>, total: Int, producers: Int, keys: Int = 1000
) -> Int {
  let counter = RejectCounter()
  let threads = (0..<producers).map { producer in
    OSThread.spawn(name: "producer-\(producer)") {
      var id = producer
      while id < total {
        var message = RecordingWorker.Message(id: id, key: id % keys)
        while true {
          do throws(SubmitError<RecordingWorker.Message>) {
            try pool.send(message, key: message.key)
            break
          } catch {
            guard error.reason == .queueFull || error.reason == .timedOut else {
              fatalError("unexpected \(error.reason)")
            }
            counter.add()
            message = error.message
            Backoff.pause()
          }
        }
        id += producers
      }
    }
  }
  for thread in threads { thread.join() }
  return counter.value
}

final class RejectCounter: Sendable {
  private let count = Atomic<Int>(0)
  func add() { count.wrappingAdd(1, ordering: .relaxed) }
  var value: Int { count.load(ordering: .relaxed) }
}

/// The message count for stress tests: 1M in release, 20k in debug/TSan.
var stressTotal: Int { StressSize.messages }

import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// An actor whose methods run on a ``PinnedExecutor``.
actor PinnedCounter {
  let executor: PinnedExecutor
  var count = 0

  init(executor: PinnedExecutor) { self.executor = executor }

  nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

  func increment() -> (count: Int, onWorker: Bool) {
    count += 1
    return (count, executor.isCurrentThread)
  }
}

@Suite struct PinnedExecutorTests {
  @Test func actorMethodsRunOnThePinnedThread() async throws {
    let cpu = OSThread.allowedCPUs.last
    let executor = PinnedExecutor(name: "sn-test-exec", cpu: cpu)
    let counter = PinnedCounter(executor: executor)
    for expected in 1...1_000 {
      let (count, onWorker) = await counter.increment()
      #expect(count == expected)
      #expect(onWorker)
    }
    if executor.pinnedCPU != nil { #expect(executor.pinnedCPU == cpu) }
    await executor.shutdown()
  }

  @Test func taskPreferenceRunsThereAndReceivesFromAChannel() async throws {
    let executor = PinnedExecutor(name: "sn-test-exec")
    let channel = try SNChannel<Int>.spsc(capacity: 16)
    let count = 10_000
    let producer = spawnThread(taking: channel.sender) { tx in
      for value in 0..<count { try! tx.send(value) }
    }
    let box = TaskOwned(channel.receiver)
    let result = await Task(executorPreference: executor) { () -> (Int, Bool) in
      var rx = box.take()
      var sum = 0
      var alwaysOnWorker = true
      while let value = try? await rx.receive() {
        sum += value
        alwaysOnWorker = alwaysOnWorker && executor.isCurrentThread
      }
      return (sum, alwaysOnWorker)
    }.value
    await producer.join()
    #expect(result.0 == count * (count - 1) / 2)
    #expect(result.1)
    await executor.shutdown()
  }

  /// More jobs than the queue holds, enqueued from the executor itself: they
  /// overflow into the list and all run (enqueue never blocks).
  @Test func overflowingTheQueueFromItsOwnThread() async throws {
    let executor = PinnedExecutor(name: "sn-test-exec", capacity: 2)
    let ran = Counter()
    await Task(executorPreference: executor) {
      await withTaskGroup(of: Void.self) { group in
        for _ in 0..<500 {
          group.addTask(executorPreference: executor) {
            precondition(executor.isCurrentThread)
            ran.add()
          }
        }
      }
    }.value
    #expect(ran.value == 500)
    await executor.shutdown()
  }
}

final class Counter: Sendable {
  private let word = Atomic<Int>(0)
  func add() { word.wrappingAdd(1, ordering: .relaxed) }
  var value: Int { word.load(ordering: .relaxed) }
}

/// Hands a noncopyable value to exactly one task.
final class TaskOwned<Value: ~Copyable & Sendable>: @unchecked Sendable {
  private var value: Value?
  init(_ value: consuming Value) { self.value = consume value }
  func take() -> Value {
    guard let value = value.take() else { preconditionFailure("taken twice") }
    return value
  }
}

import SNAtomics
import SNChannels
import Synchronization
import Testing
import _SNTestSupport

/// Exactly-once through `Select` under real concurrency (small counts in
/// debug and under ThreadSanitizer): several consumers each selecting over
/// the same two channels, and workers selecting between a send and a
/// receive, with every element's lifetime counted.
@Suite struct SelectStressTests {
  static var perProducer: Int { max(500, StressSize.messages / 40) }

  /// Two producers per channel (two MPMC channels),
  /// three consumers each selecting over both: every element arrives once.
  @Test func selectingConsumersReceiveEachElementOnce() throws {
    let tracker = LifetimeTracker()
    let perProducer = Self.perProducer
    let logs = (0..<3).map { _ in JoinedResult<[UInt64]>([]) }
    do {
      let a = try SNChannel<Tracked>.mpmc(capacity: 8)
      let b = try SNChannel<Tracked>.mpmc(capacity: 8)
      var threads: [OSThread] = []
      for consumer in 0..<3 {
        let log = logs[consumer]
        threads.append(
          OSThread.spawn(taking: TwoEndpoints(a.receiver.clone(), b.receiver.clone())) { pair in
            while true {
              do throws(SNChannelError) {
                switch try Select.receive(from: &pair.first, &pair.second) {
                case .first(let value): log.value.append(UInt64(value.payload))
                case .second(let value): log.value.append(UInt64(value.payload))
                }
              } catch {
                #expect(error == .closed)
                return
              }
            }
          })
      }
      for producer in 0..<4 {
        let sender = producer % 2 == 0 ? a.sender.clone() : b.sender.clone()
        threads.append(
          OSThread.spawn(taking: sender) { tx in
            for sequence in 0..<perProducer {
              try! tx.send(tracker.instance(producer << 32 | sequence))
            }
          })
      }
      _ = consume a
      _ = consume b
      for thread in threads { thread.join() }
    }
    #expect(
      exactlyOnceProblem(logs: logs.map(\.value), producers: 4, perProducer: perProducer) == nil)
    #expect(tracker.createdCount == 4 * perProducer)
    #expect(tracker.liveCount == 0)
  }

  /// Two workers each select between sending their own elements to `out`
  /// and receiving from `input` (fed by two producers); a value that loses
  /// comes back and is sent again. Every element is sent once and received
  /// once on each channel.
  @Test func sendAndReceiveArmsMoveEachElementOnce() throws {
    let tracker = LifetimeTracker()
    let perProducer = Self.perProducer
    let inputLogs = (0..<2).map { _ in JoinedResult<[UInt64]>([]) }
    let outLog = JoinedResult<[UInt64]>([])
    do {
      let input = try SNChannel<Tracked>.mpmc(capacity: 4)
      let out = try SNChannel<Tracked>.mpmc(capacity: 4)
      var threads: [OSThread] = []
      for worker in 0..<2 {
        let log = inputLogs[worker]
        threads.append(
          OSThread.spawn(taking: TwoEndpoints(out.sender.clone(), input.receiver.clone())) { pair in
            var next = 0
            var pending: Tracked? = nil
            var inputOpen = true
            while true {
              let value: Tracked
              if let back = pending.take() {
                value = back
              } else if next < perProducer {
                value = tracker.instance(worker << 32 | next)
                next += 1
              } else {
                break
              }
              guard inputOpen else {
                try! pair.first.send(value)
                continue
              }
              do throws(SendError<Tracked>) {
                switch try Select.send(value, to: &pair.first, orReceiveFrom: &pair.second) {
                case .sent: break
                case .received(let element, let unsent):
                  log.value.append(UInt64(element.payload))
                  pending = unsent
                }
              } catch {
                #expect(error.reason == .closed)
                inputOpen = false
                pending = error.element
              }
            }
            while let element = try? pair.second.receive() {
              log.value.append(UInt64(element.payload))
            }
          })
      }
      for producer in 0..<2 {
        threads.append(
          OSThread.spawn(taking: input.sender.clone()) { tx in
            for sequence in 0..<perProducer {
              try! tx.send(tracker.instance(producer << 32 | sequence))
            }
          })
      }
      threads.append(
        OSThread.spawn(taking: out.receiver.clone()) { rx in
          while let element = try? rx.receive() { outLog.value.append(UInt64(element.payload)) }
        })
      _ = consume input
      _ = consume out
      for thread in threads { thread.join() }
    }
    #expect(
      exactlyOnceProblem(logs: inputLogs.map(\.value), producers: 2, perProducer: perProducer)
        == nil)
    #expect(exactlyOnceProblem(logs: [outLog.value], producers: 2, perProducer: perProducer) == nil)
    #expect(tracker.createdCount == 4 * perProducer)
    #expect(tracker.liveCount == 0)
  }
}

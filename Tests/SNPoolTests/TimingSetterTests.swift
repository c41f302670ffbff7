import SNPool
import Testing

/// The `with…` setters of the timing settings set their field and nothing else.
@Suite struct TimingSetterTests {
  @Test func timingSettersSetTheirFields() {
    let base = PoolConfiguration()
    let configured = base.withLatencySampleInterval(1).withRecordsQueueDelay(true)
    #expect(configured.latencySampleInterval == 1)
    #expect(configured.recordsQueueDelay)
    #expect(configured.workerCount == base.workerCount)
    #expect(base.withLatencySampleInterval(0).latencySampleInterval == 0)
    #expect(!configured.withRecordsQueueDelay(false).recordsQueueDelay)
  }
}

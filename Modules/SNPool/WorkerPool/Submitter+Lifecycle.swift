import SNAtomics
import SNChannels
import SNPartition
import Synchronization

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

extension WorkerPool {
  /// Makes a producer handle with its own lane to each worker (see
  /// ``Submitter``), for one thread that submits many messages.
  ///
  /// - Returns: The submitter; drop it when that producer is done.
  /// - Throws: ``PoolError/shutDown`` once shutdown (or stop) has begun;
  ///   ``PoolError/allocationFailed`` if its lanes do not fit in memory.
  public func makeSubmitter() throws(PoolError) -> Submitter<W> {
    let capacity = configuration.worker.queueCapacity
    var receivers: [_Lane<W.Message>] = []
    // The capacity was validated by init: only memory can run out.
    let storage: _SubmitterStorage<W.Message>
    do throws(SNChannelError) {
      storage = try _SubmitterStorage(
        slots: slots, capacity: capacity, keyedCapacity: W.receivesKeyHash ? capacity : 1,
        strategy: configuration.worker.idleStrategy.channelStrategy, intake: intake,
        stamps: recordsQueueDelay, receivers: &receivers)
    } catch {
      throw PoolError.allocationFailed.with(detail: "queueCapacity \(capacity): \(error)")
    }
    let record = _SubmitterBusyStorage()
    let registered = lifecycle.withLock { state -> Bool in
      switch state.phase {
      case .created, .starting, .running: break
      case .closing, .terminated: return false
      }
      state.submitters.append(record)
      for (slot, lane) in zip(slots, receivers) { slot.addLane(lane) }
      return true
    }
    guard registered else { throw .shutDown }  // `storage` is freed
    return Submitter(pool: self, storage: storage, record: record)
  }

  func removeSubmitter(_ record: _SubmitterBusyStorage) {
    lifecycle.withLock { state in state.submitters.removeAll { $0 === record } }
  }

  /// Shutdown's side of the submitters' intake protocol: close intake, then
  /// wait until no submitter is inside a send.
  func closeSubmitterIntake() {
    intake.closed.pointee.store(1, ordering: .releasing)
    AsymmetricFence.process.heavy()
    let records = lifecycle.withLock { $0.submitters }
    for record in records {
      var backoff = Backoff(strategy: .lowCPU)
      while record.busy.pointee.load(ordering: .acquiring) != 0 {
        if backoff.shouldPark { usleep(100) } else { backoff.snooze() }
      }
    }
  }
}

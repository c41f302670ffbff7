import SNChannels
import SNPool
import Testing

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Limits this process's address space to what it uses now plus `headroom`
/// bytes (inside an exit test: the limit stays with the child).
func limitAddressSpace(headroom: Int) {
  var usage = rlimit()
  // /proc/self/statm's first field is the virtual size in pages.
  var text = [UInt8](repeating: 0, count: 128)
  let descriptor = open("/proc/self/statm", O_RDONLY)
  let count = read(descriptor, &text, text.count)
  close(descriptor)
  let pages = Int(String(decoding: text.prefix(max(count, 0)), as: UTF8.self).prefix { $0 != " " })
  let size = (pages ?? 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
  usage.rlim_cur = rlim_t(size + headroom)
  usage.rlim_max = rlim_t(size + headroom)
  require(setrlimit(__rlimit_resource_t(RLIMIT_AS.rawValue), &usage) == 0, "setrlimit failed")
}

/// Bad configuration that used to trap: a typed error instead.
@Suite("WorkerPool bad input is a typed error, never a trap")
struct PoolBadInputTests {
  @Test("a huge worker count is rejected before anything is planned or allocated")
  func hugeWorkerCount() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardErrorContent]
    ) {
      for count in [Int.max, 1 << 40, 1 << 20] {
        do throws(PoolConfigurationError) {
          _ = try WorkerPool(
            worker: ThrowsAtThreeWorker(), configuration: PoolConfiguration().withWorkerCount(count)
          )
          require(false, "\(count) workers accepted")
        } catch {
          require(error == .tooManyWorkers, "\(count) workers: \(error)")
          require(error.description.contains("workerCount"), "\(error) does not name the setting")
        }
      }
    }
    reportChildErrors(result)
  }

  @Test("the maximum worker count itself is accepted")
  func maximumWorkerCount() throws {
    let configuration = PoolConfiguration().withWorkerCount(PoolConfiguration.maximumWorkerCount)
    #expect(throws: PoolConfigurationError.tooManyWorkers) {
      try WorkerPool(
        worker: ThrowsAtThreeWorker(),
        configuration: configuration.withWorkerCount(PoolConfiguration.maximumWorkerCount + 1))
    }
    // Built, never started: no threads, one small queue per worker.
    let pool = try WorkerPool(
      worker: ThrowsAtThreeWorker(),
      configuration: configuration.withWorkerConfiguration(
        WorkerConfiguration().withQueueCapacity(2)))
    #expect(pool.workerCount == PoolConfiguration.maximumWorkerCount)
  }

  @Test("a huge batch size does not trap when the worker starts")
  func hugeBatchSize() throws {
    let pool = try WorkerPool(
      worker: ThrowsAtThreeWorker(),
      configuration: PoolConfiguration().withWorkerCount(1)
        .withWorkerConfiguration(WorkerConfiguration().withBatchSize(.max)))
    for value in 10..<20 { try pool.send(value, toWorker: 0) }
    try pool.start()
    #expect(pool.shutdown().states == [10])
  }

  // A sanitizer's allocator reserves its own address space and ignores
  // RLIMIT_AS, so the limit cannot make an allocation fail there.
  @Test(
    "a queue the memory limit cannot hold is a typed error, not a trap",
    .enabled(if: !underSanitizer, "sanitizer allocators ignore RLIMIT_AS"))
  func allocationFailure() async {
    let result = await #expect(
      processExitsWith: .success, observing: [\.standardErrorContent]
    ) {
      limitAddressSpace(headroom: 1 << 30)
      // 2^30 slots of 16 bytes and more: far beyond 1 GiB of headroom.
      do throws(SNChannelError) {
        _ = try SNChannel<Int>.mpsc(capacity: 1 << 30)
        require(false, "mpsc channel allocated")
      } catch {
        require(error == .allocationFailed, "mpsc: \(error)")
      }
      do throws(SNChannelError) {
        _ = try SNChannel<Int>.mpmc(capacity: 1 << 30)
        require(false, "mpmc channel allocated")
      } catch {
        require(error == .allocationFailed, "mpmc: \(error)")
      }
      do throws(SNChannelError) {
        _ = try SNChannel<(Int, Int)>.spsc(capacity: 1 << 30)
        require(false, "spsc channel allocated")
      } catch {
        require(error == .allocationFailed, "spsc: \(error)")
      }
      do throws(PoolConfigurationError) {
        _ = try WorkerPool(
          worker: ThrowsAtThreeWorker(),
          configuration: PoolConfiguration().withWorkerCount(1)
            .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(1 << 30)))
        require(false, "pool queue allocated")
      } catch {
        require(error == .allocationFailed, "pool: \(error)")
        require(error.description.contains("queueCapacity"), "\(error) does not name the setting")
      }
      do throws(PoolConfigurationError) {
        _ = try WorkerPool(
          worker: DoublingWorker(),
          configuration: PoolConfiguration().withWorkerCount(1).withResultsCapacity(1 << 30))
        require(false, "results channel allocated")
      } catch {
        require(error == .allocationFailed, "results: \(error)")
        require(error.description.contains("resultsCapacity"), "\(error) does not name the setting")
      }
      // A small queue still works under the limit.
      let pool = try! WorkerPool(
        worker: ThrowsAtThreeWorker(),
        configuration: PoolConfiguration().withWorkerCount(1)
          .withWorkerConfiguration(WorkerConfiguration().withQueueCapacity(64)))
      try! pool.send(10, toWorker: 0)
      try! pool.start()
      require(pool.shutdown().states == [1], "small pool under the limit")
    }
    reportChildErrors(result)
  }
}

/// Whether the process runs under ThreadSanitizer or AddressSanitizer (its
/// runtime is linked in).
private let underSanitizer: Bool = {
  guard let handle = dlopen(nil, RTLD_NOW) else { return false }
  defer { dlclose(handle) }
  return dlsym(handle, "__tsan_init") != nil || dlsym(handle, "__asan_init") != nil
}()

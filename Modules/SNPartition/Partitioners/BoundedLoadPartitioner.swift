import Synchronization

/// Consistent hashing with bounded loads (Mirrokni, Thorup, Zadimoghaddam 2016),
/// as HAProxy's `hash-balance-factor` and Envoy's `hash_balance_factor` do it.
///
/// Wraps any partitioner. Each worker may hold at most
/// `⌈c · (inFlight + 1) / N⌉` messages at once, where `c` is the capacity
/// factor (1.25 by default). A message goes to its key's owner unless the
/// owner is full; then it goes to the next non-full worker in a probe sequence
/// fixed per key (first the base partitioner on re-hashed keys, then the
/// following indices), so a hot key spills to the same few workers every time.
///
/// Routing is therefore *load-dependent*: call ``worker(forKeyHash:)`` once per
/// message, and ``complete(worker:)`` when that message is done, so the
/// in-flight counts stay true. Under uniform keys the cap rarely binds and the
/// base mapping is kept; under skew the busiest worker stays within c× the
/// mean, at the price of some keys being served by more than one worker.
///
/// Thread safety: loads are per-worker atomics, read and incremented with
/// relaxed ordering; they are statistics that steer placement, not guards for
/// data. Two threads racing for the last free place may both take it, so under
/// concurrency the cap can be exceeded by the number of racing threads;
/// single-threaded it is exact.
public struct BoundedLoadPartitioner<Base: Partitioner>: Partitioner {
  /// The default capacity factor, 1.25.
  public static var defaultCapacityFactor: Double { 1.25 }

  /// The wrapped partitioner that picks each key's preferred worker.
  public let base: Base
  /// The capacity factor c > 1.
  public let capacityFactor: Double
  @usableFromInline let _loads: _LoadTable

  /// Per-worker in-flight counts, owned here and freed on deinit.
  ///
  /// `@unchecked Sendable`: the pointer is set once in `init` and every access
  /// through it is an atomic operation.
  @usableFromInline
  final class _LoadTable: @unchecked Sendable {
    @usableFromInline let counts: UnsafeMutablePointer<Atomic<Int>>
    @usableFromInline let count: Int
    @usableFromInline let total = Atomic<Int>(0)

    init(count: Int) {
      self.count = count
      counts = .allocate(capacity: count)
      for index in 0..<count { (counts + index).initialize(to: Atomic(0)) }
    }

    deinit {
      counts.deinitialize(count: count)
      counts.deallocate()
    }
  }

  /// Wraps `base` with a load cap.
  ///
  /// - Parameters:
  ///   - base: The partitioner that picks each key's preferred worker.
  ///   - capacityFactor: The cap as a multiple of the mean load; finite and > 1.
  ///     A factor whose cap would exceed `Int.max` never spills.
  /// - Throws: ``PartitionError/invalidCapacityFactor``.
  public init(_ base: Base, capacityFactor: Double = 1.25) throws(PartitionError) {
    guard capacityFactor.isFinite, capacityFactor > 1 else { throw .invalidCapacityFactor }
    self.base = base
    self.capacityFactor = capacityFactor
    self._loads = _LoadTable(count: base.workerIDs.count)
  }

  /// The base partitioner's key hasher.
  public var keyHasher: KeyHasher { base.keyHasher }

  /// The base partitioner's worker ids.
  public var workerIDs: [Int] { base.workerIDs }

  /// Assigns one message with key hash `keyHash` to a worker and counts it as in flight.
  ///
  /// - Parameter keyHash: The key's hash under ``keyHasher``.
  /// - Returns: The key's owner if it is below the cap, else the first worker
  ///   below the cap in the key's probe sequence.
  /// - Complexity: The base lookup when the owner has room; otherwise a few
  ///   more base lookups, and O(N) in the worst case.
  public func worker(forKeyHash keyHash: UInt64) -> Int {
    let workers = _loads.count
    let inFlight = _loads.total.load(ordering: .relaxed)
    // ⌈c · (inFlight + 1) / N⌉ computed in Double: exact for any realistic load.
    // A factor so large that the cap exceeds `Int.max` (1e300, say) means
    // "never spill": saturate instead of trapping in the conversion.
    let exactCap = (capacityFactor * Double(inFlight &+ 1) / Double(workers)).rounded(.up)
    let cap = exactCap < 0x1p63 ? Int(exactCap) : Int.max
    var chosen = base.worker(forKeyHash: keyHash)
    if load(of: chosen) >= cap {
      chosen = spill(keyHash, from: chosen, cap: cap)
    }
    _loads.counts[chosen].wrappingAdd(1, ordering: .relaxed)
    _loads.total.wrappingAdd(1, ordering: .relaxed)
    return chosen
  }

  private func spill(_ keyHash: UInt64, from owner: Int, cap: Int) -> Int {
    // A few re-hashed base lookups keep spill targets stable per key and
    // consistent with the base scheme; then a linear scan guarantees an answer.
    var probe = keyHash
    for _ in 0..<8 {
      probe = _mix64(probe ^ 0xB0_0DED)
      let candidate = base.worker(forKeyHash: probe)
      if load(of: candidate) < cap { return candidate }
    }
    var leastLoaded = owner
    var leastLoad = Int.max
    for step in 1...max(_loads.count, 1) {
      let candidate = (owner + step) % _loads.count
      let current = load(of: candidate)
      if current < cap { return candidate }
      if current < leastLoad { (leastLoaded, leastLoad) = (candidate, current) }
    }
    return leastLoaded
  }

  /// Marks one message on `worker` as done, freeing its place.
  ///
  /// - Parameter worker: The index ``worker(forKeyHash:)`` returned for the message.
  public func complete(worker: Int) {
    precondition((0..<_loads.count).contains(worker), "worker index out of range")
    let previous = _loads.counts[worker].wrappingSubtract(1, ordering: .relaxed).oldValue
    precondition(previous > 0, "complete(worker:) called more often than worker(forKeyHash:)")
    _loads.total.wrappingSubtract(1, ordering: .relaxed)
  }

  /// The number of messages in flight on `worker`.
  ///
  /// - Parameter worker: A worker index.
  /// - Returns: The count of assigned, not yet completed messages.
  public func load(of worker: Int) -> Int {
    _loads.counts[worker].load(ordering: .relaxed)
  }

  /// The number of messages in flight over all workers.
  public var totalLoad: Int { _loads.total.load(ordering: .relaxed) }
}

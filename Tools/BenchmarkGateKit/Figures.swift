import Foundation

/// One line of the peer benchmarks (`Tools/peers/compare.sh`, the C++ and
/// Rust peers and `ChannelPeers`):
/// `peer=<name> case=<case> msgs=<n> seconds=<s> mps=<msg/s> [ns_per_hop=<ns>] [lang=<c++|rust|swift>]`.
public struct PeerLine: Sendable, Equatable {
  /// The implementation (`sn-spsc`, `moodycamel`, `crossbeam-channel`, …).
  public var peer: String
  /// The workload, normalised (`spsc`, `mpmc-1p1c`, `mpsc-2p1c`, `mpmc-2p2c`, `pingpong`).
  public var workload: String
  /// `c++`, `rust` or `swift` (ours and the Swift reference ring).
  public var language: String
  /// Messages per second, when the line has it.
  public var messagesPerSecond: Double?
  /// One-way hop in nanoseconds (ping-pong lines).
  public var nanosecondsPerHop: Double?

  /// Parses the lines of a file; other lines are skipped.
  /// - Parameter text: The file's contents.
  /// - Returns: The peer lines, in order.
  public static func parse(_ text: String) -> [PeerLine] {
    text.split(whereSeparator: \.isNewline).compactMap { line in
      var fields: [String: String] = [:]
      for part in line.split(separator: " ") {
        let pair = part.split(separator: "=", maxSplits: 1)
        if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
      }
      guard let peer = fields["peer"], let workload = fields["case"] else { return nil }
      let ours = peer.hasPrefix("sn-") || peer.hasPrefix("swift-")
      return PeerLine(
        peer: peer,
        workload: workload.replacingOccurrences(of: "-1024", with: "")
          .replacingOccurrences(of: "-unbounded-token", with: ""),
        language: fields["lang"] ?? (ours ? "swift" : "c++"),
        messagesPerSecond: fields["mps"].flatMap(Double.init),
        nanosecondsPerHop: fields["ns_per_hop"].flatMap(Double.init))
    }
  }

  /// Reads a file of peer lines.
  /// - Parameter path: The file.
  /// - Returns: The lines.
  /// - Throws: ``GateError/unreadableFile(_:)``.
  public static func load(_ path: String) throws(GateError) -> [PeerLine] {
    guard let data = FileManager.default.contents(atPath: path) else { throw .unreadableFile(path) }
    return parse(String(decoding: data, as: UTF8.self))
  }
}

/// The README's figures: one short table per question a user asks, with units.
public enum Figures {
  /// All the tables whose data is present, each under a `###` heading.
  /// - Parameters:
  ///   - results: Harness results (MessagePassing, WorkerPool, Simd suites).
  ///   - peers: Peer lines from interleaved runs.
  /// - Returns: Markdown.
  public static func markdown(_ results: ResultSet, peers: [PeerLine]) -> String {
    [peerTable(peers), scalingTable(results), hopTable(results), kernelTable(results)]
      .compactMap { $0 }.joined(separator: "\n")
  }

  static func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    return values.sorted()[(values.count - 1) / 2]
  }

  static func rate(_ value: Double) -> String {
    String(format: value < 1e5 ? "%.2f M msg/s" : "%.1f M msg/s", value / 1e6)
  }

  static func times(_ value: Double) -> String {
    if value >= 100 { return String(format: "%.0f×", value) }
    if value < 0.01 { return String(format: "%.2g×", value) }
    return value >= 10 ? String(format: "%.1f×", value) : String(format: "%.2f×", value)
  }

  static func grouped(_ value: Int) -> String { TextReport.format(value, unit: "") }

  /// "How fast is it against the C++ and Rust queues?"
  static func peerTable(_ lines: [PeerLine]) -> String? {
    guard !lines.isEmpty else { return nil }
    // Median per (workload, peer, language) over the interleaved rounds.
    var samples: [String: [String: [Double]]] = [:]
    var language: [String: String] = [:]
    for line in lines {
      let key = "\(line.peer)|\(line.language)"
      language[key] = line.language
      if let value = line.workload == "pingpong" ? line.nanosecondsPerHop : line.messagesPerSecond {
        samples[line.workload, default: [:]][key, default: []].append(value)
      }
    }
    var out = "### How fast against C++ and Rust queues?\n\n"
    out += "Same workloads (u64 messages, capacity 1024), medians of interleaved runs; "
    out += "\"×\" is our speed over the best peer's (above 1: ours is faster).\n\n"
    out += "| workload | SNChannels | best C++ peer | × | best Rust peer | × |\n"
    out += "|---|---|---|---|---|---|\n"
    let workloads = ["spsc", "mpmc-1p1c", "mpsc-2p1c", "mpmc-2p2c", "pingpong"]
    for workload in workloads {
      guard let byPeer = samples[workload]?.compactMapValues(median) else { continue }
      let latency = workload == "pingpong"
      func best(_ keep: (String) -> Bool) -> (name: String, value: Double)? {
        let chosen = byPeer.filter { keep($0.key) }
        let pick = latency ? chosen.min { $0.value < $1.value } : chosen.max { $0.value < $1.value }
        return pick.map { (String($0.key.split(separator: "|")[0]), $0.value) }
      }
      let ours = best {
        $0.hasPrefix("sn-") && !$0.contains("batch") && !$0.contains("bare")
          && !$0.contains("hop")
      }
      let batch = best { $0.hasPrefix("sn-") && $0.contains("batch") }
      let cpp = best { language[$0] == "c++" && !$0.hasPrefix("bare") }
      let rust = best { language[$0] == "rust" && !$0.hasPrefix("bare") }
      guard let ours else { continue }
      func cell(_ entry: (name: String, value: Double)?) -> [String] {
        guard let entry else { return ["–", "–"] }
        let text =
          latency
          ? String(format: "%.0f ns (%@)", entry.value, entry.name)
          : "\(rate(entry.value)) (\(entry.name))"
        let ratio = latency ? entry.value / ours.value : ours.value / entry.value
        return [text, times(ratio)]
      }
      var mine = latency ? String(format: "%.0f ns one way", ours.value) : rate(ours.value)
      if let batch, !latency { mine += "; batch API \(rate(batch.value))" }
      let label = latency ? "ping-pong latency" : workload
      out += "| \(label) | \(mine) | " + (cell(cpp) + cell(rust)).joined(separator: " | ") + " |\n"
    }
    // The VM can place the two vCPUs differently from one process to the next,
    // so ChannelPeers also alternates sn-spsc with the reference ring (the C++
    // ref-cached-ring's design, in Swift) in one process: those pairs share it.
    var pairs: [Double] = []
    var reference: Double?
    for line in lines where line.workload == "spsc" {
      if line.peer == "swift-ref-ring" {
        reference = line.messagesPerSecond
      } else if line.peer == "sn-spsc", let value = line.messagesPerSecond, let base = reference {
        pairs.append(value / base)
        reference = nil
      }
    }
    if let middle = median(pairs) {
      out += "\nIn one process, alternating with the reference ring (\(pairs.count) pairs), "
      out += String(
        format: "sn-spsc runs at %.2f× its speed (range %.2f–%.2f). ", middle, pairs.min()!,
        pairs.max()!)
      out += "The peers run in other processes, which the VM may place differently.\n"
    }
    return out
  }

  /// "Does it scale with workers?"
  static func scalingTable(_ results: ResultSet) -> String? {
    let ids = results.benchmarks.filter {
      results.results[$0]?["nworkers/1workerx1000"] != nil
    }
    guard !ids.isEmpty else { return nil }
    var out = "### How does the pool scale with workers?\n\n"
    out += "CPU-bound work spread over the pool (`WorkerPool` suite, p50).\n\n"
    out += "| workload | throughput | speed-up over 1 worker | CPUs busy (1 worker → n) |\n"
    out += "|---|---|---|---|\n"
    for id in ids {
      let metrics = results.results[id]!
      func p50(_ name: String) -> Double? { metrics[name]?.value(at: 50).map(Double.init) }
      let throughput = p50("Kmsg/s").map { "\(grouped(Int($0))) K msg/s" } ?? "–"
      let speedUp = p50("nworkers/1workerx1000").map { times($0 / 1000) } ?? "–"
      let busy: String
      if let one = p50("busyCPUs1workerx1000"), let many = p50("busyCPUsnworkersx1000") {
        busy = String(format: "%.2f → %.2f", one / 1000, many / 1000)
      } else {
        busy = "–"
      }
      out += "| \(id.name) | \(throughput) | \(speedUp) | \(busy) |\n"
    }
    return out
  }

  /// "What does a hop cost?"
  static func hopTable(_ results: ResultSet) -> String? {
    var rows: [String] = []
    for id in results.benchmarks {
      let metrics = results.results[id]!
      func p50(_ name: String) -> Double? { metrics[name]?.value(at: 50).map(Double.init) }
      if let oneWay = p50("one-wayns") {
        var reference = "–"
        if let ratio = p50("p50/barep50x1000") {
          reference = "\(times(ratio / 1000)) two bare atomics"
        } else if let ratio = p50("time/synchopx1000") {
          reference = "\(times(ratio / 1000)) a thread-to-thread hop"
        }
        rows.append("| \(id.description) | \(Int(oneWay)) ns one way | \(reference) |")
      } else if let roundTrip = p50("ns/roundtrip") {
        let reference = p50("time/defaultactorx1000").map {
          "\(times($0 / 1000)) a default-actor hop"
        }
        rows.append(
          "| \(id.description) | \(Int(roundTrip)) ns round trip | \(reference ?? "–") |")
      } else if let overhead = p50("pooltime/barechanneltimex1000") {
        let rate = p50("Mmsg/s").map { "\(Int($0)) M msg/s" } ?? "–"
        rows.append(
          "| \(id.description) | \(rate) | \(times(overhead / 1000)) the bare channel's time |")
      }
    }
    guard !rows.isEmpty else { return nil }
    return "### What does a hop cost?\n\n"
      + "p50 of each benchmark; the last column is the same-run ratio to its reference.\n\n"
      + "| hop | cost | against its reference |\n|---|---|---|\n" + rows.joined(separator: "\n")
      + "\n"
  }

  /// "What does a SIMD kernel cost against memcpy?"
  static func kernelTable(_ results: ResultSet) -> String? {
    let ids = results.benchmarks.filter { results.results[$0]?["memcpyMB/s"] != nil }
    guard !ids.isEmpty else { return nil }
    let tier = results.results[ids[0]]!["avx2MB/s"] != nil ? "avx2" : "portable"
    var out = "### What does a SIMD kernel cost against memcpy?\n\n"
    out += "Bytes processed per second (`Simd` suite, p50, \(tier) tier); \"×\" is the kernel's "
    out += "speed over memcpy's on the same bytes and over a plain Swift loop's.\n\n"
    out += "| kernel | working set | SNSimd | memcpy | × memcpy | × plain loop |\n"
    out += "|---|---|---|---|---|---|\n"
    for id in ids {
      let metrics = results.results[id]!
      func p50(_ name: String) -> Double? { metrics[name]?.value(at: 50).map(Double.init) }
      let parts = id.name.split(separator: " ", maxSplits: 1).map(String.init)
      let mbps = { (value: Double?) in value.map { "\(grouped(Int($0))) MB/s" } ?? "–" }
      out += "| \(parts[0]) | \(parts.count > 1 ? parts[1] : "") | \(mbps(p50("\(tier)MB/s"))) | "
      out +=
        "\(mbps(p50("memcpyMB/s"))) | \(p50("\(tier)/memcpyx100").map { times($0 / 100) } ?? "–") | "
      out += "\(p50("\(tier)/naivex100").map { times($0 / 100) } ?? "–") |\n"
    }
    return out
  }
}

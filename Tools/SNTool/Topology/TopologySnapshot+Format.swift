import Foundation
import SNAtomics

extension TopologySnapshot {
  /// The snapshot as pretty-printed JSON with sorted keys (the recording format).
  ///
  /// - Returns: UTF-8 JSON text.
  public func jsonString() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    // Encoding plain structs of strings and numbers cannot fail.
    let data = (try? encoder.encode(self)) ?? Data()
    return String(decoding: data, as: UTF8.self)
  }

  /// Decodes a recorded snapshot.
  ///
  /// - Parameter json: The text `sn topology --json` wrote.
  /// - Returns: The snapshot.
  /// - Throws: ``SNToolError/malformedTopology`` naming the first problem.
  public static func decode(json: String) throws(SNToolError) -> TopologySnapshot {
    do {
      return try JSONDecoder().decode(TopologySnapshot.self, from: Data(json.utf8))
    } catch let DecodingError.keyNotFound(key, _) {
      throw .malformedTopology.with(detail: "missing field '\(key.stringValue)'")
    } catch let DecodingError.typeMismatch(_, context) {
      throw .malformedTopology.with(detail: "wrong type at \(path(context.codingPath))")
    } catch let DecodingError.valueNotFound(_, context) {
      throw .malformedTopology.with(detail: "null at \(path(context.codingPath))")
    } catch {
      throw .malformedTopology.with(detail: "not JSON (\(error.localizedDescription))")
    }
  }

  /// Loads a recorded snapshot from a file.
  ///
  /// - Parameter path: The file `sn topology --json` wrote.
  /// - Returns: The snapshot.
  /// - Throws: ``SNToolError/unreadableFile`` or ``SNToolError/malformedTopology``.
  public static func load(path: String) throws(SNToolError) -> TopologySnapshot {
    guard let data = FileManager.default.contents(atPath: path) else {
      let reason =
        FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
      throw .unreadableFile.with(detail: "\(path) (\(reason))")
    }
    do {
      return try decode(json: String(decoding: data, as: UTF8.self))
    } catch {
      throw error.with(detail: "\(path): \(error.detail)")
    }
  }

  private static func path(_ keys: [any CodingKey]) -> String {
    keys.isEmpty ? "the top level" : keys.map(\.stringValue).joined(separator: ".")
  }

  /// The snapshot as an aligned two-column table for people.
  ///
  /// - Returns: Lines of text, each ending in a newline.
  public func table() -> String {
    var rows: [(String, String)] = []
    rows.append(("machine", "\(os) \(architecture)\(virtualized ? ", virtualized" : "")"))
    if let cpuModel { rows.append(("cpu model", cpuModel)) }
    rows.append(("logical CPUs", "\(logicalCPUs)"))
    rows.append(
      ("allowed CPUs", "\(allowedCPUs.count): \(Self.formatCPUList(allowedCPUs)) (affinity mask)"))
    rows.append(
      ("cgroup cpuset", cgroupCPUSet.map { Self.formatCPUList($0) } ?? "none (no cgroup v2 cpuset)")
    )
    rows.append(("cpu quota", cpuQuota.map { Self.formatNumber($0) + " CPUs (cpu.max)" } ?? "none"))
    rows.append(
      (
        "physical cores",
        "\(physicalCores) (\(allowedPhysicalCores) allowed), \(packages) package(s)"
      ))
    let smt =
      threadsPerCore > 1
      ? "\(threadsPerCore) threads per core: "
        + smtSiblings.prefix(4).map { $0.map(String.init).joined(separator: "+") }.joined(
          separator: ", ") + (smtSiblings.count > 4 ? ", …" : "")
      : "none (1 thread per core)"
    rows.append(("SMT siblings", smt))
    rows.append(
      (
        "NUMA nodes",
        "\(numaNodes.count): "
          + numaNodes.map { "node\($0.id) CPUs \(Self.formatCPUList($0.cpus))" }.joined(
            separator: "; ")
      ))
    for cache in caches {
      let shared = cache.sharedByCPUs > 0 ? ", shared by \(cache.sharedByCPUs) CPU(s)" : ""
      rows.append(
        (
          "L\(cache.level) \(cache.type.lowercased())",
          "\(Self.formatBytes(cache.sizeBytes)), \(cache.lineSize)-byte lines\(shared)"
        ))
    }
    rows.append(("cache line", "\(cacheLineSize) bytes"))
    rows.append(("transparent huge pages", transparentHugePages))
    rows.append(
      (
        "reserved huge pages",
        "\(hugePagesTotal) total, \(hugePagesFree) free"
          + (hugePageSizeKiB > 0 ? " (\(hugePageSizeKiB) KiB each)" : "")
      ))
    let pin =
      pinning.permitted
      ? "yes (a test thread was pinned to CPU \(pinning.triedCPU.map(String.init) ?? "?"))"
      : "no: \(pinning.note)"
    rows.append(("thread pinning", pin))
    rows.append(
      (
        "SIMD features",
        simdFeatures.isEmpty ? "none detected" : simdFeatures.joined(separator: " ")
      ))
    rows.append(("SNSimd tier", simdTier))
    let width = rows.map(\.0.count).max() ?? 0
    return rows.map { name, value in
      name + String(repeating: " ", count: width - name.count) + "  " + value + "\n"
    }.joined()
  }

  /// Formats CPU numbers as a Linux CPU list (`0-3,8,10-11`).
  ///
  /// - Parameter cpus: CPU numbers.
  /// - Returns: The compact list, or `-` when empty.
  public static func formatCPUList(_ cpus: [Int]) -> String {
    cpus.isEmpty ? "-" : CPUSet.listDescription(cpus)
  }

  /// Formats a byte count with a binary unit (`32 KiB`, `1 MiB`).
  ///
  /// - Parameter bytes: A byte count.
  /// - Returns: The text.
  public static func formatBytes(_ bytes: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var unit = 0
    while value >= 1024, unit < units.count - 1 {
      value /= 1024
      unit += 1
    }
    return formatNumber(value) + " " + units[unit]
  }

  static func formatNumber(_ value: Double) -> String {
    value.rounded() == value ? String(Int(value)) : String(format: "%.1f", value)
  }
}

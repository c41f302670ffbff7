#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

/// The one reader of the kernel's sysfs and procfs files: CPU lists, CPU
/// topology and caches, NUMA nodes, huge pages, transparent huge pages, the
/// cgroup CPU limits, `/proc/meminfo`, `/proc/cpuinfo` and `/proc/self/smaps`.
///
/// Every module that needs such a fact asks this type (SNPool's
/// `CPUTopology`, SNMemory's `NUMA` and `HugePages`, the `sn` tool), so each
/// file is parsed in one place. Paths are relative to ``root``, `/` for the
/// running system; tests point it at a recorded tree (`Tests/Fixtures/sysfs`).
///
/// A missing file reads as `nil` (macOS, sandboxes, kernels without the
/// feature). A file that exists but does not parse throws a
/// ``SystemFileError`` naming it; callers whose public API never fails fall
/// back to a default and say so where they do.
///
/// The process's affinity mask is a system call, not a file: it stays
/// `OSThread.allowedCPUs`.
///
/// Everything here is a slow file read: call it at startup, never on a hot path.
package struct SystemFiles: Sendable {
  /// The directory that stands for `/`.
  package let root: String

  /// A reader of the files under `root`.
  ///
  /// - Parameter root: `/` for this machine, or a recorded tree.
  package init(root: String = "/") {
    self.root = root
  }

  /// The absolute path of `relative` (written without a leading `/`).
  package func path(_ relative: String) -> String {
    root.hasSuffix("/") ? root + relative : root + "/" + relative
  }

  /// The whole file, or `nil` when it is missing or unreadable.
  ///
  /// sysfs and procfs report a size of 0, so the file is read to its end.
  package func text(_ relative: String) -> String? {
    guard let file = fopen(path(relative), "r") else { return nil }
    defer { fclose(file) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let count = buffer.withUnsafeMutableBytes { fread($0.baseAddress, 1, $0.count, file) }
      if count <= 0 { break }
      bytes += buffer[0..<count]
    }
    // A directory opens but does not read: treat it as missing.
    if ferror(file) != 0 { return nil }
    return String(decoding: bytes, as: UTF8.self)
  }

  /// The file without surrounding whitespace, or `nil` when missing.
  package func trimmedText(_ relative: String) -> String? {
    text(relative).map { String($0.trimmingWhitespace()) }
  }

  /// A file holding one decimal integer, or `nil` when missing.
  ///
  /// - Throws: ``SystemFileError`` when the file holds something else.
  package func integer(_ relative: String) throws(SystemFileError) -> Int? {
    guard let text = trimmedText(relative) else { return nil }
    guard let value = Int(text) else {
      throw SystemFileError(path: path(relative), problem: "expected an integer, found \"\(text)\"")
    }
    return value
  }

  /// A file holding a CPU (or node) list, or `nil` when missing.
  ///
  /// - Throws: ``SystemFileError`` carrying the ``CPUListError`` when it does not parse.
  package func cpuList(_ relative: String) throws(SystemFileError) -> CPUSet? {
    guard let text = text(relative) else { return nil }
    do {
      return try CPUSet(parsing: text)
    } catch {
      throw SystemFileError(path: path(relative), listError: error)
    }
  }

  /// The names in a directory, sorted, or `[]` when it is missing.
  package func directoryEntries(_ relative: String) -> [String] {
    guard let directory = opendir(path(relative)) else { return [] }
    defer { closedir(directory) }
    var names: [String] = []
    while let entry = readdir(directory) {
      let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
        String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
      }
      if name != "." && name != ".." { names.append(name) }
    }
    return names.sorted()
  }
}

/// A sysfs or procfs file that exists but does not say what the kernel
/// documents it says.
package struct SystemFileError: Error, Hashable, Sendable, CustomStringConvertible {
  /// The file.
  package let path: String
  /// What is wrong with it.
  package let problem: String
  /// The CPU-list error, when the file is a CPU list.
  package let listError: CPUListError?

  package init(path: String, problem: String) {
    self.path = path
    self.problem = problem
    listError = nil
  }

  package init(path: String, listError: CPUListError) {
    self.path = path
    problem = listError.description
    self.listError = listError
  }

  /// The path and the problem.
  package var description: String { "\(path): \(problem)" }
}

extension StringProtocol {
  /// The text without leading and trailing whitespace and newlines.
  func trimmingWhitespace() -> SubSequence {
    guard let first = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex...] }
    let last = lastIndex(where: { !$0.isWhitespace })!
    return self[first...last]
  }
}

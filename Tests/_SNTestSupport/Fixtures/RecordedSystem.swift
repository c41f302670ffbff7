import SNAtomics

/// The recorded sysfs/procfs trees under `Tests/Fixtures/sysfs` (see the
/// README there), as ``SystemFiles`` readers.
package enum RecordedSystem {
  /// The reference VM: 2 CPUs, one node.
  package static let vm = files("vm-2cpu")
  /// A synthetic 2-socket, 2-node box with interleaved CPUs and two offline.
  package static let numa = files("numa-2node")
  /// Files that exist but do not parse.
  package static let malformed = files("malformed")

  /// The tree called `name`.
  package static func files(_ name: String) -> SystemFiles {
    // #filePath is Tests/_SNTestSupport/Fixtures/RecordedSystem.swift; the
    // trees are in Tests/Fixtures/sysfs.
    var directory = "\(#filePath)"
    for _ in 0..<3 { directory = String(directory[..<directory.lastIndex(of: "/")!]) }
    return SystemFiles(root: "\(directory)/Fixtures/sysfs/\(name)")
  }
}

import Foundation
import SNToolKit

/// The recorded topologies in Fixtures/.
enum Fixtures {
  static func path(_ name: String) -> String {
    guard
      let path = Bundle.module.path(forResource: name, ofType: "json", inDirectory: "Fixtures")
    else { fatalError("fixture \(name).json missing") }
    return path
  }

  static func topology(_ name: String) throws -> TopologySnapshot {
    try TopologySnapshot.load(path: path(name))
  }

  static let vm = "vm-2core"
  static let server = "server-2socket-64core"
  static let laptop = "apple-laptop-8core"
  static let container = "container-2-of-16"
}

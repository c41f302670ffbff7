// benchmark-gate: compares package-benchmark exports with committed baselines.
// All logic lives in BenchmarkGateKit; see `GateCommand.usage`.

import BenchmarkGateKit
import Foundation

do {
  let command = try GateCommand(arguments: Array(CommandLine.arguments.dropFirst()))
  exit(try command.run().rawValue)
} catch {
  FileHandle.standardError.write(Data("benchmark-gate: error: \(error)\n".utf8))
  exit(GateExitCode.error.rawValue)
}

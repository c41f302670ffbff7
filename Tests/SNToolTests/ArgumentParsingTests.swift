import ArgumentParser
import SNAtomics
import SNToolKit
import Testing

@Suite("sn argument parsing")
struct ArgumentParsingTests {
  @Test("subcommands and their options parse")
  func valid() throws {
    let topology = try #require(
      try SNCommand.parseAsRoot(["topology", "--json"]) as? TopologyCommand)
    #expect(topology.json)
    let advise = try #require(
      try SNCommand.parseAsRoot(["advise", "--goal", "latency", "--workers", "dynamic"])
        as? AdviseCommand)
    #expect(advise.goal == .latency)
    #expect(advise.workers == .dynamic)
    let demo = try #require(
      try SNCommand.parseAsRoot([
        "demo", "--events", "20M", "--symbols", "1_000", "--workers", "1", "--no-scaling",
        "--affinity", "--batch-size", "64",
      ]) as? DemoCommand)
    #expect(demo.demoConfiguration.events == 20_000_000)
    #expect(demo.demoConfiguration.symbols == 1_000)
    #expect(demo.demoConfiguration.cpuAffinity)
    #expect(demo.demoConfiguration.batchSize == 64)
    #expect(demo.workerCounts == [1])
    let scaling = try #require(
      try SNCommand.parseAsRoot(["demo", "--workers", "4"]) as? DemoCommand)
    // 1 and N, not 1...N.
    #expect(scaling.workerCounts == [1, 4])
    #expect(scaling.mode == .mesh)
    let ingress = try #require(
      try SNCommand.parseAsRoot(["demo", "--mode", "ingress", "--json"]) as? DemoCommand)
    #expect(ingress.demoConfiguration.mode == .ingress)
    #expect(ingress.json)
  }

  @Test(
    "bad input is rejected with a message and a non-zero exit",
    arguments: [
      (["frobnicate"], "Unexpected argument"),
      (["demo", "--events", "abc"], "abc"),
      (["demo", "--events", "-5"], "--events must be at least 1"),
      (["demo", "--events", "-1"], "--events must be at least 1"),
      (["demo", "--workers", "0"], "--workers must be in 1...1024"),
      (["demo", "--workers", "1000"], "oversubscribed runs measure the scheduler"),
      (["demo", "--workers", "\(OSThread.allowedCPUs.count + 1)", "--affinity"], "--affinity"),
      (["demo", "--mode", "fast"], "fast"),
      (["demo", "--rounds", "0"], "--rounds must be in 1...100"),
      (["demo", "--symbols", "0"], "--symbols must be in"),
      (["demo", "--queue-capacity", "0"], "--queue-capacity"),
      (["advise", "--goal", "fast"], "fast"),
      (["topology", "--bogus"], "--bogus"),
    ])
  func invalid(arguments: [String], message: String) {
    do {
      _ = try SNCommand.parseAsRoot(arguments)
      Issue.record("\(arguments) parsed")
    } catch {
      #expect(SNCommand.exitCode(for: error) != .success)
      #expect(SNCommand.message(for: error).contains(message))
    }
  }

  @Test("an unreadable topology file fails the command with a typed error")
  func unreadableFile() throws {
    let command = try #require(
      try SNCommand.parseAsRoot(["advise", "--topology", "/nonexistent.json"]) as? AdviseCommand)
    let error = try #require(throws: SNToolError.self) { try command.run() }
    #expect(error == .unreadableFile)
    #expect(SNCommand.exitCode(for: error) == .failure)
    #expect(SNCommand.message(for: error).contains("/nonexistent.json"))
  }

  @Test("counts accept digits, separators and suffixes, and nothing else")
  func counts() {
    #expect(CountArgument(argument: "20000000")?.value == 20_000_000)
    #expect(CountArgument(argument: "20_000_000")?.value == 20_000_000)
    #expect(CountArgument(argument: "500k")?.value == 500_000)
    #expect(CountArgument(argument: "2M")?.value == 2_000_000)
    #expect(CountArgument(argument: "1G")?.value == 1_000_000_000)
    #expect(CountArgument(argument: "abc") == nil)
    #expect(CountArgument(argument: "") == nil)
    #expect(CountArgument(argument: "M") == nil)
    // Negative counts parse; the command's validation names the bound.
    #expect(CountArgument(argument: "-3")?.value == -3)
    #expect(CountArgument(argument: "-") == nil)
    #expect(CountArgument(argument: "99999999999999999999") == nil)
    #expect(CountArgument(argument: "9999999999999G") == nil)
  }

  @Test("every command has help")
  func help() {
    #expect(SNCommand.helpMessage().contains("topology"))
    #expect(SNCommand.helpMessage(for: DemoCommand.self).contains("--events"))
    #expect(SNCommand.helpMessage(for: AdviseCommand.self).contains("--goal"))
  }
}

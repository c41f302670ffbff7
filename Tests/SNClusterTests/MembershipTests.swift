#if Cluster
  import Foundation
  import SNCluster
  import SNPartition
  import Testing

  @Suite struct MembershipTests {
    let three = "1=127.0.0.1:7401/2, 2=127.0.0.1:7402/3\n# a comment\n\n3=node-c:7403/4"

    @Test func parsesANodeListSortedById() throws {
      let membership = try ClusterMembership(parsing: "3=c:3/1,1=a:1/2,2=b:2/3")
      #expect(membership.nodes.map(\.id) == [1, 2, 3])
      #expect(membership.nodes[0] == (try ClusterNode(id: 1, host: "a", port: 1, workers: 2)))
      #expect(try ClusterMembership(parsing: three).nodes.map(\.workers) == [2, 3, 4])
      #expect(
        try ClusterMembership(parsing: three).nodes.map(\.description).joined(separator: ",")
          == "1=127.0.0.1:7401/2,2=127.0.0.1:7402/3,3=node-c:7403/4")
    }

    @Test func readsAFile() throws {
      let path = FileManager.default.temporaryDirectory
        .appendingPathComponent("sn-cluster-nodes-\(getpid()).txt").path
      try three.write(toFile: path, atomically: true, encoding: .utf8)
      defer { try? FileManager.default.removeItem(atPath: path) }
      #expect(try ClusterMembership(contentsOfFile: path) == ClusterMembership(parsing: three))
      #expect(throws: ClusterError.badNodeList) {
        try ClusterMembership(contentsOfFile: path + ".missing")
      }
    }

    @Test func readsTheEnvironment() throws {
      let membership = try ClusterMembership.fromEnvironment(
        variable: "NODES", environment: ["NODES": "7=h:1/1"])
      #expect(membership.nodes.map(\.id) == [7])
      #expect(throws: ClusterError.emptyMembership) {
        try ClusterMembership.fromEnvironment(variable: "NODES", environment: [:])
      }
    }

    @Test(arguments: [
      ("1=localhost/2", ClusterError.badAddress),
      ("1=host:70000/2", ClusterError.badAddress),
      ("1=:80/2", ClusterError.badAddress),
      ("1=host:-1/2", ClusterError.badAddress),
      ("1=host:port/2", ClusterError.badAddress),
      ("1=h:1/0", ClusterError.invalidWorkerCount),
      ("one=h:1/2", ClusterError.badNodeList),
      ("1=h:1", ClusterError.badNodeList),
      ("1=h:1/2,1=g:2/2", ClusterError.duplicateNode),
      ("# nothing", ClusterError.emptyMembership),
    ])
    func rejectsBadNodeLists(text: String, expected: ClusterError) {
      #expect(throws: expected) { try ClusterMembership(parsing: text) }
    }

    @Test func unknownNodesAreTypedErrors() throws {
      let membership = try ClusterMembership(parsing: three)
      #expect(throws: ClusterError.unknownNode) { try membership.node(id: 9) }
      #expect(throws: ClusterError.unknownNode) { try membership.removing(id: 9) }
      #expect(throws: ClusterError.unknownNode) {
        try ClusterRouter(membership: membership).workerPartitioner(forNode: 9)
      }
      #expect(throws: ClusterError.duplicateNode) {
        try membership.adding(ClusterNode(id: 2, host: "x", port: 1, workers: 1))
      }
      let single = try ClusterMembership(parsing: "1=a:1/1")
      #expect(throws: ClusterError.emptyMembership) { try single.removing(id: 1) }
    }

    @Test func everyProcessRoutesAlike() throws {
      // Two routers built from differently ordered lists agree on every key,
      // and keys spread over every worker of every node.
      let a = ClusterRouter(membership: try ClusterMembership(parsing: three))
      let b = ClusterRouter(
        membership: try ClusterMembership(parsing: "3=x:1/4,2=y:1/3,1=z:1/2"))
      #expect(a.membership.routingFingerprint == b.membership.routingFingerprint)
      var perWorker: [ClusterRoute: Int] = [:]
      for key in 0..<30_000 {
        let route = a.route(UInt64(key))
        #expect(route == b.route(UInt64(key)))
        perWorker[route, default: 0] += 1
      }
      #expect(perWorker.count == 2 + 3 + 4)
      // Each node gets about a third; each worker about its node's share / workers.
      for (route, count) in perWorker {
        let workers = Double(a.membership.nodes[route.nodeIndex].workers)
        let expected = 30_000.0 / 3 / workers
        #expect(abs(Double(count) - expected) < expected * 0.15, "\(route): \(count)")
      }
    }

    @Test func theFingerprintCoversIdsAndWorkerCountsOnly() throws {
      let base = try ClusterMembership(parsing: "1=a:1/2,2=b:2/2")
      #expect(
        base.routingFingerprint
          == (try ClusterMembership(parsing: "1=c:9/2,2=d:8/2")).routingFingerprint)
      #expect(
        base.routingFingerprint
          != (try ClusterMembership(parsing: "1=a:1/2,2=b:2/3")).routingFingerprint)
    }

    @Test func addingANodeMovesOnlyKeysToIt() throws {
      let membership = try ClusterMembership(parsing: three)
      let next = try membership.adding(ClusterNode(id: 4, host: "d", port: 1, workers: 2))
      let keys = (0..<20_000).map { UInt64($0) }
      let report = membership.movement(to: next, keys: keys)
      #expect(report.moves.allSatisfy { $0.toWorkerID == 4 })
      #expect(abs(report.movedFraction - 0.25) < 0.03)
      // The report is exact: every other key keeps its node.
      let before = ClusterRouter(membership: membership)
      let after = ClusterRouter(membership: next)
      let moved = Set(report.moves.map(\.key))
      for key in keys where !moved.contains(key) {
        #expect(before.route(key).node == after.route(key).node)
      }
    }

    @Test func removingANodeMovesOnlyItsKeys() throws {
      let membership = try ClusterMembership(parsing: three)
      let next = try membership.removing(id: 2)
      let keys = (0..<20_000).map { UInt64($0) }
      let router = ClusterRouter(membership: membership)
      let report = membership.movement(to: next, keys: keys)
      #expect(report.moves.allSatisfy { $0.fromWorkerID == 2 })
      #expect(report.moves.count == keys.filter { router.route($0).node == 2 }.count)
    }
  }
#endif

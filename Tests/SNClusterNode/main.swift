// One cluster node as its own process, for SNClusterTests' multi-process tests.
//
//     SN_CLUSTER_NODES='1=127.0.0.1:7401/2,…' SNClusterNode <id>
//
// Prints `READY <port>` once listening; on a `stop` line (or end of input) it
// stops the receiver, drains its pool and prints `TALLY <ProbeTally.line>`
// and `RECEIVER delivered=… duplicatesDropped=…`, then exits.
#if Cluster
  import Foundation
  import SNCluster
  import SNPool
  import _SNClusterTestSupport

  func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
  }

  func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data("SNClusterNode: \(text)\n".utf8))
    exit(2)
  }

  guard CommandLine.arguments.count == 2, let id = Int(CommandLine.arguments[1]) else {
    fail("usage: SNClusterNode <id> (membership in SN_CLUSTER_NODES)")
  }
  let membership: ClusterMembership
  do { membership = try ClusterMembership.fromEnvironment() } catch { fail("\(error)") }
  let router = ClusterRouter(membership: membership)
  let pool: WorkerPool<ProbeWorker>
  let receiver: ClusterReceiver<ProbeWorker, ProbeCodec>
  do {
    pool = try makeProbePool(router: router, node: id)
    // SN_CLUSTER_LISTEN_PORT=0: listen on a free port (printed), whatever the list says.
    let listenPort = ProcessInfo.processInfo.environment["SN_CLUSTER_LISTEN_PORT"].flatMap {
      Int($0)
    }
    receiver = try ClusterReceiver(
      membership: membership, node: id, pool: pool, codec: ProbeCodec(), listenPort: listenPort)
  } catch { fail("\(error)") }

  let serving = Task { try await receiver.run() }
  do {
    let port = try await receiver.listeningPort
    say("READY \(port)")
  } catch { fail("\(error)") }

  while let line = readLine(), line != "stop" {}
  receiver.shutdown()
  _ = await serving.result
  let termination = pool.shutdown()
  say("TALLY \(ProbeWorker.tally(termination.states).line)")
  let statistics = receiver.statistics
  say(
    "RECEIVER delivered=\(statistics.delivered) duplicatesDropped=\(statistics.duplicatesDropped) "
      + "streams=\(statistics.streamsOpened)")
  exit(0)
#else
  print("SNClusterNode needs the Cluster trait")
#endif

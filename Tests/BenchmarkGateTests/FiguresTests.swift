import BenchmarkGateKit
import Foundation
import Testing

@Suite("README figures")
struct FiguresTests {
  static let peerLines = """
    peer=sn-spsc case=spsc-1024 msgs=100 seconds=1 mps=300000000
    peer=sn-spsc-batch case=spsc-1024 msgs=100 seconds=1 mps=500000000
    peer=ref-cached-ring case=spsc-1024 msgs=100 seconds=1 mps=250000000
    peer=boost-spsc case=spsc-1024 msgs=100 seconds=1 mps=60000000
    peer=crossbeam-channel case=spsc-1024 msgs=100 seconds=1 mps=8000000 lang=rust
    peer=async-channel case=spsc-1024 msgs=100 seconds=1 mps=16000000 lang=rust
    peer=sn-spsc case=spsc-1024 msgs=100 seconds=1 mps=100000000
    peer=sn-spsc case=spsc-1024 msgs=100 seconds=1 mps=200000000
    peer=sn-spsc case=pingpong msgs=100 ns_per_hop=70 p99_ns=90
    peer=bare-atomics case=pingpong msgs=100 seconds=1 mps=1 ns_per_hop=50
    peer=boost-spsc case=pingpong msgs=100 seconds=1 mps=1 ns_per_hop=140
    peer=tokio-mpsc case=pingpong msgs=100 seconds=1 mps=1 ns_per_hop=245 lang=rust
    round 2/3
    """

  @Test("peer lines keep the language tag and normalise case names")
  func parsesPeerLines() {
    let lines = PeerLine.parse(Self.peerLines)
    #expect(lines.count == 12)
    #expect(lines[0].workload == "spsc" && lines[0].language == "swift")
    #expect(lines[3].language == "c++")
    #expect(lines[4].language == "rust")
    #expect(lines[8].nanosecondsPerHop == 70)
  }

  @Test("the peer table compares our median with the best C++ and the best Rust peer")
  func peerTable() {
    let table = Figures.markdown(ResultSet(), peers: PeerLine.parse(Self.peerLines))
    let rows = table.split(separator: "\n")
    // Median of sn-spsc over 3 rounds is 200 M; best C++ 250 M, best Rust 16 M.
    let spsc = rows.first { $0.hasPrefix("| spsc |") }
    #expect(
      spsc
        == "| spsc | 200.0 M msg/s; batch API 500.0 M msg/s | 250.0 M msg/s (ref-cached-ring) | 0.80× | 16.0 M msg/s (async-channel) | 12.5× |"
    )
    // Latency: lower is better, so × is the peer's time over ours; bare atomics are not a queue.
    let pingpong = rows.first { $0.hasPrefix("| ping-pong latency |") }
    #expect(
      pingpong
        == "| ping-pong latency | 70 ns one way | 140 ns (boost-spsc) | 2.00× | 245 ns (tokio-mpsc) | 3.50× |"
    )
  }

  @Test("scaling, hop and kernel tables come from the suites' metrics, with units")
  func suiteTables() throws {
    let export = """
      measurement,metric,unit,test,percentile,value
      WorkerPool,Kmsg/s,,cpu-bound/2-workers,50.0,3029
      WorkerPool,nworkers/1workerx1000,,cpu-bound/2-workers,50.0,1961
      WorkerPool,busyCPUs1workerx1000,,cpu-bound/2-workers,50.0,999
      WorkerPool,busyCPUsnworkersx1000,,cpu-bound/2-workers,50.0,1960
      MessagePassing,one-wayns,,latency/spsc,50.0,70
      MessagePassing,p50/barep50x1000,,latency/spsc,50.0,1076
      Simd,avx2MB/s,,sum L1 8KiB,50.0,165375
      Simd,memcpyMB/s,,sum L1 8KiB,50.0,211199
      Simd,avx2/memcpyx100,,sum L1 8KiB,50.0,78
      Simd,avx2/naivex100,,sum L1 8KiB,50.0,3301

      """
    let table = Figures.markdown(try InfluxResults.parse(export), peers: [])
    #expect(table.contains("| cpu-bound/2-workers | 3,029 K msg/s | 1.96× | 1.00 → 1.96 |"))
    #expect(
      table.contains("| MessagePassing:latency/spsc | 70 ns one way | 1.08× two bare atomics |"))
    #expect(
      table.contains("| sum | L1 8KiB | 165,375 MB/s | 211,199 MB/s | 0.78× | 33.0× |"), "\(table)")
    #expect(!table.contains("p50/barep50x1000"))
  }

  @Test("report charts: ratios against 1×, log scale over orders of magnitude, no zero rows")
  func reportCharts() throws {
    let export = """
      measurement,metric,unit,test,percentile,value
      Part,moved/idealx1000,,quality/hash/N=1024,50.0,511143
      Part,moved/idealx1000,,quality/jump/N=1024,50.0,1093
      Part,moved/idealx1000,,quality/none,50.0,0
      Part,Malloc(total),,quality/jump/N=1024,50.0,0
      Pool,Kmsg/s,,cpu/1-workers/x,50.0,1500
      Pool,Kmsg/s,,cpu/2-workers/x,50.0,2900
      Lat,one-wayns,,latency/spsc,0.0,60
      Lat,one-wayns,,latency/spsc,50.0,70
      Lat,one-wayns,,latency/spsc,99.0,9000

      """
    let files = try ChartReport.write(
      try InfluxResults.parse(export), to: temporaryDirectory())
    let names = files.map { ($0 as NSString).lastPathComponent }
    #expect(
      Set(names) == [
        "Part-ratios.svg", "Pool-worker-scaling.svg", "Lat-one-wayns-percentiles.svg",
        "summary.md",
      ], "\(names)")
    let ratios = try String(
      contentsOfFile: files[names.firstIndex(of: "Part-ratios.svg")!], encoding: .utf8)
    #expect(ratios.contains("log scale"))
    #expect(ratios.contains("511×") && ratios.contains("1.09×"))
    #expect(!ratios.contains("quality/none"))
    let latency = try String(
      contentsOfFile: files[names.firstIndex(of: "Lat-one-wayns-percentiles.svg")!], encoding: .utf8
    )
    #expect(latency.contains("log scale"))
  }
}

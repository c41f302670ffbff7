/// Checks that every producer's sequence numbers `0..<perProducer` arrived
/// exactly once across all consumers' logs.
///
/// Each message is `producer << 32 | sequence`.
///
/// - Parameters:
///   - logs: Every consumer's received messages.
///   - producers: The number of producers.
///   - perProducer: Messages each producer sent.
/// - Returns: A description of the first problem, or `nil` if delivery was exactly-once.
public func exactlyOnceProblem(logs: [[UInt64]], producers: Int, perProducer: Int) -> String? {
  var seen = [[UInt8]](repeating: [UInt8](repeating: 0, count: perProducer), count: producers)
  for log in logs {
    var last = [Int](repeating: -1, count: producers)
    for message in log {
      let producer = Int(message >> 32)
      let sequence = Int(message & 0xFFFF_FFFF)
      guard producer < producers, sequence < perProducer else {
        return "unknown message \(producer):\(sequence)"
      }
      if sequence <= last[producer] {
        return "producer \(producer): \(sequence) after \(last[producer]) (order broken)"
      }
      last[producer] = sequence
      if seen[producer][sequence] != 0 { return "producer \(producer): \(sequence) twice" }
      seen[producer][sequence] = 1
    }
  }
  for producer in 0..<producers {
    if let missing = seen[producer].firstIndex(of: 0) {
      return "producer \(producer): \(missing) never arrived"
    }
  }
  return nil
}

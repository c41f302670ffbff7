#if Cluster
  /// Limits and timings shared by a cluster's senders and receivers.
  public struct ClusterConfiguration: Sendable, Hashable {
    /// The largest encoded message, in bytes; a larger one is refused on the
    /// sender with ``ClusterError/messageTooLarge``. Default 1 MiB.
    public var maximumMessageBytes: Int = 1 << 20
    /// A batch is written once it holds this many messages (or earlier, as soon
    /// as the link's writer is idle). Default 1024.
    public var batchMessages: Int = 1024
    /// A batch is written once it holds this many bytes. Default 256 KiB.
    public var batchBytes: Int = 256 << 10
    /// Messages sent to one node and not yet acknowledged, at most; `send`
    /// suspends beyond it. With gRPC's flow control this bounds what a slow
    /// node costs its senders. Default 32768.
    public var maximumUnackedMessages: Int = 32768
    /// How long a link keeps trying to reopen its stream before it declares the
    /// node unavailable and hands back every unacknowledged message. Default 2 s.
    public var reconnectTimeout: Duration = .seconds(2)

    /// The defaults.
    public init() {}

    /// The largest gRPC message a receiver accepts: one full batch plus one
    /// largest message and the frame headers.
    var maximumFrameBytes: Int {
      batchBytes + maximumMessageBytes + _Wire.batchHeaderBytes
        + (batchMessages + 1) * _Wire.entryHeaderBytes
    }
  }
#endif

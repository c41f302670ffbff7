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
    /// How long batches written on a stream may wait for an acknowledgement
    /// before the link cancels the stream and reopens it (and, after
    /// ``reconnectTimeout`` without progress, declares the node unavailable).
    /// It catches a node that hangs with its connection open; set it above the
    /// longest time a node's workers may keep their queues full. Default 10 s.
    public var acknowledgementTimeout: Duration = .seconds(10)
    /// After this long without reading from a node, the link sends an HTTP/2
    /// ping and drops the connection if no answer comes within the same time:
    /// a node that hangs (stopped, or cut off without a TCP reset) is then
    /// treated like a broken stream. `nil` turns pings off. Default 10 s (the
    /// transport may raise values under 10 s).
    public var keepalive: Duration? = .seconds(10)

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

#if DEBUG
  import Synchronization

  /// Debug builds only: a hook that tests install to widen the windows where
  /// a lost or misdirected wake-up would hide, by sleeping or yielding at
  /// the points below. Release builds compile neither the hook nor its calls.
  @usableFromInline
  package enum _DebugSchedule {
    /// Where the hook is reached.
    @usableFromInline
    package enum Point: Sendable {
      /// A send claimed its slots (CAS on `tail`) and has not published them.
      case sendClaimed
      /// A receive claimed its slots (CAS on `head`) and has not freed them.
      case receiveClaimed
      /// A waiter was appended to a waiter queue and counted into the state
      /// word, before its fence and re-check.
      case waiterRegistered
    }

    private static let isInstalled = Atomic<Bool>(false)
    /// The hook, boxed in a class: stored directly in the generic lock, the
    /// closure was called through reabstraction thunks that, with this
    /// toolchain, recursed into each other until the stack overflowed (a
    /// crash in the full debug test run); a class reference needs no thunk.
    private final class Hook: Sendable {
      let body: @Sendable (Point, ObjectIdentifier) -> Void
      init(_ body: @escaping @Sendable (Point, ObjectIdentifier) -> Void) { self.body = body }
    }

    private static let hook = _SpinLocked<Hook?>(nil)

    /// Installs `body`, called with the point and the identity of the object
    /// it concerns (a channel's control block or one of its waiter queues:
    /// see `scheduleIdentities` on the endpoints); `nil` removes it.
    ///
    /// - Parameter body: The hook, or `nil`.
    package static func install(_ body: (@Sendable (Point, ObjectIdentifier) -> Void)?) {
      let boxed = body.map(Hook.init)
      hook.withLock { $0 = boxed }
      isInstalled.store(body != nil, ordering: .releasing)
    }

    /// Calls the installed hook, if any.
    @usableFromInline
    static func reach(_ point: Point, _ object: AnyObject) {
      guard isInstalled.load(ordering: .acquiring) else { return }
      if let hook = hook.withLock({ $0 }) { hook.body(point, ObjectIdentifier(object)) }
    }
  }

  extension _ChannelControl {
    /// The identities the schedule hook reports for this channel: the
    /// control block, then the receivers' and the senders' waiter queues.
    var scheduleIdentities: [ObjectIdentifier] {
      [ObjectIdentifier(self), ObjectIdentifier(receiverWaiters), ObjectIdentifier(senderWaiters)]
    }
  }

  extension MultiSender {
    /// The identities the schedule hook reports for this channel (tests).
    package var scheduleIdentities: [ObjectIdentifier] { ring.control.scheduleIdentities }
  }

  extension MPMCReceiver {
    /// The identities the schedule hook reports for this channel (tests).
    package var scheduleIdentities: [ObjectIdentifier] { ring.control.scheduleIdentities }
  }
#endif

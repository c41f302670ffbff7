// Rust peers of the SNChannels channel kinds (issue 18): the Rust channels a user coming
// from crossbeam or tokio would reach for, on the workloads of the message_passing suite's
// kind benchmarks and of Benchmarks/Support/ChannelPeers' `kinds` mode, so ours and theirs
// can be compared as ratios in one sitting. Same approach and line format as
// ../../../shared/peers/rust (which this extends; that harness is read-only).
//
// Usage: rust-peers-kinds [MESSAGES] [CASE-FILTER]
//   MESSAGES     default 10000000 (see each case for the share it uses)
//   CASE-FILTER  substring of the case name (rendezvous, oneshot, broadcast, watch, ...)
// Output: one line per case:
//   peer=<name> case=<case> msgs=<n> seconds=<s> mps=<messages per second> [ns_per_hop=<ns>]
// Every run checks what it received; a failed check prints FAIL on stderr and exits 1
// before its line is printed.
use std::process::exit;
use std::thread;
use std::time::Instant;

fn report(peer: &str, case: &str, n: u64, s: f64) {
    println!("peer={peer} case={case} msgs={n} seconds={s:.4} mps={:.0}", n as f64 / s);
}

fn report_hop(peer: &str, case: &str, rounds: u64, s: f64) {
    println!(
        "peer={peer} case={case} msgs={rounds} seconds={s:.4} mps={:.0} ns_per_hop={:.1}",
        rounds as f64 / s,
        s * 1e9 / rounds as f64 / 2.0
    );
}

fn fail(peer: &str, case: &str, what: String) -> ! {
    eprintln!("FAIL peer={peer} case={case}: {what}");
    exit(1)
}

// ---------------------------------------------------------------------------------------
// Rendezvous: crossbeam_channel::bounded(0), blocking send/recv on two OS threads.

/// One producer sends 1..=n through a zero-capacity channel; the consumer checks order.
fn rendezvous_stream(peer: &str, case: &str, n: u64) -> f64 {
    let (tx, rx) = crossbeam_channel::bounded::<u64>(0);
    let t0 = Instant::now();
    thread::scope(|s| {
        s.spawn(move || {
            for expect in 1..=n {
                match rx.recv() {
                    Ok(v) if v == expect => {}
                    other => fail(peer, case, format!("got {other:?}, expected {expect}")),
                }
            }
            if let Ok(v) = rx.recv() {
                fail(peer, case, format!("extra value {v}"));
            }
        });
        for i in 1..=n {
            tx.send(i).expect("receiver gone");
        }
        drop(tx);
    });
    t0.elapsed().as_secs_f64()
}

/// Round trips through two zero-capacity channels; ns_per_hop is one way.
fn rendezvous_pingpong(peer: &str, case: &str, rounds: u64) -> f64 {
    let (atx, arx) = crossbeam_channel::bounded::<u64>(0);
    let (btx, brx) = crossbeam_channel::bounded::<u64>(0);
    thread::scope(|s| {
        s.spawn(move || {
            for i in 1..=rounds {
                match arx.recv() {
                    Ok(v) if v == i => btx.send(v).expect("pinger gone"),
                    other => fail(peer, case, format!("echo got {other:?}, expected {i}")),
                }
            }
        });
        let t0 = Instant::now();
        for i in 1..=rounds {
            atx.send(i).expect("echo gone");
            match brx.recv() {
                Ok(v) if v == i => {}
                other => fail(peer, case, format!("got {other:?} back, expected {i}")),
            }
        }
        t0.elapsed().as_secs_f64()
    })
}

// ---------------------------------------------------------------------------------------
// One-shot: tokio::sync::oneshot, created, sent and received on one thread (the cost of
// the channel itself: allocation, the send's state change, the receive).

fn oneshot_local(peer: &str, case: &str, n: u64) -> f64 {
    let t0 = Instant::now();
    let mut sum = 0u64;
    for i in 1..=n {
        let (tx, mut rx) = tokio::sync::oneshot::channel::<u64>();
        if tx.send(i).is_err() {
            fail(peer, case, "receiver gone".into());
        }
        match rx.try_recv() {
            Ok(v) => sum = sum.wrapping_add(v),
            Err(e) => fail(peer, case, format!("try_recv failed: {e:?}")),
        }
    }
    let secs = t0.elapsed().as_secs_f64();
    let want = ((n as u128 * (n as u128 + 1) / 2) & u64::MAX as u128) as u64;
    if sum != want {
        fail(peer, case, format!("sum {sum}, expected {want}"));
    }
    secs
}

/// Round trips: the pinger makes a oneshot per round and hands its sender to the echo
/// thread through a oneshot it got from the echo; the echo answers on it. Measures one
/// create+send+(blocking) recv across threads per hop.
fn oneshot_pingpong(peer: &str, case: &str, rounds: u64) -> f64 {
    // The echo thread receives (value, reply sender) pairs over a rendezvous-free path:
    // a crossbeam bounded(1) channel carries the reply senders, the reply is the oneshot.
    let (req_tx, req_rx) = crossbeam_channel::bounded::<(u64, tokio::sync::oneshot::Sender<u64>)>(1);
    thread::scope(|s| {
        s.spawn(move || {
            while let Ok((v, reply)) = req_rx.recv() {
                if reply.send(v).is_err() {
                    fail(peer, case, "pinger gone".into());
                }
            }
        });
        let t0 = Instant::now();
        for i in 1..=rounds {
            let (tx, rx) = tokio::sync::oneshot::channel::<u64>();
            req_tx.send((i, tx)).expect("echo gone");
            match rx.blocking_recv() {
                Ok(v) if v == i => {}
                other => fail(peer, case, format!("got {other:?} back, expected {i}")),
            }
        }
        let secs = t0.elapsed().as_secs_f64();
        drop(req_tx);
        secs
    })
}

// ---------------------------------------------------------------------------------------
// Broadcast and watch: tasks on a 2-worker tokio multi-thread runtime (one per core):
// tokio's broadcast and watch receivers are async only in 1.24.

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("tokio runtime")
}

/// One sender sends 1..=n into a broadcast channel of capacity 1024 (a send never waits;
/// a lagging receiver skips the oldest values and is told how many); `receivers` tasks
/// receive until Closed, checking that values only increase and that received + missed
/// covers all n. msgs = values delivered (summed over receivers), so skipping is not
/// counted as work.
fn broadcast(rt: &tokio::runtime::Runtime, peer: &'static str, case: &'static str, receivers: usize, n: u64) -> (u64, f64) {
    rt.block_on(async move {
        let (tx, _) = tokio::sync::broadcast::channel::<u64>(1024);
        let rxs: Vec<_> = (0..receivers).map(|_| tx.subscribe()).collect();
        let t0 = Instant::now();
        let tasks: Vec<_> = rxs
            .into_iter()
            .map(|mut rx| {
                tokio::spawn(async move {
                    use tokio::sync::broadcast::error::RecvError;
                    let (mut got, mut missed, mut last) = (0u64, 0u64, 0u64);
                    loop {
                        match rx.recv().await {
                            Ok(v) => {
                                if v <= last {
                                    fail(peer, case, format!("got {v} after {last}"));
                                }
                                last = v;
                                got += 1;
                            }
                            Err(RecvError::Lagged(k)) => missed += k,
                            Err(RecvError::Closed) => break,
                        }
                    }
                    if got + missed != n || last != n {
                        fail(peer, case, format!("received {got} + missed {missed} != {n} (last {last})"));
                    }
                    (got, missed)
                })
            })
            .collect();
        let sender = tokio::spawn(async move {
            for i in 1..=n {
                if tx.send(i).is_err() {
                    fail(peer, case, "receivers gone".into());
                }
                // Yield now and then, as a producer with other work would: without it the
                // sender monopolises its worker and, on two cores, receivers see mostly lag.
                if i % 64 == 0 {
                    tokio::task::yield_now().await;
                }
            }
        });
        sender.await.unwrap();
        let (mut delivered, mut missed) = (0u64, 0u64);
        for t in tasks {
            let (g, m) = t.await.unwrap();
            delivered += g;
            missed += m;
        }
        let secs = t0.elapsed().as_secs_f64();
        eprintln!("note: peer={peer} case={case} delivered={delivered} missed={missed}");
        (delivered, secs)
    })
}

/// One sender publishes 1..=n into a watch channel; one receiver task waits for changes
/// (`changed().await`) and checks it never sees an older value than before and ends on
/// n. msgs = n (values published).
fn watch(rt: &tokio::runtime::Runtime, peer: &'static str, case: &'static str, n: u64) -> f64 {
    rt.block_on(async move {
        let (tx, mut rx) = tokio::sync::watch::channel::<u64>(0);
        let t0 = Instant::now();
        let reader = tokio::spawn(async move {
            let (mut seen, mut last) = (0u64, 0u64);
            while rx.changed().await.is_ok() {
                let v = *rx.borrow_and_update();
                if v < last {
                    fail(peer, case, format!("saw {v} after {last}"));
                }
                last = v;
                seen += 1;
                if v == n {
                    break;
                }
            }
            if last != n {
                fail(peer, case, format!("ended on {last}, expected {n}"));
            }
            seen
        });
        let writer = tokio::spawn(async move {
            for i in 1..=n {
                tx.send_replace(i);
                if i % 64 == 0 {
                    tokio::task::yield_now().await;
                }
            }
            tx
        });
        let tx = writer.await.unwrap();
        let seen = reader.await.unwrap();
        let secs = t0.elapsed().as_secs_f64();
        drop(tx);
        eprintln!("note: peer={peer} case={case} observed={seen}");
        secs
    })
}

// ---------------------------------------------------------------------------------------

const CB: &str = "crossbeam-channel";
const TK: &str = "tokio";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: u64 = match args.get(1) {
        None => 10_000_000,
        Some(a) => a.replace('_', "").parse().unwrap_or_else(|_| {
            eprintln!("usage: rust-peers-kinds [MESSAGES] [CASE-FILTER]");
            exit(2)
        }),
    };
    if n < 1000 {
        eprintln!("MESSAGES must be at least 1000");
        exit(2);
    }
    let case_filter = args.get(2).map(String::as_str).unwrap_or("");
    let want = |case: &str| case.contains(case_filter);
    let rt = runtime();

    // Shares of MESSAGES: a rendezvous costs a hand-off per message, so n/10; ping-pongs
    // n/50 round trips, as the queue peers do; the rest n.
    let case = "rendezvous-1p1c";
    if want(case) { report(CB, case, n / 10, rendezvous_stream(CB, case, n / 10)); }
    let case = "rendezvous-pingpong";
    if want(case) { report_hop(CB, case, n / 50, rendezvous_pingpong(CB, case, n / 50)); }
    let case = "oneshot-local";
    if want(case) { report(TK, case, n, oneshot_local(TK, case, n)); }
    let case = "oneshot-pingpong";
    if want(case) { report_hop(TK, case, n / 50, oneshot_pingpong(TK, case, n / 50)); }
    let case = "broadcast-1p2c";
    if want(case) {
        let (delivered, secs) = broadcast(&rt, TK, case, 2, n);
        report(TK, case, delivered, secs);
    }
    let case = "watch-1p1c";
    if want(case) { report(TK, case, n, watch(&rt, TK, case, n)); }
}

//! Forwarding throughput of the relay, beside a raw loopback TCP copy of the same bytes.
//!
//! Runs the relay in-process (its own runtime and hub thread) on 127.0.0.1, connects one
//! producer and 1 or 8 viewers over WebSocket, sends N messages and times until every viewer
//! has received all of them. Two message sizes: 82,680-byte frames (one SMPL mesh frame,
//! 6,890 × 3 float32, sent as UPDATE_FRAMES envelopes) and ~100-byte user messages.
//! The baseline is the same bytes over plain loopback TCP: a copy task that reads the producer's
//! stream in 256 KiB chunks and writes each chunk to every consumer socket. The copy task runs on
//! a runtime of its own (two worker threads), as the relay does here: a hop between two programs
//! is a program of its own. On the clients' runtime, tokio can run the producer's task, the copy
//! task and the consumer's on one thread, handing the bytes on without waking another thread,
//! which no separate relay can do; that copy is measured too and printed beside.
//!
//! Both sides are measured alike: the producers write in batches (the relay's through the
//! WebSocket's write buffer, flushed once at the end; the raw one through a 128 KiB `BufWriter`,
//! the size of that write buffer), the relay writes to each viewer in batches and the copy task
//! in 256 KiB chunks, every socket has Nagle off, the messages are in memory before the clock
//! starts, and each figure is the median of [`RUNS`] runs taken alternately (relay, raw, relay,
//! ...) after one warm-up run of each. The machine's load average is printed before and after.
//!
//! The small messages are also sent sustained: far more than the default
//! `--max-messages-per-second` (100,000, bursts of one second's worth) lets through in its
//! burst, back to back, so the figure is the rate a producer keeps at default settings; what the
//! limiter refuses is answered with errors and counted.
//!
//! A last section compares a relay that records every applied message (`--record FILE`, fsync
//! before each acknowledgement) with one that does not, on the same frames: median of 5
//! alternating runs after a warm-up.
//!
//! `--frames-only` runs only the 82 KB comparisons (for a profiler: `perf record -g` on the
//! built example sees the forwarding path of large frames alone).
//!
//! `cargo run -p meshcast-relay --release --example relay_bench [-- --quick] [--frames-only]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{encode_envelope, encode_envelope_bytes, Envelope, NdArray, RelayToViewer, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::Message;

use bench_common::lean_ws::{masked_frame, LeanWs};
use bench_common::{connect, join_viewer, median, runtime, smpl_frame_messages, start_relay, BenchRelay, VERTICES};

/// How long a run may take before the benchmark gives up on it.
const READ_TIMEOUT: Duration = Duration::from_secs(120);

struct Result {
    /// Producer bytes delivered to each viewer (the same bytes for relay and raw runs).
    bytes_per_viewer: u64,
    messages: u64,
    secs: f64,
}

impl Result {
    fn mb_s(&self) -> f64 {
        self.bytes_per_viewer as f64 / self.secs / 1e6
    }
    fn msg_s(&self) -> f64 {
        self.messages as f64 / self.secs
    }
}

/// One producer, `viewers` viewers, `frames` (already encoded) sent in order.
async fn relay_run(port: u16, frames: &[Bytes], setup: &[Envelope], viewers: usize) -> Result {
    let mut producer = connect(&format!("ws://127.0.0.1:{port}/?format=msgpack")).await;
    for env in setup {
        producer
            .send(Message::Binary(encode_envelope(env).into()))
            .await
            .unwrap();
    }
    producer
        .send(Message::Binary(encode_envelope(&Envelope::new(900, None)).into()))
        .await
        .unwrap();
    // Wait for the ack so setup and the ClientConnected event come before the viewers join.
    producer.next().await.unwrap().unwrap();
    let mut readers = Vec::new();
    for _ in 0..viewers {
        let mut ws = join_viewer(port).await;
        let n = frames.len();
        readers.push(tokio::spawn(async move {
            let (mut count, mut bytes) = (0usize, 0u64);
            while count < n {
                match ws.next().await {
                    Some(Ok(Message::Binary(b))) => {
                        count += 1;
                        bytes += b.len() as u64;
                    }
                    Some(Ok(_)) => {}
                    _ => panic!("viewer closed after {count}"),
                }
            }
            bytes
        }));
    }
    // Handles to the messages (no copy), made before the clock starts.
    let frames_owned: Vec<Bytes> = frames.to_vec();
    let start = Instant::now();
    let sender = tokio::spawn(async move {
        for f in frames_owned {
            producer.feed(Message::Binary(f)).await.unwrap();
        }
        producer.flush().await.unwrap();
        producer
    });
    finish(start, readers, sender, frames).await
}

/// Waits for every viewer to have all `frames` (the clock started at `start`), then for the
/// producer's task (the producer stays connected until then).
async fn finish<R, P>(
    start: Instant,
    readers: Vec<tokio::task::JoinHandle<R>>,
    sender: tokio::task::JoinHandle<P>,
    frames: &[Bytes],
) -> Result {
    for r in readers {
        // A viewer marked lagging loses messages that are not part of the scene and would wait
        // here for ever: the relay's warning on stderr says so.
        tokio::time::timeout(READ_TIMEOUT, r)
            .await
            .expect("a viewer did not get every message (was it marked lagging? see the warnings above)")
            .unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let _producer = sender.await.unwrap();
    Result {
        bytes_per_viewer: frames.iter().map(|f| f.len() as u64).sum(),
        messages: frames.len() as u64,
        secs,
    }
}

/// [`relay_run`] with clients that cost what the raw copy's endpoints cost ([`LeanWs`]): the
/// producer writes frames masked before the clock starts through a 128 KiB buffer, the viewers
/// count messages by their frame headers in one reused buffer. `frames` and `setup` are the
/// envelopes (the same bytes as [`relay_run`]'s).
async fn relay_run_lean(port: u16, frames: &[Bytes], setup: &[Envelope], viewers: usize) -> Result {
    let mut producer = LeanWs::connect(port, "/?format=msgpack").await;
    let mut first: Vec<Bytes> = setup.iter().map(|e| masked_frame(&encode_envelope(e))).collect();
    first.push(masked_frame(&encode_envelope(&Envelope::new(900, None))));
    producer.send(&first).await;
    // The ack of the flush: setup and the ClientConnected event come before the viewers join.
    producer.next_message().await;
    let mut readers = Vec::new();
    for _ in 0..viewers {
        let mut ws = LeanWs::connect(port, "/viewer").await;
        loop {
            let m = ws.next_message().await;
            if let Ok(RelayToViewer::SnapshotEnd { .. }) = meshcast_protocol::decode::<RelayToViewer>(&m) {
                break;
            }
        }
        let n = frames.len();
        readers.push(tokio::spawn(async move { ws.count_messages(n).await }));
    }
    let masked: Vec<Bytes> = frames.iter().map(|f| masked_frame(f)).collect();
    let start = Instant::now();
    let sender = tokio::spawn(async move {
        producer.send(&masked).await;
        producer
    });
    finish(start, readers, sender, frames).await
}

/// What a sustained run measured.
struct Sustained {
    sent: u64,
    /// Messages the viewer received (what the relay accepted, unless the viewer lagged).
    delivered: u64,
    /// Rate-limit errors the producer read.
    refused: u64,
    /// The viewer fell behind and was resynced (then `delivered` misses what was dropped).
    lagged: bool,
    /// From the first message sent to the viewer having received the last accepted one.
    secs: f64,
}

/// One producer sends copies of `frame` back to back for `seconds`, then a FLUSH, reading its
/// replies (acknowledgement, rate-limit errors) meanwhile; one viewer counts the forwarded
/// messages. After the acknowledgement and a pause for the limiter to refill, a marker message
/// ends the viewer's count.
async fn sustained_run(port: u16, frame: &Bytes, seconds: f64) -> Sustained {
    const MARKER: i64 = 10_999;
    let mut producer = connect(&format!("ws://127.0.0.1:{port}/?format=msgpack")).await;
    producer
        .send(Message::Binary(encode_envelope(&Envelope::new(900, None)).into()))
        .await
        .unwrap();
    producer.next().await.unwrap().unwrap();
    let mut viewer = join_viewer(port).await;
    let reader = tokio::spawn(async move {
        let (mut count, mut lagged, mut last) = (0u64, false, Instant::now());
        while let Some(Ok(msg)) = viewer.next().await {
            let Message::Binary(b) = msg else { continue };
            match meshcast_protocol::decode::<RelayToViewer>(&b) {
                Ok(RelayToViewer::Message { envelope, .. }) if envelope.msg_type == MARKER => break,
                Ok(RelayToViewer::Message { .. }) => {
                    count += 1;
                    last = Instant::now();
                }
                Ok(RelayToViewer::SnapshotBegin) => lagged = true,
                _ => {}
            }
        }
        (count, lagged, last)
    });
    let (mut sink, mut replies) = producer.split();
    let frame = frame.clone();
    let start = Instant::now();
    let sender = tokio::spawn(async move {
        let mut n = 0u64;
        while start.elapsed().as_secs_f64() < seconds {
            for _ in 0..1000 {
                sink.feed(Message::Binary(frame.clone())).await.unwrap();
            }
            n += 1000;
        }
        sink.feed(Message::Binary(encode_envelope(&Envelope::new(900, None)).into()))
            .await
            .unwrap();
        sink.flush().await.unwrap();
        (sink, n)
    });
    // The only acknowledgement on this connection now is the one for the run's final FLUSH.
    let mut refused = 0u64;
    while let Some(Ok(msg)) = replies.next().await {
        let Message::Binary(b) = msg else { continue };
        match meshcast_protocol::decode::<meshcast_protocol::RelayToClient>(&b).unwrap() {
            meshcast_protocol::RelayToClient::Error { .. } => refused += 1,
            meshcast_protocol::RelayToClient::Ack { .. } => break,
            _ => {}
        }
    }
    let (mut sink, sent) = sender.await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    sink.send(Message::Binary(encode_envelope(&Envelope::new(MARKER, None)).into()))
        .await
        .unwrap();
    let (delivered, lagged, last) = reader.await.unwrap();
    Sustained {
        sent,
        delivered,
        refused,
        lagged,
        secs: last.duration_since(start).as_secs_f64(),
    }
}

/// The same bytes over plain loopback TCP through a copy task, spawned on `copier_rt`: it reads the
/// producer's byte stream in 256 KiB chunks and writes each chunk to every consumer (no framing,
/// no parsing: the most a relay hop can do). The producer writes through a 128 KiB buffer, as the
/// WebSocket client's write buffer batches the relay's producer.
async fn raw_run(frames: &[Bytes], consumers: usize, copier_rt: &tokio::runtime::Handle) -> Result {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let n = frames.len();
    let total: u64 = frames.iter().map(|f| f.len() as u64).sum();
    let copier = copier_rt.spawn(async move {
        let (mut input, _) = listener.accept().await.unwrap();
        input.set_nodelay(true).unwrap();
        let mut outs = Vec::new();
        for _ in 0..consumers {
            let out = listener.accept().await.unwrap().0;
            out.set_nodelay(true).unwrap();
            outs.push(out);
        }
        let mut buf = vec![0u8; 256 * 1024];
        loop {
            let k = input.read(&mut buf).await.unwrap();
            if k == 0 {
                break;
            }
            for o in &mut outs {
                o.write_all(&buf[..k]).await.unwrap();
            }
        }
    });
    let producer = TcpStream::connect(addr).await.unwrap();
    producer.set_nodelay(true).unwrap();
    let mut producer = tokio::io::BufWriter::with_capacity(128 * 1024, producer);
    let mut readers = Vec::new();
    for _ in 0..consumers {
        let mut s = TcpStream::connect(addr).await.unwrap();
        s.set_nodelay(true).unwrap();
        readers.push(tokio::spawn(async move {
            let mut bytes = 0u64;
            let mut buf = vec![0u8; 256 * 1024];
            while bytes < total {
                let k = s.read(&mut buf).await.unwrap();
                assert!(k > 0, "raw consumer closed early");
                bytes += k as u64;
            }
            bytes
        }));
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    let owned: Vec<Bytes> = frames.to_vec();
    let start = Instant::now();
    let sender = tokio::spawn(async move {
        for f in owned {
            producer.write_all(&f).await.unwrap();
        }
        producer.flush().await.unwrap();
        producer.shutdown().await.unwrap();
    });
    let mut bytes = 0;
    for r in readers {
        bytes = r.await.unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    sender.await.unwrap();
    copier.await.unwrap();
    Result {
        bytes_per_viewer: bytes,
        messages: n as u64,
        secs,
    }
}

/// Runs in each comparison, after the warm-up (the medians of 5 moved by ±20% between
/// invocations on a 2-core machine).
const RUNS: usize = 9;

/// Median throughput of one side of a comparison.
struct Median {
    mb_s: f64,
    msg_s: f64,
    /// Slowest and fastest run, MB/s.
    range: (f64, f64),
}

impl Median {
    fn of(results: &[Result]) -> Self {
        let mb: Vec<f64> = results.iter().map(Result::mb_s).collect();
        let lo = mb.iter().copied().fold(f64::INFINITY, f64::min);
        let hi = mb.iter().copied().fold(0.0, f64::max);
        Self {
            mb_s: median(mb),
            msg_s: median(results.iter().map(Result::msg_s).collect()),
            range: (lo, hi),
        }
    }
}

/// The relay and the raw copy on the same messages: one warm-up run of each, then [`RUNS`] of
/// each, alternating; prints the medians side by side. `copier` is the raw copy's own runtime;
/// the copy on the clients' runtime (this one) is measured too.
async fn compare(
    label: &str,
    port: u16,
    frames: &[Bytes],
    setup: &[Envelope],
    viewers: usize,
    copier: &tokio::runtime::Handle,
) {
    let here = tokio::runtime::Handle::current();
    let _ = relay_run_lean(port, frames, setup, viewers).await;
    let _ = relay_run(port, frames, setup, viewers).await;
    let _ = raw_run(frames, viewers, copier).await;
    let _ = raw_run(frames, viewers, &here).await;
    let (mut lean, mut relay, mut raw, mut raw_here) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..RUNS {
        lean.push(relay_run_lean(port, frames, setup, viewers).await);
        relay.push(relay_run(port, frames, setup, viewers).await);
        raw.push(raw_run(frames, viewers, copier).await);
        raw_here.push(raw_run(frames, viewers, &here).await);
    }
    let (l, r, w, h) = (
        Median::of(&lean),
        Median::of(&relay),
        Median::of(&raw),
        Median::of(&raw_here),
    );
    println!(
        "{label:<26} viewers={viewers:<2} relay: {:>7.1} MB/s {:>8.0} msg/s per viewer ({:.0}-{:.0}) | \
         raw TCP copy: {:>7.1} MB/s {:>8.0} msg/s ({:.0}-{:.0}) | relay/raw {:.2}x | \
         relay with tungstenite clients: {:>7.1} MB/s ({:.0}-{:.0}), {:.2}x | \
         raw copy on the clients' runtime: {:>7.1} MB/s ({:.0}-{:.0}), relay/that {:.2}x",
        l.mb_s,
        l.msg_s,
        l.range.0,
        l.range.1,
        w.mb_s,
        w.msg_s,
        w.range.0,
        w.range.1,
        l.mb_s / w.mb_s,
        r.mb_s,
        r.range.0,
        r.range.1,
        r.mb_s / w.mb_s,
        h.mb_s,
        h.range.0,
        h.range.1,
        l.mb_s / h.mb_s
    );
}

/// The load average (1, 5 and 15 minutes), from `/proc/loadavg` where there is one.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Single-threaded cost of each step the relay takes for one message, to show where time goes.
fn stage_costs(frame: &[u8], setup: &Envelope) {
    use meshcast_protocol::Command;
    let iters = 500;
    let mut scene = meshcast_scene::Scene::new();
    scene.apply_envelope(1, setup.clone()).unwrap();
    let time = |f: &mut dyn FnMut()| {
        let t = Instant::now();
        for _ in 0..iters {
            f();
        }
        t.elapsed().as_secs_f64() * 1e6 / f64::from(iters)
    };
    let shared = Bytes::copy_from_slice(frame);
    let decode = time(&mut || {
        std::hint::black_box(meshcast_protocol::decode_envelope_bytes(&shared).unwrap());
    });
    let decode_copying = time(&mut || {
        std::hint::black_box(meshcast_protocol::decode_envelope(frame).unwrap());
    });
    let env = meshcast_protocol::decode_envelope_bytes(&shared).unwrap();
    let typed = time(&mut || {
        std::hint::black_box(Command::from_envelope(env.clone()).unwrap());
    });
    let cmd = Command::from_envelope(env.clone()).unwrap();
    let apply = time(&mut || {
        std::hint::black_box(scene.apply(1, cmd.clone()).unwrap());
    });
    let fwd = scene.apply(1, cmd.clone()).unwrap().forward.unwrap();
    let encode = time(&mut || {
        let msg = RelayToViewer::Message {
            client: 1,
            envelope: fwd.to_envelope(),
        };
        std::hint::black_box(meshcast_protocol::encode_bytes(&msg));
    });
    // An array without its payload at hand (reshaped, sliced or converted): assembled first.
    let arr = NdArray::from_f32(&[1, VERTICES, 3], &vec![0.5f32; VERTICES * 3]).unwrap();
    let assembled = Value::Array(NdArray::new(arr.dtype(), arr.shape().to_vec(), arr.data().clone()).unwrap());
    let encode_assembled = time(&mut || {
        std::hint::black_box(meshcast_protocol::encode_bytes(&assembled));
    });
    let copy = time(&mut || {
        std::hint::black_box(frame.to_vec());
    });
    println!(
        "per-message cost of a {}-byte frame, one thread (µs): decode {decode:.1} (copying the array out: \
         {decode_copying:.1}), typed view {typed:.1}, scene apply {apply:.1}, re-encode for viewers {encode:.1} \
         (an array whose payload must be assembled first: {encode_assembled:.1}); one memcpy of the frame {copy:.1}",
        frame.len()
    );
}

fn main() {
    // The relay's warnings (a viewer marked lagging, refused messages) on stderr.
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .init();
    let quick = std::env::args().any(|a| a == "--quick");
    let frames_only = std::env::args().any(|a| a == "--frames-only");
    let relay_rt = runtime("relay");
    let BenchRelay {
        port,
        stop: stop_tx,
        task: relay,
    } = start_relay(&relay_rt, meshcast_relay::Config::default());
    let record_dir = std::env::temp_dir().join(format!("meshcast-relay-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&record_dir);
    std::fs::create_dir_all(&record_dir).unwrap();
    let BenchRelay {
        port: rec_port,
        stop: rec_stop,
        task: rec_relay,
    } = start_relay(
        &relay_rt,
        meshcast_relay::Config {
            record: Some(record_dir.join("bench.mcrec")),
            ..meshcast_relay::Config::default()
        },
    );

    // The raw copy's task runs here, as the relay runs on its own runtime.
    let copier_rt = runtime("copier");
    let copier = copier_rt.handle().clone();
    let rt = runtime("bench");
    rt.block_on(async {
        // Large: UPDATE_FRAMES of one SMPL mesh frame onto a mesh node (the scene stays one frame).
        let n_large = if quick { 300 } else { 2_000 };
        let (mesh, update) = smpl_frame_messages();
        println!("load average before: {}", load_average());
        let large = vec![encode_envelope_bytes(&update); n_large];
        println!(
            "large frame: {} bytes on the wire ({} bytes of float32 vertices); {} messages per run",
            large[0].len(),
            VERTICES * 3 * 4,
            n_large
        );
        // Small: ~100-byte user messages (forwarded, not stored).
        let n_small = if quick { 5_000 } else { 50_000 };
        let small_env = Envelope::new(10_001, Some(7)).with_kwarg("note", "x".repeat(70));
        let small = vec![encode_envelope_bytes(&small_env); n_small];
        println!(
            "small message: {} bytes on the wire; {} messages per run",
            small[0].len(),
            n_small
        );

        stage_costs(&large[0], &mesh);
        println!("median of {RUNS} alternating runs after a warm-up (slowest-fastest MB/s in brackets):");
        for viewers in [1, 8] {
            compare("82,680-byte UPDATE_FRAMES", port, &large, std::slice::from_ref(&mesh), viewers, &copier).await;
        }
        if frames_only {
            println!("load average after: {}", load_average());
            return;
        }
        for viewers in [1, 8] {
            compare("~100-byte user messages", port, &small, &[], viewers, &copier).await;
        }
        // Sustained: sent back to back for far longer than the rate limiter's one-second burst.
        let s = sustained_run(port, &small[0], if quick { 3.0 } else { 10.0 }).await;
        let rate = meshcast_relay::Config::default().max_messages_per_second;
        println!(
            "~100-byte user messages, sustained at default settings, viewers=1: {} sent back to back over {:.1} s; \
             {} delivered to the viewer ({:.0} msg/s; {:.0} msg/s beyond the limiter's initial burst of {rate}){}, \
             {} refused by --max-messages-per-second {rate}",
            s.sent,
            s.secs,
            s.delivered,
            s.delivered as f64 / s.secs,
            s.delivered.saturating_sub(u64::from(rate)) as f64 / s.secs,
            if s.lagged { " (the viewer lagged and was resynced)" } else { "" },
            s.refused,
        );

        // --record: the same frames through a relay that logs each one (1 viewer).
        let _warm = relay_run(rec_port, &large, std::slice::from_ref(&mesh), 1).await;
        let (mut plain, mut recorded) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            plain.push(relay_run(port, &large, std::slice::from_ref(&mesh), 1).await.mb_s());
            recorded.push(relay_run(rec_port, &large, std::slice::from_ref(&mesh), 1).await.mb_s());
        }
        let (plain, recorded) = (median(plain), median(recorded));
        println!(
            "82,680-byte UPDATE_FRAMES, 1 viewer, median of 5: relay {plain:.0} MB/s, relay --record {recorded:.0} MB/s \
             ({:.2}x; the recording grew to {:.0} MB over the runs)",
            recorded / plain,
            std::fs::metadata(record_dir.join("bench.mcrec")).map_or(0.0, |m| m.len() as f64 / 1e6)
        );
        println!("load average after: {}", load_average());
    });
    let _ = stop_tx.send(());
    let _ = rec_stop.send(());
    let _ = relay_rt.block_on(relay);
    let _ = relay_rt.block_on(rec_relay);
    let _ = std::fs::remove_dir_all(record_dir);
}

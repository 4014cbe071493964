//! Relays federated over NATS JetStream (`--nats`) beside a single relay, in one run.
//!
//! Starts Debian's `nats-server -js` on loopback (a temporary store), one relay without
//! `--nats`, and two relays of one scene on that server, all in this process. Measures, for
//! the single relay and through NATS (producer on relay A, viewer on relay B):
//!
//! - throughput: N messages sent back to back until the viewer has all of them, 82,680-byte
//!   UPDATE_FRAMES (one SMPL mesh frame) and ~100-byte user messages;
//! - added latency: one message at a time, from the producer's send until the viewer has it;
//! - flush latency: one message and a FLUSH, until the Ack (through NATS: once JetStream
//!   holds the message and the relay applied it).
//!
//! Each figure is the median of several runs after a warm-up run.
//!
//! `cargo run -p meshcast-relay --release --example nats_bench [-- --quick]`
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "bench_common/mod.rs"]
mod bench_common;

use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{encode_envelope, Envelope, RelayToClient, RelayToViewer};
use meshcast_relay::federation::NatsConfig;
use meshcast_testkit::nats::NatsServer;
use tokio_tungstenite::tungstenite::Message;

use bench_common::{connect, join_viewer, median, runtime, smpl_frame_messages, start_relay, Ws};

/// Next message a viewer gets (skipping pings).
async fn viewer_next(ws: &mut Ws) -> RelayToViewer {
    loop {
        match ws.next().await {
            Some(Ok(Message::Binary(b))) => return meshcast_protocol::decode(&b).unwrap(),
            Some(Ok(_)) => {}
            other => panic!("viewer closed: {other:?}"),
        }
    }
}

/// Reads viewer messages until `n` client messages arrived.
async fn receive(ws: &mut Ws, n: usize) {
    let mut got = 0;
    while got < n {
        if let RelayToViewer::Message { .. } = viewer_next(ws).await {
            got += 1;
        }
    }
}

/// Sends a FLUSH and waits for its Ack.
async fn flush(producer: &mut Ws) {
    producer
        .send(Message::Binary(encode_envelope(&Envelope::new(900, None)).into()))
        .await
        .unwrap();
    loop {
        match producer.next().await {
            Some(Ok(Message::Binary(b))) => {
                if let Ok(RelayToClient::Ack { .. }) = meshcast_protocol::decode(&b) {
                    return;
                }
            }
            Some(Ok(_)) => {}
            other => panic!("producer closed: {other:?}"),
        }
    }
}

/// A producer on `from` (with `setup` sent and acknowledged) and a viewer on `to`.
async fn pair(from: u16, to: u16, setup: &[Envelope]) -> (Ws, Ws) {
    let mut producer = connect(&format!("ws://127.0.0.1:{from}/?format=msgpack")).await;
    for env in setup {
        producer
            .send(Message::Binary(encode_envelope(env).into()))
            .await
            .unwrap();
    }
    flush(&mut producer).await;
    let viewer = join_viewer(to).await;
    (producer, viewer)
}

/// Seconds until the viewer on `to` has all `frames` a producer on `from` sends back to back.
async fn throughput(from: u16, to: u16, setup: &[Envelope], frames: &[bytes::Bytes]) -> f64 {
    let (mut producer, mut viewer) = pair(from, to, setup).await;
    let start = Instant::now();
    let owned = frames.to_vec();
    let sender = tokio::spawn(async move {
        for f in owned {
            producer.feed(Message::Binary(f)).await.unwrap();
        }
        producer.flush().await.unwrap();
        producer
    });
    receive(&mut viewer, frames.len()).await;
    let secs = start.elapsed().as_secs_f64();
    let mut producer = sender.await.unwrap();
    flush(&mut producer).await;
    secs
}

/// Median microseconds from sending one message until the viewer has it, and from sending a
/// message and a FLUSH until the Ack.
async fn latency(from: u16, to: u16, setup: &[Envelope], frame: &bytes::Bytes, samples: usize) -> (f64, f64) {
    let (mut producer, mut viewer) = pair(from, to, setup).await;
    let (mut seen, mut acked) = (Vec::new(), Vec::new());
    for _ in 0..samples {
        let t = Instant::now();
        producer.send(Message::Binary(frame.clone())).await.unwrap();
        receive(&mut viewer, 1).await;
        seen.push(t.elapsed().as_secs_f64() * 1e6);
        let t = Instant::now();
        producer.send(Message::Binary(frame.clone())).await.unwrap();
        flush(&mut producer).await;
        acked.push(t.elapsed().as_secs_f64() * 1e6);
        receive(&mut viewer, 1).await;
    }
    (median(seen), median(acked))
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let runs = if quick { 3 } else { 5 };
    let nats = NatsServer::start();
    let relay_rt = runtime("relay");
    let federated = || meshcast_relay::Config {
        nats: Some(NatsConfig::new(nats.url(), "bench")),
        ..meshcast_relay::Config::default()
    };
    let relays = [
        start_relay(&relay_rt, meshcast_relay::Config::default()),
        start_relay(&relay_rt, federated()),
        start_relay(&relay_rt, federated()),
    ];
    let [single, a, b] = [relays[0].port, relays[1].port, relays[2].port];

    let rt = runtime("bench");
    rt.block_on(async {
        // The federated relays connect to NATS before they serve: wait until both answer.
        for port in [a, b] {
            drop(join_viewer(port).await);
        }
        let (mesh, update) = smpl_frame_messages();
        let large = bytes::Bytes::from(encode_envelope(&update));
        let small = bytes::Bytes::from(encode_envelope(
            &Envelope::new(10_001, Some(7)).with_kwarg("note", "x".repeat(70)),
        ));
        let n_large = if quick { 200 } else { 1_000 };
        let n_small = if quick { 2_000 } else { 10_000 };
        println!(
            "nats-server {}; {runs} runs after a warm-up, medians; large: {} bytes x {n_large}, small: {} bytes x {n_small}",
            nats.url(),
            large.len(),
            small.len()
        );
        let setup = std::slice::from_ref(&mesh);
        for (label, frame, n) in [("82,680-byte UPDATE_FRAMES", &large, n_large), ("~100-byte user messages", &small, n_small)] {
            let frames = vec![frame.clone(); n];
            let bytes = (frame.len() * n) as f64;
            let _ = throughput(single, single, setup, &frames).await;
            let _ = throughput(a, b, setup, &frames).await;
            let (mut one, mut fed) = (Vec::new(), Vec::new());
            for _ in 0..runs {
                one.push(throughput(single, single, setup, &frames).await);
                fed.push(throughput(a, b, setup, &frames).await);
            }
            let (one, fed) = (median(one), median(fed));
            println!(
                "throughput, {label}: single relay {:.0} MB/s ({:.0} msg/s) | through NATS, relay A -> relay B {:.0} MB/s ({:.0} msg/s) | {:.2}x",
                bytes / one / 1e6,
                n as f64 / one,
                bytes / fed / 1e6,
                n as f64 / fed,
                one / fed
            );
        }
        let samples = if quick { 50 } else { 200 };
        for (label, frame) in [("82,680-byte UPDATE_FRAMES", &large), ("~100-byte user message", &small)] {
            let _ = latency(single, single, setup, frame, 10).await;
            let _ = latency(a, b, setup, frame, 10).await;
            let (one_seen, one_ack) = latency(single, single, setup, frame, samples).await;
            let (same_seen, _) = latency(a, a, setup, frame, samples).await;
            let (fed_seen, fed_ack) = latency(a, b, setup, frame, samples).await;
            println!(
                "latency, {label}, median of {samples}: send -> viewer has it: single relay {one_seen:.0} us | NATS, viewer on \
                 the same relay {same_seen:.0} us | NATS, viewer on the other relay {fed_seen:.0} us (+{:.0} us); \
                 send + FLUSH -> Ack: single {one_ack:.0} us | NATS {fed_ack:.0} us (+{:.0} us)",
                fed_seen - one_seen,
                fed_ack - one_ack,
            );
        }
    });
    for r in relays {
        let _ = r.stop.send(());
    }
    relay_rt.shutdown_timeout(Duration::from_secs(5));
}

//! The churn soak: the real `meshcast-relay` binary under producers and viewers that come and go
//! at random, fast, slow and stalled viewers, malformed, oversized and over-the-limit messages.
//!
//! It runs for `MESHCAST_SOAK_SECONDS` (120 by default, what CI runs; the documented long run is
//! `MESHCAST_SOAK_SECONDS=600 cargo test -p meshcast-relay --test soak -- --nocapture`) and
//! then checks that:
//! - the relay never panicked and still runs;
//! - its resident memory stayed bounded (sampled all along; printed, and under 1 GiB with a
//!   16 MiB scene limit);
//! - every viewer still connected at the end holds exactly the relay's scene (a late joiner's
//!   snapshot);
//! - nothing acknowledged is missing: each producer kept a model of its own nodes, applying
//!   every message its FLUSH acknowledged without an error, and the relay's scene is exactly
//!   those nodes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use meshcast_protocol::{ClientId, Command, Envelope, RelayToClient, RelayToViewer, Value};
use meshcast_scene::{Node, Scene};
use meshcast_testkit::RelayProcess;

/// The scene limit the soak runs under.
const SCENE_LIMIT: usize = 16 << 20;
/// The message size limit (oversized messages are twice this).
const MESSAGE_LIMIT: usize = 1 << 20;
/// Producers and viewers at once.
const PRODUCERS: usize = 4;
const VIEWERS: usize = 4;
/// The uid of the node created before the soak and deleted to mark its end (a deletion always
/// fits the scene limit, and a resynced viewer sees it in its snapshot too).
const MARKER_UID: u64 = 1 << 40;

/// A small deterministic generator (xorshift64*), one per task.
struct Rng(u64);

impl Rng {
    fn new(seed: u64) -> Rng {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// Counters printed at the end.
#[derive(Default)]
struct Stats {
    sent: AtomicU64,
    acknowledged: AtomicU64,
    refused: AtomicU64,
    producers: AtomicU64,
    viewers: AtomicU64,
    resyncs: AtomicU64,
    oversized: AtomicU64,
}

/// What one producer connection leaves behind: the model of its nodes (under client id 1; the
/// relay's id for it is found at the end by matching).
struct ProducerModel {
    scene: Scene,
}

/// One random message for a producer whose nodes have these point counts (uid -> points).
fn random_message(rng: &mut Rng, points: &mut [usize; 8]) -> Envelope {
    let slot = rng.below(8) as usize;
    let uid = slot as u64 + 1;
    let p = points[slot].max(1);
    match rng.below(100) {
        0..=14 => {
            let n = 1 + rng.below(50) as usize;
            points[slot] = n;
            spheres(uid, 1 + rng.below(4) as usize, n, rng.next() as u32)
        }
        15..=44 => add_frames(uid, "positions", 1 + rng.below(3) as usize, p, rng.next() as u32),
        45..=54 => {
            // Frames as nested lists.
            let point = Value::List(vec![Value::Float(0.5); 3]);
            Envelope::new(101, Some(uid)).with_kwarg("positions", Value::List(vec![Value::List(vec![point; p])]))
        }
        55..=64 => update_frames(uid, "positions", &[0, -1], p, rng.next() as u32),
        65..=71 => remove_frames(uid, &[0]),
        72..=77 => delete(uid),
        78..=81 => set_frame(rng.below(10) as i64),
        82..=83 => Envelope::new(201, None),
        84..=97 => user(rng.below(1000) as i64),
        // Big enough to run into the scene limit now and then (under the message limit).
        _ => spheres(uid, 2, 20_000 + rng.below(20_000) as usize, rng.next() as u32),
    }
}

/// One producer's life: connect, send random messages with a flush every few, sometimes a
/// malformed or oversized one, then leave (deleting its nodes or not). Returns its model.
async fn producer_life(url: String, seed: u64, stats: Arc<Stats>) -> ProducerModel {
    let mut rng = Rng::new(seed);
    let mut p = Producer::connect(&url).await;
    stats.producers.fetch_add(1, Ordering::Relaxed);
    let mut model = Scene::new();
    let mut points = [0usize; 8];
    let messages = 20 + rng.below(400);
    let mut pending: Vec<(u64, Option<Envelope>)> = Vec::new();
    for _ in 0..messages {
        if rng.chance(3) {
            // Malformed bytes: answered with an error, never applied.
            let seq = p.send_raw(vec![0x81, 0xc1, rng.next() as u8]).await;
            pending.push((seq, None));
        } else {
            let env = random_message(&mut rng, &mut points);
            let seq = p.send(&env).await;
            pending.push((seq, Some(env)));
        }
        stats.sent.fetch_add(1, Ordering::Relaxed);
        if rng.chance(15) {
            settle(&mut p, &mut pending, &mut model, &stats).await;
        }
        if rng.below(400) == 0 {
            // Oversized: everything before it settled, then the relay closes this connection.
            settle(&mut p, &mut pending, &mut model, &stats).await;
            let big = vec![0u8; 2 * MESSAGE_LIMIT];
            let _ = futures_util::SinkExt::send(&mut p.ws, big.into()).await;
            stats.oversized.fetch_add(1, Ordering::Relaxed);
            let closed = loop {
                match next_binary(&mut p.ws, STEP).await {
                    Some(Ok(_)) => continue,
                    Some(Err(frame)) => break frame,
                    None => panic!("oversized message: the connection was not closed"),
                }
            };
            assert_eq!(closed.map(|(code, _)| code), Some(1009));
            return ProducerModel { scene: model };
        }
    }
    if rng.chance(80) {
        for uid in 1..=8 {
            let seq = p.send(&delete(uid)).await;
            pending.push((seq, Some(delete(uid))));
        }
    }
    settle(&mut p, &mut pending, &mut model, &stats).await;
    ProducerModel { scene: model }
}

/// Flushes, then applies to the model every pending message the relay did not refuse.
async fn settle(p: &mut Producer, pending: &mut Vec<(u64, Option<Envelope>)>, model: &mut Scene, stats: &Stats) {
    let replies = p.flush().await;
    let refused: Vec<u64> = replies
        .iter()
        .filter_map(|r| match r {
            RelayToClient::Error { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    for (seq, env) in pending.drain(..) {
        if refused.contains(&seq) {
            stats.refused.fetch_add(1, Ordering::Relaxed);
            continue;
        }
        let env = env.expect("malformed bytes are always refused");
        stats.acknowledged.fetch_add(1, Ordering::Relaxed);
        // A producer's nodes depend on its own messages only: client id 1 stands for its own.
        let cmd = Command::from_envelope(env).expect("an accepted message validates");
        model
            .apply(1, cmd)
            .expect("an accepted message applies to the model as it did on the relay");
    }
}

/// A viewer: fast, slow (a pause between reads) or stalled (stops reading for a while, so its
/// queue overflows and it is resynced). Keeps its scene as the page does. Leaves at the end of
/// its random lifetime, unless it is told to stay until the end; then reads until the marker
/// node is gone from its scene and returns it.
async fn viewer_life(url: String, seed: u64, stay: bool, done: Arc<AtomicBool>, stats: Arc<Stats>) -> Option<Scene> {
    let mut rng = Rng::new(seed);
    let (mut v, snap) = Viewer::join(&url).await;
    stats.viewers.fetch_add(1, Ordering::Relaxed);
    let mut scene = snap.scene();
    let mut in_snapshot = false;
    let pace = rng.below(3); // 0 fast, 1 slow, 2 stalls now and then
    let lifetime = Duration::from_millis(500 + rng.below(8_000));
    let born = Instant::now();
    let marker = |s: &Scene| s.nodes().iter().any(|n| n.key().uid == MARKER_UID);
    let mut quiet_since = Instant::now();
    loop {
        let ending = done.load(Ordering::Relaxed);
        if !stay && !ending && born.elapsed() > lifetime {
            return None;
        }
        if ending && !in_snapshot && !marker(&scene) {
            return stay.then_some(scene);
        }
        if !ending {
            match pace {
                1 => tokio::time::sleep(Duration::from_millis(rng.below(20))).await,
                2 if rng.chance(1) => tokio::time::sleep(Duration::from_millis(500 + rng.below(2_500))).await,
                _ => {}
            }
        }
        // Short waits, so the end of the soak is noticed when nothing more comes.
        let msg = match next_binary(&mut v.ws, Duration::from_millis(250)).await {
            Some(Ok(bytes)) => {
                quiet_since = Instant::now();
                Some(meshcast_protocol::decode::<RelayToViewer>(&bytes).expect("a relay message"))
            }
            Some(Err(close)) => panic!("viewer: the relay closed the connection: {close:?}"),
            None if quiet_since.elapsed() > Duration::from_secs(60) => {
                panic!("viewer: nothing from the relay for 60 s")
            }
            None => continue,
        };
        match msg {
            Some(RelayToViewer::SnapshotBegin) => {
                scene = Scene::new();
                in_snapshot = true;
                stats.resyncs.fetch_add(1, Ordering::Relaxed);
            }
            Some(RelayToViewer::SnapshotEnd { .. }) => in_snapshot = false,
            Some(RelayToViewer::Message { client, envelope }) => {
                let cmd = Command::from_envelope(envelope).expect("the relay forwards valid messages");
                scene
                    .apply(client, cmd)
                    .expect("the relay forwards applicable messages");
            }
            Some(_) => {}
            None => unreachable!(),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn churn_soak() {
    let seconds: u64 = std::env::var("MESHCAST_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(120);
    let relay = RelayProcess::start(&[
        "--max-scene-bytes",
        &SCENE_LIMIT.to_string(),
        "--max-message-size",
        &MESSAGE_LIMIT.to_string(),
        "--viewer-queue",
        "256",
        "--viewer-queue-bytes",
        "1000000",
    ]);
    let stats = Arc::new(Stats::default());
    let done = Arc::new(AtomicBool::new(false));
    let mut last = Producer::connect(&relay.client_url()).await;
    last.send(&Envelope::new(1, Some(MARKER_UID))).await;
    assert!(last.flush().await.is_empty());
    let start = Instant::now();
    let run_for = Duration::from_secs(seconds);

    // Memory, sampled all along.
    let pid = relay.pid();
    let sampler_done = Arc::clone(&done);
    let sampler = tokio::spawn(async move {
        let mut max = 0u64;
        while !sampler_done.load(Ordering::Relaxed) {
            max = max.max(rss_bytes(pid).unwrap_or(0));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        max
    });

    // Viewers that stay to the end, and a churn of others.
    let mut stayers = Vec::new();
    for k in 0..VIEWERS as u64 / 2 {
        stayers.push(tokio::spawn(viewer_life(
            relay.viewer_url(),
            1000 + k,
            true,
            Arc::clone(&done),
            Arc::clone(&stats),
        )));
    }
    let churn_url = relay.viewer_url();
    let churn_done = Arc::clone(&done);
    let churn_stats = Arc::clone(&stats);
    let viewer_churn = tokio::spawn(async move {
        let mut seed = 2000;
        let mut live = Vec::new();
        while !churn_done.load(Ordering::Relaxed) {
            live.retain(|h: &tokio::task::JoinHandle<Option<Scene>>| !h.is_finished());
            while live.len() < VIEWERS - VIEWERS / 2 {
                seed += 1;
                live.push(tokio::spawn(viewer_life(
                    churn_url.clone(),
                    seed,
                    false,
                    Arc::clone(&churn_done),
                    Arc::clone(&churn_stats),
                )));
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        for h in live {
            h.await.expect("a churning viewer failed");
        }
    });

    // Producers: PRODUCERS at a time, each replaced when it leaves.
    let mut models = Vec::new();
    let mut seed = 1;
    let mut live: Vec<tokio::task::JoinHandle<ProducerModel>> = Vec::new();
    while start.elapsed() < run_for {
        let mut still = Vec::new();
        for h in live {
            if h.is_finished() {
                models.push(h.await.expect("a producer failed"));
            } else {
                still.push(h);
            }
        }
        live = still;
        while live.len() < PRODUCERS {
            seed += 1;
            live.push(tokio::spawn(producer_life(
                relay.client_url(),
                seed,
                Arc::clone(&stats),
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    for h in live {
        models.push(h.await.expect("a producer failed"));
    }

    // The end: the marker node goes, then every staying viewer catches up to that.
    last.send(&delete(MARKER_UID)).await;
    let replies = last.flush().await;
    assert!(replies.is_empty(), "{replies:?}");
    done.store(true, Ordering::Relaxed);
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    let relay_scene = snap.scene();
    for h in stayers {
        let scene = h.await.expect("a staying viewer failed").expect("it stayed");
        assert_same_scene(&scene, &relay_scene);
    }
    viewer_churn.await.expect("viewer churn failed");
    let max_rss = sampler.await.unwrap();

    // Nothing acknowledged is missing, nothing refused is there: the relay's nodes, client by
    // client, are exactly the producers' models, one each.
    let mut clients: BTreeMap<ClientId, Vec<&Node>> = BTreeMap::new();
    for node in relay_scene.nodes() {
        clients.entry(node.key().client).or_default().push(node);
    }
    let mut unmatched: Vec<Vec<&Node>> = clients.into_values().collect();
    for m in models.iter().filter(|m| !m.scene.is_empty()) {
        let mine = m.scene.nodes();
        let at = unmatched.iter().position(|theirs| same_nodes(theirs, &mine));
        let at = at.unwrap_or_else(|| panic!("a producer's acknowledged nodes are not on the relay: {:?}", mine));
        unmatched.swap_remove(at);
    }
    assert!(
        unmatched.is_empty(),
        "nodes no producer had acknowledged: {unmatched:?}"
    );

    assert!(!relay.log_text().contains("panicked"), "{}", relay.log_text());
    assert!(rss_bytes(relay.pid()).is_some(), "the relay is still running");
    println!(
        "soak: {} s, {} producers, {} viewers ({} resyncs), {} messages sent, {} acknowledged, {} refused, \
         {} oversized; relay peak RSS {} MiB; final scene {} nodes, {} bytes of footprint",
        start.elapsed().as_secs(),
        stats.producers.load(Ordering::Relaxed),
        stats.viewers.load(Ordering::Relaxed),
        stats.resyncs.load(Ordering::Relaxed),
        stats.sent.load(Ordering::Relaxed),
        stats.acknowledged.load(Ordering::Relaxed),
        stats.refused.load(Ordering::Relaxed),
        stats.oversized.load(Ordering::Relaxed),
        max_rss >> 20,
        relay_scene.len(),
        relay_scene.footprint(),
    );
    assert!(max_rss < 1 << 30, "relay peak RSS {} MiB", max_rss >> 20);
}

/// Two clients' nodes (each list in creation order) hold the same uids, kinds, options and
/// data.
fn same_nodes(a: &[&Node], b: &[&Node]) -> bool {
    let mut a: Vec<&&Node> = a.iter().collect();
    let mut b: Vec<&&Node> = b.iter().collect();
    a.sort_by_key(|n| n.key().uid);
    b.sort_by_key(|n| n.key().uid);
    a.len() == b.len()
        && a.iter().zip(&b).all(|(x, y)| {
            x.key().uid == y.key().uid
                && x.kind() == y.kind()
                && x.options() == y.options()
                && x.all_series() == y.all_series()
                && x.all_statics() == y.all_statics()
        })
}

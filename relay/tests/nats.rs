//! Relays federated over NATS JetStream (`--nats URL --scene NAME`) on the real binaries: a
//! `nats-server -js` on loopback with a temporary store, and several `meshcast-relay`s.
//!
//! - three relays, producers on two, viewers on all three: every viewer gets the same messages
//!   in the same order (the same scene hash); errors and acks reach the right producer; viewer
//!   messages reach clients on other relays;
//! - a relay killed mid-stream and restarted catches up, from a compacted snapshot and the
//!   stream after it;
//! - `nats-server` restarted: the relays reconnect and nothing acknowledged is lost;
//! - a relay that does not read (SIGSTOP) does not hold up the others' producers;
//! - a message over the NATS server's `max_payload` is rejected with an error naming it.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::time::Duration;

use common::*;
use meshcast_protocol::{ClientId, RelayToClient, RelayToViewer, Value};
use meshcast_scene::Scene;
use meshcast_testkit::nats::NatsServer;
use meshcast_testkit::RelayProcess;

/// A relay of scene `scene` on `nats`.
fn relay(nats: &NatsServer, scene: &str, extra: &[&str]) -> RelayProcess {
    let url = nats.url();
    let mut args = vec!["--nats", url.as_str(), "--scene", scene];
    args.extend(extra);
    RelayProcess::start(&args)
}

/// How long a test waits for something that needs NATS to reconnect.
const RECONNECT: Duration = Duration::from_secs(30);

/// A hash of a scene: its snapshot messages, as any viewer would be sent them.
fn scene_hash(scene: &Scene) -> u64 {
    let mut h = DefaultHasher::new();
    meshcast_scene::replay::snapshot_messages(scene).unwrap().hash(&mut h);
    scene.current_frame().hash(&mut h);
    h.finish()
}

/// Sends FLUSH and waits (up to `within`) for its Ack; returns the replies before it.
async fn flush_within(p: &mut Producer, within: Duration) -> Vec<RelayToClient> {
    let seq = p.send(&meshcast_protocol::Envelope::new(900, None)).await;
    let deadline = tokio::time::Instant::now() + within;
    let mut before = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        match p.reply(left).await {
            Some(RelayToClient::Ack { seq: s }) if s == seq => return before,
            Some(other) => before.push(other),
            None => panic!("no Ack for FLUSH {seq} within {within:?}; got {before:?}"),
        }
    }
}

/// Sends `env` and keeps it in `sent`.
async fn send_kept(p: &mut Producer, sent: &mut Vec<meshcast_protocol::Envelope>, env: meshcast_protocol::Envelope) {
    p.send(&env).await;
    sent.push(env);
}

/// Receives until `n` Messages arrived, returning them and the clients that connected.
async fn collect(v: &mut Viewer, n: usize) -> (Vec<(ClientId, meshcast_protocol::Envelope)>, Vec<ClientId>) {
    let mut out = Vec::new();
    let mut clients = Vec::new();
    while out.len() < n {
        match v.recv(RECONNECT).await {
            Some(RelayToViewer::Message { client, envelope }) => out.push((client, envelope)),
            Some(RelayToViewer::ClientConnected(info)) => clients.push(info.id),
            Some(RelayToViewer::ClientDisconnected { .. }) => {}
            other => panic!("unexpected {other:?} after {} messages", out.len()),
        }
    }
    (out, clients)
}

/// A producer's share of the scene: `k` sphere nodes, frames added to each, one SET_FRAME.
async fn stream_some(p: &mut Producer, k: u64, seed: u32) -> usize {
    let mut sent = 0;
    for uid in 1..=k {
        p.send(&spheres(uid, 2, 50, seed + uid as u32)).await;
        p.send(&add_frames(uid, "positions", 1, 50, seed + 100 + uid as u32))
            .await;
        sent += 2;
    }
    p.send(&set_frame(1)).await;
    sent + 1
}

/// Three relays, producers on two, viewers on all three: the same messages in the same order,
/// so the same scene everywhere; a late viewer's snapshot too. Client ids do not collide; a
/// rejected message is answered on its producer's relay (before the flush's Ack) and reaches
/// no viewer; viewer messages reach clients on other relays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_relays_serve_one_scene() {
    let nats = NatsServer::start();
    let relays: Vec<RelayProcess> = (0..3).map(|_| relay(&nats, "one", &[])).collect();
    let mut viewers = Vec::new();
    for r in &relays {
        let (v, snap) = Viewer::join(&r.viewer_url()).await;
        assert!(snap.scene().is_empty());
        viewers.push(v);
    }
    let mut a = Producer::connect(&relays[0].client_url()).await;
    let mut b = Producer::connect(&relays[1].client_url()).await;
    let (sent_a, sent_b) = tokio::join!(stream_some(&mut a, 6, 1), stream_some(&mut b, 5, 2));
    // A message the scene rejects (no node 99): its producer's relay answers it.
    let bad = b.send(&add_frames(99, "positions", 1, 50, 3)).await;
    let replies_b = flush_within(&mut b, RECONNECT).await;
    assert!(
        matches!(&replies_b[..], [RelayToClient::Error { seq, uid: Some(99), message, .. }] if *seq == bad && message.contains("99")),
        "{replies_b:?}"
    );
    assert!(flush_within(&mut a, RECONNECT).await.is_empty());

    let total = sent_a + sent_b;
    let mut seen = Vec::new();
    for v in &mut viewers {
        seen.push(collect(v, total).await);
    }
    let scenes: Vec<Scene> = seen
        .iter()
        .map(|(msgs, _)| {
            let mut s = Scene::new();
            apply_all(&mut s, msgs);
            s
        })
        .collect();
    let hashes: Vec<u64> = scenes.iter().map(scene_hash).collect();
    assert_eq!(hashes[0], hashes[1]);
    assert_eq!(hashes[0], hashes[2]);
    assert_eq!(
        seen[0].0, seen[1].0,
        "relay 1 and 2 viewers got the same messages in the same order"
    );
    assert_eq!(seen[0].0, seen[2].0);
    assert_eq!(scenes[0].len(), 11);
    // Both producers' clients were announced everywhere, with ids of different relays.
    let ids = &seen[0].1;
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert_ne!(ids[0] >> 32, ids[1] >> 32);
    for (_, clients) in &seen {
        assert_eq!(clients, ids);
    }
    // A late viewer on the third relay: its snapshot is the same scene, with both clients.
    let (mut late, snap) = Viewer::join(&relays[2].viewer_url()).await;
    assert_eq!(scene_hash(&snap.scene()), hashes[0]);
    assert_eq!(snap.clients.len(), 2);

    // Viewer messages: from relay 3's viewer to a's client on relay 1, then to everyone.
    let a_id = seen[0].0.iter().find(|(_, e)| e.uid == Some(6)).unwrap().0;
    late.send_to_clients(Some(a_id), Value::from("to a")).await;
    match a.reply(RECONNECT).await {
        Some(RelayToClient::FromViewer { payload, .. }) => assert_eq!(payload, Value::from("to a")),
        other => panic!("{other:?}"),
    }
    late.send_to_clients(None, Value::from("all")).await;
    for p in [&mut a, &mut b] {
        match p.reply(RECONNECT).await {
            Some(RelayToClient::FromViewer { payload, .. }) => assert_eq!(payload, Value::from("all")),
            other => panic!("{other:?}"),
        }
    }
}

/// A relay killed (SIGKILL) while a producer on another relay streams, and started again,
/// serves the whole scene: with a small `--nats-snapshot-bytes` the stream was compacted
/// meanwhile, so it starts from a snapshot and the stream after it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_relay_catches_up_after_restart() {
    let nats = NatsServer::start();
    let small = ["--nats-snapshot-bytes", "20000"];
    let a = relay(&nats, "kill", &small);
    let mut b = relay(&nats, "kill", &small);
    let (mut vb, _) = Viewer::join(&b.viewer_url()).await;
    let mut p = Producer::connect(&a.client_url()).await;
    p.send(&spheres(1, 1, 100, 1)).await;
    for i in 0..20 {
        p.send(&add_frames(1, "positions", 1, 100, 10 + i)).await;
    }
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    collect(&mut vb, 21).await;
    b.stop(); // SIGKILL mid-stream
              // Frames replaced over and over: the stream grows past twice the scene, a snapshot is due.
    for i in 0..80 {
        p.send(&update_frames(1, "positions", &[i64::from(i % 20)], 100, 100 + i))
            .await;
        if i % 10 == 9 {
            assert!(flush_within(&mut p, RECONNECT).await.is_empty());
        }
    }
    p.send(&spheres(2, 3, 10, 7)).await;
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    assert!(
        a.wait_for_log("snapshot written", RECONNECT),
        "the stream was never compacted:\n{}",
        a.log_text()
    );
    let (_, on_a) = Viewer::join(&a.viewer_url()).await;
    let expected = on_a.scene();
    assert_eq!(expected.len(), 2);
    assert_eq!(expected.nodes()[0].n_frames(), 21);

    let b = relay(&nats, "kill", &small);
    let (_, on_b) = Viewer::join(&b.viewer_url()).await;
    let mut got = on_b.scene();
    // The snapshot a relay starts from may be followed by a few records it has not applied yet.
    let (mut vb, _) = Viewer::join(&b.viewer_url()).await;
    let deadline = tokio::time::Instant::now() + RECONNECT;
    while scene_hash(&got) != scene_hash(&expected) && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let (_, again) = Viewer::join(&b.viewer_url()).await;
        got = again.scene();
    }
    assert_same_scene(&got, &expected);
    assert!(
        b.log_text().contains("scene loaded from the latest snapshot"),
        "{}",
        b.log_text()
    );
    // And it follows the stream from there.
    p.send(&add_frames(2, "positions", 1, 10, 9)).await;
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    let live = vb.messages_until(|e| e.uid == Some(2) && e.msg_type == 101).await;
    assert!(!live.is_empty());
}

/// `nats-server` restarted between two acknowledged batches (and killed with messages in
/// flight): both relays reconnect, the second flush is acknowledged once JetStream is back,
/// and every acknowledged message is in the scene on both relays.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_nats_server_loses_nothing_acknowledged() {
    let mut nats = NatsServer::start();
    let a = relay(&nats, "restart", &[]);
    let b = relay(&nats, "restart", &[]);
    let mut p = Producer::connect(&a.client_url()).await;
    // What the producer sent, applied in its order: what every relay must end with.
    let mut sent = Vec::new();
    send_kept(&mut p, &mut sent, spheres(1, 1, 100, 1)).await;
    for i in 0..10 {
        send_kept(&mut p, &mut sent, add_frames(1, "positions", 1, 100, 10 + i)).await;
    }
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    nats.restart();
    for i in 0..10 {
        send_kept(&mut p, &mut sent, add_frames(1, "positions", 1, 100, 100 + i)).await;
    }
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    nats.kill();
    for i in 0..5 {
        send_kept(&mut p, &mut sent, add_frames(1, "positions", 1, 100, 200 + i)).await;
    }
    nats.restart();
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    // Records still in flight when the server goes: some are lost with the connection while
    // later ones, queued by the client during the reconnect, are stored first.
    for i in 0..200 {
        send_kept(&mut p, &mut sent, add_frames(1, "positions", 1, 100, 300 + i)).await;
        if i == 100 {
            nats.restart();
        }
    }
    assert!(flush_within(&mut p, RECONNECT).await.is_empty());
    let n = sent.len(); // the creation has one frame, each ADD_FRAMES one more
    let mut expected = Scene::new();
    for env in sent {
        let cmd = meshcast_protocol::Command::from_envelope(env).unwrap();
        expected.apply(1, cmd).unwrap();
    }
    let want = expected.nodes()[0].series("positions").cloned();
    for r in [&a, &b] {
        let deadline = tokio::time::Instant::now() + RECONNECT;
        loop {
            let (_, snap) = Viewer::join(&r.viewer_url()).await;
            let scene = snap.scene();
            let frames = scene.nodes().first().map_or(0, |n| n.n_frames());
            if frames == n {
                let got = scene.nodes()[0].series("positions").cloned();
                assert!(
                    got == want,
                    "relay on port {}: the frames are not in the order sent",
                    r.port
                );
                break;
            }
            assert!(frames <= n, "a message applied twice: {frames} frames");
            assert!(
                tokio::time::Instant::now() < deadline,
                "relay on port {} has {frames} of {n} frames:\n{}",
                r.port,
                r.log_text()
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// A relay that reads nothing (SIGSTOP) does not slow down producers on the others: their
/// flushes are acknowledged and the other relays' viewers get everything; once it runs again
/// it catches up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_relay_does_not_hold_up_the_others() {
    let nats = NatsServer::start();
    let a = relay(&nats, "slow", &[]);
    let b = relay(&nats, "slow", &[]);
    let c = relay(&nats, "slow", &[]);
    let (mut vb, _) = Viewer::join(&b.viewer_url()).await;
    let (mut vc, _) = Viewer::join(&c.viewer_url()).await;
    let signal = |sig: &str| {
        let ok = std::process::Command::new("kill")
            .args([sig, &c.pid().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    };
    signal("-STOP");
    let mut p = Producer::connect(&a.client_url()).await;
    p.send(&spheres(1, 1, 1000, 1)).await;
    for i in 0..300 {
        p.send(&add_frames(1, "positions", 1, 1000, 10 + i)).await;
        if i % 50 == 49 {
            assert!(flush_within(&mut p, RECONNECT).await.is_empty());
        }
    }
    let (on_b, _) = collect(&mut vb, 301).await;
    signal("-CONT");
    let (on_c, _) = collect(&mut vc, 301).await;
    assert_eq!(on_b, on_c);
}

/// A message larger than the NATS server's `max_payload` is rejected with an error that names
/// the limit; nothing of it is applied, and the producer goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_max_payload_is_rejected_with_the_limit() {
    let dir = std::env::temp_dir().join(format!("meshcast-nats-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let conf = dir.join("nats.conf");
    std::fs::write(&conf, "max_payload: 65536\n").unwrap();
    let nats = NatsServer::start_with(&["-c", conf.to_str().unwrap()]);
    // The server read its configuration at start: nothing is left behind if the test fails.
    let _ = std::fs::remove_dir_all(&dir);
    let a = relay(&nats, "big", &[]);
    let (mut v, _) = Viewer::join(&a.viewer_url()).await;
    let mut p = Producer::connect(&a.client_url()).await;
    let big = p.send(&spheres(1, 10, 1000, 1)).await; // 120 kB of positions
    p.send(&spheres(2, 1, 10, 2)).await;
    let replies = flush_within(&mut p, RECONNECT).await;
    match &replies[..] {
        [RelayToClient::Error { seq, message, .. }] => {
            assert_eq!(*seq, big);
            assert!(
                message.contains("max_payload") && message.contains("64512"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let got = v.messages(1).await;
    assert_eq!(got[0].1.uid, Some(2));
    assert!(a.wait_for_log("message rejected", STEP));
}

//! End-to-end tests: the real `meshcast-relay` binary, driven over real WebSocket connections.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use meshcast_protocol::{Envelope, NdArray, RelayToClient, RelayToViewer, Value};
use meshcast_scene::{NodeKey, Scene};
use meshcast_testkit::RelayProcess;

/// Several viewers receive every accepted message, normalised, in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fan_out_to_several_viewers() {
    let relay = RelayProcess::start(&[]);
    let mut viewers = Vec::new();
    for _ in 0..3 {
        let (v, snap) = Viewer::join(&relay.viewer_url()).await;
        assert_eq!(snap.messages.len(), 1, "an empty scene's snapshot holds only SET_FRAME");
        viewers.push(v);
    }
    let mut p = Producer::connect(&relay.client_url()).await;
    let sent = vec![
        meshes(1, 2, 4, 1),
        spheres(2, 1, 5, 2),
        add_frames(1, "vertices", 3, 4, 3),
        set_frame(3),
        user(7),
    ];
    for env in &sent {
        p.send(env).await;
    }
    assert!(p.flush().await.is_empty());
    let mut direct = Scene::new();
    for env in &sent {
        direct.apply_envelope(1, env.clone()).unwrap();
    }
    let mut received = Vec::new();
    for v in &mut viewers {
        let msgs = v.messages_until(|e| e.msg_type == 10_007).await;
        assert_eq!(msgs.len(), sent.len());
        assert!(msgs.iter().all(|(c, _)| *c == 1));
        let types: Vec<i64> = msgs.iter().map(|(_, e)| e.msg_type).collect();
        assert_eq!(types, vec![2, 3, 101, 200, 10_007]);
        let mut scene = Scene::new();
        apply_all(&mut scene, &msgs);
        assert_same_scene(&scene, &direct);
        received.push(msgs);
    }
    assert_eq!(received[0], received[1]);
    assert_eq!(received[1], received[2]);
}

/// A viewer that joins after 1,000 messages (creations, added, updated and removed frames,
/// deletions, frame changes) gets a snapshot that rebuilds exactly the scene those messages
/// make; a viewer connected all along ends up with the same scene.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_joiner_gets_the_scene_after_1000_messages() {
    let relay = RelayProcess::start(&[]);
    let (mut early, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    let mut direct = Scene::new();
    let mut sent = 0;
    fn send(direct: &mut Scene, env: Envelope, sent: &mut usize, out: &mut Vec<Envelope>) {
        direct
            .apply_envelope(1, env.clone())
            .expect("the test only sends valid messages");
        *sent += 1;
        out.push(env);
    }
    let mut msgs = Vec::new();
    for uid in 1..=20u64 {
        if uid % 2 == 0 {
            send(&mut direct, meshes(uid, 2, 5, uid as u32), &mut sent, &mut msgs);
        } else {
            send(&mut direct, spheres(uid, 3, 4, uid as u32), &mut sent, &mut msgs);
        }
    }
    let mut i = 0u32;
    while sent < 999 {
        i += 1;
        let uid = u64::from(i % 20) + 1;
        let (name, count) = if uid % 2 == 0 {
            ("vertices", 5)
        } else {
            ("positions", 4)
        };
        let exists = direct.node(&NodeKey { client: 1, uid }).is_some();
        let env = match (exists, i % 9) {
            (false, _) => {
                if uid % 2 == 0 {
                    meshes(uid, 1, 5, i)
                } else {
                    spheres(uid, 1, 4, i)
                }
            }
            (true, 0) if i.is_multiple_of(4) => delete(uid),
            (true, 1) => set_frame(i64::from(i % 7)),
            (true, 2 | 5) => update_frames(uid, name, &[0, -1], count, i),
            (true, 3) => {
                let n = direct
                    .node(&NodeKey { client: 1, uid })
                    .map(|n| n.n_frames())
                    .unwrap_or(1);
                if n > 2 {
                    remove_frames(uid, &[0])
                } else {
                    add_frames(uid, name, 2, count, i)
                }
            }
            (true, 4) => user(i64::from(i % 3)),
            _ => add_frames(uid, name, 1 + (i % 2) as usize, count, i),
        };
        send(&mut direct, env, &mut sent, &mut msgs);
    }
    send(&mut direct, set_frame(2), &mut sent, &mut msgs);
    assert_eq!(sent, 1000);
    for env in &msgs {
        p.send(env).await;
    }
    let errors = p.flush().await;
    assert!(errors.is_empty(), "valid messages were rejected: {errors:?}");
    assert!(
        direct.len() > 5,
        "the test should leave several nodes: {}",
        direct.len()
    );

    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    assert_same_scene(&snap.scene(), &direct);
    assert_eq!(snap.current_frame, direct.current_frame() as u64);
    assert_eq!(snap.clients.len(), 1);
    assert_eq!(snap.clients[0].id, 1);
    assert_eq!(snap.clients[0].format, "msgpack");

    // The viewer connected all along saw every message and agrees.
    let live = early.messages(1000).await;
    assert_eq!(live.len(), 1000);
    let mut scene = Scene::new();
    apply_all(&mut scene, &live);
    assert_same_scene(&scene, &direct);
}

/// DELETE reaches viewers, and the node is gone from later snapshots.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delete_removes_the_node_everywhere() {
    let relay = RelayProcess::start(&[]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    p.send(&meshes(1, 1, 3, 1)).await;
    p.send(&spheres(2, 1, 3, 2)).await;
    p.send(&delete(1)).await;
    assert!(p.flush().await.is_empty());
    let msgs = v.messages_until(|e| e.msg_type == 100).await;
    assert_eq!(msgs.last().map(|(_, e)| e.uid), Some(Some(1)));
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    assert_eq!(scene.len(), 1);
    assert!(scene.node(&NodeKey { client: 1, uid: 2 }).is_some());
    assert!(scene.node(&NodeKey { client: 1, uid: 1 }).is_none());
    // Deleting it again is an error that names the uid.
    let seq = p.send(&delete(1)).await;
    match p.flush().await.as_slice() {
        [RelayToClient::Error {
            seq: s,
            uid: Some(1),
            msg_type: Some(100),
            message,
        }] => {
            assert_eq!(*s, seq);
            assert!(message.contains("unknown node uid 1"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

/// Every kind of bad input is answered with an Error that names it; the connection stays open
/// and a second client is not affected.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_get_errors_and_affect_nobody_else() {
    let relay = RelayProcess::start(&[]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut bad = Producer::connect(&relay.client_url()).await;
    let mut good = Producer::connect(&relay.client_url()).await;
    bad.send(&meshes(1, 2, 3, 1)).await;
    assert!(bad.flush().await.is_empty());

    let wrong_shape = Envelope::new(2, Some(5))
        .with_kwarg("vertices", NdArray::from_f32(&[4, 2], &[0.0; 8]).unwrap())
        .with_kwarg("faces", NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap());
    // (name, frame, expected type, expected uid, words the error must contain)
    type Case = (&'static str, Vec<u8>, Option<i64>, Option<u64>, &'static str);
    let cases: Vec<Case> = vec![
        (
            "malformed msgpack",
            vec![0x84, 0xc1, 0xff, 0x00],
            None,
            None,
            "malformed",
        ),
        ("not an envelope", vec![0x93, 1, 2, 3], None, None, "malformed"),
        (
            "unknown type",
            meshcast_protocol::encode_envelope(&Envelope::new(7, Some(1))),
            Some(7),
            Some(1),
            "unknown message type 7",
        ),
        (
            "wrong shape",
            meshcast_protocol::encode_envelope(&wrong_shape),
            Some(2),
            Some(5),
            "vertices",
        ),
        (
            "unknown uid",
            meshcast_protocol::encode_envelope(&add_frames(99, "vertices", 1, 3, 1)),
            Some(101),
            Some(99),
            "unknown node uid 99",
        ),
        (
            "bad frame index",
            meshcast_protocol::encode_envelope(&update_frames(1, "vertices", &[50], 3, 1)),
            Some(102),
            Some(1),
            "50",
        ),
    ];
    for (name, frame, msg_type, uid, words) in cases {
        let seq = bad.send_raw(frame).await;
        // The other client keeps working meanwhile.
        good.send(&spheres(seq, 1, 2, seq as u32)).await;
        assert!(good.flush().await.is_empty(), "{name}: the good client got errors");
        match bad.flush().await.as_slice() {
            [RelayToClient::Error {
                seq: s,
                msg_type: t,
                uid: u,
                message,
            }] => {
                assert_eq!((*s, *t, *u), (seq, msg_type, uid), "{name}: {message}");
                assert!(message.contains(words), "{name}: {message:?} should mention {words:?}");
            }
            other => panic!("{name}: expected one Error, got {other:?}"),
        }
        assert!(
            relay.wait_for_log(&format!("seq={seq}"), STEP),
            "{name}: no log line for seq {seq}:\n{}",
            relay.log_text()
        );
    }
    bad.send_text("{\"type\": 2}").await;
    match bad.flush().await.as_slice() {
        [RelayToClient::Error { seq: 0, message, .. }] => assert!(message.contains("text frame"), "{message}"),
        other => panic!("text frame: expected an Error, got {other:?}"),
    }
    // The bad client's connection still works, and its node was not touched.
    bad.send(&add_frames(1, "vertices", 1, 3, 9)).await;
    assert!(bad.flush().await.is_empty());
    let msgs = v.messages_until(|e| e.msg_type == 101).await;
    // Only accepted messages were forwarded: the first mesh, six spheres of the good client, the add.
    assert_eq!(
        msgs.len(),
        8,
        "{:?}",
        msgs.iter().map(|(c, e)| (c, e.msg_type)).collect::<Vec<_>>()
    );
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    assert_eq!(
        scene.node(&NodeKey { client: 1, uid: 1 }).map(|n| n.n_frames()),
        Some(3)
    );
    assert_eq!(scene.len(), 7);
}

/// Errors come in sequence order and before the acknowledgement of a later FLUSH, whether the
/// message failed to decode or failed against the scene.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flush_ack_comes_after_every_earlier_error() {
    let relay = RelayProcess::start(&[]);
    let mut p = Producer::connect(&relay.client_url()).await;
    let mut expected = Vec::new();
    for round in 0..20u64 {
        expected.push(p.send_raw(vec![0xc1]).await); // decode error
        p.send(&spheres(round + 1, 1, 2, 1)).await; // fine
        expected.push(p.send(&delete(1000 + round)).await); // scene error
    }
    let replies = p.flush().await;
    let seqs: Vec<u64> = replies
        .iter()
        .map(|r| match r {
            RelayToClient::Error { seq, .. } => *seq,
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(seqs, expected);
}

/// A frame over --max-message-size closes that connection (close frame with the size and the
/// limit); other connections go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_frame_closes_only_that_connection() {
    let relay = RelayProcess::start(&["--max-message-size", "4096"]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut big = Producer::connect(&relay.client_url()).await;
    let mut other = Producer::connect(&relay.client_url()).await;
    big.send(&spheres(1, 1, 2, 1)).await;
    assert!(big.flush().await.is_empty());
    big.send(&spheres(2, 1, 1000, 1)).await; // 12 KB of positions
    let closed = loop {
        match next_binary(&mut big.ws, STEP).await {
            Some(Ok(_)) => continue,
            Some(Err(frame)) => break frame,
            None => panic!("the oversized client was not closed"),
        }
    };
    let (code, reason) = closed.expect("a close frame with a reason");
    assert_eq!(code, 1009);
    assert!(reason.contains("4096"), "{reason}");
    assert!(reason.contains("exceeds"), "{reason}");
    assert!(
        relay.wait_for_log("exceeds the limit of 4096 bytes", STEP),
        "{}",
        relay.log_text()
    );
    // The other client and the viewer are fine; the big client's first node stays.
    other.send(&spheres(1, 1, 2, 5)).await;
    other.send(&user(5)).await;
    assert!(other.flush().await.is_empty());
    let msgs = v.messages_until(|e| e.msg_type == 10_005).await;
    let seen: Vec<(u64, i64)> = msgs.iter().map(|(c, e)| (*c, e.msg_type)).collect();
    assert_eq!(seen, vec![(1, 3), (2, 3), (2, 10_005)]);
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    assert_eq!(snap.scene().len(), 2);
}

/// A viewer that stops reading does not slow producers or other viewers, the relay's memory
/// stays bounded, and the stalled viewer gets a fresh snapshot when it reads again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_viewer_is_resynced_and_blocks_nobody() {
    // Room for 30 frames per viewer. The producer stays at most AHEAD frames ahead of the reading
    // viewer, so only the stalled one overflows, however the machine schedules the reader.
    const AHEAD: usize = 16;
    let relay = RelayProcess::start(&["--viewer-queue", "64", "--viewer-queue-bytes", "16000000"]);
    let (mut slow, _) = Viewer::join(&relay.viewer_url()).await;
    let (mut fast, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    // 512 KiB frames (43,690 points): 600 of them are 300 MiB of traffic, while the scene only
    // holds one frame at a time (updates overwrite frame 0).
    const POINTS: usize = 43_690;
    p.send(&spheres(1, 1, POINTS, 0)).await;
    assert!(p.flush().await.is_empty());
    let rss_before = rss_bytes(relay.pid()).unwrap_or(0);
    let received = Arc::new(AtomicUsize::new(0));
    let fast_reader = tokio::spawn({
        let received = Arc::clone(&received);
        async move {
            let msgs = fast
                .messages_until(|e| {
                    received.fetch_add(1, Ordering::SeqCst);
                    e.msg_type == 10_001
                })
                .await;
            (fast, msgs.len())
        }
    });
    let data = Value::Array(NdArray::from_f32(&[1, POINTS, 3], &floats(POINTS * 3, 7)).unwrap());
    let start = Instant::now();
    let mut max_rss = 0;
    for k in 0..600 {
        // The reader's first message is the spheres sent above; frame k is its message k + 1.
        let deadline = Instant::now() + Duration::from_secs(30);
        while k >= AHEAD && received.load(Ordering::SeqCst) < k + 1 - AHEAD {
            assert!(
                Instant::now() < deadline,
                "the reading viewer stopped at {} messages: the stalled viewer blocks it",
                received.load(Ordering::SeqCst)
            );
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let env = Envelope::new(102, Some(1))
            .with_kwarg("positions", data.clone())
            .with_kwarg("frames", Value::Int(0));
        p.send(&env).await;
        if k % 50 == 49 {
            assert!(p.flush().await.is_empty());
            max_rss = max_rss.max(rss_bytes(relay.pid()).unwrap_or(0));
        }
    }
    p.send(&set_frame(0)).await;
    p.send(&user(1)).await;
    assert!(p.flush().await.is_empty());
    let producer_time = start.elapsed();
    let (_fast, fast_count) = tokio::time::timeout(Duration::from_secs(30), fast_reader)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(fast_count, 603, "the reading viewer must get every message");
    assert!(relay.wait_for_log("viewer is lagging", STEP), "{}", relay.log_text());
    // Bounded, not proportional to the traffic: the two viewers' queues (16 MB each), the
    // frames in flight in sockets and WebSocket buffers, and what the allocator keeps for reuse
    // (35-58 MiB measured with 150 MiB of traffic, the same with 300). A relay that queued
    // everything for the stalled viewer would grow by the 300 MiB.
    let growth = max_rss.saturating_sub(rss_before);
    assert!(
        growth < 100 << 20,
        "relay memory grew by {} MiB while 300 MiB went to a stalled viewer",
        growth >> 20
    );
    eprintln!(
        "producer sent 300 MiB in {producer_time:?}; relay RSS growth {} MiB",
        growth >> 20
    );

    // The slow viewer now reads: stale frames, then a fresh snapshot equal to the scene.
    let mut saw_snapshot = None;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        match slow.recv(STEP).await {
            Some(RelayToViewer::SnapshotBegin) => {
                saw_snapshot = Some(slow.snapshot_rest().await);
                break;
            }
            Some(_) => {}
            None => break,
        }
    }
    let snap = saw_snapshot.expect("the stalled viewer got no fresh snapshot");
    let scene = snap.scene();
    let node = scene.node(&NodeKey { client: 1, uid: 1 }).unwrap();
    assert_eq!(node.n_frames(), 1);
    assert_eq!(
        node.series("positions").unwrap().frame_array(0).unwrap().to_f32_vec(),
        floats(POINTS * 3, 7)
    );
}

/// A client's nodes outlive its connection; viewers hear that it left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nodes_stay_after_client_disconnects() {
    let relay = RelayProcess::start(&[]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    p.send(&meshes(1, 2, 3, 1)).await;
    assert!(p.flush().await.is_empty());
    p.ws.close(None).await.unwrap();
    drop(p);
    let mut events = Vec::new();
    loop {
        match v.recv(STEP).await {
            Some(RelayToViewer::ClientDisconnected { client }) => {
                events.push(format!("gone {client}"));
                break;
            }
            Some(RelayToViewer::ClientConnected(info)) => events.push(format!("connected {}", info.id)),
            Some(RelayToViewer::Message { .. }) => events.push("message".into()),
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(events, vec!["connected 1", "message", "gone 1"]);
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    assert!(snap.clients.is_empty());
    assert!(snap.scene().node(&NodeKey { client: 1, uid: 1 }).is_some());
}

/// Messages from a viewer reach one client, or all of them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_messages_reach_one_client_or_all() {
    let relay = RelayProcess::start(&[]);
    let mut a = Producer::connect(&relay.client_url()).await;
    let mut b = Producer::connect(&relay.client_url()).await;
    a.flush().await;
    b.flush().await;
    let (mut v, snap) = Viewer::join(&relay.viewer_url()).await;
    let ids: Vec<u64> = snap.clients.iter().map(|c| c.id).collect();
    assert_eq!(ids, vec![1, 2]);
    let payload = Value::Map(vec![
        (Value::from("name"), Value::from("Test")),
        (Value::from("position"), Value::from(vec![0.0, 0.5, 1.0])),
    ]);
    v.send_to_clients(Some(1), payload.clone()).await;
    match a.reply(STEP).await {
        Some(RelayToClient::FromViewer { viewer: 1, payload: p }) => assert_eq!(p, payload),
        other => panic!("{other:?}"),
    }
    // b got nothing: its next reply is the ack of a flush sent after a received the message.
    assert!(b.flush().await.is_empty());
    v.send_to_clients(None, Value::from("all")).await;
    for c in [&mut a, &mut b] {
        match c.reply(STEP).await {
            Some(RelayToClient::FromViewer { payload, .. }) => assert_eq!(payload, Value::from("all")),
            other => panic!("{other:?}"),
        }
    }
    // Unknown client: logged and ignored; malformed viewer frames: logged, connection kept.
    v.send_to_clients(Some(77), Value::Int(1)).await;
    assert!(relay.wait_for_log("unknown client", STEP));
    use futures_util::SinkExt;
    v.ws.send(tokio_tungstenite::tungstenite::Message::Binary(vec![0xc1, 0x00].into()))
        .await
        .unwrap();
    assert!(relay.wait_for_log("malformed viewer message", STEP));
    v.send_to_clients(Some(2), Value::Int(5)).await;
    match b.reply(STEP).await {
        Some(RelayToClient::FromViewer { payload, .. }) => assert_eq!(payload, Value::Int(5)),
        other => panic!("{other:?}"),
    }
}

/// aitviewer's pickle clients: detected from the first frame, their messages reach viewers,
/// they get no acks or errors, and viewer messages reach them pickled.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pickle_clients_are_detected_and_answered_in_pickle() {
    let relay = RelayProcess::start(&[]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    let dict = |t: i64, uid: Value, kwargs: Vec<(Value, Value)>| {
        meshcast_pickle::encode(&Value::Map(vec![
            (Value::from("type"), Value::Int(t)),
            (Value::from("uid"), uid),
            (Value::from("args"), Value::List(vec![])),
            (Value::from("kwargs"), Value::Map(kwargs)),
        ]))
    };
    let positions = NdArray::from_f64(&[2, 3], &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
    p.send_raw(dict(
        3,
        Value::Int(1),
        vec![(Value::from("positions"), Value::Array(positions))],
    ))
    .await;
    p.send_raw(vec![0x80, 4, 0xff]).await; // a broken pickle: no Error frame for pickle clients
    p.send_raw(dict(900, Value::Nil, vec![])).await; // FLUSH: no Ack either
                                                     // Announced at connect (format guessed: msgpack for this client), re-announced once its
                                                     // first frame shows pickle, then its message.
    let mut formats = Vec::new();
    let info = loop {
        match v.recv(STEP).await {
            Some(RelayToViewer::ClientConnected(info)) => formats.push(info),
            Some(RelayToViewer::Message { client, envelope }) => {
                assert_eq!((client, envelope.msg_type, envelope.uid), (1, 3, Some(1)));
                assert_eq!(
                    envelope.kwargs["positions"].to_ndarray().unwrap().to_f32_vec(),
                    vec![0., 1., 2., 3., 4., 5.]
                );
                break formats.last().cloned().unwrap();
            }
            other => panic!("{other:?}"),
        }
    };
    let names: Vec<&str> = formats.iter().map(|i| i.format.as_str()).collect();
    assert_eq!(names, vec!["msgpack", "pickle"]);
    assert!(relay.wait_for_log("malformed pickle", STEP), "{}", relay.log_text());
    let payload = Value::Map(vec![(Value::from("name"), Value::from("Test"))]);
    v.send_to_clients(Some(info.id), payload.clone()).await;
    let frame = next_binary(&mut p.ws, STEP).await.unwrap().unwrap();
    assert_eq!(frame[..2], [0x80, 4], "a pickle");
    let decoded = meshcast_pickle::decode(&frame, &meshcast_pickle::Limits::default()).unwrap();
    assert_eq!(decoded, payload);
}

/// Two clients may use the same uid: their nodes are separate.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_clients_may_use_the_same_uid() {
    let relay = RelayProcess::start(&[]);
    let mut a = Producer::connect(&relay.client_url()).await;
    let mut b = Producer::connect(&relay.client_url()).await;
    a.send(&meshes(1, 1, 3, 1)).await;
    b.send(&spheres(1, 2, 3, 2)).await;
    assert!(a.flush().await.is_empty());
    assert!(b.flush().await.is_empty());
    let (_v, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    assert_eq!(scene.len(), 2);
    assert_eq!(
        scene.node(&NodeKey { client: 1, uid: 1 }).map(|n| n.kind().name()),
        Some("MESHES")
    );
    assert_eq!(
        scene.node(&NodeKey { client: 2, uid: 1 }).map(|n| n.kind().name()),
        Some("SPHERES")
    );
    a.send(&delete(1)).await;
    assert!(a.flush().await.is_empty());
    let (_v, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    assert_eq!(scene.len(), 1);
    assert!(scene.node(&NodeKey { client: 2, uid: 1 }).is_some());
}

/// GET / serves a page (the built viewer when --dist has one), static files come from dist,
/// and /healthz answers ok.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_page_static_files_and_healthz() {
    let relay = RelayProcess::start(&["--dist", "/nonexistent-meshcast-dist"]);
    let (status, body) = http_get(relay.port, "/healthz").await;
    assert_eq!((status, body.as_str()), (200, "ok"));
    let (status, body) = http_get(relay.port, "/").await;
    assert_eq!(status, 200);
    assert!(
        body.contains("meshcast relay") && body.contains("trunk build"),
        "{body}"
    );

    let dir = std::env::temp_dir().join(format!("meshcast-relay-test-dist-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<html>the built viewer</html>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log('hi')").unwrap();
    let relay = RelayProcess::start(&["--dist", dir.to_str().unwrap()]);
    let (status, body) = http_get(relay.port, "/").await;
    assert_eq!((status, body.as_str()), (200, "<html>the built viewer</html>"));
    let (status, body) = http_get(relay.port, "/app.js").await;
    assert_eq!((status, body.as_str()), (200, "console.log('hi')"));
    let (status, _) = http_get(relay.port, "/missing.js").await;
    assert_eq!(status, 404);
    let _ = std::fs::remove_dir_all(&dir);
}

/// SIGTERM the moment the relay listens stops it cleanly (exit status 0): the signal handlers are
/// installed before the port is bound, so no window is left where SIGTERM kills it.
#[test]
fn sigterm_as_soon_as_it_listens_exits_cleanly() {
    for _ in 0..40 {
        let mut relay = RelayProcess::start(&[]);
        let status = std::process::Command::new("kill")
            .args(["-TERM", &relay.pid().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = relay.wait_exit(STEP);
        assert!(
            exit.is_some_and(|s| s.success()),
            "exit {exit:?}; log:\n{}",
            relay.log_text()
        );
    }
}

/// SIGTERM closes every connection with a close frame and stops the relay.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_closes_connections_and_stops() {
    let relay = RelayProcess::start(&[]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    p.flush().await;
    let status = std::process::Command::new("kill")
        .args(["-TERM", &relay.pid().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    for ws in [&mut v.ws, &mut p.ws] {
        loop {
            match next_binary(ws, STEP).await {
                Some(Ok(_)) => continue,
                Some(Err(Some((code, _)))) => {
                    assert_eq!(code, 1001);
                    break;
                }
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
    assert!(relay.wait_for_log("relay stopped", STEP), "{}", relay.log_text());
}

/// A producer that reads its replies slowly still gets every error and its Ack: the relay slows
/// that connection down rather than dropping replies (tens of thousands of errors, more than the
/// reply queue and the socket buffers hold).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_gets_every_error_and_its_ack() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    const N: u64 = 60_000;
    let relay = RelayProcess::start(&[]);
    let p = Producer::connect(&relay.client_url()).await;
    let (mut sink, mut replies) = p.ws.split();
    // Frames for a node that does not exist: each one is answered with an error.
    let bad = meshcast_protocol::encode_envelope(&add_frames(77, "positions", 1, 1, 0));
    let sender = tokio::spawn(async move {
        for _ in 0..N {
            sink.feed(Message::Binary(bad.clone().into())).await.unwrap();
        }
        let flush = meshcast_protocol::encode_envelope(&Envelope::new(900, None));
        sink.send(Message::Binary(flush.into())).await.unwrap();
        sink
    });
    let mut errors = Vec::new();
    loop {
        if errors.len() < 2_000 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        let msg = tokio::time::timeout(Duration::from_secs(60), replies.next())
            .await
            .expect("a reply within 60 s")
            .expect("the connection stays open")
            .unwrap();
        let Message::Binary(b) = msg else { continue };
        match meshcast_protocol::decode::<RelayToClient>(&b).unwrap() {
            RelayToClient::Error { seq, message, .. } => {
                assert!(message.contains("unknown node"), "{message}");
                errors.push(seq);
            }
            RelayToClient::Ack { seq } => {
                assert_eq!(seq, N + 1);
                break;
            }
            other => panic!("{other:?}"),
        }
    }
    let _sink = sender.await.unwrap();
    assert_eq!(errors.len() as u64, N, "every error arrived before the Ack");
    assert!(errors.iter().copied().eq(1..=N), "in order");
    assert!(!relay.log_text().contains("reply dropped"), "{}", relay.log_text());
}

/// The binary frames a viewer receives until `stop` says so (decoded, with their sizes).
async fn frames_until(v: &mut Viewer, stop: impl Fn(&RelayToViewer) -> bool) -> Vec<(usize, RelayToViewer)> {
    let mut out = Vec::new();
    loop {
        let bytes = next_binary(&mut v.ws, STEP)
            .await
            .expect("a frame")
            .expect("not a close");
        let msg: RelayToViewer = meshcast_protocol::decode(&bytes).expect("a RelayToViewer");
        let done = stop(&msg);
        out.push((bytes.len(), msg));
        if done {
            return out;
        }
    }
}

/// Checks that each `Incoming { bytes }` among `frames` is followed by frames of exactly that
/// many bytes in all; returns the announced sizes.
fn announced(frames: &[(usize, RelayToViewer)]) -> Vec<u64> {
    let mut out = Vec::new();
    for (i, (_, m)) in frames.iter().enumerate() {
        if let RelayToViewer::Incoming { bytes, .. } = m {
            let mut sum = 0u64;
            let covered = frames[i + 1..].iter().any(|(n, _)| {
                sum += *n as u64;
                sum == *bytes
            });
            assert!(
                covered,
                "Incoming {{ bytes: {bytes} }} is not the size of the frames after it: {frames:?}"
            );
            out.push(*bytes);
        }
    }
    out
}

/// An announcement also says how many bytes are queued for the viewer behind its write: a viewer
/// that has not read while a producer sent 40 MB is told, once it reads, that more follows; what
/// an announcement says is queued is never more than what follows its write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn announcements_say_what_is_queued_behind_them() {
    let relay = RelayProcess::start(&[]);
    let mut p = Producer::connect(&relay.client_url()).await;
    p.send(&meshes(1, 1, 8_333, 1)).await;
    assert!(p.flush().await.is_empty());
    let mut v = Viewer {
        ws: connect(&format!("{}?announce=1", relay.viewer_url())).await,
    };
    frames_until(&mut v, |m| matches!(m, RelayToViewer::SnapshotEnd { .. })).await;

    // 400 frames of 100,000 bytes while the viewer reads nothing: more than the sockets hold.
    for k in 0..400 {
        p.send(&add_frames(1, "vertices", 1, 8_333, k)).await;
    }
    p.send(&user(7)).await;
    assert!(p.flush().await.is_empty());
    let user_msg =
        |m: &RelayToViewer| matches!(m, RelayToViewer::Message { envelope, .. } if envelope.msg_type == 10_007);
    let live = frames_until(&mut v, user_msg).await;
    announced(&live);
    let mut saw_queued = false;
    for (i, (_, m)) in live.iter().enumerate() {
        let RelayToViewer::Incoming { bytes, queued } = *m else {
            continue;
        };
        // The bytes after this write: every later message but the announcements.
        let after: u64 = live[i + 1..]
            .iter()
            .filter(|(_, m)| !matches!(m, RelayToViewer::Incoming { .. }))
            .map(|(n, _)| *n as u64)
            .sum::<u64>()
            - bytes;
        assert!(
            queued <= after,
            "announcement {i} says {queued} bytes queued, {after} follow"
        );
        saw_queued |= queued > 0;
    }
    assert!(saw_queued, "no announcement said more was queued: {live:?}");
}

/// A viewer that connects with `?announce=N` gets `Incoming { bytes }` before every write of at
/// least `N` bytes (its snapshot, a large live message), giving their exact size, and before
/// nothing smaller; a viewer that did not ask gets none. A bad value is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn large_writes_are_announced_to_viewers_that_ask() {
    let relay = RelayProcess::start(&[]);
    let mut p = Producer::connect(&relay.client_url()).await;
    // 100 frames of 1,000 vertices: 1.2 MB.
    p.send(&meshes(1, 100, 1000, 1)).await;
    assert!(p.flush().await.is_empty());

    let mut asking = Viewer {
        ws: connect(&format!("{}?announce=100000", relay.viewer_url())).await,
    };
    let mut plain = Viewer {
        ws: connect(&relay.viewer_url()).await,
    };
    let end = |m: &RelayToViewer| matches!(m, RelayToViewer::SnapshotEnd { .. });
    let snap = frames_until(&mut asking, end).await;
    let sizes = announced(&snap);
    assert_eq!(sizes.len(), 1, "one announcement for the snapshot: {snap:?}");
    assert!(sizes[0] > 1_200_000);
    let plain_snap = frames_until(&mut plain, end).await;
    assert!(announced(&plain_snap).is_empty());

    // Live: a large message is announced, a small one is not.
    p.send(&add_frames(1, "vertices", 50, 1000, 2)).await;
    p.send(&user(7)).await;
    assert!(p.flush().await.is_empty());
    let user_msg =
        |m: &RelayToViewer| matches!(m, RelayToViewer::Message { envelope, .. } if envelope.msg_type == 10_007);
    let live = frames_until(&mut asking, user_msg).await;
    let big = live
        .iter()
        .find(|(_, m)| matches!(m, RelayToViewer::Message { envelope, .. } if envelope.msg_type == 101))
        .map(|(n, _)| *n as u64)
        .expect("the ADD_FRAMES message");
    assert!(big > 600_000);
    // The relay may have written the two messages together (then one announcement covers both).
    let sizes = announced(&live);
    assert_eq!(sizes.len(), 1, "{live:?}");
    assert!(sizes[0] >= big, "{sizes:?} against {big}");
    assert!(announced(&frames_until(&mut plain, user_msg).await).is_empty());

    let (status, body) = http_get(relay.port, "/viewer?announce=lots").await;
    assert_eq!(status, 400, "{body}");
}

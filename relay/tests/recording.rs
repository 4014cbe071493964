//! Recordings and the durable scene on the real `meshcast-relay` binary: `--data-dir` keeps
//! everything acknowledged across a SIGKILL (a torn last record is dropped with a warning),
//! `--record` writes a recording that `--replay` serves read-only, and bad files are refused
//! with errors that name the byte offset.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use common::*;
use meshcast_scene::NodeKey;
use meshcast_testkit::{free_port, relay_binary, RelayProcess};

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshcast-relay-recording-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn relay_with(args: &[&str]) -> RelayProcess {
    let port = free_port();
    let mut all: Vec<String> = vec!["--bind".into(), "127.0.0.1".into(), "--port".into(), port.to_string()];
    all.extend(args.iter().map(|s| s.to_string()));
    RelayProcess::start_with(port, &all)
}

/// Runs the relay expecting it to refuse to start; returns what it printed.
fn refused_start(args: &[&str]) -> String {
    let out = Command::new(relay_binary())
        .args(["--bind", "127.0.0.1", "--port", &free_port().to_string()])
        .args(args)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the relay started with {args:?}");
    String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout)
}

/// Streams frames, acknowledging in batches, kills the relay with SIGKILL while more are in
/// flight, tears the last record, restarts on the same folder: every acknowledged frame is in
/// the scene a new viewer receives.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_messages_survive_sigkill() {
    let dir = tmp("crash");
    let data = dir.to_str().unwrap();
    let mut relay = relay_with(&["--data-dir", data]);
    let mut p = Producer::connect(&relay.client_url()).await;
    p.send(&spheres(1, 1, 200, 1)).await;
    let mut acked_frames = 1;
    for round in 0..20 {
        for i in 0..10 {
            p.send(&add_frames(1, "positions", 1, 200, round * 10 + i)).await;
        }
        assert!(p.flush().await.is_empty());
        acked_frames += 10;
    }
    // More in flight, never acknowledged: some may be logged, some not.
    for i in 0..40 {
        p.send(&add_frames(1, "positions", 1, 200, 1000 + i)).await;
    }
    relay.stop(); // SIGKILL
    drop(p);
    // A write cut short: half a record header at the end of the log.
    let file = dir.join("scene.mcrec");
    let mut bytes = std::fs::read(&file).unwrap();
    let intact = bytes.len();
    bytes.extend_from_slice(&[0x40, 0x1f, 0, 0, 0]);
    std::fs::write(&file, &bytes).unwrap();

    let relay = relay_with(&["--data-dir", data]);
    assert!(
        relay.wait_for_log("torn", Duration::from_secs(5)),
        "{}",
        relay.log_text()
    );
    // The kill itself may have cut a record short: the cut is at or before the bytes added.
    let log = relay.log_text();
    let offset: usize = log
        .split("truncated recording at offset ")
        .nth(1)
        .and_then(|s| s.split(':').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no offset in the warning: {log}"));
    assert!(offset <= intact, "{log}");
    let (_v, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    let node = scene.node(&NodeKey { client: 1, uid: 1 }).expect("the node survived");
    assert!(
        node.n_frames() >= acked_frames && node.n_frames() <= acked_frames + 40,
        "{} frames, {acked_frames} acknowledged",
        node.n_frames()
    );
    // New connections are numbered after the restored ones: client 1's nodes stay its own.
    let mut q = Producer::connect(&relay.client_url()).await;
    q.send(&spheres(1, 1, 3, 9)).await;
    assert!(q.flush().await.is_empty());
    let (_v, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    assert_eq!(scene.len(), 2, "the new client's uid 1 is a new node");
    assert!(scene.node(&NodeKey { client: 1, uid: 1 }).is_some());
    drop(relay);
    // Restarting again (no torn tail now) gives the same scene.
    let relay = relay_with(&["--data-dir", data]);
    let (_v, again) = Viewer::join(&relay.viewer_url()).await;
    assert_same_scene(&scene, &again.scene());
    assert!(!relay.log_text().contains("torn"), "{}", relay.log_text());
    let _ = std::fs::remove_dir_all(dir);
}

/// `--record FILE` then `--replay FILE`: the replaying relay serves the same scene and frame,
/// and refuses producers with a reason.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_then_replay_serves_the_same_scene_read_only() {
    let dir = tmp("replay");
    let file = dir.join("run.mcrec");
    let path = file.to_str().unwrap();
    for zstd in [false, true] {
        let _ = std::fs::remove_file(&file);
        let mut args = vec!["--record", path];
        if zstd {
            args.push("--record-zstd");
        }
        let relay = relay_with(&args);
        let mut p = Producer::connect(&relay.client_url()).await;
        p.send(&meshes(1, 5, 40, 1)).await;
        p.send(&spheres(2, 3, 10, 2)).await;
        p.send(&add_frames(2, "positions", 4, 10, 3)).await;
        p.send(&update_frames(2, "positions", &[0, 2], 10, 4)).await;
        p.send(&remove_frames(1, &[4])).await;
        p.send(&spheres(3, 1, 2, 5)).await;
        p.send(&delete(3)).await;
        p.send(&set_frame(3)).await;
        assert!(p.flush().await.is_empty());
        let (_v, live) = Viewer::join(&relay.viewer_url()).await;
        drop(relay);

        let replay = relay_with(&["--replay", path]);
        let (_v, replayed) = Viewer::join(&replay.viewer_url()).await;
        assert_same_scene(&live.scene(), &replayed.scene());
        assert_eq!(replayed.current_frame, 3);
        let refused = tokio_tungstenite::connect_async(replay.client_url()).await;
        match refused {
            Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
                assert_eq!(resp.status().as_u16(), 403);
                let body = String::from_utf8_lossy(resp.body().as_deref().unwrap_or_default()).into_owned();
                assert!(body.contains("--replay"), "{body}");
            }
            other => panic!("a producer was not refused: {other:?}"),
        }
    }
    // A recording is never overwritten.
    let out = refused_start(&["--record", path]);
    assert!(out.contains("exists"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

/// Damaged or foreign files are refused at start with the byte offset and what was expected.
#[test]
fn bad_recordings_are_refused_with_the_offset() {
    let dir = tmp("bad");
    let foreign = dir.join("foreign.mcrec");
    std::fs::write(&foreign, b"PK\x03\x04 certainly not a recording").unwrap();
    let out = refused_start(&["--replay", foreign.to_str().unwrap()]);
    assert!(
        out.contains("not a meshcast recording") && out.contains("offset 0"),
        "{out}"
    );

    // A valid recording with one payload byte flipped in its first record.
    let mut w = meshcast_protocol::recording::RecordWriter::new(Vec::new()).unwrap();
    let msg = meshcast_protocol::RelayToViewer::Message {
        client: 1,
        envelope: spheres(1, 1, 4, 1),
    };
    w.write_message(meshcast_protocol::recording::RecordKind::Live, &msg)
        .unwrap();
    w.write_message(meshcast_protocol::recording::RecordKind::Live, &msg)
        .unwrap();
    let mut bytes = w.into_inner();
    bytes[16 + 12 + 5] ^= 0x55;
    let damaged = dir.join("damaged.mcrec");
    std::fs::write(&damaged, &bytes).unwrap();
    let out = refused_start(&["--replay", damaged.to_str().unwrap()]);
    assert!(out.contains("offset 16") && out.contains("checksum"), "{out}");
    let _ = std::fs::remove_dir_all(dir);
}

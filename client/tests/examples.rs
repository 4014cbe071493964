//! The examples run against the real relay and do what they say: `remote` leaves three meshes
//! with the documented frame counts at frame 50; `two_way` answers a viewer's message with a
//! cube at the sent position.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{frame, open_viewer, send_to_clients, snapshot};
use meshcast_protocol::{NodeKind, Value};
use meshcast_testkit::{workspace_root, RelayProcess};

/// The example's binary, built when missing.
fn example(name: &str) -> PathBuf {
    let target = std::env::var("CARGO_TARGET_DIR").map_or_else(|_| workspace_root().join("target"), PathBuf::from);
    let bin = target.join("debug").join("examples").join(name);
    if !bin.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-p", "meshcast-client", "--example", name])
            .current_dir(workspace_root())
            .status()
            .unwrap();
        assert!(status.success(), "building example {name}");
    }
    bin
}

#[test]
fn remote_example_builds_the_documented_scene() {
    let relay = RelayProcess::start(&[]);
    let out = Command::new(example("remote"))
        .args(["--port", &relay.port.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = snapshot(&relay);
    let mut by_name: Vec<(String, usize)> = snap
        .scene
        .nodes()
        .iter()
        .filter(|n| n.kind() == NodeKind::Meshes)
        .map(|n| (n.name().to_owned(), n.n_frames()))
        .collect();
    by_name.sort();
    assert_eq!(
        by_name,
        vec![("Cube".into(), 189), ("Icosphere".into(), 200), ("Torus".into(), 200)]
    );
    assert_eq!(snap.current_frame, 50);
    let cube = snap.scene.nodes().into_iter().find(|n| n.name() == "Cube").unwrap();
    // Frame 3 was overwritten with the cube at half size: corner (-0.25, -0.25, -0.25).
    assert_eq!(frame(cube, "vertices", 3)[..3], [-0.25, -0.25, -0.25]);
}

#[test]
fn demo_example_sends_every_renderable_kind() {
    let relay = RelayProcess::start(&[]);
    let out = Command::new(example("demo"))
        .args(["--port", &relay.port.to_string()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = snapshot(&relay);
    let mut kinds: Vec<NodeKind> = snap.scene.nodes().iter().map(|n| n.kind()).collect();
    kinds.dedup();
    for kind in [
        NodeKind::Meshes,
        NodeKind::Spheres,
        NodeKind::Lines,
        NodeKind::Arrows,
        NodeKind::RigidBodies,
        NodeKind::Skeletons,
        NodeKind::Node,
    ] {
        assert!(kinds.contains(&kind), "the demo has no {kind:?}: {kinds:?}");
    }
    assert!(snap
        .scene
        .nodes()
        .iter()
        .filter(|n| n.kind() != NodeKind::Node)
        .all(|n| n.n_frames() == 240));
}

/// Kills the example's process when the test ends, passed or not.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn two_way_example_answers_with_a_cube() {
    let relay = RelayProcess::start(&[]);
    let child = KillOnDrop(
        Command::new(example("two_way"))
            .args(["--port", &relay.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    // Wait until the example is connected, then send it a message as a viewer.
    rt.block_on(async {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let (mut ws, snap) = open_viewer(&relay.viewer_url()).await;
            if !snap.clients.is_empty() {
                let payload = Value::Map(vec![
                    (Value::from("name"), Value::from("Made by the viewer")),
                    (
                        Value::from("position"),
                        Value::List(vec![Value::Float(1.0), Value::Float(2.0), Value::Float(3.0)]),
                    ),
                ]);
                send_to_clients(&mut ws, None, payload).await;
                break;
            }
            assert!(Instant::now() < deadline, "the example did not connect");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });
    let deadline = Instant::now() + Duration::from_secs(30);
    let node = loop {
        let snap = snapshot(&relay);
        if let Some(n) = snap
            .scene
            .nodes()
            .into_iter()
            .find(|n| n.name() == "Made by the viewer")
        {
            break n.clone();
        }
        assert!(Instant::now() < deadline, "no cube appeared");
        std::thread::sleep(Duration::from_millis(50));
    };
    drop(child);
    assert_eq!(node.kind(), NodeKind::Meshes);
    assert_eq!(frame(&node, "position", 0), vec![1.0, 2.0, 3.0]);
    assert_eq!(node.option("flat_shading"), Some(&Value::Bool(true)));
}

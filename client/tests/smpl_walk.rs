//! The `smpl_walk` example streams a walking body frame by frame against the real relay: the
//! relay ends up with one SMPL node named "walker" with about `seconds × rate` frames moving
//! forward, and the scene at its last frame. With `--smpl-models` pointing at a folder without
//! the model file, the relay rejects the body and the example fails naming the file and folder.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{frame, snapshot};
use meshcast_protocol::NodeKind;
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

/// A models folder holding `smpl/SMPL_NEUTRAL.npz` (the relay only checks that it is there).
fn models_dir(name: &str, with_file: bool) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("smpl-walk").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("smpl")).unwrap();
    if with_file {
        std::fs::write(dir.join("smpl/SMPL_NEUTRAL.npz"), b"model bytes").unwrap();
    }
    dir
}

#[test]
fn smpl_walk_streams_a_walking_body() {
    let models = models_dir("ok", true);
    let relay = RelayProcess::start(&["--smpl-models", models.to_str().unwrap()]);
    let out = Command::new(example("smpl_walk"))
        .args(["--port", &relay.port.to_string(), "--seconds", "1", "--rate", "60"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let snap = snapshot(&relay);
    let bodies: Vec<_> = snap
        .scene
        .nodes()
        .into_iter()
        .filter(|n| n.kind() == NodeKind::Smpl)
        .collect();
    assert_eq!(bodies.len(), 1);
    let body = bodies[0];
    assert_eq!(body.name(), "walker");
    let n = body.n_frames();
    assert!((40..=70).contains(&n), "{n} frames after one second at 60 Hz");
    assert_eq!(snap.current_frame, n as u64 - 1, "the viewer follows the last frame");
    // The root walks forward along +z; the legs swing (the hips' poses change sign).
    let z: Vec<f32> = (0..n).map(|i| frame(body, "trans", i)[2]).collect();
    assert!(z.windows(2).all(|w| w[1] > w[0]), "trans z increases: {z:?}");
    let hip: Vec<f32> = (0..n).map(|i| frame(body, "poses_body", i)[0]).collect();
    assert!(
        hip.iter().any(|&h| h > 0.2) && hip.iter().any(|&h| h < -0.2),
        "hips swing: {hip:?}"
    );
}

#[test]
fn smpl_walk_fails_clearly_without_the_model_file() {
    let models = models_dir("empty", false);
    let relay = RelayProcess::start(&["--smpl-models", models.to_str().unwrap()]);
    let out = Command::new(example("smpl_walk"))
        .args(["--port", &relay.port.to_string(), "--seconds", "1"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "the body should be rejected");
    let err = String::from_utf8_lossy(&out.stderr);
    let dir = std::fs::canonicalize(&models).unwrap();
    assert!(err.contains("smpl/SMPL_NEUTRAL.npz"), "{err}");
    assert!(err.contains(&dir.display().to_string()), "{err}");
    assert!(snapshot(&relay).scene.is_empty(), "nothing was stored");
}

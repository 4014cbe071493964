//! `--smpl-models DIR` on the real relay binary: model files served at `/models/` (GET only,
//! nothing outside the folder, token rules as for viewers), and SMPL bodies whose model file is
//! missing rejected with an error naming the file and the folder; without the flag bodies are
//! accepted and `/models/` says how to serve them.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::*;
use meshcast_protocol::{Envelope, NdArray, RelayToClient, Value};
use meshcast_testkit::RelayProcess;

/// A models folder with `smpl/SMPL_MALE.npz`, a secret beside it and a symlink out of it.
fn models(name: &str) -> (PathBuf, PathBuf) {
    let base = std::env::temp_dir().join(format!("meshcast-relay-models-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&base);
    let dir = base.join("models");
    std::fs::create_dir_all(dir.join("smpl")).unwrap();
    std::fs::write(dir.join("smpl/SMPL_MALE.npz"), b"PK model bytes").unwrap();
    std::fs::write(base.join("secret.txt"), b"TOP-SECRET-CONTENT").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(base.join("secret.txt"), dir.join("smpl/SMPL_FEMALE.npz")).unwrap();
    (base, dir)
}

fn smpl(uid: u64, gender: &str) -> Envelope {
    Envelope::new(10, Some(uid))
        .with_kwarg("poses_body", NdArray::from_f32(&[2, 69], &[0.0; 138]).unwrap())
        .with_kwarg("gender", Value::from(gender))
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn model_files_are_served_from_the_folder_only() {
    let (base, dir) = models("serve");
    let relay = RelayProcess::start(&["--smpl-models", dir.to_str().unwrap()]);
    rt().block_on(async {
        let (status, body) = http_get(relay.port, "/models/smpl/SMPL_MALE.npz").await;
        assert_eq!((status, body.as_str()), (200, "PK model bytes"));
        let (status, body) = http_get(relay.port, "/models/smpl/SMPL_NEUTRAL.npz").await;
        assert_eq!(status, 404);
        assert!(body.contains("smpl/SMPL_NEUTRAL.npz"), "{body}");
        for bad in [
            "/models/../secret.txt",
            "/models/%2e%2e/secret.txt",
            "/models/smpl/..%2f..%2fsecret.txt",
            "/models/smpl/SMPL_FEMALE.npz",
            "/models/",
        ] {
            let (status, body) = http_get(relay.port, bad).await;
            assert!(status == 404 || status == 400, "{bad}: {status}");
            assert!(!body.contains("TOP-SECRET"), "{bad}: {body}");
        }
    });
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn a_body_without_its_model_file_is_rejected_naming_file_and_folder() {
    let (base, dir) = models("reject");
    let relay = RelayProcess::start(&["--smpl-models", dir.to_str().unwrap()]);
    let real = dir.canonicalize().unwrap();
    rt().block_on(async {
        let mut p = Producer::connect(&relay.client_url()).await;
        p.send(&smpl(1, "male")).await;
        let missing = p.send(&smpl(2, "neutral")).await;
        // The symlink out of the folder does not count as the female model.
        let outside = p.send(&smpl(3, "female")).await;
        let replies = p.flush().await;
        let errors: Vec<(u64, String)> = replies
            .into_iter()
            .filter_map(|r| match r {
                RelayToClient::Error { seq, message, .. } => Some((seq, message)),
                _ => None,
            })
            .collect();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert_eq!(errors[0].0, missing);
        assert!(errors[0].1.contains("smpl/SMPL_NEUTRAL.npz"), "{}", errors[0].1);
        assert!(errors[0].1.contains(&real.display().to_string()), "{}", errors[0].1);
        assert_eq!(errors[1].0, outside);
        let (_v, snap) = Viewer::join(&relay.viewer_url()).await;
        let bodies: Vec<Option<u64>> = snap
            .messages
            .iter()
            .filter(|(_, e)| e.msg_type == 10)
            .map(|(_, e)| e.uid)
            .collect();
        assert_eq!(bodies, vec![Some(1)], "only the body with its model file is stored");
    });
    let _ = std::fs::remove_dir_all(base);
}

#[test]
fn without_a_models_folder_bodies_are_accepted_and_models_say_how() {
    let relay = RelayProcess::start(&[]);
    rt().block_on(async {
        let mut p = Producer::connect(&relay.client_url()).await;
        p.send(&smpl(1, "neutral")).await;
        let replies = p.flush().await;
        assert!(replies.is_empty(), "{replies:?}");
        let (status, body) = http_get(relay.port, "/models/smpl/SMPL_NEUTRAL.npz").await;
        assert_eq!(status, 404);
        assert!(body.contains("--smpl-models"), "{body}");
    });
    assert!(relay.wait_for_log("viewers cannot draw it", std::time::Duration::from_secs(5)));
}

/// A page on another admitted origin (`trunk serve`'s on port 8080) may read the model files:
/// the relay answers CORS (preflight included) for origins it admits, and only for those.
#[test]
fn model_files_answer_cors_for_admitted_origins_only() {
    let (base, dir) = models("cors");
    let dir_arg = dir.to_str().unwrap();
    let relay = RelayProcess::start(&["--smpl-models", dir_arg]);
    let file = "/models/smpl/SMPL_MALE.npz";
    rt().block_on(async {
        for origin in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:3000"] {
            let r = http_request(relay.port, "GET", file, &[("Origin", origin)]).await;
            assert_eq!((r.status, r.body.as_str()), (200, "PK model bytes"), "{origin}");
            assert_eq!(r.header("access-control-allow-origin"), Some(origin));
            assert_eq!(r.header("vary"), Some("Origin"));
            let r = http_request(
                relay.port,
                "OPTIONS",
                file,
                &[
                    ("Origin", origin),
                    ("Access-Control-Request-Method", "GET"),
                    ("Access-Control-Request-Headers", "authorization"),
                ],
            )
            .await;
            assert_eq!(r.status, 204, "{origin}: {r:?}");
            assert_eq!(r.header("access-control-allow-origin"), Some(origin));
            assert!(r.header("access-control-allow-methods").unwrap().contains("GET"));
            assert_eq!(r.header("access-control-allow-headers"), Some("Authorization"));
        }
        // Same-origin requests (no Origin header) get no CORS headers and still work.
        let r = http_request(relay.port, "GET", file, &[]).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), None);
        // Any other origin: refused with a reason, no CORS headers.
        for method in ["GET", "OPTIONS"] {
            let r = http_request(
                relay.port,
                method,
                file,
                &[
                    ("Origin", "https://evil.example"),
                    ("Access-Control-Request-Method", "GET"),
                ],
            )
            .await;
            assert_eq!(r.status, 403, "{method}: {r:?}");
            assert!(r.body.contains("https://evil.example"), "{method}: {}", r.body);
            assert!(!r.body.contains("PK model"), "{method}");
            assert_eq!(r.header("access-control-allow-origin"), None, "{method}");
        }
    });
    drop(relay);
    // A relay shared beyond loopback keeps the strict rule: loopback pages need --allow-origin.
    let port = meshcast_testkit::free_port();
    let args = |extra: &[&str]| -> Vec<String> {
        let mut a: Vec<String> = ["--lan", "--token", "cors-token-123", "--smpl-models", dir_arg, "--port"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        a.push(port.to_string());
        a.extend(extra.iter().map(|s| s.to_string()));
        a
    };
    let relay = RelayProcess::start_with(port, &args(&[]));
    rt().block_on(async {
        let origin = [
            ("Origin", "http://127.0.0.1:8080"),
            ("Access-Control-Request-Method", "GET"),
        ];
        assert_eq!(http_request(port, "GET", file, &origin).await.status, 403);
        assert_eq!(http_request(port, "OPTIONS", file, &origin).await.status, 403);
    });
    drop(relay);
    let relay = RelayProcess::start_with(port, &args(&["--allow-origin", "http://127.0.0.1:8080"]));
    rt().block_on(async {
        let origin = [
            ("Origin", "http://127.0.0.1:8080"),
            ("Access-Control-Request-Method", "GET"),
        ];
        let r = http_request(port, "OPTIONS", file, &origin).await;
        assert_eq!(r.status, 204);
        assert_eq!(r.header("access-control-allow-origin"), Some("http://127.0.0.1:8080"));
        let r = http_request(port, "GET", file, &origin).await;
        assert_eq!(r.status, 200);
        assert_eq!(r.header("access-control-allow-origin"), Some("http://127.0.0.1:8080"));
    });
    drop(relay);
    let _ = std::fs::remove_dir_all(base);
}

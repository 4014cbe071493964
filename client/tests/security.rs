//! The client against a relay that asks for an access token or speaks TLS: the token option,
//! refusals with the relay's reason (at once, not after the connect timeout), and `wss://` with
//! a certificate the test makes and the client is told to trust.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{open_viewer, options};
use futures_util::StreamExt;
use meshcast_client::*;
use meshcast_protocol::{decode, RelayToViewer};
use meshcast_testkit::RelayProcess;
use tokio_tungstenite::tungstenite::Message;

const TOKEN: &str = "client-test-token-42";

fn points() -> Vec<[f32; 3]> {
    vec![[0.0, 0.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn token_is_sent_and_refusals_say_why() {
    let relay = RelayProcess::start(&["--token", TOKEN, "--require-token"]);
    // Without the token: refused with the relay's reason, at once (no retrying for 10 s).
    let started = Instant::now();
    let err = RemoteViewer::connect_with(options(&relay).token("")).err().unwrap();
    match &err {
        ClientError::Refused { status, reason, .. } => {
            assert_eq!(*status, 401);
            assert!(reason.contains("missing access token"), "{reason}");
        }
        other => panic!("{other}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let err = RemoteViewer::connect_with(options(&relay).token("wrong-token-123"))
        .err()
        .unwrap();
    assert!(matches!(&err, ClientError::Refused { status: 403, .. }), "{err}");
    assert!(err.to_string().contains("wrong access token"), "{err}");

    // With it: messages arrive.
    let v = RemoteViewer::connect_with(options(&relay).token(TOKEN)).unwrap();
    RemoteSpheres::new(&v, points(), SpheresOptions::default().name("dots")).unwrap();
    v.flush().unwrap();
    // A token in the URL works too, and is not shown in the client's URL.
    let url = format!("ws://127.0.0.1:{}/?token={TOKEN}", relay.port);
    let w = RemoteViewer::connect_with(ConnectOptions::new(url).token("")).unwrap();
    assert!(!w.url().contains(TOKEN), "{}", w.url());
    w.set_frame(0).unwrap();
    w.flush().unwrap();
    let snap = runtime().block_on(async {
        let (mut ws, snap) = open_viewer(&format!("{}?token={TOKEN}", relay.viewer_url())).await;
        let _ = ws.close(None).await;
        snap
    });
    assert_eq!(snap.node(1).name(), "dots");
}

#[test]
fn async_flavour_sends_the_token_too() {
    let relay = RelayProcess::start(&["--token", TOKEN, "--require-token"]);
    runtime().block_on(async {
        let err = AsyncRemoteViewer::connect_with(options(&relay).token(""))
            .await
            .err()
            .unwrap();
        assert!(matches!(err, ClientError::Refused { status: 401, .. }), "{err}");
        let v = AsyncRemoteViewer::connect_with(options(&relay).token(TOKEN))
            .await
            .unwrap();
        v.set_frame(0).await.unwrap();
        v.flush().await.unwrap();
        v.close().await.unwrap();
    });
}

/// A self-signed certificate for 127.0.0.1 written to files; returns (cert path, key path,
/// cert PEM).
fn self_signed(dir: &std::path::Path) -> (String, String, String) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let (c, k) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&c, cert.pem()).unwrap();
    std::fs::write(&k, key_pair.serialize_pem()).unwrap();
    (
        c.to_str().unwrap().to_owned(),
        k.to_str().unwrap().to_owned(),
        cert.pem(),
    )
}

#[test]
fn wss_with_a_trusted_certificate() {
    let dir = std::env::temp_dir().join(format!("meshcast-client-tls-{}", std::process::id()));
    let (cert, key, pem) = self_signed(&dir);
    let relay = RelayProcess::start(&["--tls-cert", &cert, "--tls-key", &key]);

    // Not trusted: a TLS error at once, saying how to trust it.
    let started = Instant::now();
    let err = RemoteViewer::connect_with(options(&relay).tls(true)).err().unwrap();
    assert!(matches!(err, ClientError::Tls(_)), "{err}");
    assert!(err.to_string().contains("tls_root_cert"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    let err = RemoteViewer::connect_with(options(&relay).tls(true).tls_root_cert("not a pem"))
        .err()
        .unwrap();
    assert!(matches!(err, ClientError::Tls(_)), "{err}");

    // Trusted: the full round trip, producer (this client) to a viewer, over TLS.
    let rt = runtime();
    let (mut viewer, _) = rt.block_on(tls_viewer(relay.port, &pem));
    let v = RemoteViewer::connect_with(options(&relay).tls(true).tls_root_cert(pem.clone())).unwrap();
    assert!(v.url().starts_with("wss://127.0.0.1:"), "{}", v.url());
    let s = RemoteSpheres::new(&v, points(), SpheresOptions::default().name("over tls")).unwrap();
    s.add_frames(points()).unwrap();
    v.flush().unwrap();
    let types = rt.block_on(async {
        let mut types = Vec::new();
        while types.len() < 2 {
            let msg = tokio::time::timeout(Duration::from_secs(10), viewer.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            if let Message::Binary(b) = msg {
                if let RelayToViewer::Message { envelope, .. } = decode::<RelayToViewer>(&b).unwrap() {
                    types.push(envelope.msg_type);
                }
            }
        }
        types
    });
    assert_eq!(types, vec![3, 101]);
    v.close().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}

/// A viewer over wss:// that trusts `pem`; reads up to the end of its snapshot.
async fn tls_viewer(port: u16, pem: &str) -> (common::ViewerWs, ()) {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(pem.as_bytes()) {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let url = format!("wss://127.0.0.1:{port}/viewer");
    let (mut ws, _) = tokio_tungstenite::connect_async_tls_with_config(
        url,
        None,
        true,
        Some(tokio_tungstenite::Connector::Rustls(Arc::new(config))),
    )
    .await
    .unwrap();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        if let Message::Binary(b) = msg {
            if let RelayToViewer::SnapshotEnd { .. } = decode::<RelayToViewer>(&b).unwrap() {
                return (ws, ());
            }
        }
    }
}

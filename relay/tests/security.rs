//! Security end-to-end tests on the real `meshcast-relay` binary: access tokens, Origin checks,
//! TLS, limits (scene memory, connections, message rate, message size), static-file traversal
//! and the WebSocket close handshake.
//!
//! "Another host" is played without one: the relay counts only 127.0.0.1 and ::1 as this
//! machine, so a test socket bound to the source address 127.0.0.2 is a remote peer (Linux
//! routes all of 127.0.0.0/8 to the loopback interface).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use common::*;
use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{Envelope, NdArray, RelayToClient, RelayToViewer, Value};
use meshcast_testkit::{free_port, RelayProcess};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream};

/// The source address that plays another host.
const REMOTE: &str = "127.0.0.2";
/// This machine.
const LOCAL: &str = "127.0.0.1";
const TOKEN: &str = "test-token-0123456789";

/// A TCP connection to 127.0.0.1:`port` from `source`.
async fn tcp_from(source: &str, port: u16) -> TcpStream {
    let socket = TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket
        .connect(([127, 0, 0, 1], port).into())
        .await
        .expect("tcp connect")
}

/// Opens a WebSocket to `url` (on 127.0.0.1) from `source` with extra headers, over TLS when
/// `tls` is given. `Err((status, body))` when the relay refused the upgrade.
async fn ws_from(
    source: &str,
    url: &str,
    headers: &[(&str, &str)],
    tls: Option<Arc<rustls::ClientConfig>>,
) -> Result<Ws, (u16, String)> {
    let port: u16 = url
        .split(':')
        .nth(2)
        .unwrap()
        .split('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        let name = tokio_tungstenite::tungstenite::http::HeaderName::from_bytes(k.as_bytes()).unwrap();
        req.headers_mut().insert(name, HeaderValue::from_str(v).unwrap());
    }
    let config = WebSocketConfig::default()
        .max_message_size(Some(1 << 30))
        .max_frame_size(Some(1 << 30));
    let tcp = tcp_from(source, port).await;
    let connector = tls.map(Connector::Rustls).unwrap_or(Connector::Plain);
    match tokio_tungstenite::client_async_tls_with_config(req, tcp, Some(config), Some(connector)).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            let body = resp
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            Err((resp.status().as_u16(), body))
        }
        Err(e) => panic!("websocket connect failed: {e}"),
    }
}

/// A raw HTTP GET to 127.0.0.1:`port` from `source`; returns (status, body).
async fn http_get_from(source: &str, port: u16, path: &str) -> (u16, String) {
    let mut s = tcp_from(source, port).await;
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(STEP, s.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|c| c.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// Joins as a viewer over an open socket: reads the Hello and the first snapshot.
async fn join(ws: Ws) -> Viewer {
    let mut v = Viewer { ws };
    assert!(matches!(v.recv(STEP).await, Some(RelayToViewer::Hello { .. })));
    v.snapshot().await;
    v
}

fn producer(ws: Ws) -> Producer {
    Producer { ws, seq: 0 }
}

/// Reads until the relay's close frame; returns its code and reason.
async fn close_frame(ws: &mut Ws) -> (u16, String) {
    loop {
        match next_binary(ws, STEP).await {
            Some(Ok(_)) => continue,
            Some(Err(Some(frame))) => return frame,
            other => panic!("expected a close frame, got {other:?}"),
        }
    }
}

/// An aitviewer-style pickled message.
fn pickled(t: i64, uid: Option<u64>, kwargs: Vec<(Value, Value)>) -> Vec<u8> {
    meshcast_pickle::encode(&Value::Map(vec![
        (Value::from("type"), Value::Int(t)),
        (Value::from("uid"), uid.map_or(Value::Nil, |u| Value::Int(u as i64))),
        (Value::from("args"), Value::List(vec![])),
        (Value::from("kwargs"), Value::Map(kwargs)),
    ]))
}

/// Without the token, other hosts are refused on both WebSocket endpoints and on page loads,
/// with a reason; with it (query or Bearer header) they get in; this machine needs none.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_peers_need_the_token() {
    let relay = RelayProcess::start(&["--token", TOKEN]);
    let port = relay.port;
    for url in [relay.client_url(), relay.viewer_url()] {
        let (status, body) = ws_from(REMOTE, &url, &[], None).await.expect_err("refused");
        assert_eq!(status, 401, "{url}");
        assert!(body.contains("missing access token"), "{body}");
        assert!(body.contains("token="), "{body}");
        let (status, body) = ws_from(REMOTE, &format!("{url}?token=wrong-token-123"), &[], None)
            .await
            .expect_err("refused");
        assert_eq!(status, 403);
        assert!(body.contains("wrong access token"), "{body}");
        let bad_bearer = [("Authorization", "Bearer not-the-token")];
        assert_eq!(ws_from(REMOTE, &url, &bad_bearer, None).await.err().unwrap().0, 403);
    }
    assert!(relay.wait_for_log("request refused", STEP));
    let log = relay.log_text();
    assert!(
        log.contains("127.0.0.2") && log.contains("missing access token"),
        "{log}"
    );
    // The token is never written into log lines (the relay's start-up banner may print it).
    assert!(
        log.lines()
            .filter(|l| l.contains("WARN") || l.contains("INFO"))
            .all(|l| !l.contains(TOKEN)),
        "the token must not be logged: {log}"
    );

    // With the token: a remote producer's message reaches a remote viewer.
    let v = ws_from(REMOTE, &format!("{}?token={TOKEN}", relay.viewer_url()), &[], None)
        .await
        .unwrap();
    let mut v = join(v).await;
    let bearer = format!("Bearer {TOKEN}");
    let p = ws_from(REMOTE, &relay.client_url(), &[("Authorization", &bearer)], None)
        .await
        .unwrap();
    let mut p = producer(p);
    p.send(&spheres(1, 1, 3, 1)).await;
    assert!(p.flush().await.is_empty());
    assert_eq!(v.messages(1).await[0].1.msg_type, 3);
    // This machine needs no token.
    let local = ws_from(LOCAL, &relay.client_url(), &[], None).await.unwrap();
    let mut local = producer(local);
    local.send(&user(1)).await;
    assert!(local.flush().await.is_empty());

    // Page loads: refused without the token (an HTML page saying why), served with it.
    let (status, body) = http_get_from(REMOTE, port, "/").await;
    assert_eq!(status, 401);
    assert!(body.contains("missing access token"), "{body}");
    let (status, body) = http_get_from(REMOTE, port, &format!("/?token={TOKEN}")).await;
    assert_eq!(status, 200);
    assert!(body.contains("<html") && !body.contains("access token"), "{body}");
    let (status, _) = http_get_from(REMOTE, port, &format!("/viewer?token={TOKEN}")).await;
    assert_eq!(status, 200);
    assert_eq!(http_get_from(LOCAL, port, "/").await.0, 200);
    assert_eq!(http_get_from(REMOTE, port, "/healthz").await.0, 200);
}

/// --lan listens on every interface and generates a token, printed as the URL to open and the
/// line a client needs; that token admits remote peers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lan_generates_and_prints_a_token() {
    let port = free_port();
    let relay = RelayProcess::start_with(port, &["--lan".into(), "--port".into(), port.to_string()]);
    assert!(relay.wait_for_log("?token=", STEP), "{}", relay.log_text());
    let log = relay.log_text();
    let token: String = log
        .split("/?token=")
        .nth(1)
        .unwrap()
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    assert_eq!(token.len(), 32, "{log}");
    assert!(log.contains(&format!(":{port}/?token={token}")), "{log}");
    assert!(log.contains(&format!("token=\"{token}\"")), "the Python line: {log}");
    let url = format!("ws://127.0.0.1:{port}/viewer");
    assert_eq!(ws_from(REMOTE, &url, &[], None).await.err().unwrap().0, 401);
    let v = ws_from(REMOTE, &format!("{url}?token={token}"), &[], None)
        .await
        .unwrap();
    join(v).await;
    // Loopback stays token-free.
    let v = ws_from(LOCAL, &url, &[], None).await.unwrap();
    join(v).await;
}

/// --require-token asks this machine for the token too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_token_covers_loopback() {
    let relay = RelayProcess::start(&["--token", TOKEN, "--require-token"]);
    let (status, body) = ws_from(LOCAL, &relay.viewer_url(), &[], None).await.err().unwrap();
    assert_eq!(status, 401);
    assert!(body.contains("missing access token"));
    assert_eq!(
        ws_from(LOCAL, &relay.client_url(), &[], None).await.err().unwrap().0,
        401
    );
    assert_eq!(http_get_from(LOCAL, relay.port, "/").await.0, 401);
    let v = ws_from(LOCAL, &format!("{}?token={TOKEN}", relay.viewer_url()), &[], None)
        .await
        .unwrap();
    join(v).await;
}

/// aitviewer's clients cannot send a token: from other hosts they are admitted only with
/// --allow-tokenless-pickle, and then only if they really speak pickle.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokenless_pickle_clients_only_with_the_flag() {
    let relay = RelayProcess::start(&["--token", TOKEN]);
    assert_eq!(
        ws_from(REMOTE, &relay.client_url(), &[], None).await.err().unwrap().0,
        401
    );
    // From this machine they are admitted (no token needed there).
    let mut p = producer(ws_from(LOCAL, &relay.client_url(), &[], None).await.unwrap());
    p.send_raw(pickled(10_001, None, vec![])).await;

    let relay = RelayProcess::start(&["--token", TOKEN, "--allow-tokenless-pickle"]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = producer(ws_from(REMOTE, &relay.client_url(), &[], None).await.unwrap());
    let positions = NdArray::from_f64(&[1, 3], &[1.0, 2.0, 3.0]).unwrap();
    p.send_raw(pickled(
        3,
        Some(7),
        vec![(Value::from("positions"), Value::Array(positions))],
    ))
    .await;
    let got = v.messages(1).await;
    assert_eq!((got[0].1.msg_type, got[0].1.uid), (3, Some(7)));
    // A tokenless MessagePack client is admitted but closed at its first frame, with a reason.
    let mut m = producer(ws_from(REMOTE, &relay.client_url(), &[], None).await.unwrap());
    m.send(&spheres(1, 1, 2, 1)).await;
    let (code, reason) = close_frame(&mut m.ws).await;
    assert_eq!(code, 1008);
    assert!(reason.contains("no access token"), "{reason}");
    // Its message was not applied; viewers still need the token.
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    assert_eq!(snap.scene().len(), 1);
    assert_eq!(
        ws_from(REMOTE, &relay.viewer_url(), &[], None).await.err().unwrap().0,
        401
    );
}

/// Browsers send an Origin header: only the relay's own page (or --allow-origin) may open the
/// WebSocket endpoints, so a page from elsewhere cannot read or change the scene.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_origins_are_refused() {
    let relay = RelayProcess::start(&["--allow-origin", "https://tools.example"]);
    let own = format!("http://127.0.0.1:{}", relay.port);
    for url in [relay.client_url(), relay.viewer_url()] {
        let (status, body) = ws_from(LOCAL, &url, &[("Origin", "https://evil.example")], None)
            .await
            .expect_err("refused");
        assert_eq!(status, 403, "{url}");
        assert!(body.contains("https://evil.example is not allowed"), "{body}");
        assert!(body.contains("--allow-origin"), "{body}");
        assert_eq!(
            ws_from(LOCAL, &url, &[("Origin", "null")], None).await.err().unwrap().0,
            403
        );
        // DNS rebinding: a page under another name that resolves here.
        let rebound = [("Origin", "http://evil.example:8417"), ("Host", "evil.example:8417")];
        let (status, body) = ws_from(LOCAL, &url, &rebound, None).await.err().unwrap();
        assert_eq!(status, 403);
        assert!(body.contains("DNS rebinding"), "{body}");
        assert!(ws_from(LOCAL, &url, &[("Origin", own.as_str())], None).await.is_ok());
        assert!(ws_from(LOCAL, &url, &[("Origin", "https://tools.example")], None)
            .await
            .is_ok());
    }
    assert!(relay.wait_for_log("evil.example", STEP));
    // The scene was not touched by a refused page; the viewer with the right origin works.
    let v = ws_from(LOCAL, &relay.viewer_url(), &[("Origin", own.as_str())], None)
        .await
        .unwrap();
    let mut v = join(v).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    p.send(&user(3)).await;
    assert!(p.flush().await.is_empty());
    assert_eq!(v.messages(1).await[0].1.msg_type, 10_003);
}

/// A relay bound to loopback admits pages from loopback origins (`trunk serve` on port 8080,
/// in either start order, no flags); a relay shared beyond loopback does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loopback_relay_admits_loopback_pages_only() {
    let relay = RelayProcess::start(&[]);
    for url in [relay.client_url(), relay.viewer_url()] {
        for origin in ["http://127.0.0.1:8080", "http://localhost:8080", "http://[::1]:8080"] {
            assert!(
                ws_from(LOCAL, &url, &[("Origin", origin)], None).await.is_ok(),
                "{url} {origin}"
            );
        }
        for origin in [
            "https://evil.example",
            "http://127.0.0.1.evil.example:8080",
            "http://127.0.0.2:8080",
        ] {
            let (status, body) = ws_from(LOCAL, &url, &[("Origin", origin)], None).await.err().unwrap();
            assert_eq!(status, 403, "{url} {origin}");
            assert!(body.contains(origin), "{body}");
        }
    }
    let v = ws_from(LOCAL, &relay.viewer_url(), &[("Origin", "http://127.0.0.1:8080")], None)
        .await
        .unwrap();
    join(v).await;
    let port = free_port();
    let _shared = RelayProcess::start_with(
        port,
        &[
            "--lan".into(),
            "--token".into(),
            TOKEN.into(),
            "--port".into(),
            port.to_string(),
        ],
    );
    let url = format!("ws://127.0.0.1:{port}/viewer");
    let (status, body) = ws_from(LOCAL, &url, &[("Origin", "http://127.0.0.1:8080")], None)
        .await
        .err()
        .unwrap();
    assert_eq!(status, 403);
    assert!(body.contains("--allow-origin"), "{body}");
}

/// A self-signed certificate for 127.0.0.1 and localhost, written to files; and a client
/// configuration that trusts it.
fn self_signed(dir: &std::path::Path) -> (String, String, Arc<rustls::ClientConfig>) {
    let rcgen::CertifiedKey { cert, key_pair } =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    let cert_path = dir.join("cert.pem");
    let key_path = dir.join("key.pem");
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key_pair.serialize_pem()).unwrap();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert.der().clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    (
        cert_path.to_str().unwrap().to_owned(),
        key_path.to_str().unwrap().to_owned(),
        Arc::new(config),
    )
}

/// With --tls-cert/--tls-key the relay speaks wss:// (and https://): a producer's message makes
/// the full round trip to a viewer over TLS, with a certificate the test makes; the token works
/// over TLS; plain ws:// to the TLS port fails and is logged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_round_trip() {
    let dir = std::env::temp_dir().join(format!("meshcast-tls-test-{}", std::process::id()));
    let (cert, key, client_tls) = self_signed(&dir);
    let relay = RelayProcess::start(&["--tls-cert", &cert, "--tls-key", &key, "--token", TOKEN]);
    let port = relay.port;
    let wss = |path: &str| format!("wss://127.0.0.1:{port}{path}");
    let v = ws_from(LOCAL, &wss("/viewer"), &[], Some(Arc::clone(&client_tls)))
        .await
        .unwrap();
    let mut v = join(v).await;
    let p = ws_from(
        REMOTE,
        &wss(&format!("/?token={TOKEN}")),
        &[],
        Some(Arc::clone(&client_tls)),
    )
    .await
    .unwrap();
    let mut p = producer(p);
    p.send(&meshes(5, 2, 4, 9)).await;
    p.send(&set_frame(1)).await;
    assert!(p.flush().await.is_empty());
    let got = v.messages(2).await;
    assert_eq!((got[0].1.msg_type, got[0].1.uid), (2, Some(5)));
    assert_eq!(got[1].1.msg_type, 200);
    let mut direct = meshcast_scene::Scene::new();
    direct.apply_envelope(1, meshes(5, 2, 4, 9)).unwrap();
    direct.apply_envelope(1, set_frame(1)).unwrap();
    let mut scene = meshcast_scene::Scene::new();
    apply_all(&mut scene, &got);
    assert_same_scene(&scene, &direct);
    // The token is still needed from other hosts over TLS.
    let refused = ws_from(REMOTE, &wss("/"), &[], Some(Arc::clone(&client_tls)))
        .await
        .err()
        .unwrap();
    assert_eq!(refused.0, 401);
    // Plain ws:// to the TLS port does not get a WebSocket.
    let plain = tokio::time::timeout(STEP, async {
        let tcp = tcp_from(LOCAL, port).await;
        tokio_tungstenite::client_async(format!("ws://127.0.0.1:{port}/"), MaybeTlsStream::Plain(tcp)).await
    })
    .await
    .unwrap();
    assert!(plain.is_err());
    assert!(relay.wait_for_log("TLS handshake failed", STEP), "{}", relay.log_text());
    // A client that does not trust the certificate cannot connect.
    let untrusted = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(rustls::RootCertStore::empty())
        .with_no_client_auth();
    let req = wss("/viewer").into_client_request().unwrap();
    let tcp = tcp_from(LOCAL, port).await;
    let res =
        tokio_tungstenite::client_async_tls_with_config(req, tcp, None, Some(Connector::Rustls(Arc::new(untrusted))))
            .await;
    assert!(res.is_err());
    let _ = std::fs::remove_dir_all(&dir);
}

/// --max-scene-bytes: a creation or ADD_FRAMES that would grow the scene past it is rejected
/// with an error naming the limit, the scene stays as it was, and others go on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scene_memory_limit() {
    // One frame of 100 points is 1,200 bytes. The limit fits a's node with 4 frames and b's
    // with 1, with their fixed charges (Scene::footprint).
    let limit = footprint_of(&[(1, spheres(1, 4, 100, 1)), (2, spheres(1, 1, 100, 3))]);
    let relay = RelayProcess::start(&["--max-scene-bytes", &limit.to_string()]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut a = Producer::connect(&relay.client_url()).await;
    let mut b = Producer::connect(&relay.client_url()).await;
    a.send(&spheres(1, 2, 100, 1)).await; // 2,400
    assert!(a.flush().await.is_empty());
    let seq = a.send(&add_frames(1, "positions", 4, 100, 2)).await; // 6 frames: over
    a.send(&add_frames(1, "positions", 2, 100, 2)).await; // 4 frames: fine
    let errors = a.flush().await;
    assert_eq!(errors.len(), 1, "{errors:?}");
    match &errors[0] {
        RelayToClient::Error {
            seq: s,
            msg_type,
            uid,
            message,
        } => {
            assert_eq!((*s, *msg_type, *uid), (seq, Some(101), Some(1)));
            assert!(
                message.contains("--max-scene-bytes") && message.contains(&limit.to_string()),
                "{message}"
            );
            assert!(message.contains("nothing was applied"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    // b is not affected until the scene is full: its small node fits, a big one does not.
    b.send(&spheres(1, 1, 100, 3)).await; // the limit exactly
    assert!(b.flush().await.is_empty());
    b.send(&spheres(2, 1, 1, 3)).await;
    assert_eq!(b.flush().await.len(), 1);
    assert!(relay.wait_for_log("--max-scene-bytes", STEP));
    // Viewers saw only what was accepted.
    let msgs = v.messages(3).await;
    let seen: Vec<(i64, Option<u64>)> = msgs.iter().map(|(_, e)| (e.msg_type, e.uid)).collect();
    assert_eq!(seen, vec![(3, Some(1)), (101, Some(1)), (3, Some(1))]);
    let (_late, snap) = Viewer::join(&relay.viewer_url()).await;
    let scene = snap.scene();
    assert_eq!(scene.nbytes(), 6000);
    assert_eq!(scene.footprint(), limit);
    assert_eq!(scene.nodes()[0].n_frames(), 4);
}

/// --max-connections: beyond it a connection is refused with 503 and a reason while the open
/// ones keep working; a slot freed by a closed connection is used again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connection_limit() {
    let relay = RelayProcess::start(&["--max-connections", "3"]);
    let (mut v1, _) = Viewer::join(&relay.viewer_url()).await;
    let (mut v2, _) = Viewer::join(&relay.viewer_url()).await;
    let mut p = Producer::connect(&relay.client_url()).await;
    for url in [relay.viewer_url(), relay.client_url()] {
        let (status, body) = ws_from(LOCAL, &url, &[], None).await.expect_err("refused");
        assert_eq!(status, 503);
        assert!(body.contains("limit of 3 open connections"), "{body}");
    }
    assert!(relay.wait_for_log("--max-connections", STEP));
    // Pages and health checks are not WebSocket connections: still served.
    assert_eq!(http_get(relay.port, "/healthz").await.0, 200);
    p.send(&user(1)).await;
    assert!(p.flush().await.is_empty());
    assert_eq!(v1.messages(1).await[0].1.msg_type, 10_001);
    // Free a slot; it is used again.
    v2.ws.close(None).await.unwrap();
    let deadline = Instant::now() + STEP;
    let mut v3 = loop {
        match ws_from(LOCAL, &relay.viewer_url(), &[], None).await {
            Ok(ws) => break join(ws).await,
            Err((503, _)) if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(e) => panic!("{e:?}"),
        }
    };
    p.send(&user(2)).await;
    assert!(p.flush().await.is_empty());
    assert_eq!(v3.messages(1).await[0].1.msg_type, 10_002);
}

/// --max-messages-per-second: a MessagePack client over the rate gets an error per excess
/// message (never a silent drop: everything else arrives), FLUSH is always answered, and another
/// connection is not slowed or refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn message_rate_limit() {
    let relay = RelayProcess::start(&["--max-messages-per-second", "20"]);
    let (mut v, _) = Viewer::join(&relay.viewer_url()).await;
    let mut fast = Producer::connect(&relay.client_url()).await;
    let mut calm = Producer::connect(&relay.client_url()).await;
    let started = Instant::now();
    for k in 0..200 {
        fast.send(&user(k)).await;
    }
    let replies = fast.flush().await;
    let elapsed = started.elapsed().as_secs_f64();
    let rejected: Vec<u64> = replies
        .iter()
        .map(|r| match r {
            RelayToClient::Error { seq, message, .. } => {
                assert!(
                    message.contains("rate limit") && message.contains("20 messages per second"),
                    "{message}"
                );
                *seq
            }
            other => panic!("{other:?}"),
        })
        .collect();
    // A burst of 20, plus 20 per second of sending.
    let allowed = 200 - rejected.len();
    assert!(
        allowed >= 20 && (allowed as f64) <= 20.0 + 20.0 * elapsed + 2.0,
        "{allowed} in {elapsed} s"
    );
    // The other connection is unaffected.
    for k in 1000..1010 {
        calm.send(&user(k)).await;
    }
    assert!(calm.flush().await.is_empty());
    // Exactly the accepted messages reached the viewer, in order.
    let msgs = v.messages(allowed + 10).await;
    let from_fast: Vec<i64> = msgs
        .iter()
        .filter(|(c, _)| *c == 1)
        .map(|(_, e)| e.msg_type - 10_000)
        .collect();
    let expected: Vec<i64> = (0..200).filter(|k| !rejected.contains(&(*k as u64 + 1))).collect();
    assert_eq!(from_fast, expected);
    assert!(relay.wait_for_log("rejecting the excess", STEP));
}

/// SMPL model files are licensed: another host needs the token for `/models/` like a viewer
/// does, by query or bearer header; this machine does not.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn model_files_need_the_token_from_other_hosts() {
    let dir = std::env::temp_dir().join(format!("meshcast-security-models-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("smpl")).unwrap();
    std::fs::write(dir.join("smpl/SMPL_NEUTRAL.npz"), b"licensed model").unwrap();
    let relay = RelayProcess::start(&["--token", TOKEN, "--smpl-models", dir.to_str().unwrap()]);
    let file = "/models/smpl/SMPL_NEUTRAL.npz";
    let (status, body) = http_get_from(REMOTE, relay.port, file).await;
    assert_eq!(status, 401, "{body}");
    assert!(!body.contains("licensed model"));
    let (status, body) = http_get_from(REMOTE, relay.port, &format!("{file}?token=wrong-token-123")).await;
    assert_eq!(status, 403, "{body}");
    let (status, body) = http_get_from(REMOTE, relay.port, &format!("{file}?token={TOKEN}")).await;
    assert_eq!((status, body.as_str()), (200, "licensed model"));
    let (status, body) = http_get_from(LOCAL, relay.port, file).await;
    assert_eq!((status, body.as_str()), (200, "licensed model"));
    drop(relay);
    let _ = std::fs::remove_dir_all(dir);
}

/// Static files cannot be walked out of their folder: dot segments (plain or percent-encoded),
/// absolute paths and symlinks pointing outside all give 404.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_stay_in_their_folder() {
    let base = std::env::temp_dir().join(format!("meshcast-traversal-{}", std::process::id()));
    let dist = base.join("dist");
    std::fs::create_dir_all(dist.join("assets")).unwrap();
    std::fs::write(dist.join("index.html"), "<html>viewer</html>").unwrap();
    std::fs::write(dist.join("assets/app.js"), "app").unwrap();
    let secret = base.join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET").unwrap();
    std::os::unix::fs::symlink(&secret, dist.join("link.txt")).unwrap();
    std::os::unix::fs::symlink(&base, dist.join("up")).unwrap();
    let relay = RelayProcess::start(&["--dist", dist.to_str().unwrap()]);
    let port = relay.port;
    assert_eq!(http_get(port, "/assets/app.js").await, (200, "app".to_owned()));
    assert_eq!(http_get(port, "/").await.1, "<html>viewer</html>");
    let abs = secret.to_str().unwrap().to_owned();
    for path in [
        "/../secret.txt",
        "/../../../../etc/passwd",
        "/assets/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/%2e%2e/%2e%2e/etc/passwd",
        "/..%2fsecret.txt",
        "/assets/..%2f..%2fsecret.txt",
        "/%2e%2e%2fsecret.txt",
        "/..%5csecret.txt",
        "//etc/passwd",
        &format!("/{abs}"),
        &format!("/{}", abs.replace('/', "%2f")),
        "/link.txt",
        "/up/secret.txt",
        "/assets/%00app.js",
    ] {
        let (status, body) = http_get(port, path).await;
        assert_eq!(status, 404, "{path}");
        assert!(
            !body.contains("TOP-SECRET") && !body.contains("root:"),
            "{path}: {body}"
        );
    }
    assert!(relay.wait_for_log("outside the viewer folder", STEP));
    let _ = std::fs::remove_dir_all(&base);
}

/// The relay answers a client's close frame on both endpoints (the client sees a clean close,
/// not 1006).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn close_handshake_is_completed() {
    let relay = RelayProcess::start(&[]);
    for url in [relay.client_url(), relay.viewer_url()] {
        for _ in 0..3 {
            let mut ws = connect(&url).await;
            if url.ends_with("/viewer") {
                ws = join(ws).await.ws;
            }
            ws.close(None).await.unwrap();
            let answer = tokio::time::timeout(STEP, async {
                loop {
                    match ws.next().await {
                        Some(Ok(Message::Close(_))) => return Ok(()),
                        Some(Ok(_)) => continue,
                        Some(Err(e)) => return Err(e.to_string()),
                        None => return Err("closed without a close frame".to_owned()),
                    }
                }
            })
            .await
            .unwrap();
            assert_eq!(answer, Ok(()), "{url}");
        }
    }
}

/// An oversized message is answered with the 1009 close frame and its reason every time, even
/// when the client is still sending megabytes the relay will not read.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_close_reason_always_arrives() {
    let relay = RelayProcess::start(&["--max-message-size", "65536"]);
    let mut other = Producer::connect(&relay.client_url()).await;
    for round in 0..4 {
        let ws = connect(&relay.client_url()).await;
        let (mut sink, mut stream) = ws.split();
        let big = Envelope::new(10_000, None).with_kwarg("blob", Value::Bin(vec![7u8; 8 << 20].into()));
        let sender = tokio::spawn(async move {
            let _ = sink
                .send(Message::Binary(meshcast_protocol::encode_envelope(&big).into()))
                .await;
            sink
        });
        let close = tokio::time::timeout(STEP, async {
            loop {
                match stream.next().await {
                    Some(Ok(Message::Close(Some(f)))) => {
                        return Some((u16::from(f.code), f.reason.as_str().to_owned()))
                    }
                    Some(Ok(Message::Close(None))) => return None,
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => return None,
                }
            }
        })
        .await
        .unwrap();
        let (code, reason) = close.unwrap_or_else(|| panic!("round {round}: no close frame"));
        assert_eq!(code, 1009, "round {round}");
        assert!(reason.contains("exceeds the limit of 65536 bytes"), "{reason}");
        sender.abort();
        other.send(&user(round)).await;
        assert!(other.flush().await.is_empty());
    }
}

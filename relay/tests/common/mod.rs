//! Helpers for the relay's end-to-end tests: WebSocket producers and viewers that talk to a real
//! `meshcast-relay` process, and builders for the messages they send.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{
    encode_envelope, ClientId, ClientInfo, Command, Envelope, NdArray, RelayToClient, RelayToViewer, Value,
    ViewerToRelay,
};
use meshcast_scene::{Node, Scene};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A WebSocket connection.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How long a test waits for one expected message.
pub const STEP: Duration = Duration::from_secs(10);

/// Opens a WebSocket (the test client's own limit is raised so big snapshots fit).
pub async fn connect(url: &str) -> Ws {
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(Some(1 << 30))
        .max_frame_size(Some(1 << 30));
    let (ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
        .await
        .expect("connect");
    ws
}

/// Next binary frame, skipping pings; `None` on close or timeout.
pub async fn next_binary(ws: &mut Ws, timeout: Duration) -> Option<Result<Vec<u8>, Option<(u16, String)>>> {
    let deadline = tokio::time::Instant::now() + timeout;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()?;
        match msg {
            Some(Ok(Message::Binary(b))) => return Some(Ok(b.to_vec())),
            Some(Ok(Message::Close(frame))) => {
                return Some(Err(frame.map(|f| (u16::from(f.code), f.reason.as_str().to_owned()))))
            }
            Some(Ok(_)) => continue,
            Some(Err(_)) | None => return Some(Err(None)),
        }
    }
}

/// A producer client speaking MessagePack.
pub struct Producer {
    /// The socket.
    pub ws: Ws,
    /// Number of the last binary frame sent.
    pub seq: u64,
}

impl Producer {
    /// Connects to the relay's producer endpoint.
    pub async fn connect(url: &str) -> Producer {
        Producer {
            ws: connect(url).await,
            seq: 0,
        }
    }

    /// Sends raw bytes as one binary frame; returns its sequence number.
    pub async fn send_raw(&mut self, bytes: Vec<u8>) -> u64 {
        self.ws.send(Message::Binary(bytes.into())).await.expect("send");
        self.seq += 1;
        self.seq
    }

    /// Sends an envelope; returns its sequence number.
    pub async fn send(&mut self, env: &Envelope) -> u64 {
        self.send_raw(encode_envelope(env)).await
    }

    /// Sends a text frame (not counted).
    pub async fn send_text(&mut self, text: &str) {
        self.ws.send(Message::text(text)).await.expect("send text");
    }

    /// Next reply from the relay.
    pub async fn reply(&mut self, timeout: Duration) -> Option<RelayToClient> {
        match next_binary(&mut self.ws, timeout).await? {
            Ok(b) => Some(meshcast_protocol::decode(&b).expect("a RelayToClient")),
            Err(_) => None,
        }
    }

    /// Sends FLUSH and returns every reply received before its Ack (which it checks).
    pub async fn flush(&mut self) -> Vec<RelayToClient> {
        let seq = self.send(&Envelope::new(900, None)).await;
        let mut before = Vec::new();
        loop {
            match self.reply(STEP).await {
                Some(RelayToClient::Ack { seq: s }) if s == seq => return before,
                Some(other) => before.push(other),
                None => panic!("no Ack for FLUSH {seq}; got {before:?}"),
            }
        }
    }
}

/// A viewer connection that decodes what the relay sends.
pub struct Viewer {
    /// The socket.
    pub ws: Ws,
}

/// A snapshot as received.
#[derive(Debug)]
pub struct Snapshot {
    /// The messages between SnapshotBegin and SnapshotEnd.
    pub messages: Vec<(ClientId, Envelope)>,
    /// SnapshotEnd's current frame.
    pub current_frame: u64,
    /// SnapshotEnd's clients.
    pub clients: Vec<ClientInfo>,
}

impl Viewer {
    /// Connects and reads the Hello and the first snapshot.
    pub async fn join(url: &str) -> (Viewer, Snapshot) {
        let mut v = Viewer { ws: connect(url).await };
        match v.recv(STEP).await {
            Some(RelayToViewer::Hello { .. }) => {}
            other => panic!("expected Hello, got {other:?}"),
        }
        let snap = v.snapshot().await;
        (v, snap)
    }

    /// Next message from the relay.
    pub async fn recv(&mut self, timeout: Duration) -> Option<RelayToViewer> {
        match next_binary(&mut self.ws, timeout).await? {
            Ok(b) => Some(meshcast_protocol::decode(&b).expect("a RelayToViewer")),
            Err(_) => None,
        }
    }

    /// Reads SnapshotBegin .. SnapshotEnd.
    pub async fn snapshot(&mut self) -> Snapshot {
        match self.recv(STEP).await {
            Some(RelayToViewer::SnapshotBegin) => {}
            other => panic!("expected SnapshotBegin, got {other:?}"),
        }
        self.snapshot_rest().await
    }

    /// Reads the rest of a snapshot after its SnapshotBegin.
    pub async fn snapshot_rest(&mut self) -> Snapshot {
        let mut messages = Vec::new();
        loop {
            match self.recv(STEP).await {
                Some(RelayToViewer::Message { client, envelope }) => messages.push((client, envelope)),
                Some(RelayToViewer::SnapshotEnd { current_frame, clients }) => {
                    return Snapshot {
                        messages,
                        current_frame,
                        clients,
                    }
                }
                other => panic!("unexpected in a snapshot: {other:?}"),
            }
        }
    }

    /// Receives until a Message satisfies `stop`, returning every Message envelope seen (the
    /// stopping one included) and ignoring client events.
    pub async fn messages_until(&mut self, stop: impl Fn(&Envelope) -> bool) -> Vec<(ClientId, Envelope)> {
        let mut out = Vec::new();
        loop {
            match self.recv(STEP).await {
                Some(RelayToViewer::Message { client, envelope }) => {
                    let done = stop(&envelope);
                    out.push((client, envelope));
                    if done {
                        return out;
                    }
                }
                Some(RelayToViewer::ClientConnected(_) | RelayToViewer::ClientDisconnected { .. }) => {}
                other => panic!("unexpected: {other:?} after {} messages", out.len()),
            }
        }
    }

    /// Receives exactly `n` Message envelopes, ignoring client events.
    pub async fn messages(&mut self, n: usize) -> Vec<(ClientId, Envelope)> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            match self.recv(STEP).await {
                Some(RelayToViewer::Message { client, envelope }) => out.push((client, envelope)),
                Some(RelayToViewer::ClientConnected(_) | RelayToViewer::ClientDisconnected { .. }) => {}
                other => panic!("unexpected: {other:?} after {} messages", out.len()),
            }
        }
        out
    }

    /// Sends a value to one client or all.
    pub async fn send_to_clients(&mut self, client: Option<ClientId>, payload: Value) {
        let bytes = meshcast_protocol::encode(&ViewerToRelay::ToClients { client, payload });
        self.ws.send(Message::Binary(bytes.into())).await.expect("viewer send");
    }
}

impl Snapshot {
    /// A scene rebuilt from the snapshot's messages.
    pub fn scene(&self) -> Scene {
        let mut scene = Scene::new();
        apply_all(&mut scene, &self.messages);
        scene
    }
}

/// Applies received messages to a scene (as a viewer would).
pub fn apply_all(scene: &mut Scene, messages: &[(ClientId, Envelope)]) {
    for (client, env) in messages {
        let cmd = Command::from_envelope(env.clone()).expect("relay forwards valid messages");
        scene.apply(*client, cmd).expect("relay forwards applicable messages");
    }
}

/// The footprint (what `--max-scene-bytes` counts) of the scene these messages build, each
/// from the client given with it.
pub fn footprint_of(messages: &[(ClientId, Envelope)]) -> usize {
    let mut scene = Scene::new();
    apply_all(&mut scene, messages);
    scene.footprint()
}

/// What two scenes must agree on: every node's key, kind, options and arrays, in creation
/// order, and the current frame. (Creation counters and change versions may differ.)
pub fn assert_same_scene(a: &Scene, b: &Scene) {
    type Summary<'a> = (
        meshcast_scene::NodeKey,
        meshcast_protocol::NodeKind,
        &'a meshcast_protocol::Kwargs,
        &'a std::collections::BTreeMap<String, meshcast_scene::FrameSeries>,
        &'a std::collections::BTreeMap<String, NdArray>,
    );
    fn summary(s: &Scene) -> Vec<Summary<'_>> {
        s.nodes()
            .into_iter()
            .map(|n: &Node| (n.key(), n.kind(), n.options(), n.all_series(), n.all_statics()))
            .collect()
    }
    assert_eq!(a.len(), b.len(), "node count");
    assert_eq!(summary(a), summary(b));
    assert_eq!(a.current_frame(), b.current_frame(), "current frame");
}

/// Deterministic float data.
pub fn floats(n: usize, seed: u32) -> Vec<f32> {
    (0..n)
        .map(|i| ((i as u32).wrapping_mul(2_654_435_761) ^ seed) as f32 / u32::MAX as f32)
        .collect()
}

/// MESHES with `n` frames of `v` vertices and one triangle.
pub fn meshes(uid: u64, n: usize, v: usize, seed: u32) -> Envelope {
    Envelope::new(2, Some(uid))
        .with_kwarg(
            "vertices",
            NdArray::from_f32(&[n, v, 3], &floats(n * v * 3, seed)).unwrap(),
        )
        .with_kwarg("faces", NdArray::from_i32(&[1, 3], &[0, 1, 2]).unwrap())
        .with_kwarg("name", format!("mesh {uid}"))
}

/// SPHERES with `n` frames of `p` spheres.
pub fn spheres(uid: u64, n: usize, p: usize, seed: u32) -> Envelope {
    Envelope::new(3, Some(uid))
        .with_kwarg(
            "positions",
            NdArray::from_f32(&[n, p, 3], &floats(n * p * 3, seed)).unwrap(),
        )
        .with_kwarg("radius", 0.05)
}

/// ADD_FRAMES of `n` frames of `count` points under argument `name`.
pub fn add_frames(uid: u64, name: &str, n: usize, count: usize, seed: u32) -> Envelope {
    Envelope::new(101, Some(uid)).with_kwarg(
        name,
        NdArray::from_f32(&[n, count, 3], &floats(n * count * 3, seed)).unwrap(),
    )
}

/// UPDATE_FRAMES of the given frames (one row of data per frame).
pub fn update_frames(uid: u64, name: &str, frames: &[i64], count: usize, seed: u32) -> Envelope {
    let n = frames.len();
    Envelope::new(102, Some(uid))
        .with_kwarg(
            name,
            NdArray::from_f32(&[n, count, 3], &floats(n * count * 3, seed)).unwrap(),
        )
        .with_kwarg("frames", Value::List(frames.iter().map(|&f| Value::Int(f)).collect()))
}

/// REMOVE_FRAMES.
pub fn remove_frames(uid: u64, frames: &[i64]) -> Envelope {
    Envelope::new(103, Some(uid)).with_kwarg("frames", Value::List(frames.iter().map(|&f| Value::Int(f)).collect()))
}

/// DELETE.
pub fn delete(uid: u64) -> Envelope {
    Envelope::new(100, Some(uid))
}

/// SET_FRAME.
pub fn set_frame(i: i64) -> Envelope {
    Envelope::new(200, None).with_arg(Value::Int(i))
}

/// A user message (type 10000 + k).
pub fn user(k: i64) -> Envelope {
    Envelope::new(10_000 + k, None).with_kwarg("index", Value::Int(k))
}

/// Resident memory of a process, in bytes (Linux).
pub fn rss_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// A plain HTTP GET over loopback; returns (status, body).
pub async fn http_get(port: u16, path: &str) -> (u16, String) {
    let r = http_request(port, "GET", path, &[]).await;
    (r.status, r.body)
}

/// An HTTP response read by [`http_request`].
#[derive(Debug)]
pub struct HttpResponse {
    /// The status code (0 when none could be read).
    pub status: u16,
    /// The header lines, names lowercased, in order.
    pub headers: Vec<(String, String)>,
    /// The body as text.
    pub body: String,
}

impl HttpResponse {
    /// The first header called `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
}

/// A raw HTTP/1.1 request over loopback with extra headers.
pub async fn http_request(port: u16, method: &str, path: &str, headers: &[(&str, &str)]) -> HttpResponse {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = TcpStream::connect(("127.0.0.1", port)).await.expect("connect");
    let mut req = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(STEP, s.read_to_end(&mut buf))
        .await
        .expect("timeout")
        .expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    HttpResponse {
        status,
        headers,
        body: body.to_owned(),
    }
}

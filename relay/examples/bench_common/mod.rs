//! Helpers shared by the relay's benchmark examples (`relay_bench`, `nats_bench`): WebSocket
//! clients, an in-process relay, runtimes, medians.
#![allow(dead_code)]

pub mod lean_ws;

use futures_util::StreamExt;
use meshcast_protocol::RelayToViewer;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// The relay binary's allocator (`src/main.rs`), so that the relay in this process allocates as
/// the binary does. The raw-copy baselines allocate nothing per message.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A client WebSocket.
pub type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<TcpStream>>;

/// The clients' WebSocket limits, raised so that large frames fit.
pub fn ws_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .max_message_size(Some(1 << 30))
        .max_frame_size(Some(1 << 30))
}

/// Opens a WebSocket (no Nagle delay).
pub async fn connect(url: &str) -> Ws {
    tokio_tungstenite::connect_async_with_config(url, Some(ws_config()), true)
        .await
        .expect("connect")
        .0
}

/// Joins as a viewer and reads up to the end of the first snapshot.
pub async fn join_viewer(port: u16) -> Ws {
    let mut ws = connect(&format!("ws://127.0.0.1:{port}/viewer")).await;
    while let Some(Ok(msg)) = ws.next().await {
        if let Message::Binary(b) = msg {
            if let Ok(RelayToViewer::SnapshotEnd { .. }) = meshcast_protocol::decode::<RelayToViewer>(&b) {
                return ws;
            }
        }
    }
    panic!("viewer got no snapshot");
}

/// A two-thread runtime whose threads are called `name`.
pub fn runtime(name: &str) -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .thread_name(name)
        .build()
        .expect("runtime")
}

/// A relay running on `rt` until its stop sender is used or dropped.
pub struct BenchRelay {
    /// Its port on 127.0.0.1.
    pub port: u16,
    /// Send (or drop) to stop it.
    pub stop: tokio::sync::oneshot::Sender<()>,
    /// The relay's task.
    pub task: tokio::task::JoinHandle<Result<(), meshcast_relay::RelayError>>,
}

/// Starts a relay with `config` on `rt`.
pub fn start_relay(rt: &tokio::runtime::Runtime, config: meshcast_relay::Config) -> BenchRelay {
    let listener = rt.block_on(TcpListener::bind("127.0.0.1:0")).expect("bind");
    let port = listener.local_addr().expect("local address").port();
    let (stop, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let task = rt.spawn(meshcast_relay::run(config, listener, async move {
        let _ = stop_rx.await;
    }));
    BenchRelay { port, stop, task }
}

/// The median of `v` (not empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Vertices of one SMPL mesh frame.
pub const VERTICES: usize = 6_890;

/// A mesh node of one SMPL-size frame (uid 1), and an UPDATE_FRAMES that replaces that frame
/// (82,680 bytes of float32 vertices): the scene stays one frame however many are sent.
pub fn smpl_frame_messages() -> (meshcast_protocol::Envelope, meshcast_protocol::Envelope) {
    use meshcast_protocol::{Envelope, NdArray, Value};
    let verts: Vec<f32> = (0..VERTICES * 3).map(|i| (i as f32 * 0.001).sin()).collect();
    let vertices = NdArray::from_f32(&[1, VERTICES, 3], &verts).expect("vertices");
    let mesh = Envelope::new(2, Some(1))
        .with_kwarg("vertices", vertices.clone())
        .with_kwarg("faces", NdArray::from_i32(&[1, 3], &[0, 1, 2]).expect("faces"));
    let update = Envelope::new(102, Some(1))
        .with_kwarg("vertices", vertices)
        .with_kwarg("frames", Value::List(vec![Value::Int(0)]));
    (mesh, update)
}

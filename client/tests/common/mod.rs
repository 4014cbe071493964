//! Helpers shared by the client's integration tests: a test viewer that reads the relay's
//! snapshot into a `meshcast_scene::Scene`, and a mock relay for transport tests.

#![allow(dead_code)]

pub mod mock;

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{decode, encode, ClientInfo, RelayToViewer, ViewerToRelay};
use meshcast_scene::{Node, Scene};
use meshcast_testkit::RelayProcess;
use tokio_tungstenite::tungstenite::Message;

/// What a fresh viewer sees: the scene rebuilt from the snapshot, the current frame and the
/// connected clients.
pub struct Snapshot {
    pub scene: Scene,
    pub current_frame: u64,
    pub clients: Vec<ClientInfo>,
}

impl Snapshot {
    /// The node with this uid (panics when absent).
    pub fn node(&self, uid: u64) -> &Node {
        self.find(uid)
            .unwrap_or_else(|| panic!("no node with uid {uid}; nodes: {:?}", self.uids()))
    }

    /// The node with this uid, if any.
    pub fn find(&self, uid: u64) -> Option<&Node> {
        self.scene.nodes().into_iter().find(|n| n.key().uid == uid)
    }

    /// Every uid in the scene.
    pub fn uids(&self) -> Vec<u64> {
        self.scene.nodes().iter().map(|n| n.key().uid).collect()
    }
}

/// A connected test viewer.
pub type ViewerWs = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// Connects a viewer and reads its snapshot.
pub async fn open_viewer(url: &str) -> (ViewerWs, Snapshot) {
    let config = tokio_tungstenite::tungstenite::protocol::WebSocketConfig::default()
        .max_message_size(None)
        .max_frame_size(None);
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), true)
        .await
        .expect("viewer connects");
    let mut scene = Scene::new();
    loop {
        let msg = tokio::time::timeout(Duration::from_secs(20), ws.next())
            .await
            .expect("snapshot within 20 s")
            .expect("viewer stream open")
            .expect("viewer frame");
        let Message::Binary(bytes) = msg else { continue };
        match decode::<RelayToViewer>(&bytes).expect("a RelayToViewer message") {
            RelayToViewer::Message { client, envelope } => {
                scene
                    .apply_envelope(client, envelope)
                    .expect("snapshot messages apply to a fresh scene");
            }
            RelayToViewer::SnapshotBegin => scene.clear(),
            RelayToViewer::SnapshotEnd { current_frame, clients } => {
                return (
                    ws,
                    Snapshot {
                        scene,
                        current_frame,
                        clients,
                    },
                );
            }
            _ => {}
        }
    }
}

/// The relay's scene as a fresh viewer sees it now.
pub fn snapshot(relay: &RelayProcess) -> Snapshot {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let (mut ws, snap) = open_viewer(&relay.viewer_url()).await;
        let _ = ws.close(None).await;
        snap
    })
}

/// Sends `ViewerToRelay::ToClients` from a viewer socket.
pub async fn send_to_clients(ws: &mut ViewerWs, client: Option<u64>, payload: meshcast_protocol::Value) {
    let bytes = encode(&ViewerToRelay::ToClients { client, payload });
    ws.send(Message::Binary(bytes.into())).await.expect("viewer sends");
}

/// The options that reach a relay started by the tests.
pub fn options(relay: &RelayProcess) -> meshcast_client::ConnectOptions {
    meshcast_client::ConnectOptions::new("127.0.0.1")
        .port(relay.port)
        .timeout(Duration::from_secs(10))
        .ack_timeout(Duration::from_secs(30))
}

/// Frame `i` of series `name` of a node, as f32.
pub fn frame(node: &Node, name: &str, i: usize) -> Vec<f32> {
    node.series(name)
        .unwrap_or_else(|| panic!("node {} has no series {name}", node.key().uid))
        .frame_array(i)
        .unwrap_or_else(|| panic!("node {} series {name} has no frame {i}", node.key().uid))
        .to_f32_vec()
}

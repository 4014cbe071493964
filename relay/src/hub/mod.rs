//! The hub: the one task that owns the scene (mini-redis / rerun pattern).
//!
//! Producer connections send it decoded commands in arrival order over a bounded channel; it
//! applies each to its [`Scene`], answers FLUSH with an acknowledgement and rejected messages
//! with an error, and fans every accepted message out, encoded once, to each viewer's bounded
//! queue. A viewer that joins is registered and handed its snapshot in one step, so it misses
//! nothing and sees nothing twice. A viewer whose queue is full is marked lagging instead of
//! slowing anyone down; when it has drained it asks for (and gets) a fresh snapshot.
//!
//! It also keeps the scene's footprint ([`Scene::footprint`]: array data with every frame
//! counted in full, plus fixed charges per node and frame) within `--max-scene-bytes`: a message
//! that would grow it past the limit is not applied and is answered with an error naming it.
//!
//! The hub runs on its own OS thread so that applying a large message never stalls the async
//! workers that answer WebSocket pings.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use meshcast_protocol::{ClientId, ClientInfo, Command, MessageType, RelayToClient, RelayToViewer, Uid, Value};
use meshcast_scene::{Node, NodeKey, Scene, SceneError};
use tokio::sync::mpsc::{self, error::TrySendError};
use tracing::{debug, info, warn};

use crate::config::Config;
use crate::federation::consumer::StreamItem;
use crate::federation::Restart;
use crate::log_writer::LogWriter;
use crate::scene_log::Snapshot as LogSnapshot;
use crate::wire::WireFormat;

mod federated;

pub use federated::{Federated, FederatedParts};

/// Id the relay gives a viewer connection.
pub type ViewerId = u64;

/// What the hub (or the connection itself) sends to a producer connection's writer.
#[derive(Debug)]
pub enum ClientOut {
    /// A reply, encoded by the writer in the client's wire format.
    Reply(RelayToClient),
    /// Close the connection with this close code and reason.
    Close {
        /// WebSocket close code (1009: too big, 1001: going away).
        code: u16,
        /// Human-readable reason (at most 123 bytes go on the wire).
        reason: String,
    },
}

/// What the hub sends to a viewer connection's writer.
#[derive(Debug)]
pub enum ViewerOut {
    /// One encoded `RelayToViewer` message.
    Frame(Bytes),
    /// A snapshot of the scene, encoded by the writer (off the hub).
    Snapshot(Box<Snapshot>),
}

/// A scene snapshot for one viewer: `Hello` (first time only), `SnapshotBegin`, the messages
/// that rebuild the scene, `SnapshotEnd`.
#[derive(Debug)]
pub struct Snapshot {
    /// The `Hello` to send first, on a viewer's first snapshot.
    pub hello: Option<RelayToViewer>,
    /// A copy of the scene (cheap: frame data is shared, not copied).
    pub scene: Scene,
    /// The producer clients connected when it was taken.
    pub clients: Vec<ClientInfo>,
}

impl Snapshot {
    /// Encodes the snapshot as the frames to send, in order.
    pub fn encode(&self) -> Result<Vec<Bytes>, meshcast_protocol::ProtocolError> {
        let messages = meshcast_scene::replay::snapshot_messages(&self.scene)?;
        let mut out = Vec::with_capacity(messages.len() + 3);
        if let Some(hello) = &self.hello {
            out.push(Bytes::from(meshcast_protocol::encode(hello)));
        }
        out.push(Bytes::from(meshcast_protocol::encode(&RelayToViewer::SnapshotBegin)));
        out.extend(messages.into_iter().map(Bytes::from));
        out.push(Bytes::from(meshcast_protocol::encode(&RelayToViewer::SnapshotEnd {
            current_frame: self.scene.current_frame() as u64,
            clients: self.clients.clone(),
        })));
        Ok(out)
    }
}

/// State a viewer connection shares with the hub.
#[derive(Debug, Default)]
pub struct ViewerShared {
    /// Set by the hub when the viewer's queue overflowed: the writer drops what is queued and,
    /// once the queue is empty, asks the hub for a fresh snapshot.
    pub lagging: AtomicBool,
    /// Bytes of `ViewerOut::Frame`s in the queue.
    pub queued_bytes: AtomicUsize,
}

/// A message to the hub.
#[derive(Debug)]
pub enum HubMsg {
    /// A producer connected.
    ClientConnected {
        /// What viewers are told about it.
        info: ClientInfo,
        /// Its reply queue.
        replies: mpsc::Sender<ClientOut>,
    },
    /// A producer's first frame showed its wire format.
    ClientFormat {
        /// The client.
        client: ClientId,
        /// Its format.
        format: WireFormat,
    },
    /// A decoded message, number `seq` on its connection.
    Command {
        /// The client.
        client: ClientId,
        /// Its sequence number.
        seq: u64,
        /// The message.
        cmd: Command,
    },
    /// A message could not be decoded or validated.
    Rejected(Rejection),
    /// A producer disconnected; everything it sent was sent before this.
    ClientGone {
        /// The client.
        client: ClientId,
    },
    /// A viewer connected: register it and queue its first snapshot.
    ViewerJoined {
        /// Its id.
        viewer: ViewerId,
        /// Its peer address (for logs).
        addr: SocketAddr,
        /// Its bounded outbound queue.
        queue: mpsc::Sender<ViewerOut>,
        /// Flags shared with its writer.
        shared: Arc<ViewerShared>,
    },
    /// A lagging viewer drained its queue and wants a fresh snapshot.
    ViewerResync {
        /// The viewer.
        viewer: ViewerId,
    },
    /// A viewer disconnected.
    ViewerGone {
        /// The viewer.
        viewer: ViewerId,
    },
    /// A viewer sends a value to one producer client, or to all.
    ToClients {
        /// The sending viewer.
        viewer: ViewerId,
        /// The target, `None` for all.
        client: Option<ClientId>,
        /// The value.
        payload: Value,
    },
    /// The next record of the scene's NATS stream (`--nats`), in the stream's order.
    Stream(Box<StreamItem>),
    /// This relay fell behind a compaction of the stream (`--nats`): the scene of the latest
    /// snapshot replaces its own.
    StreamReset(Box<Restart>),
    /// A viewer on another relay sends a value to one of this relay's clients, or to all
    /// (`--nats`).
    FromRelay {
        /// The sending viewer.
        viewer: ViewerId,
        /// The target, `None` for all.
        client: Option<ClientId>,
        /// The value.
        payload: Value,
    },
}

/// Message number `seq` of a client was rejected (0: a text frame, not counted): what its error
/// reply says.
#[derive(Debug)]
pub struct Rejection {
    /// The client.
    pub client: ClientId,
    /// Its sequence number.
    pub seq: u64,
    /// Its type number, when it could be read.
    pub msg_type: Option<i64>,
    /// Its uid, when it could be read.
    pub uid: Option<Uid>,
    /// What was wrong.
    pub message: String,
    /// Log it (rate-limit rejections are logged once per connection instead).
    pub log: bool,
}

impl Rejection {
    /// A rejection of message `seq` of type `msg_type` about node `uid`, logged.
    pub fn of(client: ClientId, seq: u64, msg_type: Option<i64>, uid: Option<Uid>, message: String) -> Self {
        Self {
            client,
            seq,
            msg_type,
            uid,
            message,
            log: true,
        }
    }
}

/// Handle used by connections to reach the hub.
pub type HubHandle = mpsc::Sender<HubMsg>;

/// Starts the hub on its own thread with the scene and log it starts from
/// ([`crate::scene_log::start`]), federated over NATS when `fed` is given. It stops when every
/// [`HubHandle`] is dropped.
pub fn spawn(
    config: Arc<Config>,
    scene: Scene,
    log: Option<LogWriter>,
    fed: Option<Federated>,
) -> std::io::Result<(HubHandle, std::thread::JoinHandle<()>)> {
    let (tx, rx) = mpsc::channel(config.hub_queue.max(1));
    let thread = std::thread::Builder::new().name("meshcast-hub".into()).spawn(move || {
        let mut hub = Hub::with_scene(config, scene, log);
        hub.fed = fed;
        hub.run(rx)
    })?;
    Ok((tx, thread))
}

struct ClientReg {
    info: ClientInfo,
    replies: mpsc::Sender<ClientOut>,
}

struct ViewerReg {
    addr: SocketAddr,
    queue: mpsc::Sender<ViewerOut>,
    shared: Arc<ViewerShared>,
    lagging: bool,
}

/// The scene owner.
pub struct Hub {
    config: Arc<Config>,
    scene: Scene,
    clients: BTreeMap<ClientId, ClientReg>,
    viewers: BTreeMap<ViewerId, ViewerReg>,
    /// `scene.footprint()`, kept up to date message by message.
    scene_bytes: usize,
    /// The log every applied message is appended to (`--record`, `--data-dir`), written by
    /// its own thread.
    log: Option<LogWriter>,
    /// Set under `--nats`: the scene is the fold of the scene's stream ([`federated`]).
    fed: Option<Federated>,
}

impl Hub {
    /// A hub with an empty scene and no log.
    #[cfg(test)]
    pub fn new(config: Arc<Config>) -> Self {
        Self::with_scene(config, Scene::new(), None)
    }

    /// A hub that starts from `scene` and appends what it applies to `log`.
    pub fn with_scene(config: Arc<Config>, scene: Scene, log: Option<LogWriter>) -> Self {
        Self {
            config,
            scene_bytes: scene.footprint(),
            scene,
            clients: BTreeMap::new(),
            viewers: BTreeMap::new(),
            log,
            fed: None,
        }
    }

    /// Handles messages until every sender is dropped.
    pub fn run(mut self, mut rx: mpsc::Receiver<HubMsg>) {
        while let Some(msg) = rx.blocking_recv() {
            self.handle(msg);
        }
        debug!("hub stopped");
    }

    /// Handles one message.
    pub fn handle(&mut self, msg: HubMsg) {
        let msg = match self.fed {
            Some(_) => match self.handle_federated(msg) {
                Some(msg) => msg,
                None => return,
            },
            None => msg,
        };
        match msg {
            HubMsg::ClientConnected { info, replies } => {
                self.broadcast(&RelayToViewer::ClientConnected(info.clone()));
                self.clients.insert(info.id, ClientReg { info, replies });
            }
            HubMsg::ClientFormat { client, format } => {
                if let Some(c) = self.clients.get_mut(&client) {
                    c.info.format = format.name().to_owned();
                    let info = c.info.clone();
                    self.broadcast(&RelayToViewer::ClientConnected(info));
                }
            }
            HubMsg::Command { client, seq, cmd } => self.command(client, seq, cmd),
            HubMsg::Rejected(r) => self.reject(r),
            HubMsg::ClientGone { client } => {
                if self.clients.remove(&client).is_some() {
                    self.broadcast(&RelayToViewer::ClientDisconnected { client });
                }
            }
            HubMsg::ViewerJoined {
                viewer,
                addr,
                queue,
                shared,
            } => self.viewer_joined(viewer, addr, queue, shared),
            HubMsg::ViewerResync { viewer } => self.resync(viewer),
            HubMsg::ViewerGone { viewer } => {
                self.viewers.remove(&viewer);
            }
            HubMsg::ToClients {
                viewer,
                client,
                payload,
            } => self.deliver_to_clients(viewer, client, payload),
            HubMsg::Stream(item) => self.apply_stream(*item),
            HubMsg::StreamReset(restart) => self.reset_from(*restart),
            HubMsg::FromRelay {
                viewer,
                client,
                payload,
            } => {
                if client.is_none_or(|c| self.clients.contains_key(&c)) {
                    self.deliver_to_clients(viewer, client, payload);
                }
            }
        }
    }

    /// Handles what differs in federated mode; returns the messages handled as without it.
    fn handle_federated(&mut self, msg: HubMsg) -> Option<HubMsg> {
        match msg {
            HubMsg::ClientConnected { info, replies } => {
                self.clients.insert(
                    info.id,
                    ClientReg {
                        info: info.clone(),
                        replies,
                    },
                );
                self.fed_client_connected(info);
            }
            HubMsg::ClientFormat { client, format } => {
                if let Some(c) = self.clients.get_mut(&client) {
                    c.info.format = format.name().to_owned();
                    let info = c.info.clone();
                    self.fed_client_connected(info);
                }
            }
            HubMsg::Command { client, seq, cmd } => self.fed_command(client, seq, cmd),
            HubMsg::Rejected(r) => self.fed_reject(r),
            HubMsg::ClientGone { client } => {
                if self.clients.remove(&client).is_some() {
                    self.fed_client_gone(client);
                }
            }
            HubMsg::ToClients {
                viewer,
                client,
                payload,
            } => self.fed_to_clients(viewer, client, payload),
            other => return Some(other),
        }
        None
    }

    fn command(&mut self, client: ClientId, seq: u64, cmd: Command) {
        if matches!(cmd, Command::Flush) {
            // Acknowledged only once everything before it is in the log (under its fsync policy):
            // the log's writer thread sends the answer when it has written it.
            match (&self.log, self.clients.get(&client)) {
                (Some(log), Some(c)) => {
                    let replies = c.replies.clone();
                    log.sync(move |written| {
                        let reply = match written {
                            Ok(()) => RelayToClient::Ack { seq },
                            Err(message) => {
                                warn!(client, seq, error = %message, "flush refused: the log is not written");
                                RelayToClient::Error {
                                    seq,
                                    msg_type: Some(MessageType::Flush.code()),
                                    uid: None,
                                    message,
                                }
                            }
                        };
                        if replies.try_send(ClientOut::Reply(reply)).is_err() {
                            debug!(client, seq, "flush answered after the client left or stopped reading");
                        }
                    });
                }
                _ => self.reply(client, RelayToClient::Ack { seq }),
            }
            return;
        }
        let msg_type = command_type(&cmd);
        let uid = cmd.uid();
        if let Err(message) = self.check_models(client, &cmd) {
            return self.reject(Rejection::of(client, seq, Some(msg_type), uid, message));
        }
        let cmd = match self.resolve_assets(client, cmd) {
            Ok(cmd) => cmd,
            Err(message) => return self.reject(Rejection::of(client, seq, Some(msg_type), uid, message)),
        };
        match self.apply_within_limit(client, cmd) {
            Ok(applied) => {
                debug!(client, seq, msg_type, uid, change = ?applied.change, "applied");
                if let Some(fwd) = applied.forward {
                    if !self.viewers.is_empty() || self.log.is_some() {
                        let frame = encode_message(client, &fwd);
                        if let Some(log) = self.log.as_mut() {
                            log.append(frame.clone());
                            if log.wants_snapshot(self.scene_bytes) {
                                match LogSnapshot::of(&self.scene) {
                                    Ok(snap) => log.snapshot(snap),
                                    Err(e) => warn!(error = %e, "cannot encode a snapshot for the log"),
                                }
                            }
                        }
                        self.fan_out(&frame);
                    }
                }
            }
            Err(message) => self.reject(Rejection::of(client, seq, Some(msg_type), uid, message)),
        }
    }

    /// Reads the texture file an aitviewer mesh names from `--assets` into its creation
    /// ([`crate::assets`]); `Err` is the message for the client.
    fn resolve_assets(&self, client: ClientId, cmd: Command) -> Result<Command, String> {
        let uid = cmd.uid();
        match crate::assets::resolve(self.config.assets.as_deref(), cmd) {
            crate::assets::Resolved::Ok(cmd) => Ok(cmd),
            crate::assets::Resolved::NoFolder(cmd, path) => {
                warn!(
                    client,
                    uid,
                    path,
                    "mesh accepted without its texture: the relay reads path_to_texture files only from --assets DIR"
                );
                Ok(cmd)
            }
            crate::assets::Resolved::Refused(message) => Err(message),
        }
    }

    /// Checks an SMPL body's model file (`--smpl-models`); `Err` is the message for the client.
    fn check_models(&self, client: ClientId, cmd: &Command) -> Result<(), String> {
        match crate::models::check(self.config.smpl_models.as_deref(), cmd) {
            crate::models::ModelCheck::Ok => Ok(()),
            crate::models::ModelCheck::NoFolder { file } => {
                warn!(
                    client,
                    uid = cmd.uid(),
                    file,
                    "SMPL body accepted, but the relay serves no models (--smpl-models): viewers cannot draw it"
                );
                Ok(())
            }
            crate::models::ModelCheck::Missing(message) => Err(message),
        }
    }

    /// Bytes of array data in the scene (tracked).
    #[cfg(test)]
    pub fn scene_bytes(&self) -> usize {
        self.scene_bytes
    }

    /// Applies a command unless it would grow the scene's footprint past `--max-scene-bytes`
    /// ([`Scene::apply_within`]); then the scene is left as it was. Errors are the message for
    /// the client.
    fn apply_within_limit(&mut self, client: ClientId, cmd: Command) -> Result<meshcast_scene::Applied, String> {
        let max = self.config.max_scene_bytes;
        let key = command_node(&cmd).map(|uid| NodeKey { client, uid });
        let before = key.and_then(|k| self.scene.node(&k)).map_or(0, Node::footprint);
        let room = max.saturating_sub(self.scene_bytes);
        let applied = self.scene.apply_within(client, cmd, room).map_err(|e| match e {
            SceneError::TooBig { grows, .. } => format!(
                "scene memory limit: {e}; the scene would take {} bytes, over the relay's limit of {max} \
                 bytes (--max-scene-bytes); nothing was applied (delete nodes or frames first)",
                self.scene_bytes.saturating_add(grows)
            ),
            other => other.to_string(),
        })?;
        let after = key.and_then(|k| self.scene.node(&k)).map_or(0, Node::footprint);
        self.scene_bytes = self.scene_bytes.saturating_sub(before).saturating_add(after);
        Ok(applied)
    }

    /// Answers a rejected message with an error, and logs it unless `r.log` is false.
    fn reject(&mut self, r: Rejection) {
        let Rejection {
            client,
            seq,
            msg_type,
            uid,
            message,
            log,
        } = r;
        if log {
            let peer = self
                .clients
                .get(&client)
                .map(|c| c.info.addr.clone())
                .unwrap_or_default();
            warn!(client, %peer, seq, msg_type, uid, error = %message, "message rejected");
        }
        self.reply(
            client,
            RelayToClient::Error {
                seq,
                msg_type,
                uid,
                message,
            },
        );
    }

    fn reply(&mut self, client: ClientId, reply: RelayToClient) {
        let Some(c) = self.clients.get(&client) else { return };
        match c.replies.try_send(ClientOut::Reply(reply)) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                warn!(client, peer = %c.info.addr, "client does not read its replies; reply dropped")
            }
            Err(TrySendError::Closed(_)) => {}
        }
    }

    fn viewer_joined(
        &mut self,
        viewer: ViewerId,
        addr: SocketAddr,
        queue: mpsc::Sender<ViewerOut>,
        shared: Arc<ViewerShared>,
    ) {
        let hello = RelayToViewer::Hello {
            viewer_id: viewer,
            version: env!("CARGO_PKG_VERSION").to_owned(),
        };
        let snapshot = self.snapshot(Some(hello));
        let mut reg = ViewerReg {
            addr,
            queue,
            shared,
            lagging: false,
        };
        if reg.queue.try_send(ViewerOut::Snapshot(snapshot)).is_err() {
            // A fresh queue always has room; if not, treat it as lagging and resync later.
            self.mark_lagging(viewer, &mut reg);
        }
        info!(viewer, %addr, nodes = self.scene.len(), "viewer joined; snapshot queued");
        self.viewers.insert(viewer, reg);
    }

    fn resync(&mut self, viewer: ViewerId) {
        let snapshot_needed = self.viewers.get(&viewer).is_some_and(|v| v.lagging);
        if !snapshot_needed {
            return;
        }
        let snapshot = self.snapshot(None);
        let Some(mut reg) = self.viewers.remove(&viewer) else {
            return;
        };
        reg.lagging = false;
        reg.shared.lagging.store(false, Ordering::SeqCst);
        match reg.queue.try_send(ViewerOut::Snapshot(snapshot)) {
            Ok(()) => {
                info!(viewer, addr = %reg.addr, "lagging viewer caught up; fresh snapshot queued");
                self.viewers.insert(viewer, reg);
            }
            Err(TrySendError::Full(_)) => {
                self.mark_lagging(viewer, &mut reg);
                self.viewers.insert(viewer, reg);
            }
            Err(TrySendError::Closed(_)) => {}
        }
    }

    fn snapshot(&self, hello: Option<RelayToViewer>) -> Box<Snapshot> {
        Box::new(Snapshot {
            hello,
            scene: self.scene.clone(),
            clients: match &self.fed {
                Some(fed) => fed.clients(),
                None => self.clients.values().map(|c| c.info.clone()).collect(),
            },
        })
    }

    fn mark_lagging(&self, viewer: ViewerId, reg: &mut ViewerReg) {
        reg.lagging = true;
        reg.shared.lagging.store(true, Ordering::SeqCst);
        warn!(
            viewer,
            addr = %reg.addr,
            queue = self.config.viewer_queue,
            "viewer is lagging: its queue is full; dropping it and sending a fresh snapshot once it catches up"
        );
    }

    fn broadcast(&mut self, msg: &RelayToViewer) {
        if !self.viewers.is_empty() {
            let frame = meshcast_protocol::encode_bytes(msg);
            self.fan_out(&frame);
        }
    }

    /// Queues one frame for every viewer that is not lagging.
    fn fan_out(&mut self, frame: &Bytes) {
        let budget = self.config.viewer_queue_bytes;
        let mut gone = Vec::new();
        let ids: Vec<ViewerId> = self.viewers.keys().copied().collect();
        for id in ids {
            let Some(mut reg) = self.viewers.remove(&id) else {
                continue;
            };
            if !reg.lagging {
                let before = reg.shared.queued_bytes.fetch_add(frame.len(), Ordering::SeqCst);
                let over_budget = before > 0 && before + frame.len() > budget;
                let sent = if over_budget {
                    Err(TrySendError::Full(()))
                } else {
                    reg.queue
                        .try_send(ViewerOut::Frame(frame.clone()))
                        .map_err(|e| match e {
                            TrySendError::Full(_) => TrySendError::Full(()),
                            TrySendError::Closed(_) => TrySendError::Closed(()),
                        })
                };
                match sent {
                    Ok(()) => {}
                    Err(e) => {
                        reg.shared.queued_bytes.fetch_sub(frame.len(), Ordering::SeqCst);
                        match e {
                            TrySendError::Full(()) => self.mark_lagging(id, &mut reg),
                            TrySendError::Closed(()) => gone.push(id),
                        }
                    }
                }
            }
            self.viewers.insert(id, reg);
        }
        for id in gone {
            self.viewers.remove(&id);
        }
    }

    /// Hands a viewer's value to one of this relay's clients, or to all of them.
    fn deliver_to_clients(&mut self, viewer: ViewerId, client: Option<ClientId>, payload: Value) {
        let targets: Vec<ClientId> = match client {
            Some(c) if self.clients.contains_key(&c) => vec![c],
            Some(c) => {
                warn!(viewer, client = c, "viewer message for unknown client ignored");
                return;
            }
            None => self.clients.keys().copied().collect(),
        };
        debug!(viewer, ?targets, "viewer message to clients");
        for c in targets {
            self.reply(
                c,
                RelayToClient::FromViewer {
                    viewer,
                    payload: payload.clone(),
                },
            );
        }
    }
}

/// Encodes `RelayToViewer::Message{client, envelope}` for a forwarded command, once: every
/// viewer's queue (and the log) gets a handle to the same buffer.
pub fn encode_message(client: ClientId, cmd: &Command) -> Bytes {
    meshcast_protocol::encode_bytes(&RelayToViewer::Message {
        client,
        envelope: cmd.to_envelope(),
    })
}

/// The type number of a command (without building its envelope).
pub fn command_type(cmd: &Command) -> i64 {
    let t = match cmd {
        Command::Create(c) => c.kind.message_type(),
        Command::AddFrames { .. } => MessageType::AddFrames,
        Command::UpdateFrames { .. } => MessageType::UpdateFrames,
        Command::RemoveFrames { .. } => MessageType::RemoveFrames,
        Command::Delete { .. } => MessageType::Delete,
        Command::SetFrame(_) => MessageType::SetFrame,
        Command::NextFrame => MessageType::NextFrame,
        Command::PreviousFrame => MessageType::PreviousFrame,
        Command::Flush => MessageType::Flush,
        Command::User(env) => return env.msg_type,
    };
    t.code()
}

/// The uid of the node a command changes, if it changes one.
fn command_node(cmd: &Command) -> Option<Uid> {
    match cmd {
        Command::Create(c) => Some(c.uid),
        Command::AddFrames { uid, .. }
        | Command::UpdateFrames { uid, .. }
        | Command::RemoveFrames { uid, .. }
        | Command::Delete { uid } => Some(*uid),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshcast_protocol::{Envelope, NdArray};

    fn spheres(uid: u64, frames: usize, points: usize) -> Command {
        let data = vec![0.5f32; frames * points * 3];
        let env = Envelope::new(3, Some(uid))
            .with_kwarg("positions", NdArray::from_f32(&[frames, points, 3], &data).unwrap());
        Command::from_envelope(env).unwrap()
    }

    fn add(uid: u64, frames: usize, points: usize) -> Command {
        let data = vec![0.25f32; frames * points * 3];
        let env = Envelope::new(101, Some(uid))
            .with_kwarg("positions", NdArray::from_f32(&[frames, points, 3], &data).unwrap());
        Command::from_envelope(env).unwrap()
    }

    fn hub(max_scene_bytes: usize) -> (Hub, mpsc::Receiver<ClientOut>) {
        let config = Config {
            max_scene_bytes,
            ..Config::default()
        };
        let mut hub = Hub::new(Arc::new(config));
        let (tx, rx) = mpsc::channel(64);
        let info = ClientInfo {
            id: 1,
            addr: "127.0.0.1:1".into(),
            format: "msgpack".into(),
        };
        hub.handle(HubMsg::ClientConnected { info, replies: tx });
        (hub, rx)
    }

    fn error(rx: &mut mpsc::Receiver<ClientOut>) -> Option<(u64, String)> {
        match rx.try_recv() {
            Ok(ClientOut::Reply(RelayToClient::Error { seq, message, .. })) => Some((seq, message)),
            _ => None,
        }
    }

    /// Joins a viewer and takes its snapshot off its queue.
    fn viewer(hub: &mut Hub, id: ViewerId) -> mpsc::Receiver<ViewerOut> {
        let (queue, mut rx) = mpsc::channel(8);
        hub.handle(HubMsg::ViewerJoined {
            viewer: id,
            addr: "127.0.0.1:2".parse().unwrap(),
            queue,
            shared: Arc::default(),
        });
        assert!(matches!(rx.try_recv(), Ok(ViewerOut::Snapshot(_))));
        rx
    }

    #[test]
    fn a_message_is_encoded_once_for_every_viewer() {
        let (mut hub, _rx) = hub(usize::MAX);
        let mut viewers = [viewer(&mut hub, 1), viewer(&mut hub, 2), viewer(&mut hub, 3)];
        // A message as it arrives: decoded from the frame's bytes, its array a slice of them.
        let frame = meshcast_protocol::encode_envelope_bytes(
            &Envelope::new(3, Some(1)).with_kwarg("positions", NdArray::from_f32(&[1, 10, 3], &[0.5; 30]).unwrap()),
        );
        let env = meshcast_protocol::decode_envelope_bytes(&frame).unwrap();
        let cmd = Command::from_envelope(env).unwrap();
        // Normalised already (batch form, f32): what is forwarded still holds the received
        // payload, so re-encoding copies the data once, straight into the viewers' message.
        let Command::Create(c) = &cmd else {
            panic!("not a creation")
        };
        let received = c.fields["positions"].ext_payload().map(|p| p.as_ptr());
        let start = frame.as_ptr() as usize;
        assert!(received.is_some_and(|p| (start..start + frame.len()).contains(&(p as usize))));
        hub.handle(HubMsg::Command { client: 1, seq: 1, cmd });
        let sent: Vec<Bytes> = viewers
            .iter_mut()
            .map(|rx| match rx.try_recv() {
                Ok(ViewerOut::Frame(b)) => b,
                other => panic!("expected a frame, got {other:?}"),
            })
            .collect();
        assert!(sent
            .iter()
            .all(|b| b.as_ptr() == sent[0].as_ptr() && b.len() == sent[0].len()));
        match meshcast_protocol::decode::<RelayToViewer>(&sent[0]).unwrap() {
            RelayToViewer::Message { client: 1, envelope } => assert_eq!(envelope.msg_type, 3),
            other => panic!("expected the message, got {other:?}"),
        }
    }

    /// The footprint of one node of `frames` frames of 10 points (120 bytes a frame).
    fn footprint(frames: usize) -> usize {
        use meshcast_scene::footprint::{FRAME_CHARGE, NODE_CHARGE};
        NODE_CHARGE + frames * (120 + FRAME_CHARGE)
    }

    #[test]
    fn scene_limit_rejects_growth_and_keeps_the_scene() {
        let limit = footprint(8) + 10;
        let (mut hub, mut rx) = hub(limit);
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 1,
            cmd: spheres(1, 2, 10),
        });
        assert_eq!(hub.scene_bytes(), footprint(2));
        assert!(error(&mut rx).is_none());
        // 6 more frames make 8: fine; then 1 more frame is over.
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 2,
            cmd: add(1, 6, 10),
        });
        assert_eq!(hub.scene_bytes(), footprint(8));
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 3,
            cmd: add(1, 1, 10),
        });
        let (seq, message) = error(&mut rx).unwrap();
        assert_eq!(seq, 3);
        assert!(
            message.contains("--max-scene-bytes") && message.contains(&limit.to_string()),
            "{message}"
        );
        assert_eq!(hub.scene_bytes(), footprint(8));
        assert_eq!(hub.scene.footprint(), footprint(8));
        assert_eq!(hub.scene.node(&NodeKey { client: 1, uid: 1 }).unwrap().n_frames(), 8);
        // A new node over the limit is not created; a replacement over it keeps the old node.
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 4,
            cmd: spheres(2, 1, 10),
        });
        assert!(error(&mut rx).is_some());
        assert!(hub.scene.node(&NodeKey { client: 1, uid: 2 }).is_none());
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 5,
            cmd: spheres(1, 9, 10),
        });
        assert!(error(&mut rx).is_some());
        assert_eq!(hub.scene.node(&NodeKey { client: 1, uid: 1 }).unwrap().n_frames(), 8);
        // Deleting frees room.
        let del = Command::from_envelope(Envelope::new(100, Some(1))).unwrap();
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 6,
            cmd: del,
        });
        assert_eq!(hub.scene_bytes(), 0);
        hub.handle(HubMsg::Command {
            client: 1,
            seq: 7,
            cmd: spheres(2, 8, 10),
        });
        assert!(error(&mut rx).is_none());
        assert_eq!(hub.scene_bytes(), hub.scene.footprint());
    }
}

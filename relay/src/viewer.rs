//! One browser viewer connection (`ws://HOST:PORT/viewer`).
//!
//! The writer task sends what the hub queues for this viewer: first its snapshot (encoded here,
//! off the hub), then live messages. When the hub marks the viewer lagging, the writer drops
//! what is queued and, once the queue is empty, asks the hub for a fresh snapshot. The reader
//! (this task) forwards `ViewerToRelay` messages to the hub; malformed ones are logged and
//! skipped. A viewer that connected with `?announce=N` gets a `RelayToViewer::Incoming` before
//! every write of at least `N` bytes (one message, a batch, or a snapshot), with the bytes of the
//! messages queued behind it.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket};
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{RelayToViewer, ViewerToRelay};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn, Instrument};

use crate::client::{close, send_close};
use crate::config::Config;
use crate::hub::{HubHandle, HubMsg, ViewerId, ViewerOut, ViewerShared};
use crate::limits::Slot;

/// Queued frames sent in one write before flushing.
const MAX_BATCH: usize = 64;

/// Everything a viewer connection needs.
pub struct ViewerCtx {
    /// The relay's id for it.
    pub id: ViewerId,
    /// Its peer address.
    pub peer: SocketAddr,
    /// The hub.
    pub hub: HubHandle,
    /// Settings.
    pub config: Arc<Config>,
    /// Cancelled when the relay shuts down.
    pub shutdown: CancellationToken,
    /// Its share of `--max-connections`, held while it is open.
    pub slot: Slot,
    /// Announce writes of at least this many bytes (`?announce=N`).
    pub announce: Option<usize>,
}

/// Serves one viewer until it closes or the relay shuts down.
pub async fn serve(socket: WebSocket, ctx: ViewerCtx) {
    let span = tracing::info_span!("viewer", id = ctx.id, peer = %ctx.peer);
    serve_inner(socket, ctx).instrument(span).await;
}

async fn serve_inner(socket: WebSocket, ctx: ViewerCtx) {
    let ViewerCtx {
        id,
        peer,
        hub,
        config,
        shutdown,
        slot: _slot,
        announce,
    } = ctx;
    let (sink, mut stream) = socket.split();
    let (queue_tx, queue_rx) = mpsc::channel(config.viewer_queue.max(1));
    let shared = Arc::new(ViewerShared::default());
    let joined = HubMsg::ViewerJoined {
        viewer: id,
        addr: peer,
        queue: queue_tx,
        shared: Arc::clone(&shared),
    };
    if hub.send(joined).await.is_err() {
        return;
    }
    info!("viewer connected");
    let conn = shutdown.child_token();
    let writer = tokio::spawn(
        Writer {
            id,
            sink,
            queue: queue_rx,
            shared,
            hub: hub.clone(),
            cancel: conn.clone(),
            resync_asked: false,
            announce,
        }
        .run()
        .in_current_span(),
    );
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            () = conn.cancelled() => break,
        };
        match next {
            Some(Ok(Message::Binary(data))) => match meshcast_protocol::decode::<ViewerToRelay>(&data) {
                Ok(ViewerToRelay::ToClients { client, payload }) => {
                    let msg = HubMsg::ToClients {
                        viewer: id,
                        client,
                        payload,
                    };
                    if hub.send(msg).await.is_err() {
                        break;
                    }
                }
                Err(e) => warn!(bytes = data.len(), error = %e, "malformed viewer message ignored"),
            },
            Some(Ok(Message::Text(t))) => warn!(chars = t.as_str().len(), "text frame from viewer ignored"),
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Err(e)) => {
                debug!(error = %e, "read error");
                break;
            }
        }
    }
    let _ = hub.send(HubMsg::ViewerGone { viewer: id }).await;
    conn.cancel();
    let _ = writer.await;
    info!("viewer disconnected");
}

struct Writer {
    id: ViewerId,
    sink: SplitSink<WebSocket, Message>,
    queue: mpsc::Receiver<ViewerOut>,
    shared: Arc<ViewerShared>,
    hub: HubHandle,
    cancel: CancellationToken,
    /// A resync was asked for and its snapshot has not arrived yet.
    resync_asked: bool,
    /// Announce writes of at least this many bytes.
    announce: Option<usize>,
}

impl Writer {
    async fn run(mut self) {
        loop {
            let out = tokio::select! {
                out = self.queue.recv() => out,
                () = self.cancel.cancelled() => break,
            };
            let Some(out) = out else { break };
            let ok = match out {
                ViewerOut::Snapshot(snapshot) => self.send_snapshot(snapshot).await,
                ViewerOut::Frame(frame) => {
                    self.shared.queued_bytes.fetch_sub(frame.len(), Ordering::SeqCst);
                    if self.shared.lagging.load(Ordering::SeqCst) {
                        true
                    } else {
                        self.send_batch(frame).await
                    }
                }
            };
            if !ok {
                // The peer is gone or closing: stop the reader too, and answer its close frame
                // if it sent one.
                self.cancel.cancel();
                break;
            }
            if self.shared.lagging.load(Ordering::SeqCst) && self.queue.is_empty() && !self.resync_asked {
                self.resync_asked = true;
                debug!("lagging queue drained; asking for a fresh snapshot");
                if self.hub.send(HubMsg::ViewerResync { viewer: self.id }).await.is_err() {
                    break;
                }
            }
        }
        // When the viewer closed first this sends the answer to its close frame.
        send_close(&mut self.sink, close(1001, "relay closing the viewer connection")).await;
    }

    /// Sends `first` and whatever else is queued (up to a batch), then flushes once.
    async fn send_batch(&mut self, first: bytes::Bytes) -> bool {
        let mut batch = vec![first];
        let mut snapshot = None;
        while batch.len() < MAX_BATCH {
            // Only plain frames are batched; a snapshot follows the batch.
            if self.shared.lagging.load(Ordering::SeqCst) {
                break;
            }
            match self.queue.try_recv() {
                Ok(ViewerOut::Frame(frame)) => {
                    self.shared.queued_bytes.fetch_sub(frame.len(), Ordering::SeqCst);
                    batch.push(frame);
                }
                Ok(ViewerOut::Snapshot(s)) => {
                    snapshot = Some(s);
                    break;
                }
                Err(_) => break,
            }
        }
        if !self.send_all(batch).await {
            return false;
        }
        match snapshot {
            Some(s) => self.send_snapshot(s).await,
            None => true,
        }
    }

    /// Writes `frames` and flushes once, after a [`RelayToViewer::Incoming`] when the viewer
    /// asked for one at their size.
    async fn send_all(&mut self, frames: Vec<bytes::Bytes>) -> bool {
        let bytes: usize = frames.iter().map(bytes::Bytes::len).sum();
        if self.announce.is_some_and(|min| bytes >= min) {
            let queued = self.shared.queued_bytes.load(Ordering::SeqCst);
            let notice = meshcast_protocol::encode_bytes(&RelayToViewer::Incoming {
                bytes: bytes as u64,
                queued: queued as u64,
            });
            if self.sink.feed(Message::Binary(notice)).await.is_err() {
                return false;
            }
        }
        for frame in frames {
            if self.sink.feed(Message::Binary(frame)).await.is_err() {
                return false;
            }
        }
        self.sink.flush().await.is_ok()
    }

    async fn send_snapshot(&mut self, snapshot: Box<crate::hub::Snapshot>) -> bool {
        self.resync_asked = false;
        let nodes = snapshot.scene.len();
        let encoded = tokio::task::spawn_blocking(move || snapshot.encode()).await;
        let frames = match encoded {
            Ok(Ok(frames)) => frames,
            Ok(Err(e)) => {
                error!(error = %e, "could not encode the scene snapshot; closing the viewer");
                return false;
            }
            Err(e) => {
                error!(error = %e, "snapshot task failed; closing the viewer");
                return false;
            }
        };
        let bytes: usize = frames.iter().map(bytes::Bytes::len).sum();
        let ok = self.send_all(frames).await;
        debug!(nodes, bytes, "snapshot sent");
        ok
    }
}

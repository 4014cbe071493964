//! One producer connection (`ws://HOST:PORT/`).
//!
//! Three tasks per connection, joined by bounded channels:
//! - the reader (this task) numbers binary frames from 1 and hands them on; it keeps reading
//!   (and so answering pings) while the decoder works on a large frame;
//! - the decoder detects the wire format from the first frame, decodes and validates each frame
//!   (large ones on the blocking pool) and passes commands to the hub in order, or answers a
//!   rejected frame with an error itself;
//! - the writer sends replies (acks, errors, viewer messages) in the client's wire format.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{ClientId, ClientInfo, Command, Uid};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn, Instrument};

use crate::config::Config;
use crate::hub::{ClientOut, HubHandle, HubMsg};
use crate::wire::WireFormat;

/// Frames at least this large are decoded on the blocking thread pool.
const BLOCKING_DECODE_BYTES: usize = 256 * 1024;

/// WebSocket close code for a message that is too big (RFC 6455).
const CLOSE_TOO_BIG: u16 = 1009;
/// WebSocket close code for a server going away.
const CLOSE_GOING_AWAY: u16 = 1001;

/// Everything a producer connection needs.
pub struct ClientCtx {
    /// The relay's id for it.
    pub id: ClientId,
    /// Its peer address.
    pub peer: SocketAddr,
    /// The format assumed until its first frame shows the real one.
    pub guess: WireFormat,
    /// The hub.
    pub hub: HubHandle,
    /// Settings.
    pub config: Arc<Config>,
    /// Cancelled when the relay shuts down.
    pub shutdown: CancellationToken,
}

/// The format shared by the decoder (which detects it) and the writer (which encodes with it).
#[derive(Debug)]
struct SharedFormat(AtomicU8);

impl SharedFormat {
    fn new(f: WireFormat) -> Self {
        Self(AtomicU8::new(Self::code(f)))
    }
    fn code(f: WireFormat) -> u8 {
        match f {
            WireFormat::MsgPack => 0,
            WireFormat::Pickle => 1,
        }
    }
    fn get(&self) -> WireFormat {
        if self.0.load(Ordering::SeqCst) == 1 {
            WireFormat::Pickle
        } else {
            WireFormat::MsgPack
        }
    }
    fn set(&self, f: WireFormat) {
        self.0.store(Self::code(f), Ordering::SeqCst);
    }
}

/// Serves one producer connection until it closes or the relay shuts down.
pub async fn serve(socket: WebSocket, ctx: ClientCtx) {
    let span = tracing::info_span!("client", id = ctx.id, peer = %ctx.peer);
    serve_inner(socket, ctx).instrument(span).await;
}

async fn serve_inner(socket: WebSocket, ctx: ClientCtx) {
    let ClientCtx {
        id,
        peer,
        guess,
        hub,
        config,
        shutdown,
    } = ctx;
    let (sink, mut stream) = socket.split();
    let format = Arc::new(SharedFormat::new(guess));
    let (reply_tx, reply_rx) = mpsc::channel(config.client_queue.max(1));
    let info = ClientInfo {
        id,
        addr: peer.to_string(),
        format: guess.name().to_owned(),
    };
    if hub
        .send(HubMsg::ClientConnected {
            info,
            replies: reply_tx.clone(),
        })
        .await
        .is_err()
    {
        return;
    }
    info!("client connected");
    let conn = shutdown.child_token();
    let writer = tokio::spawn(
        write_replies(sink, reply_rx, Arc::clone(&format), conn.clone(), shutdown.clone()).in_current_span(),
    );
    let (frame_tx, frame_rx) = mpsc::channel(config.decode_queue.max(1));
    let decoder = tokio::spawn(decode_frames(Decoder { id, hub, format, guess }, frame_rx).in_current_span());

    let mut seq: u64 = 0;
    let mut too_big = false;
    loop {
        let next = tokio::select! {
            next = stream.next() => next,
            () = conn.cancelled() => break,
        };
        match next {
            Some(Ok(Message::Binary(data))) => {
                seq += 1;
                if frame_tx.send(Frame::Binary(seq, data)).await.is_err() {
                    break;
                }
            }
            Some(Ok(Message::Text(text))) => {
                if frame_tx.send(Frame::Text(text.as_str().len())).await.is_err() {
                    break;
                }
            }
            Some(Ok(Message::Close(_))) | None => break,
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
            Some(Err(e)) => {
                if let Some((size, max)) = message_too_long(e) {
                    let reason = format!("message of {size} bytes exceeds the limit of {max} bytes");
                    warn!(size, max, "closing connection: {reason}");
                    too_big = true;
                    let _ = reply_tx
                        .send(ClientOut::Close {
                            code: CLOSE_TOO_BIG,
                            reason,
                        })
                        .await;
                } else {
                    debug!("read error, closing");
                }
                break;
            }
        }
    }
    drop(frame_tx);
    drop(reply_tx);
    // Everything read so far is handled before the hub hears that the client is gone.
    let _ = decoder.await;
    if too_big {
        // Let the close frame reach the peer before the socket (with unread data) is dropped:
        // wait for the writer, then give the peer a moment to answer the close.
        let _ = tokio::time::timeout(Duration::from_secs(2), writer).await;
        let _ = tokio::time::timeout(Duration::from_millis(500), async {
            while let Some(Ok(_)) = stream.next().await {}
        })
        .await;
    } else {
        conn.cancel();
        let _ = writer.await;
    }
    info!(messages = seq, "client disconnected");
}

/// The size and limit of an over-long message, if that is what the error is.
fn message_too_long(e: axum::Error) -> Option<(usize, usize)> {
    match e.into_inner().downcast::<tungstenite::Error>().ok().map(|b| *b) {
        Some(tungstenite::Error::Capacity(tungstenite::error::CapacityError::MessageTooLong { size, max_size })) => {
            Some((size, max_size))
        }
        _ => None,
    }
}

struct Decoder {
    id: ClientId,
    hub: HubHandle,
    format: Arc<SharedFormat>,
    guess: WireFormat,
}

/// What the reader hands the decoder.
enum Frame {
    /// Binary frame number `seq`.
    Binary(u64, Bytes),
    /// A text frame of this many bytes (rejected; not counted).
    Text(usize),
}

/// A frame that could not be turned into a command.
struct Rejection {
    msg_type: Option<i64>,
    uid: Option<Uid>,
    message: String,
}

fn decode(format: WireFormat, frame: &[u8]) -> Result<Command, Rejection> {
    let env = format.decode_envelope(frame).map_err(|e| Rejection {
        msg_type: None,
        uid: None,
        message: e.to_string(),
    })?;
    let (msg_type, uid) = (env.msg_type, env.uid);
    Command::from_envelope(env).map_err(|e| Rejection {
        msg_type: Some(msg_type),
        uid,
        message: e.to_string(),
    })
}

async fn decode_frames(d: Decoder, mut frames: mpsc::Receiver<Frame>) {
    let mut first = true;
    while let Some(frame) = frames.recv().await {
        let (seq, frame) = match frame {
            Frame::Binary(seq, frame) => (seq, frame),
            Frame::Text(len) => {
                let message = format!(
                    "text frame of {len} bytes rejected: send each message as one binary frame \
                     (MessagePack or pickle); text frames are not counted in sequence numbers"
                );
                let rejected = HubMsg::Rejected {
                    client: d.id,
                    seq: 0,
                    msg_type: None,
                    uid: None,
                    message,
                };
                if d.hub.send(rejected).await.is_err() {
                    break;
                }
                continue;
            }
        };
        if std::mem::take(&mut first) {
            if let Some(detected) = WireFormat::detect(&frame) {
                d.format.set(detected);
                if detected != d.guess {
                    let _ = d
                        .hub
                        .send(HubMsg::ClientFormat {
                            client: d.id,
                            format: detected,
                        })
                        .await;
                }
                debug!(format = detected.name(), "wire format detected");
            }
        }
        let format = d.format.get();
        let result = if frame.len() >= BLOCKING_DECODE_BYTES {
            tokio::task::spawn_blocking(move || decode(format, &frame))
                .await
                .unwrap_or_else(|e| {
                    Err(Rejection {
                        msg_type: None,
                        uid: None,
                        message: format!("decoding failed: {e}"),
                    })
                })
        } else {
            decode(format, &frame)
        };
        match result {
            Ok(cmd) => {
                if d.hub.send(HubMsg::Command { client: d.id, seq, cmd }).await.is_err() {
                    break;
                }
            }
            Err(r) => {
                // Through the hub, so that errors and acks reach the client in sequence order.
                let rejected = HubMsg::Rejected {
                    client: d.id,
                    seq,
                    msg_type: r.msg_type,
                    uid: r.uid,
                    message: r.message,
                };
                if d.hub.send(rejected).await.is_err() {
                    break;
                }
            }
        }
    }
    let _ = d.hub.send(HubMsg::ClientGone { client: d.id }).await;
}

async fn write_replies(
    mut sink: SplitSink<WebSocket, Message>,
    mut replies: mpsc::Receiver<ClientOut>,
    format: Arc<SharedFormat>,
    cancel: CancellationToken,
    shutdown: CancellationToken,
) {
    let bye = |shutdown: &CancellationToken| {
        if shutdown.is_cancelled() {
            close(CLOSE_GOING_AWAY, "relay shutting down")
        } else {
            close(1000, "connection closed")
        }
    };
    loop {
        let out = tokio::select! {
            biased;
            () = cancel.cancelled() => {
                let _ = sink.send(bye(&shutdown)).await;
                return;
            }
            out = replies.recv() => out,
        };
        match out {
            Some(ClientOut::Reply(reply)) => {
                if let Some(bytes) = format.get().encode_reply(&reply) {
                    if sink.send(Message::Binary(bytes)).await.is_err() {
                        return;
                    }
                }
            }
            Some(ClientOut::Close { code, reason }) => {
                let _ = sink.send(close(code, &reason)).await;
                // Wait for the peer's close reply (or give up when the reader side is torn down).
                let _ = tokio::time::timeout(Duration::from_secs(1), sink.flush()).await;
                return;
            }
            None => {
                let _ = sink.send(bye(&shutdown)).await;
                return;
            }
        }
    }
}

/// A close frame; the reason is cut to the 123 bytes the protocol allows.
pub fn close(code: u16, reason: &str) -> Message {
    let mut end = reason.len().min(123);
    while !reason.is_char_boundary(end) {
        end -= 1;
    }
    Message::Close(Some(CloseFrame {
        code,
        reason: reason[..end].into(),
    }))
}

//! One producer connection (`ws://HOST:PORT/`).
//!
//! Three tasks per connection, joined by bounded channels:
//! - the reader (this task) numbers binary frames from 1 and hands them on; it keeps reading
//!   (and so answering pings) while the decoder works on a large frame;
//! - the decoder detects the wire format from the first frame, decodes and validates each frame
//!   (large ones on the blocking pool) and passes commands to the hub in order, or answers a
//!   rejected frame with an error itself;
//! - the writer sends replies (acks, errors, viewer messages) in the client's wire format.
//!
//! The decoder also applies the per-connection message rate (`--max-messages-per-second`) and,
//! for a connection admitted without the token under `--allow-tokenless-pickle`, insists that
//! it speaks pickle. Closing always completes the WebSocket close handshake: the relay answers
//! a client's close frame, and when it closes a connection itself for an error (1008, 1009) it
//! flushes its close frame and keeps the socket open briefly so the reason reaches the client.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{ClientId, ClientInfo, Command, RelayToClient, Uid};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tracing::{debug, info, warn, Instrument};

use crate::config::Config;
use crate::hub::{self, ClientOut, HubHandle, HubMsg};
use crate::limits::{RateLimiter, Slot};
use crate::wire::WireFormat;

/// Frames at least this large are decoded on the blocking thread pool.
const BLOCKING_DECODE_BYTES: usize = 256 * 1024;

/// WebSocket close code for a message that is too big (RFC 6455).
const CLOSE_TOO_BIG: u16 = 1009;
/// WebSocket close code for a server going away.
const CLOSE_GOING_AWAY: u16 = 1001;
/// WebSocket close code for a policy violation (RFC 6455).
const CLOSE_POLICY: u16 = 1008;

/// How long writing a close frame may take.
pub const CLOSE_FLUSH_TIMEOUT: Duration = Duration::from_secs(2);
/// How long the socket stays open after the relay closed a connection for an error, so that
/// the client reads the close frame (and its reason) before the socket goes away.
pub const CLOSE_LINGER: Duration = Duration::from_secs(1);

/// Everything a producer connection needs.
pub struct ClientCtx {
    /// The relay's id for it.
    pub id: ClientId,
    /// Its peer address.
    pub peer: SocketAddr,
    /// The format assumed until its first frame shows the real one.
    pub guess: WireFormat,
    /// Admitted without the token under `--allow-tokenless-pickle`: must speak pickle.
    pub pickle_only: bool,
    /// The hub.
    pub hub: HubHandle,
    /// Settings.
    pub config: Arc<Config>,
    /// Cancelled when the relay shuts down.
    pub shutdown: CancellationToken,
    /// Its share of `--max-connections`, held while it is open.
    pub slot: Slot,
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
        pickle_only,
        hub,
        config,
        shutdown,
        slot: _slot,
    } = ctx;
    let (sink, mut stream) = socket.split();
    let format = Arc::new(SharedFormat::new(guess));
    let (reply_tx, reply_rx) = mpsc::channel(config.client_queue.max(1));
    let reply_written = Arc::new(tokio::sync::Notify::new());
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
        write_replies(
            sink,
            reply_rx,
            Arc::clone(&format),
            Arc::clone(&reply_written),
            conn.clone(),
            shutdown.clone(),
        )
        .in_current_span(),
    );
    let (frame_tx, frame_rx) = mpsc::channel(config.decode_queue.max(1));
    let decoder = Decoder {
        id,
        hub,
        format,
        guess,
        pickle_only,
        replies: reply_tx.clone(),
        reply_margin: (config.hub_queue + 2).min(config.client_queue.max(1)),
        reply_written,
        per_second: config.max_messages_per_second,
        limiter: RateLimiter::new(config.max_messages_per_second),
        throttle_logged: false,
    };
    let decoder = tokio::spawn(decode_frames(decoder, frame_rx).in_current_span());

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
    let closed_for_error = if too_big {
        // The writer sends what is queued, then the close frame, and returns.
        matches!(
            tokio::time::timeout(CLOSE_FLUSH_TIMEOUT * 2, writer).await,
            Ok(Ok(true))
        )
    } else {
        conn.cancel();
        matches!(writer.await, Ok(true))
    };
    if closed_for_error {
        // After an oversized frame the stream cannot be read on: hold it without reading.
        linger(&mut stream, !too_big, &shutdown).await;
    }
    info!(messages = seq, "client disconnected");
}

/// After the relay closed a connection for an error: keeps the socket open until the client
/// answers the close (when the stream can still be read: reading and discarding what arrives),
/// or [`CLOSE_LINGER`] passes, so that the client reads the close frame before the socket is
/// dropped (a socket dropped with unread data is reset, and the reset can destroy the close
/// frame before the client has read it).
async fn linger(stream: &mut SplitStream<WebSocket>, readable: bool, shutdown: &CancellationToken) {
    let drain = async {
        if !readable {
            std::future::pending::<()>().await;
        }
        loop {
            match stream.next().await {
                Some(Ok(Message::Close(_))) | None => return,
                Some(Ok(_)) => {}
                Some(Err(_)) => std::future::pending::<()>().await,
            }
        }
    };
    tokio::select! {
        () = drain => {}
        () = tokio::time::sleep(CLOSE_LINGER) => {}
        () = shutdown.cancelled() => {}
    }
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
    /// The connection must speak pickle (admitted without the token).
    pickle_only: bool,
    /// The writer's queue, to close the connection and to answer rate-limited messages.
    replies: mpsc::Sender<ClientOut>,
    /// Free room in `replies` needed before a message goes to the hub: one reply for each
    /// message that can be in the hub's queue, the one it handles and this one.
    reply_margin: usize,
    /// Notified by the writer each time it has written a reply.
    reply_written: Arc<tokio::sync::Notify>,
    /// `--max-messages-per-second`.
    per_second: u32,
    limiter: Option<RateLimiter>,
    /// Whether slowing this (pickle) connection down was logged.
    throttle_logged: bool,
}

/// What the decoder does with a decoded message under the rate limit.
enum Pace {
    /// Go on.
    Go,
    /// Reject it (a MessagePack client is told so).
    Reject,
}

impl Decoder {
    /// Waits until the reply queue has room for the replies of every message of this
    /// (MessagePack) client the hub may still answer, this one included: then the hub never
    /// drops an error or an Ack for it, and a client that reads its replies slowly is slowed
    /// down (its connection alone) instead. False when the connection is gone.
    async fn room_for_replies(&self) -> bool {
        // Pickle clients get no errors or acks (aitviewer's client may never read its socket):
        // they are not held back for replies.
        if self.format.get() != WireFormat::MsgPack {
            return true;
        }
        // Watches the room without reserving it: a reservation would take the slots the hub's
        // replies need.
        loop {
            let written = self.reply_written.notified();
            tokio::pin!(written);
            written.as_mut().enable();
            if self.replies.is_closed() {
                return false;
            }
            if self.replies.capacity() >= self.reply_margin {
                return true;
            }
            written.await;
        }
    }

    /// Applies the rate limit to one decoded message: FLUSH is never limited (its Ack is what
    /// a client waits for); MessagePack clients get an error per message over the rate; pickle
    /// clients, which get no errors, are slowed down instead (the reader stops reading).
    async fn pace(&mut self, cmd: &Command) -> Pace {
        let Some(limiter) = self.limiter.as_mut() else {
            return Pace::Go;
        };
        if matches!(cmd, Command::Flush) || limiter.try_take() {
            return Pace::Go;
        }
        if self.format.get() == WireFormat::MsgPack {
            return Pace::Reject;
        }
        if !self.throttle_logged {
            self.throttle_logged = true;
            warn!(
                limit = self.per_second,
                "pickle client sends more than {} messages per second (--max-messages-per-second): slowing it down",
                self.per_second
            );
        }
        loop {
            let wait = limiter.wait_time();
            if wait.is_zero() && limiter.try_take() {
                return Pace::Go;
            }
            tokio::time::sleep(wait.max(Duration::from_micros(100))).await;
        }
    }
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

fn decode(format: WireFormat, frame: &Bytes) -> Result<Command, Rejection> {
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

async fn decode_frames(mut d: Decoder, mut frames: mpsc::Receiver<Frame>) {
    let mut first = true;
    let mut limited: u64 = 0;
    while let Some(frame) = frames.recv().await {
        let (seq, frame) = match frame {
            Frame::Binary(seq, frame) => (seq, frame),
            Frame::Text(len) => {
                let message = format!(
                    "text frame of {len} bytes rejected: send each message as one binary frame \
                     (MessagePack or pickle); text frames are not counted in sequence numbers"
                );
                let rejected = HubMsg::Rejected(hub::Rejection::of(d.id, 0, None, None, message));
                if d.hub.send(rejected).await.is_err() {
                    break;
                }
                continue;
            }
        };
        if std::mem::take(&mut first) {
            let detected = WireFormat::detect(&frame);
            if d.pickle_only && detected != Some(WireFormat::Pickle) {
                let reason = "no access token: without one only aitviewer (pickle) clients may connect; \
                              pass the token the relay printed (token=... or MESHCAST_TOKEN)";
                warn!("closing connection: {reason}");
                let _ = d
                    .replies
                    .send(ClientOut::Close {
                        code: CLOSE_POLICY,
                        reason: reason.into(),
                    })
                    .await;
                break;
            }
            if let Some(detected) = detected {
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
                if let Pace::Reject = d.pace(&cmd).await {
                    limited += 1;
                    if limited == 1 {
                        warn!(
                            limit = d.per_second,
                            "client sends more than {} messages per second (--max-messages-per-second): \
                             rejecting the excess",
                            d.per_second
                        );
                    }
                    // Answered from here, waiting for room in the reply queue: a client that
                    // floods faster than it reads its errors is slowed down (this connection
                    // only) instead of losing them. It comes before any later FLUSH reaches the
                    // hub, so before that FLUSH's Ack.
                    let rejected = RelayToClient::Error {
                        seq,
                        msg_type: Some(crate::hub::command_type(&cmd)),
                        uid: cmd.uid(),
                        message: format!(
                            "rate limit: this connection sent more than {} messages per second \
                             (the relay's --max-messages-per-second); message rejected, send it again later",
                            d.per_second
                        ),
                    };
                    if d.replies.send(ClientOut::Reply(rejected)).await.is_err() {
                        break;
                    }
                    continue;
                }
                if !d.room_for_replies().await || d.hub.send(HubMsg::Command { client: d.id, seq, cmd }).await.is_err()
                {
                    break;
                }
            }
            Err(r) => {
                // Through the hub, so that errors and acks reach the client in sequence order.
                let rejected = HubMsg::Rejected(hub::Rejection::of(d.id, seq, r.msg_type, r.uid, r.message));
                if !d.room_for_replies().await || d.hub.send(rejected).await.is_err() {
                    break;
                }
            }
        }
    }
    if limited > 0 {
        warn!(
            rejected = limited,
            "messages rejected by the rate limit on this connection"
        );
    }
    let _ = d.hub.send(HubMsg::ClientGone { client: d.id }).await;
}

/// Writes a close frame and flushes it. When the client closed first, the write itself is
/// refused (the connection is already closing) and the flush sends the automatic answer to the
/// client's close frame, completing the close handshake.
pub async fn send_close(sink: &mut SplitSink<WebSocket, Message>, frame: Message) {
    let _ = tokio::time::timeout(CLOSE_FLUSH_TIMEOUT, async {
        let _ = sink.send(frame).await;
        let _ = sink.flush().await;
    })
    .await;
}

/// Sends replies until the queue ends or the connection is cancelled; returns true when it
/// closed the connection for an error (`ClientOut::Close`).
async fn write_replies(
    mut sink: SplitSink<WebSocket, Message>,
    mut replies: mpsc::Receiver<ClientOut>,
    format: Arc<SharedFormat>,
    written: Arc<tokio::sync::Notify>,
    cancel: CancellationToken,
    shutdown: CancellationToken,
) -> bool {
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
                send_close(&mut sink, bye(&shutdown)).await;
                return false;
            }
            out = replies.recv() => out,
        };
        match out {
            Some(ClientOut::Reply(reply)) => {
                if let Some(bytes) = format.get().encode_reply(&reply) {
                    if sink.send(Message::Binary(bytes)).await.is_err() {
                        // The client closed (or the link broke): answer its close if it sent one.
                        send_close(&mut sink, bye(&shutdown)).await;
                        return false;
                    }
                }
                written.notify_waiters();
            }
            Some(ClientOut::Close { code, reason }) => {
                send_close(&mut sink, close(code, &reason)).await;
                // Stop the reader too (when the decoder asked for the close).
                cancel.cancel();
                return true;
            }
            None => {
                send_close(&mut sink, bye(&shutdown)).await;
                return false;
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

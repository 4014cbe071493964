//! Reads the scene's stream in its order and hands each record, decoded and validated, to the
//! hub (waiting while the hub is busy: a slow relay reads the stream more slowly, it does not
//! slow the others down).
//!
//! The reader checks that stream sequences follow each other. A jump means that another relay
//! wrote a snapshot and purged the records this relay had not read yet: it loads that snapshot,
//! the hub takes its scene (every viewer gets a fresh snapshot), and reading goes on after it.

use async_nats::jetstream::consumer::{pull, DeliverPolicy};
use futures_util::StreamExt;
use meshcast_protocol::{ClientId, ClientInfo, Command, RelayToViewer};
use tokio_util::sync::CancellationToken;
use tracing::{debug, error, info, warn};

use super::connect::Link;
use super::{decode_record, snapshots, Origin, RETRY_DELAY};
use crate::hub::{HubHandle, HubMsg};

/// Records at least this large are decoded on the blocking pool.
const BLOCKING_DECODE_BYTES: usize = 256 * 1024;

/// One record of the stream, decoded.
#[derive(Debug)]
pub struct StreamItem {
    /// Its stream sequence.
    pub seq: u64,
    /// Who published it.
    pub origin: Option<Origin>,
    /// Its size on the stream.
    pub bytes: usize,
    /// When JetStream stored it (Unix milliseconds, the server's clock): the same for every
    /// relay, so rules that look at the stream's time decide alike everywhere.
    pub published_ms: i64,
    /// What it says, or why it could not be read.
    pub msg: Result<StreamMsg, String>,
}

/// What a stream record says.
#[derive(Debug)]
pub enum StreamMsg {
    /// A producer's message, validated.
    Command {
        /// The producer.
        client: ClientId,
        /// The message.
        cmd: Command,
    },
    /// A producer connected (or its wire format became known).
    ClientConnected(ClientInfo),
    /// A producer disconnected.
    ClientDisconnected(ClientId),
}

/// Decodes one record.
fn decode(payload: &[u8]) -> Result<StreamMsg, String> {
    match decode_record(payload).map_err(|e| e.to_string())? {
        RelayToViewer::Message { client, envelope } => Command::from_envelope(envelope)
            .map(|cmd| StreamMsg::Command { client, cmd })
            .map_err(|e| e.to_string()),
        RelayToViewer::ClientConnected(info) => Ok(StreamMsg::ClientConnected(info)),
        RelayToViewer::ClientDisconnected { client } => Ok(StreamMsg::ClientDisconnected(client)),
        other => Err(format!("unexpected record on the stream: {other:?}")),
    }
}

/// Reads the stream from after sequence `after` until `cancel`, feeding the hub.
pub async fn run(link: Link, hub: HubHandle, mut after: u64, cancel: CancellationToken) {
    loop {
        let done = tokio::select! {
            done = read(&link, &hub, &mut after) => done,
            () = cancel.cancelled() => true,
        };
        if done {
            debug!("stream reader stopped");
            return;
        }
        tokio::select! {
            () = tokio::time::sleep(RETRY_DELAY) => {}
            () = cancel.cancelled() => return,
        }
    }
}

/// Reads until an error (false: try again) or until the hub is gone (true).
async fn read(link: &Link, hub: &HubHandle, after: &mut u64) -> bool {
    let consumer = async {
        let stream = link.stream().await.map_err(|e| e.to_string())?;
        let deliver_policy = if *after == 0 {
            DeliverPolicy::All
        } else {
            DeliverPolicy::ByStartSequence {
                start_sequence: *after + 1,
            }
        };
        stream
            .create_consumer(pull::OrderedConfig {
                filter_subject: link.names.log_subject.clone(),
                deliver_policy,
                ..Default::default()
            })
            .await
            .map_err(|e| e.to_string())?
            .messages()
            .await
            .map_err(|e| e.to_string())
    };
    // A reconnect from here on starts the reading over (the server may have lost the consumer).
    let mut connects = link.connects.clone();
    connects.borrow_and_update();
    let mut messages = match consumer.await {
        Ok(m) => m,
        Err(e) => {
            warn!(error = %e, after = *after, "cannot read the scene's stream; retrying");
            return false;
        }
    };
    loop {
        let next = tokio::select! {
            next = messages.next() => next,
            changed = connects.changed() => {
                if changed.is_ok() {
                    info!(after = *after, "NATS reconnected: reading the scene's stream again");
                }
                return false;
            }
        };
        let Some(next) = next else { break };
        let msg = match next {
            Ok(m) => m,
            Err(e) => {
                warn!(error = %e, after = *after, "reading the scene's stream failed; reading again");
                return false;
            }
        };
        let (seq, published_ms) = match msg.info() {
            Ok(info) => (
                info.stream_sequence,
                i64::try_from(info.published.unix_timestamp_nanos() / 1_000_000).unwrap_or(i64::MAX),
            ),
            Err(e) => {
                warn!(error = %e, "a stream message without its sequence; skipped");
                continue;
            }
        };
        if seq <= *after {
            continue;
        }
        if seq > *after + 1 {
            match catch_up(link, hub, *after, seq).await {
                Catch::Reloaded(at) => {
                    *after = at;
                    return false;
                }
                Catch::Accept => {}
                Catch::HubGone => return true,
            }
        }
        let payload = msg.payload.clone();
        let bytes = payload.len();
        let decoded = if bytes >= BLOCKING_DECODE_BYTES {
            tokio::task::spawn_blocking(move || decode(&payload))
                .await
                .unwrap_or_else(|e| Err(e.to_string()))
        } else {
            decode(&payload)
        };
        let item = StreamItem {
            seq,
            origin: Origin::from_headers(msg.headers.as_ref()),
            bytes,
            published_ms,
            msg: decoded,
        };
        if hub.send(HubMsg::Stream(Box::new(item))).await.is_err() {
            return true;
        }
        *after = seq;
    }
    false
}

enum Catch {
    /// The scene was reloaded from a snapshot covering up to this sequence.
    Reloaded(u64),
    /// No snapshot covers the gap: go on with what the stream has.
    Accept,
    /// The hub stopped.
    HubGone,
}

/// Records `after + 1 .. seq` are gone: loads the snapshot that covers them.
async fn catch_up(link: &Link, hub: &HubHandle, after: u64, seq: u64) -> Catch {
    match snapshots::load_latest(link).await {
        Ok(restart) if restart.seq >= seq - 1 => {
            let at = restart.seq;
            info!(
                after,
                next = seq,
                snapshot = at,
                "this relay fell behind a compaction: reloading the scene from the snapshot"
            );
            if hub.send(HubMsg::StreamReset(Box::new(restart))).await.is_err() {
                return Catch::HubGone;
            }
            Catch::Reloaded(at)
        }
        Ok(restart) => {
            error!(
                after,
                next = seq,
                snapshot = restart.seq,
                "records are missing from the scene's stream and no snapshot covers them; going on without them"
            );
            Catch::Accept
        }
        Err(e) => {
            error!(after, next = seq, error = %e, "records are missing from the stream and the snapshot cannot be read; going on without them");
            Catch::Accept
        }
    }
}

//! Publishes this relay's records to the scene's stream, in the order the hub hands them over,
//! with up to [`WINDOW`] acknowledgements outstanding.
//!
//! Each record carries `Nats-Msg-Id: RELAY.N` (publish `N` of this relay): when an
//! acknowledgement does not come (a lost connection, a restarted server), the record is sent
//! again with the same id until JetStream acknowledges it, and JetStream's duplicate window
//! drops a second copy. The hub's channel to this task is bounded, so while JetStream does not
//! acknowledge, this relay's producers wait (nothing is dropped, nothing is acknowledged to them).

use std::collections::VecDeque;
use std::time::Duration;

use async_nats::jetstream::context::PublishAckFuture;
use async_nats::jetstream::message::PublishMessage;
use bytes::Bytes;
use meshcast_protocol::{ClientId, Value};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

use super::connect::Link;
use super::{to_clients, Origin, RETRY_DELAY, SEQ_HEADER};
use crate::hub::ViewerId;

/// Publishes waiting for their acknowledgement at most.
pub const WINDOW: usize = 256;

/// Items queued from the hub to the publisher.
pub const QUEUE: usize = 64;

/// Longest wait between two tries of an unacknowledged record.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(2);

/// What the hub asks the publisher to send.
#[derive(Debug)]
pub enum Outbound {
    /// A record for the stream: publish number `publish` of this relay.
    Record {
        /// The record (recording format).
        payload: Bytes,
        /// Its number among this relay's publishes.
        publish: u64,
        /// The producer's sequence number of the message, for a client message.
        client_seq: Option<u64>,
    },
    /// A viewer's message for producer clients on other relays.
    ToClients {
        /// The viewer.
        viewer: ViewerId,
        /// One client, or all.
        client: Option<ClientId>,
        /// The value.
        payload: Value,
    },
}

struct InFlight {
    payload: Bytes,
    publish: u64,
    client_seq: Option<u64>,
    ack: Option<PublishAckFuture>,
}

/// Starts the publisher of relay `relay`; it ends once the hub drops its sender and everything
/// queued is acknowledged.
pub fn spawn(link: Link, relay: u64, rx: mpsc::Receiver<Outbound>) -> JoinHandle<()> {
    tokio::spawn(run(link, relay, rx))
}

async fn run(link: Link, relay: u64, mut rx: mpsc::Receiver<Outbound>) {
    let mut inflight: VecDeque<InFlight> = VecDeque::new();
    let mut open = true;
    loop {
        if open && inflight.len() < WINDOW {
            let next = if inflight.is_empty() {
                rx.recv().await
            } else {
                match rx.try_recv() {
                    Ok(item) => Some(item),
                    Err(mpsc::error::TryRecvError::Empty) => {
                        settle_front(&link, relay, &mut inflight).await;
                        continue;
                    }
                    Err(mpsc::error::TryRecvError::Disconnected) => None,
                }
            };
            match next {
                Some(Outbound::Record {
                    payload,
                    publish,
                    client_seq,
                }) => {
                    let mut item = InFlight {
                        payload,
                        publish,
                        client_seq,
                        ack: None,
                    };
                    item.ack = send(&link, relay, &item).await;
                    inflight.push_back(item);
                }
                Some(Outbound::ToClients {
                    viewer,
                    client,
                    payload,
                }) => to_clients::publish(&link, relay, viewer, client, payload).await,
                None => open = false,
            }
            continue;
        }
        if inflight.is_empty() {
            debug!("stream publisher stopped");
            return;
        }
        settle_front(&link, relay, &mut inflight).await;
    }
}

async fn send(link: &Link, relay: u64, item: &InFlight) -> Option<PublishAckFuture> {
    let mut msg = PublishMessage::build()
        .payload(item.payload.clone())
        .message_id(Origin::message_id(relay, item.publish));
    if let Some(seq) = item.client_seq {
        msg = msg.header(SEQ_HEADER, seq.to_string().as_str());
    }
    match link.js.send_publish(link.names.log_subject.clone(), msg).await {
        Ok(ack) => Some(ack),
        Err(e) => {
            warn!(publish = item.publish, error = %e, "cannot publish to the scene's stream; retrying");
            None
        }
    }
}

/// Waits for the oldest publish's acknowledgement. When it fails (a lost connection, a
/// restarted server), everything in flight is sent again, in order: the acknowledgements of
/// the others would fail the same way one after another, each after JetStream's timeout.
/// JetStream's duplicate window drops the copies of what it had stored; the stream readers put
/// a record stored after later ones of this relay back in its place (`hub::federated`).
async fn settle_front(link: &Link, relay: u64, inflight: &mut VecDeque<InFlight>) {
    let mut delay = RETRY_DELAY;
    loop {
        let in_flight = inflight.len();
        let Some(front) = inflight.front_mut() else { return };
        let failed = match front.ack.take() {
            Some(ack) => match ack.await {
                Ok(_) => {
                    inflight.pop_front();
                    return;
                }
                Err(e) => {
                    warn!(
                        publish = front.publish,
                        in_flight,
                        error = %e,
                        "no acknowledgement from JetStream; sending everything in flight again"
                    );
                    true
                }
            },
            None => false,
        };
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY_DELAY);
        if failed {
            for item in inflight.iter_mut() {
                item.ack = send(link, relay, item).await;
            }
        } else if let Some(front) = inflight.front_mut() {
            front.ack = send(link, relay, front).await;
        }
    }
}

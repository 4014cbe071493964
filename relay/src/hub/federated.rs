//! The hub of a relay federated over NATS (`--nats`): the scene is the fold of the scene's
//! stream, not of this relay's own producers.
//!
//! What this relay's producers send is not applied here: it is published to the stream
//! (`federation::publisher`). What the stream holds, every relay's records in one order, is
//! applied when the stream reader hands it over ([`Hub::apply_stream`]); a rejected message is
//! rejected by every relay alike, and the relay its producer is connected to answers it with
//! the error. Replies that must come after a producer's earlier messages (a FLUSH's
//! acknowledgement, a frame rejected before it reached the scene) wait until every record this
//! relay published before them is back from the stream and applied: JetStream delivers a
//! record only once it has stored it, so a FLUSH is acknowledged once JetStream holds
//! everything before it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::Ordering;

use meshcast_protocol::{ClientId, ClientInfo, Command, RelayToClient, RelayToViewer, Value};
use tokio::sync::mpsc::{self, error::TrySendError};
use tracing::{debug, error, info, warn};

use super::{command_type, encode_message, Hub, Rejection, ViewerId, ViewerOut};
use crate::federation::consumer::{StreamItem, StreamMsg};
use crate::federation::publisher::Outbound;
use crate::federation::{snapshots, Restart};
use crate::scene_log::Snapshot as LogSnapshot;

/// The hub's side of the federation.
#[derive(Debug)]
pub struct Federated {
    /// This relay's number.
    relay: u64,
    /// Records and viewer messages for the publisher.
    outbound: mpsc::Sender<Outbound>,
    /// Snapshots for the snapshot writer (room for one).
    snapshots: mpsc::Sender<snapshots::Job>,
    /// Largest record NATS accepts (the server's `max_payload`, less room for headers).
    max_record: usize,
    /// Compress records with zstd.
    zstd: bool,
    /// Stream bytes since the last snapshot before one is due (at least).
    snapshot_bytes: u64,
    /// Records this relay has published.
    published: u64,
    /// Replies waiting until [`Federated::seen`] reaches their number.
    gates: VecDeque<(u64, Gated)>,
    /// The last stream sequence applied.
    applied: u64,
    /// Stream bytes applied since the last snapshot this relay took or loaded.
    since_snapshot: u64,
    /// Producer clients of every relay (from the stream), as viewers are told.
    listed: BTreeMap<ClientId, ClientInfo>,
    /// For each relay, the last of its publishes applied: all of `1..=last` are.
    publishes: BTreeMap<u64, u64>,
    /// Records that came ahead of an earlier record of their relay, held until it comes,
    /// by (relay, publish).
    held: BTreeMap<(u64, u64), StreamItem>,
}

/// A reply held back until this relay's earlier records are applied.
#[derive(Debug)]
enum Gated {
    /// Acknowledge a FLUSH.
    Ack { client: ClientId, seq: u64 },
    /// Answer a rejected message.
    Reject(Rejection),
}

/// What the hub needs to run federated.
#[derive(Debug)]
pub struct FederatedParts {
    /// This relay's number.
    pub relay: u64,
    /// To the publisher.
    pub outbound: mpsc::Sender<Outbound>,
    /// To the snapshot writer.
    pub snapshots: mpsc::Sender<snapshots::Job>,
    /// The NATS server's largest message.
    pub max_payload: usize,
    /// Compress records.
    pub zstd: bool,
    /// `--nats-snapshot-bytes`.
    pub snapshot_bytes: u64,
}

/// How long (in the stream's own time, from its timestamps) a gap in a relay's publishes may
/// stay open before the records held behind it are applied without the missing ones: twice
/// JetStream's duplicate window, far longer than a live relay takes to send a lost record again.
pub const GAP_TIMEOUT_MS: i64 = 240_000;

/// Bytes kept free under `max_payload` for a record's headers.
const HEADER_ROOM: usize = 1024;

impl Federated {
    /// The federation state of a relay starting from `restart`.
    pub fn new(parts: FederatedParts, restart: &Restart) -> Self {
        Self {
            relay: parts.relay,
            outbound: parts.outbound,
            snapshots: parts.snapshots,
            max_record: parts.max_payload.saturating_sub(HEADER_ROOM),
            zstd: parts.zstd,
            snapshot_bytes: parts.snapshot_bytes,
            published: 0,
            gates: VecDeque::new(),
            applied: restart.seq,
            since_snapshot: 0,
            listed: restart.clients.iter().map(|c| (c.id, c.clone())).collect(),
            publishes: restart.publishes.iter().copied().collect(),
            held: BTreeMap::new(),
        }
    }

    /// The last stream sequence a snapshot of the scene covers: what is applied, less any
    /// record still held (a restart reading after it must read those again; what it reads
    /// again that the scene has is known by its publish number and skipped).
    fn covered(&self) -> u64 {
        let first_held = self.held.values().map(|i| i.seq).min();
        first_held.map_or(self.applied, |seq| self.applied.min(seq - 1))
    }

    /// Producer clients of every relay.
    pub fn clients(&self) -> Vec<ClientInfo> {
        self.listed.values().cloned().collect()
    }

    /// Records `payload` (an encoded `RelayToViewer`) for the stream; `Err` says why it cannot
    /// go (too large for the NATS server).
    fn publish(&mut self, message: &[u8], client_seq: Option<u64>) -> Result<(), String> {
        let payload = crate::federation::encode_record(message, self.zstd).map_err(|e| e.to_string())?;
        if payload.len() > self.max_record {
            return Err(format!(
                "message of {} bytes is over the NATS server's limit of {} bytes per message (its \
                 max_payload, less {HEADER_ROOM} for headers): raise max_payload in nats-server's \
                 configuration (at most 64 MB) or send smaller messages; nothing was applied",
                payload.len(),
                self.max_record
            ));
        }
        self.published += 1;
        let item = Outbound::Record {
            payload,
            publish: self.published,
            client_seq,
        };
        if self.outbound.blocking_send(item).is_err() {
            warn!("the stream publisher stopped: the message is not published");
        }
        Ok(())
    }

    /// This relay's records applied from the stream: all of `1..=seen` (records are applied in
    /// their relay's order, so this relay's entry in `publishes`).
    fn seen(&self) -> u64 {
        self.publishes.get(&self.relay).copied().unwrap_or(0)
    }
}

impl Hub {
    /// Handles a producer's connection in federated mode: published, listed when applied.
    pub(super) fn fed_client_connected(&mut self, info: ClientInfo) {
        let msg = meshcast_protocol::encode(&RelayToViewer::ClientConnected(info));
        self.fed_publish_or_log(&msg);
    }

    /// Handles a producer's disconnection in federated mode.
    pub(super) fn fed_client_gone(&mut self, client: ClientId) {
        let msg = meshcast_protocol::encode(&RelayToViewer::ClientDisconnected { client });
        self.fed_publish_or_log(&msg);
    }

    fn fed_publish_or_log(&mut self, msg: &[u8]) {
        if let Some(fed) = self.fed.as_mut() {
            if let Err(e) = fed.publish(msg, None) {
                warn!(error = %e, "cannot publish a client event");
            }
        }
    }

    /// A producer's message in federated mode: published (a FLUSH waits for what is before it).
    pub(super) fn fed_command(&mut self, client: ClientId, seq: u64, cmd: Command) {
        if matches!(cmd, Command::Flush) {
            return self.gate(Gated::Ack { client, seq });
        }
        let msg_type = command_type(&cmd);
        let uid = cmd.uid();
        if let Err(message) = self.check_models(client, &cmd) {
            return self.fed_reject(Rejection::of(client, seq, Some(msg_type), uid, message));
        }
        let cmd = match self.resolve_assets(client, cmd) {
            Ok(cmd) => cmd,
            Err(message) => return self.fed_reject(Rejection::of(client, seq, Some(msg_type), uid, message)),
        };
        let record = meshcast_protocol::encode(&RelayToViewer::Message {
            client,
            envelope: cmd.to_envelope(),
        });
        let published = match self.fed.as_mut() {
            Some(fed) => fed.publish(&record, Some(seq)),
            None => return,
        };
        if let Err(message) = published {
            self.fed_reject(Rejection::of(client, seq, Some(msg_type), uid, message));
        }
    }

    /// Answers a rejected message once this relay's earlier records are applied.
    pub(super) fn fed_reject(&mut self, r: Rejection) {
        self.gate(Gated::Reject(r));
    }

    fn gate(&mut self, gated: Gated) {
        let Some(fed) = self.fed.as_mut() else { return };
        if fed.seen() >= fed.published {
            self.release(gated);
        } else {
            fed.gates.push_back((fed.published, gated));
        }
    }

    fn release(&mut self, gated: Gated) {
        match gated {
            Gated::Ack { client, seq } => self.reply(client, RelayToClient::Ack { seq }),
            Gated::Reject(r) => self.reject(r),
        }
    }

    fn release_due(&mut self) {
        loop {
            let Some(fed) = self.fed.as_mut() else { return };
            match fed.gates.front() {
                Some((after, _)) if *after <= fed.seen() => {}
                _ => return,
            }
            if let Some((_, gated)) = fed.gates.pop_front() {
                self.release(gated);
            }
        }
    }

    /// Takes the stream's next record: applied when it is the next of its relay's publishes
    /// (then those of its relay held behind it), skipped when it was applied already (a copy
    /// stored again after JetStream's duplicate window, or read again after a snapshot), held
    /// when an earlier publish of its relay has not come yet.
    ///
    /// A relay whose connection to NATS breaks can see a record lost with the connection while
    /// later ones, queued during the reconnect, are stored first; it sends the lost one again,
    /// and this puts it back in its place. The stream's order and this rule are the same for
    /// every relay, so every relay applies the same records in the same order. A gap that stays
    /// open for [`GAP_TIMEOUT_MS`] of the stream's own time (its relay died before sending the
    /// record again; nothing after it was acknowledged to its producer) is given up, with an
    /// error in the log.
    pub(super) fn apply_stream(&mut self, item: StreamItem) {
        let Some(fed) = self.fed.as_mut() else { return };
        fed.applied = fed.applied.max(item.seq);
        fed.since_snapshot += item.bytes as u64;
        let now_ms = item.published_ms;
        match item.origin {
            None => self.apply_record(item),
            Some(o) => {
                let next = fed.publishes.get(&o.relay).copied().unwrap_or(0) + 1;
                if o.publish < next {
                    debug!(
                        seq = item.seq,
                        relay = o.relay,
                        publish = o.publish,
                        "a record applied before; skipped"
                    );
                } else if o.publish > next {
                    debug!(
                        seq = item.seq,
                        relay = o.relay,
                        publish = o.publish,
                        next,
                        "a record ahead of its relay's order; held"
                    );
                    fed.held.insert((o.relay, o.publish), item);
                } else {
                    self.apply_record(item);
                    self.apply_held(o.relay);
                }
            }
        }
        self.give_up_old_gaps(now_ms);
        self.release_due();
        self.maybe_snapshot();
    }

    /// Applies the records of `relay` held behind the one just applied, in order.
    fn apply_held(&mut self, relay: u64) {
        loop {
            let Some(fed) = self.fed.as_mut() else { return };
            let next = fed.publishes.get(&relay).copied().unwrap_or(0) + 1;
            let Some(item) = fed.held.remove(&(relay, next)) else {
                return;
            };
            self.apply_record(item);
        }
    }

    /// Gives up gaps whose first held record is older than [`GAP_TIMEOUT_MS`] at `now_ms`
    /// (stream time): the missing publishes are counted as lost and the held ones applied.
    fn give_up_old_gaps(&mut self, now_ms: i64) {
        loop {
            let Some(fed) = self.fed.as_mut() else { return };
            let stale = fed
                .held
                .iter()
                .find(|(_, i)| now_ms.saturating_sub(i.published_ms) > GAP_TIMEOUT_MS)
                .map(|(&(relay, _), _)| relay);
            let Some(relay) = stale else { return };
            // The first held record of that relay (the map is ordered by relay, then publish).
            let Some(&(_, first)) = fed.held.range((relay, 0)..).next().map(|(k, _)| k) else {
                return;
            };
            let last = fed.publishes.entry(relay).or_insert(0);
            error!(
                relay,
                missing = %format!("{}..={}", *last + 1, first - 1),
                "records of a relay never came to the scene's stream (the relay stopped before sending them again); going on without them"
            );
            *last = first - 1;
            self.apply_held(relay);
        }
    }

    /// Applies one record of the stream, in its relay's order.
    fn apply_record(&mut self, item: StreamItem) {
        let own = item
            .origin
            .filter(|o| self.fed.as_ref().is_some_and(|f| f.relay == o.relay));
        match item.msg {
            Ok(StreamMsg::Command { client, cmd }) => {
                let msg_type = command_type(&cmd);
                let uid = cmd.uid();
                match self.apply_within_limit(client, cmd) {
                    Ok(applied) => {
                        debug!(client, seq = item.seq, msg_type, uid, "applied from the stream");
                        if let Some(fwd) = applied.forward {
                            if !self.viewers.is_empty() {
                                self.fan_out(&encode_message(client, &fwd));
                            }
                        }
                    }
                    Err(message) => match own.and_then(|o| o.client_seq) {
                        Some(seq) => self.reject(Rejection::of(client, seq, Some(msg_type), uid, message)),
                        None => {
                            debug!(client, msg_type, uid, error = %message, "a message from another relay's producer was rejected")
                        }
                    },
                }
            }
            Ok(StreamMsg::ClientConnected(info)) => {
                self.broadcast(&RelayToViewer::ClientConnected(info.clone()));
                if let Some(fed) = self.fed.as_mut() {
                    fed.listed.insert(info.id, info);
                }
            }
            Ok(StreamMsg::ClientDisconnected(client)) => {
                let was_listed = self.fed.as_mut().is_some_and(|f| f.listed.remove(&client).is_some());
                if was_listed {
                    self.broadcast(&RelayToViewer::ClientDisconnected { client });
                }
            }
            Err(e) => warn!(seq = item.seq, error = %e, "a record of the scene's stream cannot be read; skipped"),
        }
        let Some(fed) = self.fed.as_mut() else { return };
        if let Some(o) = item.origin {
            let last = fed.publishes.entry(o.relay).or_insert(0);
            *last = (*last).max(o.publish);
        }
    }

    /// Hands a snapshot to the writer when one is due and none is being written.
    fn maybe_snapshot(&mut self) {
        let scene_bytes = self.scene_bytes;
        let Some(fed) = self.fed.as_mut() else { return };
        let due_bytes = fed.snapshot_bytes.max((scene_bytes as u64).saturating_mul(2));
        if fed.since_snapshot < due_bytes || fed.snapshots.capacity() == 0 {
            return;
        }
        let snapshot = match LogSnapshot::of(&self.scene) {
            Ok(s) => s,
            Err(e) => return warn!(error = %e, "cannot encode a snapshot of the scene"),
        };
        let job = snapshots::Job {
            seq: fed.covered(),
            snapshot,
            clients: fed.clients(),
            publishes: fed.publishes.iter().map(|(r, p)| (*r, *p)).collect(),
            due_bytes,
        };
        if fed.snapshots.try_send(job).is_ok() {
            fed.since_snapshot = 0;
        }
    }

    /// Takes the scene of a snapshot this relay had fallen behind: every viewer gets it afresh.
    pub(super) fn reset_from(&mut self, restart: Restart) {
        info!(
            seq = restart.seq,
            nodes = restart.scene.len(),
            "scene replaced by the latest snapshot"
        );
        self.scene_bytes = restart.scene.footprint();
        self.scene = restart.scene;
        if let Some(fed) = self.fed.as_mut() {
            fed.applied = restart.seq;
            fed.since_snapshot = 0;
            fed.listed = restart.clients.iter().map(|c| (c.id, c.clone())).collect();
            // The stream is read again after the snapshot: what was held comes again.
            fed.held.clear();
            // This relay's records up to its entry are in the snapshot.
            fed.publishes = restart.publishes.iter().copied().collect();
        }
        self.release_due();
        let ids: Vec<ViewerId> = self.viewers.keys().copied().collect();
        for id in ids {
            let snapshot = self.snapshot(None);
            let Some(mut reg) = self.viewers.remove(&id) else {
                continue;
            };
            if !reg.lagging {
                match reg.queue.try_send(ViewerOut::Snapshot(snapshot)) {
                    Ok(()) => {}
                    Err(TrySendError::Full(_)) => self.mark_lagging(id, &mut reg),
                    Err(TrySendError::Closed(_)) => continue,
                }
            }
            reg.shared.lagging.store(reg.lagging, Ordering::SeqCst);
            self.viewers.insert(id, reg);
        }
    }

    /// A viewer's message for producer clients: this relay's clients get it here, the others'
    /// over NATS.
    pub(super) fn fed_to_clients(&mut self, viewer: ViewerId, client: Option<ClientId>, payload: Value) {
        let local = client.is_none_or(|c| self.clients.contains_key(&c));
        if local {
            self.deliver_to_clients(viewer, client, payload.clone());
        }
        if client.is_none() || !local {
            if let Some(fed) = &self.fed {
                let item = Outbound::ToClients {
                    viewer,
                    client,
                    payload,
                };
                if fed.outbound.blocking_send(item).is_err() {
                    warn!(viewer, "the publisher stopped: viewer message not sent to other relays");
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use meshcast_protocol::{Envelope, NdArray};
    use meshcast_scene::Scene;

    use super::*;
    use crate::config::Config;
    use crate::federation::{decode_record, first_id, Origin};
    use crate::hub::{ClientOut, HubMsg};

    const RELAY: u64 = 3;

    struct Rig {
        hub: Hub,
        outbound: mpsc::Receiver<Outbound>,
        replies: mpsc::Receiver<ClientOut>,
        client: ClientId,
    }

    fn rig() -> Rig {
        let (tx, outbound) = mpsc::channel(64);
        let (snapshots, _) = mpsc::channel(1);
        let parts = FederatedParts {
            relay: RELAY,
            outbound: tx,
            snapshots,
            max_payload: 1 << 20,
            zstd: false,
            snapshot_bytes: u64::MAX,
        };
        let mut hub = Hub::new(Arc::new(Config::default()));
        hub.fed = Some(Federated::new(parts, &Restart::default()));
        let (reply_tx, replies) = mpsc::channel(64);
        let client = first_id(RELAY);
        let info = ClientInfo {
            id: client,
            addr: "127.0.0.1:1".into(),
            format: "msgpack".into(),
        };
        hub.handle(HubMsg::ClientConnected {
            info,
            replies: reply_tx,
        });
        Rig {
            hub,
            outbound,
            replies,
            client,
        }
    }

    fn spheres(uid: u64) -> Command {
        let env =
            Envelope::new(3, Some(uid)).with_kwarg("positions", NdArray::from_f32(&[1, 1, 3], &[0.0; 3]).unwrap());
        Command::from_envelope(env).unwrap()
    }

    fn add_frames(uid: u64) -> Command {
        let env =
            Envelope::new(101, Some(uid)).with_kwarg("positions", NdArray::from_f32(&[1, 1, 3], &[1.0; 3]).unwrap());
        Command::from_envelope(env).unwrap()
    }

    impl Rig {
        /// The next published record: its publish number, client seq and message.
        fn published(&mut self) -> (u64, Option<u64>, RelayToViewer) {
            match self.outbound.try_recv() {
                Ok(Outbound::Record {
                    payload,
                    publish,
                    client_seq,
                }) => (publish, client_seq, decode_record(&payload).unwrap()),
                other => panic!("expected a record, got {other:?}"),
            }
        }

        /// The stream hands back record `seq`, published as `publish` by `relay`.
        fn streamed(&mut self, seq: u64, relay: u64, publish: u64, client_seq: Option<u64>, msg: StreamMsg) {
            self.streamed_at(0, seq, relay, publish, client_seq, msg);
        }

        /// [`Rig::streamed`], stored by JetStream at `published_ms`.
        fn streamed_at(
            &mut self,
            published_ms: i64,
            seq: u64,
            relay: u64,
            publish: u64,
            client_seq: Option<u64>,
            msg: StreamMsg,
        ) {
            let item = StreamItem {
                seq,
                origin: Some(Origin {
                    relay,
                    publish,
                    client_seq,
                }),
                bytes: 100,
                published_ms,
                msg: Ok(msg),
            };
            self.hub.handle(HubMsg::Stream(Box::new(item)));
        }

        fn replies(&mut self) -> Vec<RelayToClient> {
            std::iter::from_fn(|| match self.replies.try_recv() {
                Ok(ClientOut::Reply(r)) => Some(r),
                _ => None,
            })
            .collect()
        }

        fn command(&mut self, seq: u64, cmd: Command) {
            let client = self.client;
            self.hub.handle(HubMsg::Command { client, seq, cmd });
        }
    }

    /// Local messages are published, not applied; replies wait for the stream: a FLUSH is
    /// acknowledged only when everything this relay published before it came back, and errors
    /// (from the scene, or from decoding) come in sequence order before it.
    #[test]
    fn replies_wait_for_the_stream_and_keep_their_order() {
        let mut r = rig();
        let (publish, _, msg) = r.published();
        assert_eq!(publish, 1);
        assert!(matches!(msg, RelayToViewer::ClientConnected(ref i) if i.id == r.client));
        r.command(1, spheres(1));
        let (publish, client_seq, msg) = r.published();
        assert_eq!((publish, client_seq), (2, Some(1)));
        assert!(matches!(msg, RelayToViewer::Message { client, .. } if client == r.client));
        assert!(
            r.hub.scene.is_empty(),
            "not applied before it comes back from the stream"
        );
        r.command(2, Command::Flush);
        assert!(r.replies().is_empty());
        let client = r.client;
        r.streamed(
            1,
            RELAY,
            1,
            None,
            StreamMsg::ClientConnected(r.hub.clients[&client].info.clone()),
        );
        assert!(r.replies().is_empty(), "publish 2 is not back yet");
        // Another relay's record comes first in the stream order: applied, no reply here.
        r.streamed(2, 7, 1, Some(1), command_of(7, add_frames(5)));
        r.streamed(3, RELAY, 2, Some(1), command_by(client, spheres(1)));
        assert_eq!(r.replies(), [RelayToClient::Ack { seq: 2 }]);
        assert_eq!(r.hub.scene.len(), 1);

        r.command(3, add_frames(9)); // no node 9: the scene rejects it when it comes back
        r.hub.handle(HubMsg::Rejected(Rejection::of(
            client,
            4,
            None,
            None,
            "bad frame".into(),
        )));
        r.command(5, Command::Flush);
        assert!(r.replies().is_empty());
        let (publish, client_seq, _) = r.published();
        assert_eq!((publish, client_seq), (3, Some(3)));
        r.streamed(4, RELAY, 3, Some(3), command_by(client, add_frames(9)));
        let seqs: Vec<(u64, bool)> = r
            .replies()
            .iter()
            .map(|x| match x {
                RelayToClient::Error { seq, .. } => (*seq, false),
                RelayToClient::Ack { seq } => (*seq, true),
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(seqs, [(3, false), (4, false), (5, true)]);
    }

    /// A message too large for the NATS server is rejected (after what came before it) and
    /// not published.
    #[test]
    fn a_record_over_max_payload_is_rejected_not_published() {
        let mut r = rig();
        let _ = r.published();
        r.hub.fed.as_mut().unwrap().max_record = 50;
        r.command(1, spheres(1));
        assert!(r.outbound.try_recv().is_err());
        let client = r.client;
        r.streamed(
            1,
            RELAY,
            1,
            None,
            StreamMsg::ClientConnected(r.hub.clients[&client].info.clone()),
        );
        match &r.replies()[..] {
            [RelayToClient::Error { seq: 1, message, .. }] => assert!(message.contains("max_payload"), "{message}"),
            other => panic!("{other:?}"),
        }
    }

    /// Falling behind a compaction: the snapshot's scene replaces the hub's, and replies that
    /// waited for this relay's records the snapshot includes are released.
    #[test]
    fn a_reset_takes_the_snapshot_and_releases_what_it_covers() {
        let mut r = rig();
        let _ = r.published();
        r.command(1, spheres(1));
        r.command(2, Command::Flush);
        let mut scene = Scene::new();
        scene.apply(r.client, spheres(1)).unwrap();
        scene.apply(r.client, spheres(2)).unwrap();
        let restart = Restart {
            scene,
            seq: 40,
            clients: Vec::new(),
            publishes: vec![(RELAY, 2), (7, 10)],
        };
        r.hub.handle(HubMsg::StreamReset(Box::new(restart)));
        assert_eq!(r.hub.scene.len(), 2);
        assert_eq!(r.replies(), [RelayToClient::Ack { seq: 2 }]);
        assert_eq!(r.hub.fed.as_ref().unwrap().applied, 40);
    }

    /// Producer `client`'s command as a stream record.
    fn command_by(client: ClientId, cmd: Command) -> StreamMsg {
        StreamMsg::Command { client, cmd }
    }

    /// The command of relay `relay`'s first producer as a stream record.
    fn command_of(relay: u64, cmd: Command) -> StreamMsg {
        command_by(first_id(relay), cmd)
    }

    fn frames_of(hub: &Hub, uid: u64) -> usize {
        hub.scene
            .nodes()
            .iter()
            .find(|n| n.key().uid == uid)
            .map_or(0, |n| n.n_frames())
    }

    /// A relay's records stored out of their order (one lost with a connection and sent again
    /// after later ones) are applied in the relay's order; a second copy of one is skipped; a
    /// snapshot does not cover a record still held.
    #[test]
    fn records_are_applied_in_their_relay_order_once() {
        let mut r = rig();
        let _ = r.published();
        // Relay 7's publish 2 (frames for node 5) comes before its publish 1 (creating node 5).
        r.streamed(10, 7, 2, Some(2), command_of(7, add_frames(5)));
        assert_eq!(frames_of(&r.hub, 5), 0, "held, not rejected");
        // Another relay's record meanwhile is applied at once.
        r.streamed(11, 8, 1, Some(1), command_of(8, spheres(6)));
        assert_eq!(frames_of(&r.hub, 6), 1);
        let fed = r.hub.fed.as_ref().unwrap();
        assert_eq!(
            (fed.applied, fed.covered()),
            (11, 9),
            "a snapshot now must not cover the held record"
        );
        r.streamed(12, 7, 1, Some(1), command_of(7, spheres(5)));
        assert_eq!(frames_of(&r.hub, 5), 2, "created, then the held frames");
        assert_eq!(r.hub.fed.as_ref().unwrap().covered(), 12);
        // A copy of publish 1 (stored again): skipped, the frames stay.
        r.streamed(13, 7, 1, Some(1), command_of(7, spheres(5)));
        assert_eq!(frames_of(&r.hub, 5), 2);
        r.streamed(14, 7, 3, Some(3), command_of(7, add_frames(5)));
        assert_eq!(frames_of(&r.hub, 5), 3);
    }

    /// This relay's own FLUSH waits while its earlier record is held behind a gap, and is
    /// acknowledged once the gap is filled.
    #[test]
    fn a_flush_waits_for_its_relays_records_in_order() {
        let mut r = rig();
        let client = r.client;
        let _ = r.published();
        r.command(1, spheres(1));
        r.command(2, add_frames(1));
        r.command(3, Command::Flush);
        let info = r.hub.clients[&client].info.clone();
        r.streamed(1, RELAY, 1, None, StreamMsg::ClientConnected(info));
        r.streamed(2, RELAY, 3, Some(2), command_by(client, add_frames(1)));
        assert!(r.replies().is_empty(), "publish 2 has not come");
        r.streamed(3, RELAY, 2, Some(1), command_by(client, spheres(1)));
        assert_eq!(
            r.replies(),
            [RelayToClient::Ack { seq: 3 }],
            "both applied, in order, no error"
        );
        assert_eq!(frames_of(&r.hub, 1), 2);
    }

    /// A gap its relay never fills (it stopped) is given up after [`GAP_TIMEOUT_MS`] of stream
    /// time: the held records are applied without the missing one.
    #[test]
    fn a_gap_never_filled_is_given_up_after_the_timeout() {
        let mut r = rig();
        let _ = r.published();
        r.streamed_at(1_000, 1, 7, 1, Some(1), command_of(7, spheres(5)));
        // Publish 2 is lost; 3 (frames) is held.
        r.streamed_at(2_000, 2, 7, 3, Some(3), command_of(7, add_frames(5)));
        r.streamed_at(2_000 + GAP_TIMEOUT_MS, 3, 8, 1, Some(1), command_of(8, spheres(6)));
        assert_eq!(frames_of(&r.hub, 5), 1, "still held at exactly the timeout");
        r.streamed_at(2_001 + GAP_TIMEOUT_MS, 4, 8, 2, Some(2), command_of(8, add_frames(6)));
        assert_eq!(frames_of(&r.hub, 5), 2, "given up: publish 3 applied");
        assert_eq!(r.hub.fed.as_ref().unwrap().publishes[&7], 3);
        // Publish 2 coming now is too late: skipped.
        r.streamed_at(2_002 + GAP_TIMEOUT_MS, 5, 7, 2, Some(2), command_of(7, add_frames(5)));
        assert_eq!(frames_of(&r.hub, 5), 2);
        assert_eq!(r.hub.fed.as_ref().unwrap().covered(), 5);
    }
}

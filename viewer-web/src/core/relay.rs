//! What the relay's messages do to the viewer state: hello, the late-join snapshot, clients
//! coming and going, and the built-in handling of client messages (with aitviewer's rule that
//! remote frame commands apply only while paused).

use meshcast_protocol::{ClientId, Command, Envelope, RelayToViewer};
use meshcast_scene::{Change, NodeKey};

use super::changed::Changed;
use super::connection::ConnState;
use super::state::ViewerState;

/// The built-in handling rejected a client message (it was not applied).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("message from client {client}: {reason}")]
pub struct Rejected {
    /// The client that sent it.
    pub client: ClientId,
    /// What was wrong.
    pub reason: String,
}

/// What a relay message did, and the client message it carried, if any: the shell hands that
/// one to the message handlers (or straight to [`ViewerState::apply_client`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Relayed {
    /// What changed.
    pub changed: Changed,
    /// A client message still to handle: the sender, the message, and whether it is replayed
    /// in a snapshot.
    pub message: Option<ClientEnvelope>,
}

/// A client message as the relay forwarded it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientEnvelope {
    /// The relay's id of the sender.
    pub client: ClientId,
    /// The message.
    pub envelope: Envelope,
    /// True inside a snapshot (the relay replays what it kept).
    pub replay: bool,
}

impl ViewerState {
    /// Handles one message from the relay. Client messages are not applied here: they come back
    /// in [`Relayed::message`] for the handlers.
    pub fn on_relay(&mut self, msg: RelayToViewer) -> Relayed {
        let changed = match msg {
            RelayToViewer::Hello { viewer_id, version } => {
                self.relay = Some((viewer_id, version));
                self.set_connection(ConnState::Connected);
                self.set_error(None)
            }
            RelayToViewer::SnapshotBegin => {
                self.in_snapshot = true;
                self.scene.clear();
                self.scene_changed()
            }
            RelayToViewer::SnapshotEnd { current_frame, clients } => {
                self.in_snapshot = false;
                let n = self.scene.n_frames();
                let f = self.playback.set(i64::try_from(current_frame).unwrap_or(i64::MAX), n);
                self.scene.set_frame(f as i64);
                self.clients.clear();
                for c in clients {
                    self.known_clients.insert(c.id, c.clone());
                    self.clients.insert(c.id, c);
                }
                self.forget_missing_nodes();
                Changed::CLIENTS | self.scene_changed()
            }
            RelayToViewer::Message { client, envelope } => {
                return Relayed {
                    changed: Changed::NONE,
                    message: Some(ClientEnvelope {
                        client,
                        envelope,
                        replay: self.in_snapshot,
                    }),
                }
            }
            RelayToViewer::ClientConnected(c) => {
                self.known_clients.insert(c.id, c.clone());
                self.clients.insert(c.id, c);
                Changed::CLIENTS
            }
            RelayToViewer::ClientDisconnected { client } => {
                self.clients.remove(&client);
                Changed::CLIENTS
            }
            // A hint for the shell, which makes room for what follows: nothing to show.
            RelayToViewer::Incoming { .. } => Changed::NONE,
        };
        Relayed { changed, message: None }
    }

    /// Counts a message handled without built-in effect (a user message).
    pub fn count_message(&mut self) {
        self.stats.messages += 1;
    }

    /// The built-in handling of one client message: creates, updates or deletes nodes, moves
    /// the frame. Remote SET/NEXT/PREVIOUS_FRAME only apply while paused (aitviewer), except
    /// inside a snapshot, which restores the relay's frame. A rejected message is counted and
    /// becomes the last error.
    pub fn apply_client(&mut self, client: ClientId, envelope: Envelope) -> Result<Changed, Rejected> {
        let cmd = match Command::from_envelope(envelope) {
            Ok(c) => c,
            Err(e) => return Err(self.reject(client, e.to_string())),
        };
        let is_frame_cmd = matches!(cmd, Command::SetFrame(_) | Command::NextFrame | Command::PreviousFrame);
        if is_frame_cmd && !self.in_snapshot && !self.playback.accepts_remote() {
            return Ok(Changed::NONE);
        }
        if matches!(cmd, Command::User(_) | Command::Flush) {
            self.stats.messages += 1;
            return Ok(Changed::NONE);
        }
        // The scene steps from the frame the user sees.
        let shown = self.frame();
        self.scene.set_frame(shown as i64);
        let applied = match self.scene.apply(client, cmd) {
            Ok(a) => a,
            Err(e) => return Err(self.reject(client, e.to_string())),
        };
        self.stats.messages += 1;
        Ok(match applied.change {
            Change::CurrentFrame(f) => {
                self.playback.set(f as i64, self.scene.n_frames());
                Changed::FRAME
            }
            Change::Deleted(key) => {
                self.forget(&key);
                self.scene_changed()
            }
            Change::Replaced(key) => {
                self.view.flat_shading_override.remove(&key);
                self.view.draw_edges_override.remove(&key);
                self.scene_changed()
            }
            Change::Created(_) | Change::Frames(_) => self.scene_changed(),
            Change::Nothing => Changed::NONE,
        })
    }

    fn reject(&mut self, client: ClientId, reason: String) -> Rejected {
        let r = Rejected { client, reason };
        self.stats.rejected += 1;
        tracing::warn!("{r}");
        self.last_error = Some(r.to_string());
        r
    }

    /// After a snapshot: keep view state (hidden, selected) only for nodes that came back.
    fn forget_missing_nodes(&mut self) {
        let gone: Vec<NodeKey> = self
            .view
            .hidden
            .iter()
            .chain(self.view.selected.iter())
            .chain(self.view.flat_shading_override.keys())
            .chain(self.view.draw_edges_override.keys())
            .filter(|k| self.scene.node(k).is_none())
            .copied()
            .collect();
        for k in gone {
            self.forget(&k);
        }
    }
}

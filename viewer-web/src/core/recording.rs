//! Recordings in the viewer: opening one (the page with no relay: a file, a drop, `?recording=`)
//! and saving the scene shown as one ("Save scene"). The file format is the relay's
//! ([`meshcast_protocol::recording`], `docs/recording.md`).

use std::io::Cursor;

use meshcast_protocol::recording::{from_last_snapshot, RecordWriter, RecordingError};
use meshcast_protocol::RelayToViewer;
use meshcast_scene::replay::snapshot_messages;

use super::changed::Changed;
use super::connection::ConnState;
use super::state::ViewerState;

/// What opening a recording found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    /// What changed in the viewer.
    pub changed: Changed,
    /// Messages applied (from the recording's last complete snapshot on).
    pub applied: usize,
    /// Messages that did not apply, with their byte offsets and why.
    pub skipped: Vec<(u64, String)>,
    /// Why the records ended before the end of the file (a torn tail), if they did.
    pub torn_tail: Option<String>,
}

impl ViewerState {
    /// Shows the final scene of the recording `bytes` (named `name` for the user), in place of
    /// whatever was shown: the connection state becomes [`ConnState::Recording`] (the shell
    /// stops talking to a relay). Reads only record headers up to the last complete snapshot,
    /// then applies the records from there as a late-joining viewer applies the relay's
    /// snapshot. A damaged file changes nothing and returns the error with its byte offset; a
    /// torn last record is dropped and reported.
    pub fn open_recording(&mut self, bytes: &[u8], name: &str) -> Result<Opened, RecordingError> {
        let (mut reader, scan) = from_last_snapshot(Cursor::new(bytes))?;
        // Decode everything first: a damaged record leaves the viewer as it was.
        let mut messages = Vec::new();
        while reader.offset() < scan.valid_len {
            let Some(record) = reader.next_record()? else { break };
            messages.push((record.offset, record.message()?));
        }
        let mut changed = self.set_connection(ConnState::Recording { name: name.to_owned() });
        changed |= self.set_error(None);
        changed |= self.on_relay(RelayToViewer::SnapshotBegin).changed;
        let mut applied = 0;
        let mut skipped = Vec::new();
        for (offset, msg) in messages {
            match msg {
                RelayToViewer::Message { client, envelope } => match self.apply_client(client, envelope) {
                    Ok(c) => {
                        changed |= c;
                        applied += 1;
                    }
                    Err(e) => skipped.push((offset, e.to_string())),
                },
                RelayToViewer::SnapshotEnd { current_frame, .. } => {
                    let f = self
                        .playback
                        .set(i64::try_from(current_frame).unwrap_or(i64::MAX), self.scene.n_frames());
                    self.scene.set_frame(f as i64);
                }
                // The recording's own snapshot start: the scene is already empty here.
                RelayToViewer::SnapshotBegin
                | RelayToViewer::Hello { .. }
                | RelayToViewer::ClientConnected(_)
                | RelayToViewer::ClientDisconnected { .. }
                | RelayToViewer::Incoming { .. } => {}
            }
        }
        let current_frame = self.frame() as u64;
        changed |= self
            .on_relay(RelayToViewer::SnapshotEnd {
                current_frame,
                clients: Vec::new(),
            })
            .changed;
        Ok(Opened {
            changed,
            applied,
            skipped,
            torn_tail: scan.tail_error.map(|e| e.to_string()),
        })
    }

    /// The scene shown, local edits included, as a recording holding one snapshot (what "Save
    /// scene" downloads): it opens in the page or with `meshcast-relay --replay`.
    pub fn save_scene(&self) -> Result<Vec<u8>, RecordingError> {
        let messages =
            snapshot_messages(&self.scene).map_err(|source| RecordingError::Message { offset: 0, source })?;
        let mut writer = RecordWriter::new(Vec::new())?;
        let end = RelayToViewer::SnapshotEnd {
            current_frame: self.frame() as u64,
            clients: Vec::new(),
        };
        writer.write_snapshot(messages.iter().map(Vec::as_slice), &end)?;
        Ok(writer.into_inner())
    }
}

//! The scene as a fold over the ordered log of viewer messages: what a viewer receives from the
//! relay and what a recording ([`meshcast_protocol::recording`]) holds.

use std::io::{Read, Seek};

use meshcast_protocol::recording::{from_last_snapshot, RecordingError};
use meshcast_protocol::{encode, ClientId, ProtocolError, RelayToViewer};

use crate::{Scene, SceneError};

/// Applies one viewer message: `SnapshotBegin` clears the scene, `Message` applies the client's
/// message, `SnapshotEnd` sets the current frame; the others change nothing.
pub fn apply_viewer_message(scene: &mut Scene, msg: RelayToViewer) -> Result<(), SceneError> {
    match msg {
        RelayToViewer::SnapshotBegin => scene.clear(),
        RelayToViewer::Message { client, envelope } => {
            scene.apply_envelope(client, envelope)?;
        }
        RelayToViewer::SnapshotEnd { current_frame, .. } => {
            scene.set_frame(i64::try_from(current_frame).unwrap_or(i64::MAX));
        }
        RelayToViewer::Hello { .. }
        | RelayToViewer::ClientConnected(_)
        | RelayToViewer::ClientDisconnected { .. }
        | RelayToViewer::Incoming { .. } => {}
    }
    Ok(())
}

/// The messages that rebuild `scene`, each encoded as a viewer receives it
/// (`RelayToViewer::Message`): the body of a snapshot, for a late-joining viewer or a recording.
pub fn snapshot_messages(scene: &Scene) -> Result<Vec<Vec<u8>>, ProtocolError> {
    Ok(scene
        .snapshot()?
        .into_iter()
        .map(|(client, cmd)| {
            encode(&RelayToViewer::Message {
                client,
                envelope: cmd.to_envelope(),
            })
        })
        .collect())
}

/// A scene rebuilt from a recording.
#[derive(Debug)]
pub struct LoadedRecording {
    /// The final scene.
    pub scene: Scene,
    /// Bytes of intact records: where appending continues.
    pub valid_len: u64,
    /// Records applied (from the last complete snapshot on).
    pub applied: u64,
    /// Messages that did not apply to the scene (with their record offsets): a recording holds
    /// only messages that applied, so these point at a damaged or foreign file.
    pub rejected: Vec<(u64, SceneError)>,
    /// Why the records ended before the end of the file (a torn last record), if they did.
    pub tail_error: Option<RecordingError>,
    /// The largest client id in the scene (a relay that resumes numbers new clients after it).
    pub max_client: ClientId,
}

/// Rebuilds the final scene of a recording: reads record headers to find the last complete
/// snapshot, then applies the records from there. A torn or damaged tail ends the records
/// (reported in [`LoadedRecording::tail_error`]); a damaged header or a damaged record before the
/// tail is an error naming its offset.
pub fn load_recording<R: Read + Seek>(input: R) -> Result<LoadedRecording, RecordingError> {
    let (mut reader, scan) = from_last_snapshot(input)?;
    let mut scene = Scene::new();
    let mut applied = 0;
    let mut rejected = Vec::new();
    while reader.offset() < scan.valid_len {
        let Some(record) = reader.next_record()? else { break };
        match apply_viewer_message(&mut scene, record.message()?) {
            Ok(()) => applied += 1,
            Err(e) => rejected.push((record.offset, e)),
        }
    }
    let max_client = scene.nodes().iter().map(|n| n.key().client).max().unwrap_or(0);
    Ok(LoadedRecording {
        scene,
        valid_len: scan.valid_len,
        applied,
        rejected,
        tail_error: scan.tail_error,
        max_client,
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use meshcast_protocol::recording::{RecordKind, RecordWriter};
    use meshcast_protocol::{encode, Envelope, NdArray};
    use std::io::Cursor;

    fn spheres(client: ClientId, uid: u64, x: f32) -> RelayToViewer {
        let env =
            Envelope::new(3, Some(uid)).with_kwarg("positions", NdArray::from_f32(&[1, 1, 3], &[x, 0.0, 0.0]).unwrap());
        RelayToViewer::Message { client, envelope: env }
    }

    #[test]
    fn folds_live_records_and_starts_at_the_last_snapshot() {
        let mut w = RecordWriter::new(Vec::new()).unwrap();
        w.write_message(RecordKind::Live, &spheres(1, 1, 0.0)).unwrap();
        w.write_message(RecordKind::Live, &spheres(1, 2, 1.0)).unwrap();
        // A snapshot of a scene holding only node 2 of client 3, at frame 0.
        let snap = [encode(&spheres(3, 2, 5.0))];
        let end = RelayToViewer::SnapshotEnd {
            current_frame: 0,
            clients: vec![],
        };
        w.write_snapshot(snap.iter().map(Vec::as_slice), &end).unwrap();
        w.write_message(RecordKind::Live, &spheres(3, 7, 2.0)).unwrap();
        let bytes = w.into_inner();
        let loaded = load_recording(Cursor::new(&bytes)).unwrap();
        let keys: Vec<_> = loaded
            .scene
            .nodes()
            .iter()
            .map(|n| (n.key().client, n.key().uid))
            .collect();
        assert_eq!(keys, [(3, 2), (3, 7)]);
        assert_eq!(loaded.applied, 4, "snapshot begin, one message, end, one live");
        assert_eq!(loaded.valid_len, bytes.len() as u64);
        assert_eq!(loaded.max_client, 3);
        assert!(loaded.tail_error.is_none() && loaded.rejected.is_empty());
        // A torn last record is dropped: the scene is what came before it.
        let torn = &bytes[..bytes.len() - 3];
        let loaded = load_recording(Cursor::new(torn)).unwrap();
        assert_eq!(loaded.scene.len(), 1);
        assert!(loaded.tail_error.unwrap().is_truncation());
    }
}

//! Compacted snapshots of a federated scene: the scene as a recording (one snapshot:
//! `SnapshotBegin`, the messages that rebuild it, `SnapshotEnd`) in the JetStream object store,
//! and a pointer to the latest in the key-value bucket (the stream sequence it covers, the
//! object's name). A relay that starts loads the latest and reads the stream after it.
//!
//! Any relay may write one once the stream holds more than max(`--nats-snapshot-bytes`, 2 × the
//! scene) since the last: under a lock (a key-value entry that expires), it stores the object,
//! moves the pointer with compare-and-set (so it only ever moves forward), deletes the old object
//! and purges the stream up to the sequence the snapshot covers.

use bytes::Bytes;
use meshcast_protocol::recording::{RecordReader, RecordWriter};
use meshcast_protocol::{ClientInfo, RelayToViewer};
use meshcast_scene::replay::apply_viewer_message;
use meshcast_scene::Scene;
use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;
use tokio::sync::mpsc;
use tracing::{debug, info, warn};

use super::connect::Link;
use super::{FederationError, Restart};
use crate::scene_log::Snapshot as SceneSnapshot;

/// The pointer's key in the scene's key-value bucket.
const POINTER_KEY: &str = "snapshot";
/// The lock's key in the lock bucket.
const LOCK_KEY: &str = "writer";
/// Attempts at loading the latest snapshot while other relays replace it.
const LOAD_TRIES: usize = 5;

/// The latest snapshot: where it is and what it covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pointer {
    /// The last stream sequence the snapshot includes.
    pub seq: u64,
    /// The object holding it.
    pub object: String,
    /// For each relay, the last of its publishes the snapshot includes.
    pub publishes: Vec<(u64, u64)>,
}

/// A snapshot the hub took, for the writer.
#[derive(Debug)]
pub struct Job {
    /// The last stream sequence the scene includes.
    pub seq: u64,
    /// The scene, encoded.
    pub snapshot: SceneSnapshot,
    /// The producer clients listed.
    pub clients: Vec<ClientInfo>,
    /// For each relay, the last of its publishes applied.
    pub publishes: Vec<(u64, u64)>,
    /// Stream bytes that make a snapshot worth writing.
    pub due_bytes: u64,
}

async fn read_pointer(link: &Link) -> Result<Option<(Pointer, u64)>, FederationError> {
    let entry = link
        .kv
        .entry(POINTER_KEY)
        .await
        .map_err(|e| FederationError::js("read the snapshot pointer")(&e))?;
    let Some(entry) = entry.filter(|e| e.operation == async_nats::jetstream::kv::Operation::Put) else {
        return Ok(None);
    };
    let pointer = meshcast_protocol::decode::<Pointer>(&entry.value)
        .map_err(|e| FederationError::js("read the snapshot pointer")(&e))?;
    Ok(Some((pointer, entry.revision)))
}

/// Loads the latest snapshot (an empty scene at sequence 0 when there is none).
pub async fn load_latest(link: &Link) -> Result<Restart, FederationError> {
    let mut last_error = None;
    for _ in 0..LOAD_TRIES {
        let Some((pointer, _)) = read_pointer(link).await? else {
            return Ok(Restart::default());
        };
        let mut bytes = Vec::new();
        let read = match link.objects.get(&pointer.object).await {
            Ok(mut object) => object.read_to_end(&mut bytes).await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        match read {
            Ok(_) => {
                let restart = tokio::task::spawn_blocking(move || load_bytes(&bytes, pointer))
                    .await
                    .map_err(|e| FederationError::js("load the snapshot")(&e))??;
                info!(
                    seq = restart.seq,
                    nodes = restart.scene.len(),
                    "scene loaded from the latest snapshot"
                );
                return Ok(restart);
            }
            // Replaced by a newer snapshot while we read the pointer: read it again.
            Err(e) => {
                debug!(object = %pointer.object, error = %e, "snapshot gone; reading the pointer again");
                last_error = Some(e);
            }
        }
    }
    Err(FederationError::JetStream {
        what: "load the latest snapshot",
        message: last_error.unwrap_or_default(),
    })
}

/// Rebuilds the scene from a snapshot recording.
fn load_bytes(bytes: &[u8], pointer: Pointer) -> Result<Restart, FederationError> {
    let err = |source| FederationError::Snapshot {
        object: pointer.object.clone(),
        source: Box::new(source),
    };
    let mut scene = Scene::new();
    let mut clients = Vec::new();
    for record in RecordReader::open(bytes).map_err(err)? {
        let msg = record.and_then(|r| r.message()).map_err(err)?;
        if let RelayToViewer::SnapshotEnd { clients: c, .. } = &msg {
            clients.clone_from(c);
        }
        if let Err(e) = apply_viewer_message(&mut scene, msg) {
            warn!(object = %pointer.object, error = %e, "a snapshot message did not apply; skipped");
        }
    }
    Ok(Restart {
        scene,
        seq: pointer.seq,
        clients,
        publishes: pointer.publishes,
    })
}

/// The snapshot as a recording.
fn recording(job: &Job) -> Result<Vec<u8>, meshcast_protocol::recording::RecordingError> {
    let mut w = RecordWriter::new(Vec::new())?;
    w.write_snapshot(
        job.snapshot.messages.iter().map(Vec::as_slice),
        &RelayToViewer::SnapshotEnd {
            current_frame: job.snapshot.current_frame,
            clients: job.clients.clone(),
        },
    )?;
    Ok(w.into_inner())
}

/// Starts the task that writes the hub's snapshots. The channel holds one job: the hub takes
/// no new snapshot while one is being written.
pub fn spawn_writer(link: Link, relay: u64) -> mpsc::Sender<Job> {
    let (tx, mut rx) = mpsc::channel::<Job>(1);
    tokio::spawn(async move {
        while let Some(job) = rx.recv().await {
            match write(&link, relay, &job).await {
                Ok(true) => {}
                Ok(false) => debug!(
                    seq = job.seq,
                    "snapshot not written (not due, or another relay writes one)"
                ),
                Err(e) => warn!(seq = job.seq, error = %e, "cannot write a snapshot of the scene"),
            }
        }
    });
    tx
}

/// Writes `job` unless it is not due or another relay is writing one; true when written.
async fn write(link: &Link, relay: u64, job: &Job) -> Result<bool, FederationError> {
    let mut stream = link.stream().await?;
    let bytes = stream
        .info()
        .await
        .map_err(|e| FederationError::js("read the stream's size")(&e))?
        .state
        .bytes;
    if bytes < job.due_bytes {
        return Ok(false);
    }
    if link.lock.create(LOCK_KEY, relay.to_string().into()).await.is_err() {
        return Ok(false);
    }
    let written = write_locked(link, &stream, job).await;
    if let Err(e) = link.lock.purge(LOCK_KEY).await {
        warn!(error = %e, "cannot release the snapshot lock (it expires by itself)");
    }
    written
}

async fn write_locked(
    link: &Link,
    stream: &async_nats::jetstream::stream::Stream,
    job: &Job,
) -> Result<bool, FederationError> {
    let current = read_pointer(link).await?;
    if current.as_ref().is_some_and(|(p, _)| p.seq >= job.seq) {
        return Ok(false);
    }
    let data = recording(job).map_err(|e| FederationError::js("encode the snapshot")(&e))?;
    let object = format!("scene-{}", job.seq);
    link.objects
        .put(object.as_str(), &mut data.as_slice())
        .await
        .map_err(|e| FederationError::js("store the snapshot")(&e))?;
    let pointer = Pointer {
        seq: job.seq,
        object: object.clone(),
        publishes: job.publishes.clone(),
    };
    let value = Bytes::from(meshcast_protocol::encode(&pointer));
    let moved = match &current {
        Some((_, revision)) => link.kv.update(POINTER_KEY, value, *revision).await.is_ok(),
        None => link.kv.create(POINTER_KEY, value).await.is_ok(),
    };
    if !moved {
        // Another relay moved the pointer meanwhile (it only moves forward): ours is not needed.
        let _ = link.objects.delete(&object).await;
        return Ok(false);
    }
    if let Some((old, _)) = current {
        if let Err(e) = link.objects.delete(&old.object).await {
            warn!(object = %old.object, error = %e, "cannot delete the previous snapshot");
        }
    }
    stream
        .purge()
        .sequence(job.seq + 1)
        .await
        .map_err(|e| FederationError::js("purge the stream before the snapshot")(&e))?;
    info!(seq = job.seq, bytes = data.len(), %object, "snapshot written; the stream before it purged");
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use meshcast_protocol::{Envelope, NdArray};

    #[test]
    fn a_snapshot_recording_rebuilds_the_scene_and_its_clients() {
        let mut scene = Scene::new();
        let env = Envelope::new(3, Some(5)).with_kwarg("positions", NdArray::from_f32(&[2, 1, 3], &[0.0; 6]).unwrap());
        scene
            .apply(9, meshcast_protocol::Command::from_envelope(env).unwrap())
            .unwrap();
        let clients = vec![ClientInfo {
            id: 9,
            addr: "127.0.0.1:1".into(),
            format: "msgpack".into(),
        }];
        let job = Job {
            seq: 12,
            snapshot: SceneSnapshot::of(&scene).unwrap(),
            clients: clients.clone(),
            publishes: vec![(1, 4)],
            due_bytes: 0,
        };
        let bytes = recording(&job).unwrap();
        let pointer = Pointer {
            seq: 12,
            object: "scene-12".into(),
            publishes: vec![(1, 4)],
        };
        let back: Pointer = meshcast_protocol::decode(&meshcast_protocol::encode(&pointer)).unwrap();
        assert_eq!(back, pointer);
        let r = load_bytes(&bytes, pointer).unwrap();
        assert_eq!(r.seq, 12);
        assert_eq!(r.clients, clients);
        assert_eq!(r.publishes, vec![(1, 4)]);
        assert_eq!(r.scene.len(), 1);
        assert_eq!(r.scene.nodes()[0].n_frames(), 2);
        let e = load_bytes(&bytes[..bytes.len() - 3], r_pointer()).unwrap_err();
        assert!(
            e.to_string().contains("scene-1") && e.to_string().contains("truncated"),
            "{e}"
        );
    }

    fn r_pointer() -> Pointer {
        Pointer {
            seq: 1,
            object: "scene-1".into(),
            publishes: Vec::new(),
        }
    }
}

//! The relay's scene as a fold over an ordered log with a file behind it (`--record FILE`,
//! `--data-dir DIR`), and the scene a relay starts with (`--data-dir`, `--replay FILE`).
//!
//! Every message the hub applied is appended as one record, in the exact bytes viewers get
//! ([`meshcast_protocol::recording`]). A client's FLUSH is acknowledged only after the records
//! before it are written (and, under the default [`FsyncPolicy::Flush`], on disk). From time to
//! time a snapshot of the scene is written so that opening the log costs what its final scene
//! costs: `--record` keeps the whole history (a recording to replay), `--data-dir` starts a new
//! file with that snapshot and drops the old one (disk use bounded by about twice the scene).

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use bytes::Bytes;
use meshcast_protocol::recording::{RecordKind, RecordWriter, RecordingError};
use meshcast_protocol::{ClientId, RelayToViewer};
use meshcast_scene::replay::{load_recording, snapshot_messages};
use meshcast_scene::Scene;
use tracing::{info, warn};

/// Write buffer of the log file: record headers and small messages are gathered; a large
/// message (a mesh frame) is written straight from its own buffer, not copied through this one.
const WRITE_BUFFER: usize = 64 << 10;

/// The log file inside `--data-dir`.
pub const DATA_FILE: &str = "scene.mcrec";

/// Log bytes written since the last snapshot before a new one is taken: at least this much...
const SNAPSHOT_MIN_BYTES: u64 = 64 << 20;
/// ...and at least this many times the scene's size (so snapshots cost O(1) per logged byte).
const SNAPSHOT_SCENE_FACTOR: u64 = 2;

/// When the log is forced to disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum FsyncPolicy {
    /// Before acknowledging a client's flush: an acknowledged message survives a crash of the
    /// relay or of the machine (the default).
    #[default]
    Flush,
    /// After every record (slowest).
    Always,
    /// Never: records are handed to the operating system before a flush is acknowledged, so
    /// they survive the relay being killed, but not a power cut.
    Never,
}

/// Why the log could not be opened or written.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// A file or folder could not be used.
    #[error("{what} {path}: {source}")]
    File {
        /// What was being done.
        what: &'static str,
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
    /// `--record FILE` names a file that exists.
    #[error("--record {0}: the file exists; remove it or choose another name (recordings are never overwritten)")]
    Exists(PathBuf),
    /// A recording could not be read or written.
    #[error("{path}: {source}")]
    Recording {
        /// The file.
        path: PathBuf,
        /// The error, with its byte offset.
        source: Box<RecordingError>,
    },
    /// Encoding the scene's snapshot failed.
    #[error("cannot encode a snapshot of the scene: {0}")]
    Snapshot(#[from] meshcast_protocol::ProtocolError),
}

fn file_error<'p>(what: &'static str, path: &'p Path) -> impl FnOnce(std::io::Error) -> LogError + 'p {
    move |source| LogError::File {
        what,
        path: path.to_owned(),
        source,
    }
}

/// What a relay starts with.
#[derive(Debug, Default)]
pub struct Start {
    /// The scene.
    pub scene: Scene,
    /// The log to append to, if any.
    pub log: Option<SceneLog>,
    /// The first id to give a producer connection (after those in the scene).
    pub next_client: ClientId,
}

/// Opens what the settings ask for: `--replay FILE` (the recording's final scene, no log),
/// `--data-dir DIR` (the scene rebuilt from `DIR/scene.mcrec`, appended to), `--record FILE`
/// (an empty scene, a new recording).
pub fn start(
    record: Option<&Path>,
    data_dir: Option<&Path>,
    replay: Option<&Path>,
    fsync: FsyncPolicy,
    zstd: bool,
) -> Result<Start, LogError> {
    if let Some(file) = replay {
        let (scene, next_client, _) = load(file, false)?;
        info!(file = %file.display(), nodes = scene.len(), frames = scene.n_frames(), "replaying a recording (read-only)");
        return Ok(Start {
            scene,
            log: None,
            next_client,
        });
    }
    if let Some(dir) = data_dir {
        std::fs::create_dir_all(dir).map_err(file_error("cannot create the data folder", dir))?;
        let path = dir.join(DATA_FILE);
        if path.exists() {
            let (scene, next_client, valid_len) = load(&path, true)?;
            info!(file = %path.display(), nodes = scene.len(), bytes = valid_len, "scene restored from the data folder");
            let log = SceneLog::append(path, valid_len, fsync, zstd, Target::DataDir)?;
            return Ok(Start {
                scene,
                log: Some(log),
                next_client,
            });
        }
        let log = SceneLog::create(path, fsync, zstd, Target::DataDir)?;
        return Ok(Start {
            scene: Scene::new(),
            log: Some(log),
            next_client: 1,
        });
    }
    if let Some(file) = record {
        if file.exists() {
            return Err(LogError::Exists(file.to_owned()));
        }
        info!(file = %file.display(), "recording every applied message");
        let log = SceneLog::create(file.to_owned(), fsync, zstd, Target::Record)?;
        return Ok(Start {
            scene: Scene::new(),
            log: Some(log),
            next_client: 1,
        });
    }
    Ok(Start {
        next_client: 1,
        ..Start::default()
    })
}

/// Loads a recording's final scene. With `cut_torn_tail`, a torn or damaged tail is cut off the
/// file (with a warning); otherwise it is only reported. Returns the scene, the next client id
/// and the length of the intact records.
fn load(path: &Path, cut_torn_tail: bool) -> Result<(Scene, ClientId, u64), LogError> {
    let file = File::open(path).map_err(file_error("cannot open", path))?;
    let len = file.metadata().map_err(file_error("cannot read", path))?.len();
    let loaded = load_recording(std::io::BufReader::new(file)).map_err(|source| LogError::Recording {
        path: path.to_owned(),
        source: Box::new(source),
    })?;
    for (offset, error) in &loaded.rejected {
        warn!(file = %path.display(), offset, %error, "a recorded message did not apply; skipped");
    }
    if let Some(tail) = &loaded.tail_error {
        warn!(
            file = %path.display(),
            error = %tail,
            dropped_bytes = len - loaded.valid_len,
            "the recording ends in a torn or damaged record (a crash while writing?): it is dropped"
        );
        if cut_torn_tail {
            let f = OpenOptions::new()
                .write(true)
                .open(path)
                .map_err(file_error("cannot open", path))?;
            f.set_len(loaded.valid_len)
                .map_err(file_error("cannot truncate", path))?;
            f.sync_all().map_err(file_error("cannot sync", path))?;
        }
    }
    Ok((loaded.scene, loaded.max_client + 1, loaded.valid_len))
}

/// What the log is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `--record`: history kept, snapshots appended.
    Record,
    /// `--data-dir`: a snapshot starts a new file that replaces the old one.
    DataDir,
}

/// The open log.
#[derive(Debug)]
pub struct SceneLog {
    path: PathBuf,
    writer: RecordWriter<BufWriter<File>>,
    fsync: FsyncPolicy,
    zstd: bool,
    target: Target,
    /// Set after a write failed: nothing is acknowledged any more.
    broken: Option<String>,
}

impl SceneLog {
    fn create(path: PathBuf, fsync: FsyncPolicy, zstd: bool, target: Target) -> Result<Self, LogError> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&path)
            .map_err(file_error("cannot create", &path))?;
        let writer = RecordWriter::new(BufWriter::with_capacity(WRITE_BUFFER, file))
            .map_err(|source| LogError::Recording {
                path: path.clone(),
                source: Box::new(source),
            })?
            .with_zstd(zstd);
        let mut log = Self::with_writer(path, writer, fsync, zstd, target);
        log.sync().map_err(|e| LogError::File {
            what: "cannot write",
            path: log.path.clone(),
            source: std::io::Error::other(e),
        })?;
        Ok(log)
    }

    fn append(path: PathBuf, valid_len: u64, fsync: FsyncPolicy, zstd: bool, target: Target) -> Result<Self, LogError> {
        let mut file = OpenOptions::new()
            .write(true)
            .open(&path)
            .map_err(file_error("cannot open", &path))?;
        file.seek(SeekFrom::Start(valid_len))
            .map_err(file_error("cannot seek in", &path))?;
        let writer = RecordWriter::append(BufWriter::with_capacity(WRITE_BUFFER, file), valid_len).with_zstd(zstd);
        Ok(Self::with_writer(path, writer, fsync, zstd, target))
    }

    fn with_writer(
        path: PathBuf,
        writer: RecordWriter<BufWriter<File>>,
        fsync: FsyncPolicy,
        zstd: bool,
        target: Target,
    ) -> Self {
        Self {
            path,
            writer,
            fsync,
            zstd,
            target,
            broken: None,
        }
    }

    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one applied message (its encoded `RelayToViewer::Message`).
    pub fn append_message(&mut self, frame: &Bytes) {
        if self.broken.is_some() {
            return;
        }
        let written = self
            .writer
            .write_record(RecordKind::Live, frame)
            .and_then(|_| match self.fsync {
                FsyncPolicy::Always => self.writer.flush(),
                FsyncPolicy::Flush | FsyncPolicy::Never => Ok(()),
            });
        match written {
            Ok(()) => {
                if self.fsync == FsyncPolicy::Always {
                    if let Err(e) = self.writer.get_ref().get_ref().sync_data() {
                        self.fail(e.to_string());
                    }
                }
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    fn fail(&mut self, error: String) {
        tracing::error!(file = %self.path.display(), %error, "cannot write the scene log: flushes are refused from now on");
        self.broken = Some(error);
    }

    /// Makes everything appended so far durable under the fsync policy. `Err` says why not (a
    /// client's flush is then answered with that error instead of an acknowledgement).
    pub fn sync(&mut self) -> Result<(), String> {
        if let Some(e) = &self.broken {
            return Err(format!(
                "the relay cannot write its log {}: {e}; messages since then are not durable",
                self.path.display()
            ));
        }
        let synced = self
            .writer
            .flush()
            .map_err(|e| e.to_string())
            .and_then(|()| match self.fsync {
                FsyncPolicy::Flush | FsyncPolicy::Always => {
                    self.writer.get_ref().get_ref().sync_data().map_err(|e| e.to_string())
                }
                FsyncPolicy::Never => Ok(()),
            });
        if let Err(e) = synced {
            self.fail(e);
            return self.sync();
        }
        Ok(())
    }

    /// The log's length in bytes so far (header included).
    pub fn bytes_written(&self) -> u64 {
        self.writer.offset()
    }

    /// Writes a snapshot (the scene's messages, encoded, and its current frame; see
    /// [`Snapshot::of`]): appended (`--record`), or as a new file that replaces the old log
    /// (`--data-dir`: written beside it, synced, renamed over it).
    pub fn snapshot(&mut self, snap: &Snapshot) {
        if self.broken.is_some() {
            return;
        }
        let result = match self.target {
            Target::Record => write_snapshot(&mut self.writer, snap, &self.path),
            Target::DataDir => self.compact(snap),
        };
        match result {
            Ok(()) => {
                info!(file = %self.path.display(), bytes = self.writer.offset(), "scene log snapshot written");
            }
            Err(e) => self.fail(e.to_string()),
        }
    }

    fn compact(&mut self, snap: &Snapshot) -> Result<(), LogError> {
        self.sync().map_err(|e| LogError::File {
            what: "cannot sync",
            path: self.path.clone(),
            source: std::io::Error::other(e),
        })?;
        let tmp = self.path.with_extension("mcrec.tmp");
        let mut fresh = Self::create(tmp.clone(), self.fsync, self.zstd, self.target)?;
        write_snapshot(&mut fresh.writer, snap, &tmp)?;
        fresh.writer.flush().map_err(|source| LogError::Recording {
            path: tmp.clone(),
            source: Box::new(source),
        })?;
        fresh
            .writer
            .get_ref()
            .get_ref()
            .sync_all()
            .map_err(file_error("cannot sync", &tmp))?;
        std::fs::rename(&tmp, &self.path).map_err(file_error("cannot replace the log with", &tmp))?;
        if let Some(dir) = self.path.parent() {
            // The rename itself must reach the disk.
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        fresh.path = self.path.clone();
        *self = fresh;
        Ok(())
    }
}

/// A snapshot of the scene, encoded: what [`SceneLog::snapshot`] writes.
#[derive(Debug)]
pub struct Snapshot {
    /// The messages that rebuild the scene, encoded as viewers get them.
    pub messages: Vec<Vec<u8>>,
    /// The scene's current frame.
    pub current_frame: u64,
}

impl Snapshot {
    /// Encodes `scene` (the hub does this; the writer thread only writes).
    pub fn of(scene: &Scene) -> Result<Snapshot, meshcast_protocol::ProtocolError> {
        Ok(Snapshot {
            messages: snapshot_messages(scene)?,
            current_frame: scene.current_frame() as u64,
        })
    }
}

/// True when `since` bytes logged since the last snapshot warrant a new one for a scene of
/// `scene_bytes`: max(64 MiB, 2 × the scene), so snapshots cost O(1) per logged byte.
pub fn snapshot_due(since: u64, scene_bytes: usize) -> bool {
    since >= SNAPSHOT_MIN_BYTES.max((scene_bytes as u64).saturating_mul(SNAPSHOT_SCENE_FACTOR))
}

fn write_snapshot(writer: &mut RecordWriter<BufWriter<File>>, snap: &Snapshot, path: &Path) -> Result<(), LogError> {
    let end = RelayToViewer::SnapshotEnd {
        current_frame: snap.current_frame,
        clients: Vec::new(),
    };
    writer
        .write_snapshot(snap.messages.iter().map(Vec::as_slice), &end)
        .map_err(|source| LogError::Recording {
            path: path.to_owned(),
            source: Box::new(source),
        })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use meshcast_protocol::{Envelope, NdArray};

    fn frame(client: ClientId, uid: u64) -> Bytes {
        let env = Envelope::new(3, Some(uid)).with_kwarg(
            "positions",
            NdArray::from_f32(&[1, 1, 3], &[uid as f32, 0.0, 0.0]).unwrap(),
        );
        Bytes::from(meshcast_protocol::encode(&RelayToViewer::Message {
            client,
            envelope: env,
        }))
    }

    fn tmp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("meshcast-scene-log-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn data_dir_round_trip_compaction_and_torn_tail() {
        let dir = tmp("data");
        let mut s = start(None, Some(&dir), None, FsyncPolicy::Flush, false).unwrap();
        assert!(s.scene.is_empty());
        let log = s.log.as_mut().unwrap();
        for uid in 1..=3 {
            let f = frame(2, uid);
            let msg = meshcast_protocol::decode::<RelayToViewer>(&f).unwrap();
            meshcast_scene::replay::apply_viewer_message(&mut s.scene, msg).unwrap();
            log.append_message(&f);
        }
        log.sync().unwrap();
        // Compaction: the file now holds one snapshot of the same scene.
        log.snapshot(&Snapshot::of(&s.scene).unwrap());
        log.append_message(&frame(2, 9));
        log.sync().unwrap();
        drop(s);
        let path = dir.join(DATA_FILE);
        // A torn last record (as after SIGKILL mid-write) is cut off.
        let mut bytes = std::fs::read(&path).unwrap();
        let good = bytes.len();
        bytes.extend_from_slice(&[7, 0, 0]);
        std::fs::write(&path, &bytes).unwrap();
        let s = start(None, Some(&dir), None, FsyncPolicy::Flush, false).unwrap();
        let uids: Vec<u64> = s.scene.nodes().iter().map(|n| n.key().uid).collect();
        assert_eq!(uids, [1, 2, 3, 9], "the snapshot, then the record after it");
        assert_eq!(s.next_client, 3);
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, good);
        let _ = std::fs::remove_dir_all(dir);
    }

    #[test]
    fn record_never_overwrites() {
        let dir = tmp("record");
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("r.mcrec");
        std::fs::write(&file, b"precious").unwrap();
        let e = start(Some(&file), None, None, FsyncPolicy::Flush, false).unwrap_err();
        assert!(e.to_string().contains("exists"), "{e}");
        assert_eq!(std::fs::read(&file).unwrap(), b"precious");
        let e = start(None, None, Some(&file), FsyncPolicy::Flush, false).unwrap_err();
        assert!(e.to_string().contains("not a meshcast recording"), "{e}");
        let _ = std::fs::remove_dir_all(dir);
    }
}

//! The thread that owns the scene log's file, so that writing (and waiting for the disk) runs
//! beside the hub instead of inside it: the hub hands it each applied message (the same `Bytes`
//! it sends viewers, no copy) over a bounded channel, and a FLUSH becomes a sync request that the
//! writer answers, once everything before it is written under the fsync policy, by sending the
//! client its acknowledgement (or the error that says why it cannot).
//!
//! The channel is bounded: when the disk is slower than the producers, the hub waits, and so do
//! the producers (back-pressure), rather than memory growing.

use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use bytes::Bytes;
use tracing::{debug, error};

use crate::scene_log::{snapshot_due, SceneLog, Snapshot};

/// Messages queued for the writer thread (about 5 MiB of 82 KB frames).
const QUEUE: usize = 64;

/// What the hub asks of the writer.
enum Job {
    /// Append one applied message.
    Append(Bytes),
    /// Write a snapshot.
    Snapshot(Box<Snapshot>),
    /// Make everything before this durable, then call the function with the outcome.
    Sync(Box<dyn FnOnce(Result<(), String>) + Send>),
}

/// The hub's handle on the writer thread.
pub struct LogWriter {
    tx: Option<SyncSender<Job>>,
    thread: Option<JoinHandle<()>>,
    /// Bytes appended since the last snapshot (the hub decides when to take one).
    since_snapshot: u64,
}

impl std::fmt::Debug for LogWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LogWriter")
            .field("since_snapshot", &self.since_snapshot)
            .finish()
    }
}

impl LogWriter {
    /// Starts the writer thread for `log`.
    pub fn spawn(mut log: SceneLog) -> std::io::Result<LogWriter> {
        let since_snapshot = log.bytes_written();
        let (tx, rx) = sync_channel::<Job>(QUEUE);
        let thread = std::thread::Builder::new().name("meshcast-log".into()).spawn(move || {
            while let Ok(job) = rx.recv() {
                match job {
                    Job::Append(frame) => log.append_message(&frame),
                    Job::Snapshot(snap) => log.snapshot(&snap),
                    Job::Sync(done) => done(log.sync()),
                }
            }
            // The hub is gone (shutdown): what was appended reaches the disk.
            if let Err(e) = log.sync() {
                error!(file = %log.path().display(), error = %e, "the scene log could not be synced at shutdown");
            }
            debug!(file = %log.path().display(), "scene log writer stopped");
        })?;
        Ok(LogWriter {
            tx: Some(tx),
            thread: Some(thread),
            since_snapshot,
        })
    }

    fn send(&self, job: Job) {
        if let Some(tx) = &self.tx {
            if tx.send(job).is_err() {
                error!("the scene log writer stopped: messages are no longer logged");
            }
        }
    }

    /// Appends one applied message (waits while the writer is a full queue behind).
    pub fn append(&mut self, frame: Bytes) {
        self.since_snapshot += frame.len() as u64;
        self.send(Job::Append(frame));
    }

    /// True when enough was logged since the last snapshot to take one of a scene of
    /// `scene_bytes`.
    pub fn wants_snapshot(&self, scene_bytes: usize) -> bool {
        snapshot_due(self.since_snapshot, scene_bytes)
    }

    /// Queues a snapshot.
    pub fn snapshot(&mut self, snap: Snapshot) {
        self.since_snapshot = 0;
        self.send(Job::Snapshot(Box::new(snap)));
    }

    /// Calls `done` once everything appended so far is durable (`Ok`) or cannot be (`Err`, why).
    pub fn sync(&self, done: impl FnOnce(Result<(), String>) + Send + 'static) {
        match &self.tx {
            Some(tx) => {
                if let Err(e) = tx.send(Job::Sync(Box::new(done))) {
                    if let Job::Sync(done) = e.0 {
                        done(Err("the scene log writer stopped".into()));
                    }
                }
            }
            None => done(Err("the scene log writer stopped".into())),
        }
    }
}

impl Drop for LogWriter {
    fn drop(&mut self) {
        // Closing the channel lets the thread write what is queued, sync and end.
        self.tx.take();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

//! A connection with a recording file instead of a relay behind it: the writer task applies
//! each message to a local scene exactly as the relay would (same validation, same
//! normalisation), writes what applied as records of a recording
//! ([`meshcast_protocol::recording`]), and answers flushes with what it rejected, once the
//! file is on disk. Open the file later with `meshcast-relay --replay FILE` or in the page.

use std::fs::{File, OpenOptions};
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

use meshcast_protocol::recording::{RecordKind, RecordWriter};
use meshcast_protocol::{decode_envelope, Command, RelayToViewer};
use meshcast_scene::Scene;
use tokio::sync::{mpsc, watch, Notify};

use super::{Core, Outgoing, Shared, State};
use crate::{ClientError, ConnectOptions, RemoteError};

/// The client id messages are recorded under (a relay numbers its first client 1 too).
const CLIENT: u64 = 1;

impl Core {
    /// Creates the recording `path` (never overwriting a file) and starts the task that writes
    /// it, on the current tokio runtime.
    pub(crate) fn record(path: &Path, opts: &ConnectOptions) -> Result<Core, ClientError> {
        let file_error = |e: std::io::Error| ClientError::Recording(format!("{}: {e}", path.display()));
        let file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::AlreadyExists {
                    ClientError::Recording(format!(
                        "{}: the file exists; recordings are never overwritten",
                        path.display()
                    ))
                } else {
                    file_error(e)
                }
            })?;
        let writer = RecordWriter::new(BufWriter::with_capacity(1 << 20, file))
            .map_err(|e| ClientError::Recording(format!("{}: {e}", path.display())))?;
        let (tx, rx) = mpsc::channel(opts.send_queue.max(1));
        let (down_tx, _) = watch::channel(false);
        let shared = Arc::new(Shared {
            url: format!("file://{}", path.display()),
            state: std::sync::Mutex::new(State::default()),
            inbox_changed: Notify::new(),
            link_down: down_tx,
        });
        let task_shared = Arc::clone(&shared);
        tokio::task::spawn_blocking(move || record_loop(writer, rx, task_shared));
        Ok(Core::from_parts(shared, tx, opts))
    }
}

/// Writes everything received to the recording until closed (or every handle is gone).
fn record_loop(mut writer: RecordWriter<BufWriter<File>>, mut rx: mpsc::Receiver<Outgoing>, shared: Arc<Shared>) {
    let mut scene = Scene::new();
    let mut seq = 0u64;
    let mut errors: Vec<RemoteError> = Vec::new();
    let sync = |writer: &mut RecordWriter<BufWriter<File>>| -> Result<(), String> {
        writer.flush().map_err(|e| e.to_string())?;
        writer.get_ref().get_ref().sync_data().map_err(|e| e.to_string())
    };
    let failure = loop {
        match rx.blocking_recv() {
            Some(Outgoing::Frame(bytes, permit)) => {
                seq += 1;
                let applied = decode_envelope(&bytes)
                    .map_err(|e| (None, None, e.to_string()))
                    .and_then(|env| {
                        let (msg_type, uid) = (Some(env.msg_type), env.uid);
                        let cmd = Command::from_envelope(env).map_err(|e| (msg_type, uid, e.to_string()))?;
                        scene.apply(CLIENT, cmd).map_err(|e| (msg_type, uid, e.to_string()))
                    });
                drop(permit);
                match applied {
                    Ok(applied) => {
                        if let Some(fwd) = applied.forward {
                            let msg = RelayToViewer::Message {
                                client: CLIENT,
                                envelope: fwd.to_envelope(),
                            };
                            if let Err(e) = writer.write_message(RecordKind::Live, &msg) {
                                break Some(e.to_string());
                            }
                        }
                    }
                    Err((msg_type, uid, message)) => errors.push(RemoteError {
                        seq,
                        msg_type,
                        uid,
                        message,
                    }),
                }
            }
            Some(Outgoing::Flush(reply)) => {
                seq += 1;
                match sync(&mut writer) {
                    Ok(()) => {
                        let _ = reply.send(Ok(std::mem::take(&mut errors)));
                    }
                    Err(e) => {
                        let _ = reply.send(Err(ClientError::Recording(e.clone())));
                        break Some(e);
                    }
                }
            }
            Some(Outgoing::Close(done)) => {
                let result = sync(&mut writer);
                let _ = done.send(());
                break result.err().or_else(|| Some("closed".to_owned()));
            }
            None => break sync(&mut writer).err().or_else(|| Some("closed".to_owned())),
        }
    };
    if let Some(reason) = failure {
        shared.set_down(reason);
    }
}

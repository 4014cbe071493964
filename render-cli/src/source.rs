//! Where the scene comes from: a recording file (`meshcast_scene::replay::load_recording`, the
//! reader every side uses), or a live relay joined as a viewer, whose snapshot is the scene.

use std::path::Path;
use std::time::Duration;

use futures_util::StreamExt;
use meshcast_protocol::recording::RecordingError;
use meshcast_protocol::{decode, RelayToViewer};
use meshcast_scene::replay::{apply_viewer_message, load_recording};
use meshcast_scene::Scene;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;

/// The largest message accepted from a relay (a whole sequence can come as one message).
const MAX_MESSAGE_BYTES: usize = 1 << 30;

/// Why the scene could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The recording file could not be opened.
    #[error("cannot open the recording {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The recording is damaged or not a recording.
    #[error("cannot read the recording {path}: {source}")]
    Recording {
        /// The file.
        path: String,
        /// What is wrong, with its byte offset.
        source: Box<RecordingError>,
    },
    /// The relay could not be reached.
    #[error("cannot connect to the relay at {url}: {detail}")]
    Connect {
        /// The viewer URL.
        url: String,
        /// What the WebSocket said.
        detail: String,
    },
    /// The relay's snapshot did not arrive in time.
    #[error("the relay at {url} sent no complete scene within {seconds} s")]
    Timeout {
        /// The viewer URL.
        url: String,
        /// The time allowed.
        seconds: u64,
    },
    /// The relay closed the connection or sent something that is not a viewer message.
    #[error("the relay at {url} {detail}")]
    Relay {
        /// The viewer URL.
        url: String,
        /// What happened.
        detail: String,
    },
}

/// The final scene of the recording at `path`. Records that do not apply are skipped with a
/// warning naming their offset; a torn tail is reported and the scene before it kept.
pub fn recording(path: &Path) -> Result<Scene, SourceError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|source| SourceError::Open {
        path: name.clone(),
        source,
    })?;
    let loaded = load_recording(std::io::BufReader::new(file)).map_err(|source| SourceError::Recording {
        path: name.clone(),
        source: Box::new(source),
    })?;
    for (offset, e) in &loaded.rejected {
        tracing::warn!(recording = %name, offset, "skipped a record that does not apply: {e}");
    }
    if let Some(e) = &loaded.tail_error {
        tracing::warn!(recording = %name, "the recording ends in a torn record: {e}");
    }
    Ok(loaded.scene)
}

/// The viewer URL of a relay given as `HOST:PORT`, `ws://HOST:PORT` or a full URL (a path or a
/// query, such as `?token=`, is kept as given).
pub fn viewer_url(relay: &str) -> String {
    let with_scheme = if relay.contains("://") {
        relay.to_owned()
    } else {
        format!("ws://{relay}")
    };
    let after_scheme = with_scheme.split_once("://").map_or("", |(_, rest)| rest);
    if after_scheme.contains('/') {
        with_scheme
    } else {
        format!("{with_scheme}/viewer")
    }
}

/// Joins the relay at `url` (see [`viewer_url`]) as a viewer and returns its scene: the snapshot
/// it sends a viewer that connects, then the connection is closed.
pub fn relay(url: &str, timeout: Duration) -> Result<Scene, SourceError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SourceError::Connect {
            url: url.to_owned(),
            detail: format!("no async runtime: {e}"),
        })?;
    runtime.block_on(async {
        tokio::time::timeout(timeout, join(url))
            .await
            .map_err(|_| SourceError::Timeout {
                url: url.to_owned(),
                seconds: timeout.as_secs(),
            })?
    })
}

async fn join(url: &str) -> Result<Scene, SourceError> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES));
    let (mut ws, _) = tokio_tungstenite::connect_async_with_config(url, Some(config), false)
        .await
        .map_err(|e| SourceError::Connect {
            url: url.to_owned(),
            detail: e.to_string(),
        })?;
    let relay_err = |detail: String| SourceError::Relay {
        url: url.to_owned(),
        detail,
    };
    let mut scene = Scene::new();
    let mut in_snapshot = false;
    let mut applied = 0usize;
    while let Some(msg) = ws.next().await {
        let bytes = match msg.map_err(|e| relay_err(format!("failed: {e}")))? {
            Message::Binary(b) => b,
            Message::Close(_) => break,
            _ => continue,
        };
        let msg: RelayToViewer = decode(&bytes).map_err(|e| relay_err(format!("sent an undecodable message: {e}")))?;
        match &msg {
            RelayToViewer::SnapshotBegin => in_snapshot = true,
            RelayToViewer::SnapshotEnd { .. } if in_snapshot => {
                apply_viewer_message(&mut scene, msg).map_err(|e| relay_err(e.to_string()))?;
                tracing::info!(%url, messages = applied, "joined the relay: scene received");
                let _ = ws.close(None).await;
                return Ok(scene);
            }
            RelayToViewer::Message { .. } if in_snapshot => applied += 1,
            _ => {}
        }
        if in_snapshot {
            if let Err(e) = apply_viewer_message(&mut scene, msg) {
                tracing::warn!(%url, "a snapshot message did not apply: {e}");
            }
        }
    }
    Err(relay_err("closed the connection before its scene was complete".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viewer_urls() {
        assert_eq!(viewer_url("127.0.0.1:8417"), "ws://127.0.0.1:8417/viewer");
        assert_eq!(viewer_url("ws://h:1"), "ws://h:1/viewer");
        assert_eq!(viewer_url("wss://h:1/viewer?token=x"), "wss://h:1/viewer?token=x");
    }

    #[test]
    fn a_missing_recording_is_named() {
        let e = recording(Path::new("/nonexistent/run.mcrec")).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("cannot open the recording /nonexistent/run.mcrec"),
            "{e}"
        );
    }
}

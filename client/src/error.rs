//! Errors returned by the client.

use std::fmt;
use std::time::Duration;

use meshcast_protocol::{MessageType, ProtocolError, Uid};

/// One message the relay rejected, as reported in its `Error` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteError {
    /// The message's sequence number on this connection (binary frames counted from 1).
    pub seq: u64,
    /// The message's type number, when the relay could read it.
    pub msg_type: Option<i64>,
    /// The node uid the message named, when there was one.
    pub uid: Option<Uid>,
    /// What the relay found wrong, for example
    /// `UPDATE_FRAMES on node 1 (MESHES): frame index 7 is out of range for a node with 5 frames`.
    pub message: String,
}

impl fmt::Display for RemoteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message #{}", self.seq)?;
        match (self.msg_type, self.uid) {
            (Some(t), Some(uid)) => write!(f, " ({}, uid {uid})", type_name(t))?,
            (Some(t), None) => write!(f, " ({})", type_name(t))?,
            (None, Some(uid)) => write!(f, " (uid {uid})")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.message)
    }
}

fn type_name(t: i64) -> String {
    match MessageType::from_code(t) {
        Some(MessageType::User(c)) => format!("user message {c}"),
        Some(m) => m.name().to_owned(),
        None => format!("type {t}"),
    }
}

/// Everything that can go wrong in a client call.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ClientError {
    /// No relay accepted the connection before the timeout.
    #[error(
        "could not connect to the meshcast relay at {url} within {timeout:?}: {reason}. \
         Is the relay running? Start it with `meshcast-relay` (from the meshcast repository: \
         `cargo run --release -p meshcast-relay`), then try again"
    )]
    Connect {
        /// The WebSocket URL that was tried, for example `ws://127.0.0.1:8417/`.
        url: String,
        /// How long connecting was retried.
        timeout: Duration,
        /// The last failure, for example `Connection refused (os error 111)`.
        reason: String,
    },
    /// The relay refused the connection: a missing or wrong access token (401, 403), a web
    /// page origin it does not allow (403), or no free connection (503).
    #[error("the meshcast relay at {url} refused the connection (HTTP {status}): {reason}")]
    Refused {
        /// The WebSocket URL that was tried (without its query, which may hold the token).
        url: String,
        /// The HTTP status.
        status: u16,
        /// The relay's reason, for example `missing access token: open the URL the relay
        /// printed, or pass token=...`.
        reason: String,
    },
    /// A recording file (`RemoteViewer::record`) could not be created or written.
    #[error("recording: {0}")]
    Recording(String),
    /// The TLS settings are unusable (for example a root certificate that is not PEM).
    #[error("TLS setup failed: {0}")]
    Tls(String),
    /// An array argument has the wrong shape; nothing was sent.
    #[error("argument '{argument}' has shape {got:?}, expected {expected}")]
    Shape {
        /// The argument's name, as in aitviewer (`vertices`, `positions`, ...).
        argument: String,
        /// The shape that was given.
        got: Vec<usize>,
        /// The accepted shapes in words, for example `(N,V,3) or (V,3)`.
        expected: String,
    },
    /// An argument is invalid in another way (a face index out of range, a non-finite value,
    /// an unknown option, ...); nothing was sent.
    #[error("invalid message: {0}")]
    Invalid(String),
    /// The relay rejected messages sent since the previous flush (reported by [`flush`]).
    ///
    /// [`flush`]: crate::RemoteViewer::flush
    #[error("the relay rejected {} message(s): {}", .0.len(), join(.0))]
    Rejected(Vec<RemoteError>),
    /// The connection was lost; what was sent since the last successful flush may not have
    /// arrived.
    #[error("the connection to the meshcast relay at {url} was lost ({reason}); messages sent since the last successful flush may not have arrived")]
    Disconnected {
        /// The relay's URL.
        url: String,
        /// Why, as far as known.
        reason: String,
    },
    /// The connection was closed with `close()`.
    #[error("the connection to the meshcast relay at {url} was closed")]
    Closed {
        /// The relay's URL.
        url: String,
    },
    /// The relay did not answer in time.
    #[error("the relay at {url} did not acknowledge {what} within {after:?}")]
    Timeout {
        /// The relay's URL.
        url: String,
        /// What was waited for.
        what: &'static str,
        /// How long.
        after: Duration,
    },
    /// The client's background runtime could not be started.
    #[error("could not start the client's background runtime: {0}")]
    Runtime(String),
}

fn join(errors: &[RemoteError]) -> String {
    errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; ")
}

impl ClientError {
    /// Converts a validation error of the protocol crate: shape errors become
    /// [`ClientError::Shape`], the rest [`ClientError::Invalid`].
    pub fn from_protocol(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Shape {
                name, got, expected, ..
            } => ClientError::Shape {
                argument: name,
                got,
                expected,
            },
            other => ClientError::Invalid(other.to_string()),
        }
    }

    /// The rejected messages, when this is [`ClientError::Rejected`].
    pub fn rejections(&self) -> &[RemoteError] {
        match self {
            ClientError::Rejected(v) => v,
            _ => &[],
        }
    }
}

impl From<ProtocolError> for ClientError {
    fn from(e: ProtocolError) -> Self {
        Self::from_protocol(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_error_names_type_and_uid() {
        let e = RemoteError {
            seq: 4,
            msg_type: Some(102),
            uid: Some(7),
            message: "frame index 9 is out of range".into(),
        };
        assert_eq!(
            e.to_string(),
            "message #4 (UPDATE_FRAMES, uid 7): frame index 9 is out of range"
        );
        let rejected = ClientError::Rejected(vec![e.clone(), e]);
        assert!(rejected
            .to_string()
            .starts_with("the relay rejected 2 message(s): message #4"));
        assert_eq!(rejected.rejections().len(), 2);
    }

    #[test]
    fn connect_error_says_how_to_start_the_relay() {
        let e = ClientError::Connect {
            url: "ws://127.0.0.1:1/".into(),
            timeout: Duration::from_millis(300),
            reason: "Connection refused".into(),
        };
        let s = e.to_string();
        assert!(s.contains("ws://127.0.0.1:1/") && s.contains("meshcast-relay"), "{s}");
    }

    #[test]
    fn protocol_shape_errors_become_shape_errors() {
        let e = ClientError::from(ProtocolError::Shape {
            kind: "MESHES",
            name: "vertices".into(),
            got: vec![3, 2],
            expected: "(N,V,3) or (V,3)".into(),
        });
        assert!(matches!(&e, ClientError::Shape { argument, .. } if argument == "vertices"));
        assert_eq!(
            e.to_string(),
            "argument 'vertices' has shape [3, 2], expected (N,V,3) or (V,3)"
        );
    }
}

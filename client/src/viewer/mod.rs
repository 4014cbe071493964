//! The viewer connection in its two flavours: [`RemoteViewer`] (blocking, with its own runtime)
//! and [`AsyncRemoteViewer`] (async, on the caller's tokio runtime), plus what both share:
//! [`ConnectOptions`], [`ViewerMessage`] and the [`Flavor`] trait that node handles are generic
//! over.

mod asynchronous;
mod blocking;
mod flavor;

use std::time::Duration;

use meshcast_protocol::{Envelope, Kwargs, MessageType, Uid, Value, DEFAULT_PORT};

pub use asynchronous::AsyncRemoteViewer;
pub use blocking::RemoteViewer;
pub use flavor::Flavor;

/// How to reach the relay and how long to wait for it.
///
/// ```
/// use std::time::Duration;
/// use meshcast_client::ConnectOptions;
/// let opts = ConnectOptions::new("10.0.0.5").port(9000).timeout(Duration::from_secs(3));
/// assert_eq!(opts.url(), "ws://10.0.0.5:9000/");
/// // A relay shared on the network asks for its access token; one with TLS for wss://.
/// let opts = ConnectOptions::new("10.0.0.5").token("the-printed-token").tls(true);
/// assert_eq!(opts.url(), "wss://10.0.0.5:8417/");
/// ```
#[derive(Clone)]
pub struct ConnectOptions {
    /// Host name or IP address of the relay (`"localhost"`). A full `ws://` or `wss://` URL is
    /// used as it is (it may carry `?token=...`).
    pub host: String,
    /// TCP port ([`DEFAULT_PORT`], 8417).
    pub port: u16,
    /// How long to keep retrying the connection (10 s, as aitviewer).
    pub timeout: Duration,
    /// Pause between connection attempts (50 ms; aitviewer retries without a pause).
    pub retry_interval: Duration,
    /// Messages that may wait to be written before a send blocks (64).
    pub send_queue: usize,
    /// Bytes that may wait to be written before a send blocks (256 MiB; a larger message is
    /// sent alone).
    pub send_queue_bytes: usize,
    /// How long a flush waits for the relay's acknowledgement (120 s).
    pub ack_timeout: Duration,
    /// How long closing waits for the relay to finish the WebSocket close (5 s).
    pub close_timeout: Duration,
    /// The relay's access token (what `meshcast-relay` prints when shared on the network), sent
    /// as an `Authorization: Bearer` header. `None`: `$MESHCAST_TOKEN` when set, else no token.
    pub token: Option<String>,
    /// Connect with TLS (`wss://`) when `host` is not a full URL (false).
    pub tls: bool,
    /// Extra certificates (PEM) to trust for `wss://`, besides the usual web roots: a
    /// self-signed relay certificate or a private CA.
    pub tls_root_certs: Vec<Vec<u8>>,
}

impl std::fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectOptions")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("timeout", &self.timeout)
            .field("retry_interval", &self.retry_interval)
            .field("send_queue", &self.send_queue)
            .field("send_queue_bytes", &self.send_queue_bytes)
            .field("ack_timeout", &self.ack_timeout)
            .field("close_timeout", &self.close_timeout)
            .field("token", &self.token.as_ref().map(|_| "<hidden>"))
            .field("tls", &self.tls)
            .field("tls_root_certs", &self.tls_root_certs.len())
            .finish()
    }
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            host: "localhost".into(),
            port: DEFAULT_PORT,
            timeout: Duration::from_secs(10),
            retry_interval: Duration::from_millis(50),
            send_queue: 64,
            send_queue_bytes: 256 << 20,
            ack_timeout: Duration::from_secs(120),
            close_timeout: Duration::from_secs(5),
            token: None,
            tls: false,
            tls_root_certs: Vec::new(),
        }
    }
}

impl ConnectOptions {
    /// Defaults for `host`.
    pub fn new(host: impl Into<String>) -> Self {
        Self {
            host: host.into(),
            ..Self::default()
        }
    }

    /// Sets the port.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Sets how long connecting is retried.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Sets the pause between connection attempts.
    pub fn retry_interval(mut self, pause: Duration) -> Self {
        self.retry_interval = pause;
        self
    }

    /// Sets how many messages may be queued before a send waits.
    pub fn send_queue(mut self, messages: usize) -> Self {
        self.send_queue = messages;
        self
    }

    /// Sets how many bytes may be queued before a send waits.
    pub fn send_queue_bytes(mut self, bytes: usize) -> Self {
        self.send_queue_bytes = bytes;
        self
    }

    /// Sets how long a flush waits for its acknowledgement.
    pub fn ack_timeout(mut self, timeout: Duration) -> Self {
        self.ack_timeout = timeout;
        self
    }

    /// Sets how long closing waits.
    pub fn close_timeout(mut self, timeout: Duration) -> Self {
        self.close_timeout = timeout;
        self
    }

    /// Sets the relay's access token (sent as an `Authorization: Bearer` header).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.token = Some(token.into());
        self
    }

    /// Connects with TLS (`wss://`).
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }

    /// Trusts this certificate (PEM; one or more) for `wss://`, besides the usual web roots:
    /// for a relay with a self-signed certificate or one from a private CA.
    pub fn tls_root_cert(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.tls_root_certs.push(pem.into());
        self
    }

    /// The token to send: [`token`](Self::token), else a non-empty `$MESHCAST_TOKEN`.
    pub fn effective_token(&self) -> Option<String> {
        self.token
            .clone()
            .or_else(|| std::env::var("MESHCAST_TOKEN").ok())
            .filter(|t| !t.is_empty())
    }

    /// The WebSocket URL: `ws://HOST:PORT/` or, with [`tls`](Self::tls), `wss://HOST:PORT/`
    /// (IPv6 addresses in brackets).
    pub fn url(&self) -> String {
        let h = self.host.trim();
        if h.starts_with("ws://") || h.starts_with("wss://") {
            return h.to_owned();
        }
        let scheme = if self.tls { "wss" } else { "ws" };
        if h.contains(':') && !h.starts_with('[') {
            format!("{scheme}://[{h}]:{}/", self.port)
        } else {
            format!("{scheme}://{h}:{}/", self.port)
        }
    }
}

/// A message a viewer sent to this client (aitviewer's `Viewer.send_message`).
#[derive(Debug, Clone, PartialEq)]
pub struct ViewerMessage {
    /// The relay's id of the viewer that sent it.
    pub viewer: u64,
    /// What it sent: any value (the browser viewer sends maps such as
    /// `{"name": ..., "position": [x, y, z]}`).
    pub payload: Value,
}

/// The envelopes of the viewer-level calls, shared by both flavours.
pub(crate) mod envelopes {
    use super::*;

    pub(crate) fn set_frame(frame: i64) -> Envelope {
        Envelope::new(MessageType::SetFrame.code(), None).with_arg(Value::Int(frame))
    }

    pub(crate) fn next_frame() -> Envelope {
        Envelope::new(MessageType::NextFrame.code(), None)
    }

    pub(crate) fn previous_frame() -> Envelope {
        Envelope::new(MessageType::PreviousFrame.code(), None)
    }

    pub(crate) fn custom(msg_type: i64, uid: Option<Uid>, args: Vec<Value>, kwargs: Kwargs) -> Envelope {
        Envelope {
            msg_type,
            uid,
            args,
            kwargs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(ConnectOptions::default().url(), "ws://localhost:8417/");
        assert_eq!(ConnectOptions::new("::1").port(5).url(), "ws://[::1]:5/");
        assert_eq!(ConnectOptions::new("[::1]").url(), "ws://[::1]:8417/");
        assert_eq!(ConnectOptions::new("ws://h:1/x").url(), "ws://h:1/x");
        assert_eq!(ConnectOptions::new("h").tls(true).port(9).url(), "wss://h:9/");
        assert_eq!(
            ConnectOptions::new("wss://h:1/?token=abc").url(),
            "wss://h:1/?token=abc"
        );
    }

    #[test]
    fn token_is_kept_out_of_debug_output() {
        let opts = ConnectOptions::new("h").token("super-secret-token");
        assert_eq!(opts.effective_token().as_deref(), Some("super-secret-token"));
        let shown = format!("{opts:?}");
        assert!(
            !shown.contains("super-secret-token") && shown.contains("<hidden>"),
            "{shown}"
        );
    }

    #[test]
    fn set_frame_is_aitviewers_message() {
        let env = envelopes::set_frame(12);
        assert_eq!(
            (env.msg_type, env.uid, env.args.clone()),
            (200, None, vec![Value::Int(12)])
        );
        assert_eq!(envelopes::next_frame().msg_type, 201);
        assert_eq!(envelopes::previous_frame().msg_type, 202);
    }
}

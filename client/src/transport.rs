//! The connection to the relay: one WebSocket, a writer task fed by a bounded queue, and a
//! reader task that matches the relay's acknowledgements and errors to flushes.
//!
//! Sending is pipelined: a call encodes its message and puts it on the queue (waiting only when
//! the queue is full), the writer task writes frames in queue order and numbers them from 1 as
//! the relay does. A flush is a FLUSH message whose number the relay acknowledges once it has
//! handled everything before it; the relay's `Error` answers for messages before that number
//! are handed to the flush. When the link drops, every waiting flush fails and every later call
//! returns [`ClientError::Disconnected`], until the caller asks for a new link
//! ([`Core::reconnect`]): nothing is replayed on it.

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use meshcast_protocol::{decode, encode_envelope_bytes, Envelope, MessageType, RelayToClient};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot, watch, Notify, OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{Connector, MaybeTlsStream, WebSocketStream};

use crate::{ClientError, ConnectOptions, RemoteError, ViewerMessage};

mod record;

/// Messages from viewers kept until read; older ones are dropped beyond this.
const INBOX_CAPACITY: usize = 4096;
/// Rejections kept until the next flush; later ones are only counted beyond this.
const ERRORS_CAPACITY: usize = 1000;

type FlushReply = oneshot::Sender<Result<Vec<RemoteError>, ClientError>>;
type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// What the writer task is asked to do.
enum Outgoing {
    /// Write one binary frame; the permit holds its share of the queue's byte budget until
    /// it is written.
    Frame(Bytes, OwnedSemaphorePermit),
    /// Write a FLUSH message and register `reply` for its acknowledgement.
    Flush(FlushReply),
    /// Close the WebSocket and answer when the link is down.
    Close(oneshot::Sender<()>),
}

#[derive(Default)]
struct State {
    /// Why the link is down, once it is.
    down: Option<String>,
    /// `close()` was called.
    closed: bool,
    /// Flushes waiting for their acknowledgement, by sequence number.
    pending: BTreeMap<u64, FlushReply>,
    /// Rejections not yet handed to a flush.
    errors: Vec<RemoteError>,
    /// Rejections dropped because `errors` was full.
    errors_omitted: u64,
    /// Messages from viewers not yet read.
    inbox: VecDeque<ViewerMessage>,
}

/// State shared by the caller-side [`Core`] and the two tasks.
struct Shared {
    url: String,
    state: Mutex<State>,
    inbox_changed: Notify,
    link_down: watch::Sender<bool>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn disconnected(&self, reason: &str) -> ClientError {
        ClientError::Disconnected {
            url: self.url.clone(),
            reason: reason.to_owned(),
        }
    }

    /// Marks the link down: fails waiting flushes, wakes message readers and the writer.
    fn set_down(&self, reason: String) {
        let pending = {
            let mut st = self.state();
            if st.down.is_none() {
                if st.closed {
                    tracing::debug!(url = %self.url, "connection closed");
                } else {
                    tracing::warn!(url = %self.url, %reason, "connection to the relay lost");
                }
                st.down = Some(reason);
            }
            std::mem::take(&mut st.pending)
        };
        let reason = self.state().down.clone().unwrap_or_default();
        for (_, reply) in pending {
            let _ = reply.send(Err(self.disconnected(&reason)));
        }
        self.link_down.send_replace(true);
        self.inbox_changed.notify_waiters();
    }

    /// Handles one binary frame from the relay.
    fn on_reply(&self, bytes: &[u8]) {
        match decode::<RelayToClient>(bytes) {
            Ok(RelayToClient::Ack { seq }) => {
                let mut st = self.state();
                let rest = st.pending.split_off(&(seq + 1));
                let acked = std::mem::replace(&mut st.pending, rest);
                for (flush_seq, reply) in acked {
                    let (mut mine, later): (Vec<_>, Vec<_>) = std::mem::take(&mut st.errors)
                        .into_iter()
                        .partition(|e| e.seq < flush_seq);
                    st.errors = later;
                    if st.errors_omitted > 0 {
                        mine.push(RemoteError {
                            seq: flush_seq,
                            msg_type: None,
                            uid: None,
                            message: format!("and {} more rejected messages (not kept)", st.errors_omitted),
                        });
                        st.errors_omitted = 0;
                    }
                    let _ = reply.send(Ok(mine));
                }
            }
            Ok(RelayToClient::Error {
                seq,
                msg_type,
                uid,
                message,
            }) => {
                tracing::debug!(seq, ?msg_type, ?uid, %message, "relay rejected a message");
                let mut st = self.state();
                if st.errors.len() < ERRORS_CAPACITY {
                    st.errors.push(RemoteError {
                        seq,
                        msg_type,
                        uid,
                        message,
                    });
                } else {
                    st.errors_omitted += 1;
                }
            }
            Ok(RelayToClient::FromViewer { viewer, payload }) => {
                {
                    let mut st = self.state();
                    if st.inbox.len() >= INBOX_CAPACITY {
                        st.inbox.pop_front();
                        tracing::warn!("more than {INBOX_CAPACITY} unread messages from viewers; dropping the oldest");
                    }
                    st.inbox.push_back(ViewerMessage { viewer, payload });
                }
                self.inbox_changed.notify_waiters();
            }
            Err(e) => tracing::warn!(error = %e, "ignoring an unreadable message from the relay"),
        }
    }
}

/// One link to the relay: the state its tasks share and its writer task's queue.
#[derive(Clone)]
struct Link {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Outgoing>,
}

/// The caller's side of a connection, shared by a viewer and its node handles.
pub struct Core {
    /// The link now: replaced by [`Core::reconnect`].
    link: Mutex<Link>,
    /// The relay's URL as shown (without its query, which may hold the token).
    url: String,
    /// How to connect again; `None` for a recording.
    options: Option<ConnectOptions>,
    /// The send queue's byte budget, in KiB.
    budget: Arc<Semaphore>,
    budget_kib: u32,
    ack_timeout: Duration,
    close_timeout: Duration,
}

impl Core {
    /// Connects, retrying until `opts.timeout`, and starts the reader and writer tasks on the
    /// current tokio runtime.
    pub(crate) async fn connect(opts: &ConnectOptions) -> Result<Core, ClientError> {
        let link = open_link(opts).await?;
        let mut core = Core::from_parts(link.shared, link.tx, opts);
        core.options = Some(opts.clone());
        Ok(core)
    }

    /// The caller's side over a started writer task: its queue `tx` and the shared state, with
    /// the byte budget and timeouts of `opts`.
    fn from_parts(shared: Arc<Shared>, tx: mpsc::Sender<Outgoing>, opts: &ConnectOptions) -> Core {
        let budget_kib = u32::try_from(opts.send_queue_bytes / 1024).unwrap_or(u32::MAX).max(1);
        Core {
            url: shared.url.clone(),
            link: Mutex::new(Link { shared, tx }),
            options: None,
            budget: Arc::new(Semaphore::new(budget_kib as usize)),
            budget_kib,
            ack_timeout: opts.ack_timeout,
            close_timeout: opts.close_timeout,
        }
    }

    /// The link now.
    fn link(&self) -> Link {
        self.link.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// Opens a new connection to the relay when the link is down (a connection that is up is
    /// kept as it is). Nothing is sent again: what the relay acknowledged it has, and what was
    /// sent since the last successful flush is the caller's to send again if it wants to. The
    /// relay gives the new connection a new client id, so nodes made before are not this
    /// connection's to change; their data stays on the relay. Messages from viewers not yet
    /// read are kept.
    pub(crate) async fn reconnect(&self) -> Result<(), ClientError> {
        let Some(opts) = &self.options else {
            return Err(ClientError::Invalid(
                "a recording has no relay connection to reconnect".into(),
            ));
        };
        let old = self.link();
        if old.shared.state().down.is_none() && !old.shared.state().closed {
            return Ok(());
        }
        let new = open_link(opts).await?;
        let unread = std::mem::take(&mut old.shared.state().inbox);
        new.shared.state().inbox = unread;
        *self.link.lock().unwrap_or_else(PoisonError::into_inner) = new;
        Ok(())
    }

    /// The relay's URL.
    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// True while the link is up and `close()` was not called.
    pub(crate) fn is_connected(&self) -> bool {
        let link = self.link();
        let st = link.shared.state();
        st.down.is_none() && !st.closed
    }

    fn check_usable(link: &Link) -> Result<(), ClientError> {
        let st = link.shared.state();
        if st.closed {
            return Err(ClientError::Closed {
                url: link.shared.url.clone(),
            });
        }
        match &st.down {
            Some(reason) => Err(link.shared.disconnected(reason)),
            None => Ok(()),
        }
    }

    fn queue_error(link: &Link) -> ClientError {
        Self::check_usable(link)
            .err()
            .unwrap_or_else(|| link.shared.disconnected("the connection task stopped"))
    }

    async fn enqueue(link: &Link, item: Outgoing) -> Result<(), ClientError> {
        Self::check_usable(link)?;
        link.tx.send(item).await.map_err(|_| Self::queue_error(link))
    }

    /// Queues one encoded message (waits while the queue is full, by count or by bytes; a
    /// message larger than the whole byte budget waits for an empty queue).
    pub(crate) async fn send_bytes(&self, bytes: Bytes) -> Result<(), ClientError> {
        let link = self.link();
        Self::check_usable(&link)?;
        let kib = u32::try_from(bytes.len().div_ceil(1024))
            .unwrap_or(u32::MAX)
            .clamp(1, self.budget_kib);
        let permit = Arc::clone(&self.budget)
            .acquire_many_owned(kib)
            .await
            .map_err(|_| Self::queue_error(&link))?;
        Self::enqueue(&link, Outgoing::Frame(bytes, permit)).await
    }

    /// Encodes and queues an envelope.
    pub(crate) async fn send(&self, env: &Envelope) -> Result<(), ClientError> {
        self.send_bytes(encode_envelope_bytes(env)).await
    }

    /// Waits until the relay has handled everything sent so far; returns what it rejected.
    pub(crate) async fn flush(&self) -> Result<(), ClientError> {
        let link = self.link();
        let (reply, answer) = oneshot::channel();
        Self::enqueue(&link, Outgoing::Flush(reply)).await?;
        match tokio::time::timeout(self.ack_timeout, answer).await {
            Err(_) => Err(ClientError::Timeout {
                url: self.url.clone(),
                what: "a flush",
                after: self.ack_timeout,
            }),
            Ok(Err(_)) => Err(Self::queue_error(&link)),
            Ok(Ok(Err(e))) => Err(e),
            Ok(Ok(Ok(errors))) if errors.is_empty() => Ok(()),
            Ok(Ok(Ok(errors))) => Err(ClientError::Rejected(errors)),
        }
    }

    /// Flushes, then closes the WebSocket. Returns the flush's result; closing twice is fine.
    pub(crate) async fn close(&self) -> Result<(), ClientError> {
        let link = self.link();
        if link.shared.state().closed {
            return Ok(());
        }
        let flushed = if self.is_connected() {
            self.flush().await
        } else {
            Ok(())
        };
        if let Err(e) = &flushed {
            tracing::warn!(error = %e, "closing the connection");
        }
        link.shared.state().closed = true;
        let (done, finished) = oneshot::channel();
        if link.tx.send(Outgoing::Close(done)).await.is_ok() {
            let _ = tokio::time::timeout(self.close_timeout, finished).await;
        }
        flushed
    }

    /// The next message a viewer sent: waits for one when `block` (until the link is down),
    /// else returns what is queued.
    pub(crate) async fn next_message(&self, block: bool) -> Option<ViewerMessage> {
        let shared = self.link().shared;
        loop {
            let notified = shared.inbox_changed.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut st = shared.state();
                if let Some(m) = st.inbox.pop_front() {
                    return Some(m);
                }
                if !block || st.down.is_some() || st.closed {
                    return None;
                }
            }
            notified.await;
        }
    }
}

/// Connects, retrying until `opts.timeout`, and starts a link's reader and writer tasks on the
/// current tokio runtime.
async fn open_link(opts: &ConnectOptions) -> Result<Link, ClientError> {
    let ws = connect_with_retry(&opts.url(), opts).await?;
    // Messages and errors show the URL without its query (which may hold the token).
    let url = shown_url(&opts.url());
    tracing::info!(%url, "connected to the meshcast relay");
    let (sink, stream) = ws.split();
    let (tx, rx) = mpsc::channel(opts.send_queue.max(1));
    let (down_tx, down_rx) = watch::channel(false);
    let shared = Arc::new(Shared {
        url,
        state: Mutex::new(State::default()),
        inbox_changed: Notify::new(),
        link_down: down_tx,
    });
    tokio::spawn(read_loop(stream, Arc::clone(&shared)));
    tokio::spawn(write_loop(sink, rx, Arc::clone(&shared), down_rx, opts.close_timeout));
    Ok(Link { shared, tx })
}

/// The FLUSH message.
fn flush_frame() -> Bytes {
    encode_envelope_bytes(&Envelope::new(MessageType::Flush.code(), None))
}

/// `url` without its query (which may hold the access token).
pub(crate) fn shown_url(url: &str) -> String {
    url.split('?').next().unwrap_or(url).to_owned()
}

/// The rustls client configuration for `wss://`: the webpki roots plus the extra certificates
/// of the options, with the ring provider.
fn tls_connector(opts: &ConnectOptions) -> Result<Connector, ClientError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut roots = rustls::RootCertStore::empty();
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    for pem in &opts.tls_root_certs {
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ClientError::Tls(format!("cannot read a root certificate: {e}")))?;
        if certs.is_empty() {
            return Err(ClientError::Tls("a root certificate holds no PEM certificate".into()));
        }
        for cert in certs {
            roots
                .add(cert)
                .map_err(|e| ClientError::Tls(format!("cannot use a root certificate: {e}")))?;
        }
    }
    let config =
        rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(rustls::crypto::ring::default_provider()))
            .with_safe_default_protocol_versions()
            .map_err(|e| ClientError::Tls(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
    Ok(Connector::Rustls(Arc::new(config)))
}

/// One failed attempt: why, and whether trying again may help (`fatal` holds the error to
/// return at once when it cannot).
struct Failure {
    retry: bool,
    fatal: Option<ClientError>,
    refused: Option<(u16, String)>,
    reason: String,
}

impl Failure {
    fn fatal(error: ClientError) -> Self {
        Self {
            retry: false,
            reason: error.to_string(),
            fatal: Some(error),
            refused: None,
        }
    }
}

fn tls_failure(e: &dyn std::fmt::Display) -> Failure {
    Failure::fatal(ClientError::Tls(format!(
        "{e} (for a self-signed relay certificate or a private CA, trust it with ConnectOptions::tls_root_cert)"
    )))
}

async fn connect_once(url: &str, opts: &ConnectOptions, config: WebSocketConfig) -> Result<Ws, Failure> {
    let bad_url = |reason: String| {
        Failure::fatal(ClientError::Connect {
            url: shown_url(url),
            timeout: Duration::ZERO,
            reason,
        })
    };
    let mut request = url.into_client_request().map_err(|e| bad_url(e.to_string()))?;
    if let Some(token) = opts.effective_token() {
        let value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| bad_url("the access token holds characters a header cannot carry".into()))?;
        request.headers_mut().insert("authorization", value);
    }
    let connector = if url.starts_with("wss://") {
        Some(tls_connector(opts).map_err(Failure::fatal)?)
    } else {
        None
    };
    match tokio_tungstenite::connect_async_tls_with_config(request, Some(config), true, connector).await {
        Ok((ws, _response)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            let status = response.status().as_u16();
            let body = response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).trim().to_owned())
                .filter(|b| !b.is_empty())
                .unwrap_or_else(|| response.status().to_string());
            Err(Failure {
                // 503: no free connection right now; 401/403 will not change by retrying.
                retry: status == 503,
                fatal: None,
                refused: Some((status, body.clone())),
                reason: format!("HTTP {status}: {body}"),
            })
        }
        // A certificate the client does not trust will not change by retrying either.
        Err(tokio_tungstenite::tungstenite::Error::Tls(e)) => Err(tls_failure(&e)),
        Err(tokio_tungstenite::tungstenite::Error::Io(e))
            if e.get_ref().is_some_and(|inner| inner.is::<rustls::Error>()) =>
        {
            Err(tls_failure(&e))
        }
        Err(e) => Err(Failure {
            retry: true,
            fatal: None,
            refused: None,
            reason: e.to_string(),
        }),
    }
}

async fn connect_with_retry(url: &str, opts: &ConnectOptions) -> Result<Ws, ClientError> {
    let deadline = Instant::now() + opts.timeout;
    // Replies are small, but a viewer may send anything back: allow large messages.
    let config = WebSocketConfig::default()
        .max_message_size(Some(1 << 30))
        .max_frame_size(Some(1 << 30));
    let shown = shown_url(url);
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let left = deadline
            .saturating_duration_since(Instant::now())
            .max(Duration::from_millis(100));
        let failure = match tokio::time::timeout(left, connect_once(url, opts, config)).await {
            Ok(Ok(ws)) => return Ok(ws),
            Ok(Err(f)) => f,
            Err(_) => Failure {
                retry: true,
                fatal: None,
                refused: None,
                reason: "timed out".to_owned(),
            },
        };
        tracing::debug!(url = %shown, attempt, failure = %failure.reason, "connecting to the relay");
        let now = Instant::now();
        if let Some(error) = failure.fatal {
            return Err(error);
        }
        if !failure.retry || now >= deadline {
            if let Some((status, reason)) = failure.refused {
                return Err(ClientError::Refused {
                    url: shown,
                    status,
                    reason,
                });
            }
            return Err(ClientError::Connect {
                url: shown,
                timeout: opts.timeout,
                reason: failure.reason,
            });
        }
        tokio::time::sleep(opts.retry_interval.min(deadline - now)).await;
    }
}

async fn read_loop(mut stream: futures_util::stream::SplitStream<Ws>, shared: Arc<Shared>) {
    let reason = loop {
        match stream.next().await {
            None => break "the relay closed the connection".to_owned(),
            Some(Err(e)) => break e.to_string(),
            Some(Ok(Message::Binary(b))) => shared.on_reply(&b),
            Some(Ok(Message::Close(frame))) => {
                break match frame {
                    Some(f) if !f.reason.is_empty() => format!("the relay closed the connection: {}", f.reason),
                    _ => "the relay closed the connection".to_owned(),
                }
            }
            // Pings are answered by tungstenite; text frames are not part of the protocol.
            Some(Ok(_)) => {}
        }
    };
    shared.set_down(reason);
}

async fn write_loop(
    mut sink: futures_util::stream::SplitSink<Ws, Message>,
    mut rx: mpsc::Receiver<Outgoing>,
    shared: Arc<Shared>,
    mut down: watch::Receiver<bool>,
    close_timeout: Duration,
) {
    let mut seq = 0u64;
    let failure: Option<String> = loop {
        let item = tokio::select! {
            item = rx.recv() => item,
            _ = down.wait_for(|d| *d) => break None,
        };
        let written = match item {
            Some(Outgoing::Frame(bytes, permit)) => {
                seq += 1;
                let written = sink.feed(Message::Binary(bytes)).await;
                drop(permit);
                written
            }
            Some(Outgoing::Flush(reply)) => {
                seq += 1;
                // Registered before the FLUSH is written, so its Ack always finds it.
                shared.state().pending.insert(seq, reply);
                sink.feed(Message::Binary(flush_frame())).await
            }
            Some(Outgoing::Close(done)) => {
                let _ = sink.send(Message::Close(None)).await;
                let _ = tokio::time::timeout(close_timeout, down.wait_for(|d| *d)).await;
                let _ = sink.close().await;
                let _ = done.send(());
                break Some("closed".to_owned());
            }
            None => {
                // Every handle is gone: what was queued is written; say goodbye.
                let _ = sink.send(Message::Close(None)).await;
                let _ = tokio::time::timeout(close_timeout, down.wait_for(|d| *d)).await;
                break Some("closed".to_owned());
            }
        };
        if let Err(e) = written {
            break Some(e.to_string());
        }
        if rx.is_empty() {
            if let Err(e) = sink.flush().await {
                break Some(e.to_string());
            }
        }
    };
    if let Some(reason) = failure {
        shared.set_down(reason);
    }
}

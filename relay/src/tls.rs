//! TLS (wss:// and https://) with rustls and its ring provider, and the listener the relay
//! serves on: plain TCP, or TCP with a TLS handshake per connection.
//!
//! Handshakes run in their own tasks (at most [`MAX_HANDSHAKES`] at once, each given
//! [`HANDSHAKE_TIMEOUT`]), so a slow or silent peer never holds up the others.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio_rustls::server::TlsStream;
use tokio_rustls::TlsAcceptor;
use tokio_util::either::Either;
use tracing::{debug, warn};

/// TLS handshakes in progress at once; connections beyond are closed at once.
pub const MAX_HANDSHAKES: usize = 128;
/// How long a peer has to finish its TLS handshake.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// Why the certificate or key could not be used.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate file could not be read or holds no certificate.
    #[error("cannot read the TLS certificate {path}: {reason}")]
    Cert {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// The key file could not be read or holds no private key.
    #[error("cannot read the TLS private key {path}: {reason}")]
    Key {
        /// The file.
        path: String,
        /// Why.
        reason: String,
    },
    /// rustls refused the pair (for example a key that does not match the certificate).
    #[error("cannot use the TLS certificate and key: {0}")]
    Config(String),
}

/// A rustls server configuration (ring provider, TLS 1.2 and 1.3, HTTP/1.1 only so browsers
/// open WebSockets the usual way) from PEM files: a certificate chain (leaf first) and a
/// private key (PKCS#8, PKCS#1 or SEC1).
pub fn load_server_config(cert: &Path, key: &Path) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| TlsError::Cert {
            path: cert.display().to_string(),
            reason: e.to_string(),
        })?;
    if certs.is_empty() {
        return Err(TlsError::Cert {
            path: cert.display().to_string(),
            reason: "no PEM certificate in it".into(),
        });
    }
    let key_der = PrivateKeyDer::from_pem_file(key).map_err(|e| TlsError::Key {
        path: key.display().to_string(),
        reason: e.to_string(),
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| TlsError::Config(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key_der)
        .map_err(|e| TlsError::Config(e.to_string()))?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// A connection as the relay sees it: plain TCP or TLS over TCP.
pub type RelayIo = Either<TcpStream, TlsStream<TcpStream>>;

/// The peer address of a connection (axum's `ConnectInfo` for [`RelayListener`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerAddr(pub SocketAddr);

impl Connected<IncomingStream<'_, RelayListener>> for PeerAddr {
    fn connect_info(stream: IncomingStream<'_, RelayListener>) -> Self {
        PeerAddr(*stream.remote_addr())
    }
}

/// The relay's listener: accepts TCP connections and, with TLS, hands them on once their
/// handshake is done.
pub struct RelayListener {
    tcp: TcpListener,
    tls: Option<TlsState>,
}

struct TlsState {
    acceptor: TlsAcceptor,
    done_tx: mpsc::Sender<(RelayIo, SocketAddr)>,
    done_rx: mpsc::Receiver<(RelayIo, SocketAddr)>,
    handshakes: Arc<Semaphore>,
}

impl RelayListener {
    /// Serves `tcp` as it is, or with TLS when `tls` is given.
    pub fn new(tcp: TcpListener, tls: Option<Arc<ServerConfig>>) -> Self {
        let tls = tls.map(|config| {
            let (done_tx, done_rx) = mpsc::channel(MAX_HANDSHAKES);
            TlsState {
                acceptor: TlsAcceptor::from(config),
                done_tx,
                done_rx,
                handshakes: Arc::new(Semaphore::new(MAX_HANDSHAKES)),
            }
        });
        Self { tcp, tls }
    }

    /// Accepts the next TCP connection, with Nagle's algorithm off ([`no_delay`]).
    async fn accept_tcp(tcp: &TcpListener) -> (TcpStream, SocketAddr) {
        loop {
            match tcp.accept().await {
                Ok((stream, peer)) => {
                    no_delay(&stream, peer);
                    return (stream, peer);
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait instead of spinning.
                    warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    }
}

/// Turns Nagle's algorithm off on an accepted connection: the relay writes whole messages (a
/// batch of viewer frames, an acknowledgement) and flushes them itself, so the kernel should
/// send them at once instead of holding each write's last partial segment back until the
/// previous one is acknowledged.
fn no_delay(stream: &TcpStream, peer: SocketAddr) {
    if let Err(e) = stream.set_nodelay(true) {
        debug!(%peer, error = %e, "cannot turn Nagle's algorithm off");
    }
}

impl Listener for RelayListener {
    type Io = RelayIo;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let Some(tls) = &mut self.tls else {
            let (tcp, peer) = Self::accept_tcp(&self.tcp).await;
            return (Either::Left(tcp), peer);
        };
        loop {
            tokio::select! {
                done = tls.done_rx.recv() => {
                    if let Some(done) = done {
                        return done;
                    }
                }
                (tcp, peer) = Self::accept_tcp(&self.tcp) => {
                    let Ok(permit) = Arc::clone(&tls.handshakes).try_acquire_owned() else {
                        warn!(%peer, "too many TLS handshakes in progress; connection closed");
                        continue;
                    };
                    let acceptor = tls.acceptor.clone();
                    let done = tls.done_tx.clone();
                    tokio::spawn(async move {
                        match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                            Ok(Ok(stream)) => {
                                let _ = done.send((Either::Right(stream), peer)).await;
                            }
                            Ok(Err(e)) => warn!(%peer, error = %e, "TLS handshake failed (is the client using ws:// or http:// instead of wss:// or https://?)"),
                            Err(_) => warn!(%peer, "TLS handshake timed out"),
                        }
                        drop(permit);
                        debug!(%peer, "TLS handshake task done");
                    });
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn accepted_connections_have_nagle_off() {
        let tcp = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = tcp.local_addr().unwrap();
        let mut listener = RelayListener::new(tcp, None);
        let client = TcpStream::connect(addr).await.unwrap();
        let (io, peer) = listener.accept().await;
        assert_eq!(peer, client.local_addr().unwrap());
        let Either::Left(stream) = io else {
            panic!("a plain listener handed on a TLS stream")
        };
        assert!(stream.nodelay().unwrap());
    }
}

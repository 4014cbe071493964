//! The meshcast relay: producer clients send scene messages over WebSocket
//! (`ws://HOST:PORT/`), the relay validates them, keeps the scene and forwards every accepted
//! message to all browser viewers (`ws://HOST:PORT/viewer`); a viewer that joins late first gets
//! a snapshot of the scene. It also serves the built viewer over HTTP.
//!
//! Layout: [`cli`] (command line) and [`config`] (settings); `http` (routes, static files);
//! `client` (one producer connection: read, decode, reply); `viewer` (one viewer connection:
//! snapshot and live messages, lagging); `hub` (the task that owns the scene);
//! [`wire`] (MessagePack or pickle per connection). See `docs/relay.md`.

pub mod cli;
mod client;
pub mod config;
mod http;
mod hub;
mod viewer;
pub mod wire;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::{info, warn};

pub use config::Config;

/// Why the relay stopped with an error.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// Serving or starting failed.
    #[error("relay I/O error: {0}")]
    Io(#[from] std::io::Error),
}

/// How long shutdown waits for open connections to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Runs the relay on `listener` until `shutdown` completes, then closes every connection
/// (WebSocket close frames) and returns.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RelayError> {
    let addr = listener.local_addr()?;
    let config = Arc::new(config);
    let (hub, hub_thread) = hub::spawn(Arc::clone(&config))?;
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let state = http::AppState {
        hub,
        config: Arc::clone(&config),
        next_client: Arc::new(AtomicU64::new(1)),
        next_viewer: Arc::new(AtomicU64::new(1)),
        shutdown: cancel.clone(),
        tasks: tasks.clone(),
    };
    info!(
        %addr,
        clients = %format!("ws://{addr}{}", meshcast_protocol::CLIENT_PATH),
        viewers = %format!("ws://{addr}{}", meshcast_protocol::VIEWER_PATH),
        dist = ?config.dist,
        max_message_size = config.max_message_size,
        "meshcast relay listening"
    );
    let app = http::router(state).into_make_service_with_connect_info::<SocketAddr>();
    let stop = cancel.clone();
    let served = axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            shutdown.await;
            info!("shutting down: closing connections");
            stop.cancel();
        })
        .await;
    cancel.cancel();
    tasks.close();
    if tokio::time::timeout(SHUTDOWN_GRACE, tasks.wait()).await.is_err() {
        warn!("connections still open after {SHUTDOWN_GRACE:?}; stopping anyway");
    } else {
        // Every hub handle is gone now: the hub thread ends.
        let _ = tokio::task::spawn_blocking(move || hub_thread.join()).await;
    }
    info!("relay stopped");
    served.map_err(RelayError::from)
}

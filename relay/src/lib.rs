//! The meshcast relay: producer clients send scene messages over WebSocket
//! (`ws://HOST:PORT/`), the relay validates them, keeps the scene and forwards every accepted
//! message to all browser viewers (`ws://HOST:PORT/viewer`); a viewer that joins late first gets
//! a snapshot of the scene. It also serves the built viewer over HTTP.
//!
//! Layout: [`cli`] (command line) and [`config`] (settings); `http` (routes, admission);
//! [`access`] (token, loopback and Origin rules); [`tls`] (rustls, the listener); [`limits`]
//! (rate limiter, connection slots); [`statics`] (static files that stay in their folder);
//! [`models`] (SMPL model files: `--smpl-models`, `/models/`, the missing-model check);
//! `client` (one producer connection: read, decode, reply); `viewer` (one viewer connection:
//! snapshot and live messages, lagging); `hub` (the task that owns the scene);
//! [`wire`] (MessagePack or pickle per connection); [`scene_log`] (`--record`, `--data-dir`,
//! `--replay`: the scene as a fold over a log with a file behind it); [`federation`] (`--nats`:
//! several relays serving one scene, the log a NATS JetStream stream). See `docs/relay.md`,
//! `docs/security.md` and `docs/deployment.md`.

pub mod access;
pub mod assets;
pub mod cli;
mod client;
pub mod config;
mod cors;
pub mod federation;
mod http;
mod hub;
pub mod limits;
mod log_writer;
pub mod models;
pub mod scene_log;
pub mod statics;
pub mod tls;
mod viewer;
pub mod wire;

use std::future::Future;
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
    /// The scene log (`--record`, `--data-dir`, `--replay`) could not be opened.
    #[error(transparent)]
    Log(#[from] scene_log::LogError),
    /// Federation over NATS (`--nats`) could not start.
    #[error(transparent)]
    Federation(#[from] federation::FederationError),
}

/// How long shutdown waits for open connections to close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Runs the relay on `listener` (with TLS when `config.tls` is set) until `shutdown`
/// completes, then closes every connection (WebSocket close frames) and returns.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RelayError> {
    let addr = listener.local_addr()?;
    let mut config = config;
    // Static files are checked against the folder's real path (symlinks resolved).
    config.dist = config.dist.take().and_then(|d| match d.canonicalize() {
        Ok(real) => Some(real),
        Err(e) => {
            warn!(dist = %d.display(), error = %e, "cannot open the viewer folder; not serving it");
            None
        }
    });
    config.smpl_models = models::canonical_folder(config.smpl_models.take(), "--smpl-models", "serving no SMPL models");
    config.assets = models::canonical_folder(
        config.assets.take(),
        "--assets",
        "textures named by path will not be read",
    );
    let start = scene_log::start(
        config.record.as_deref(),
        config.data_dir.as_deref(),
        config.replay.as_deref(),
        config.fsync,
        config.record_zstd,
    )?;
    let federated = match &config.nats {
        Some(nats) => Some(federation::start(nats).await?),
        None => None,
    };
    let config = Arc::new(config);
    let log = start.log.map(log_writer::LogWriter::spawn).transpose()?;
    let cancel = CancellationToken::new();
    let tasks = TaskTracker::new();
    let mut next_client = start.next_client;
    let mut next_viewer = 1;
    let mut scene = start.scene;
    let mut publisher = None;
    let mut stream_start = None;
    let fed = match federated {
        Some(mut started) => {
            let relay = started.relay;
            scene = std::mem::take(&mut started.restart.scene);
            next_client = federation::first_id(relay);
            next_viewer = federation::first_id(relay);
            let (outbound, outbound_rx) = tokio::sync::mpsc::channel(federation::publisher::QUEUE);
            publisher = Some(federation::publisher::spawn(started.link.clone(), relay, outbound_rx));
            let parts = hub::FederatedParts {
                relay,
                outbound,
                snapshots: federation::snapshots::spawn_writer(started.link.clone(), relay),
                max_payload: started.link.client.server_info().max_payload,
                zstd: config.record_zstd,
                snapshot_bytes: config
                    .nats
                    .as_ref()
                    .map_or(federation::DEFAULT_SNAPSHOT_BYTES, |n| n.snapshot_bytes),
            };
            let fed = hub::Federated::new(parts, &started.restart);
            stream_start = Some((started.link, relay, started.restart.seq));
            Some(fed)
        }
        None => None,
    };
    let (hub, hub_thread) = hub::spawn(Arc::clone(&config), scene, log, fed)?;
    if let Some((link, relay, after)) = stream_start {
        federation::to_clients::subscribe(link.clone(), relay, hub.clone(), cancel.clone()).await?;
        tokio::spawn(federation::consumer::run(link, hub.clone(), after, cancel.clone()));
    }
    let state = http::AppState {
        hub,
        config: Arc::clone(&config),
        next_client: Arc::new(AtomicU64::new(next_client)),
        next_viewer: Arc::new(AtomicU64::new(next_viewer)),
        slots: limits::ConnectionSlots::new(config.max_connections),
        shutdown: cancel.clone(),
        tasks: tasks.clone(),
    };
    let ws = if config.tls.is_some() { "wss" } else { "ws" };
    info!(
        %addr,
        clients = %format!("{ws}://{addr}{}", meshcast_protocol::CLIENT_PATH),
        viewers = %format!("{ws}://{addr}{}", meshcast_protocol::VIEWER_PATH),
        tls = config.tls.is_some(),
        token = if config.access.token.is_some() { if config.access.require_token_on_loopback { "everyone" } else { "other hosts" } } else { "off" },
        allow_tokenless_pickle = config.access.allow_tokenless_pickle,
        dist = ?config.dist,
        smpl_models = ?config.smpl_models,
        assets = ?config.assets,
        max_message_size = config.max_message_size,
        max_scene_bytes = config.max_scene_bytes,
        max_connections = config.max_connections,
        max_messages_per_second = config.max_messages_per_second,
        record = ?config.record,
        data_dir = ?config.data_dir,
        replay = ?config.replay,
        nats = ?config.nats.as_ref().map(|n| &n.url),
        scene = ?config.nats.as_ref().map(|n| &n.scene),
        "meshcast relay listening"
    );
    let listener = tls::RelayListener::new(listener, config.tls.clone());
    let app = http::router(state).into_make_service_with_connect_info::<tls::PeerAddr>();
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
        // The hub is gone: the publisher sends what it was given (disconnects included).
        if let Some(publisher) = publisher {
            if tokio::time::timeout(SHUTDOWN_GRACE, publisher).await.is_err() {
                warn!("records still unacknowledged by JetStream after {SHUTDOWN_GRACE:?}; stopping anyway");
            }
        }
    }
    info!("relay stopped");
    served.map_err(RelayError::from)
}

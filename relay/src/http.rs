//! HTTP routes: the two WebSocket endpoints, `/healthz`, and the built viewer's static files.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_http::services::ServeDir;
use tracing::warn;

use crate::config::Config;
use crate::hub::HubHandle;
use crate::wire::WireFormat;
use crate::{client, viewer};

/// Shared by every request handler.
#[derive(Clone)]
pub struct AppState {
    /// The hub.
    pub hub: HubHandle,
    /// Settings.
    pub config: Arc<Config>,
    /// Next connection id (clients and viewers count separately, from 1).
    pub next_client: Arc<AtomicU64>,
    /// Next viewer id.
    pub next_viewer: Arc<AtomicU64>,
    /// Cancelled on shutdown.
    pub shutdown: CancellationToken,
    /// Tracks WebSocket connection tasks so shutdown can wait for them.
    pub tasks: TaskTracker,
}

/// Query parameters of the producer endpoint.
#[derive(Debug, serde::Deserialize)]
pub struct ClientQuery {
    /// `msgpack` or `pickle`: the format to assume before the first frame.
    pub format: Option<String>,
}

/// The relay's routes.
pub fn router(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    let router = Router::new()
        .route(meshcast_protocol::CLIENT_PATH, get(client_endpoint))
        .route(meshcast_protocol::VIEWER_PATH, get(viewer_endpoint))
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state);
    match dist {
        Some(dir) => router.fallback_service(ServeDir::new(dir)),
        None => router,
    }
}

/// `GET /`: a producer WebSocket, or the viewer page for a browser.
async fn client_endpoint(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<ClientQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        return index_page(st.config.dist.as_ref()).await;
    };
    let user_agent = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok());
    let ctx = client::ClientCtx {
        id: st.next_client.fetch_add(1, Ordering::SeqCst),
        peer,
        guess: WireFormat::guess(query.format.as_deref(), user_agent),
        hub: st.hub.clone(),
        config: Arc::clone(&st.config),
        shutdown: st.shutdown.clone(),
    };
    let tasks = st.tasks.clone();
    limits(ws, &st.config).on_upgrade(move |socket| tasks.track_future(client::serve(socket, ctx)))
}

/// `GET /viewer`: a viewer WebSocket, or the viewer page.
async fn viewer_endpoint(
    State(st): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let Ok(ws) = ws else {
        return index_page(st.config.dist.as_ref()).await;
    };
    let ctx = viewer::ViewerCtx {
        id: st.next_viewer.fetch_add(1, Ordering::SeqCst),
        peer,
        hub: st.hub.clone(),
        config: Arc::clone(&st.config),
        shutdown: st.shutdown.clone(),
    };
    let tasks = st.tasks.clone();
    limits(ws, &st.config).on_upgrade(move |socket| tasks.track_future(viewer::serve(socket, ctx)))
}

/// Explicit size limits: never tungstenite's 16/64 MiB defaults.
fn limits(ws: WebSocketUpgrade, config: &Config) -> WebSocketUpgrade {
    ws.max_message_size(config.max_message_size)
        .max_frame_size(config.max_message_size)
}

/// `dist/index.html`, or a page that says how to build the viewer.
async fn index_page(dist: Option<&PathBuf>) -> Response {
    if let Some(dir) = dist {
        let path = dir.join("index.html");
        match tokio::fs::read_to_string(&path).await {
            Ok(html) => return Html(html).into_response(),
            Err(e) => warn!(path = %path.display(), error = %e, "cannot read the viewer's index.html"),
        }
    }
    (StatusCode::OK, Html(NO_VIEWER_PAGE)).into_response()
}

const NO_VIEWER_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>meshcast relay</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 2em auto">
<h1>meshcast relay</h1>
<p>The relay is running: producer clients connect to <code>ws://HOST:PORT/</code>,
viewers to <code>ws://HOST:PORT/viewer</code>.</p>
<p>The browser viewer has not been built (no <code>dist/index.html</code>). Build it with
<code>trunk build --release</code> in the meshcast workspace (it writes <code>dist/</code>), then
restart the relay, or pass <code>--dist DIR</code>.</p>
</body></html>
"#;

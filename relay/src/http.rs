//! HTTP routes: the two WebSocket endpoints, `/healthz`, SMPL model files (`/models/`), and the
//! built viewer's static files;
//! and admission: every WebSocket upgrade and page load passes the access rules
//! ([`crate::access`]) and the connection limit first, or is refused with a status and a reason.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{ConnectInfo, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::warn;

use crate::access::{Admission, Endpoint, Refusal, RequestFacts};
use crate::config::Config;
use crate::hub::HubHandle;
use crate::limits::{ConnectionSlots, Slot};
use crate::tls::PeerAddr;
use crate::wire::WireFormat;
use crate::{client, cors, statics, viewer};

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
    /// Open WebSocket connections, limited by `--max-connections`.
    pub slots: ConnectionSlots,
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
    /// The access token.
    pub token: Option<String>,
}

/// Query parameters of the viewer endpoint.
#[derive(Debug, serde::Deserialize)]
pub struct ViewerQuery {
    /// The access token.
    pub token: Option<String>,
    /// `?announce=N` ([`meshcast_protocol::ANNOUNCE_QUERY`]): announce writes of at least `N`
    /// bytes with a [`meshcast_protocol::RelayToViewer::Incoming`].
    pub announce: Option<u64>,
}

/// The relay's routes.
pub fn router(state: AppState) -> Router {
    let dist = state.config.dist.clone();
    let router = Router::new()
        .route(meshcast_protocol::CLIENT_PATH, get(client_endpoint))
        .route(meshcast_protocol::VIEWER_PATH, get(viewer_endpoint))
        .route("/healthz", get(|| async { "ok" }))
        .route("/models/{*path}", get(models_endpoint).options(models_preflight))
        .with_state(state);
    match dist {
        Some(dir) => router.fallback(move |req: Request<Body>| {
            let dir = dir.clone();
            async move { statics::serve(&dir, req).await }
        }),
        None => router,
    }
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Applies the access rules; `Err` is the response that refuses the request.
fn admit(
    st: &AppState,
    peer: SocketAddr,
    endpoint: Endpoint,
    path: &str,
    token: Option<&str>,
    headers: &HeaderMap,
) -> Result<Admission, Box<Response>> {
    let facts = RequestFacts {
        peer: peer.ip(),
        endpoint,
        query_token: token,
        authorization: header_str(headers, header::AUTHORIZATION),
        origin: header_str(headers, header::ORIGIN),
        host: header_str(headers, header::HOST),
    };
    match st.config.access.check(&facts) {
        Admission::Refused(refusal) => Err(Box::new(refuse(peer, path, endpoint, &refusal))),
        admitted => Ok(admitted),
    }
}

/// The response for a refused request, logged with the peer's address.
fn refuse(peer: SocketAddr, path: &str, endpoint: Endpoint, r: &Refusal) -> Response {
    warn!(%peer, path, status = r.status, reason = %r.reason, "request refused");
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::FORBIDDEN);
    if endpoint == Endpoint::Page {
        let page = format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>meshcast relay</title></head>\n\
             <body style=\"font-family: sans-serif; max-width: 40em; margin: 2em auto\">\n\
             <h1>meshcast relay</h1>\n<p>{}</p>\n</body></html>\n",
            html_escape(&r.reason)
        );
        (status, Html(page)).into_response()
    } else {
        (status, r.reason.clone()).into_response()
    }
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// Takes a connection slot, or the 503 response that refuses the connection.
fn take_slot(st: &AppState, peer: SocketAddr, path: &str) -> Result<Slot, Box<Response>> {
    st.slots.try_take().ok_or_else(|| {
        let reason = format!(
            "the relay has reached its limit of {} open connections (--max-connections); try again later",
            st.slots.max()
        );
        warn!(%peer, path, reason = %reason, "connection refused");
        Box::new((StatusCode::SERVICE_UNAVAILABLE, reason).into_response())
    })
}

/// `GET /`: a producer WebSocket, or the viewer page for a browser.
async fn client_endpoint(
    State(st): State<AppState>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    Query(query): Query<ClientQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let path = meshcast_protocol::CLIENT_PATH;
    let endpoint = if ws.is_ok() { Endpoint::Producer } else { Endpoint::Page };
    let admission = match admit(&st, peer, endpoint, path, query.token.as_deref(), &headers) {
        Ok(a) => a,
        Err(refused) => return *refused,
    };
    let Ok(ws) = ws else {
        return index_page(st.config.dist.as_deref()).await;
    };
    if let Some(file) = &st.config.replay {
        let refusal = Refusal {
            status: 403,
            reason: format!(
                "this relay replays the recording {} (--replay) and accepts no producer clients",
                file.display()
            ),
        };
        return refuse(peer, path, endpoint, &refusal);
    }
    let slot = match take_slot(&st, peer, path) {
        Ok(slot) => slot,
        Err(refused) => return *refused,
    };
    let user_agent = header_str(&headers, header::USER_AGENT);
    let pickle_only = admission == Admission::PickleOnly;
    let guess = if pickle_only {
        WireFormat::Pickle
    } else {
        WireFormat::guess(query.format.as_deref(), user_agent)
    };
    let ctx = client::ClientCtx {
        id: st.next_client.fetch_add(1, Ordering::SeqCst),
        peer,
        guess,
        pickle_only,
        hub: st.hub.clone(),
        config: Arc::clone(&st.config),
        shutdown: st.shutdown.clone(),
        slot,
    };
    let tasks = st.tasks.clone();
    limits(ws, &st.config).on_upgrade(move |socket| tasks.track_future(client::serve(socket, ctx)))
}

/// `GET /viewer`: a viewer WebSocket, or the viewer page.
async fn viewer_endpoint(
    State(st): State<AppState>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    Query(query): Query<ViewerQuery>,
    headers: HeaderMap,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let path = meshcast_protocol::VIEWER_PATH;
    let endpoint = if ws.is_ok() { Endpoint::Viewer } else { Endpoint::Page };
    if let Err(refused) = admit(&st, peer, endpoint, path, query.token.as_deref(), &headers) {
        return *refused;
    }
    let Ok(ws) = ws else {
        return index_page(st.config.dist.as_deref()).await;
    };
    let slot = match take_slot(&st, peer, path) {
        Ok(slot) => slot,
        Err(refused) => return *refused,
    };
    let ctx = viewer::ViewerCtx {
        id: st.next_viewer.fetch_add(1, Ordering::SeqCst),
        peer,
        hub: st.hub.clone(),
        config: Arc::clone(&st.config),
        shutdown: st.shutdown.clone(),
        slot,
        announce: query.announce.map(|n| usize::try_from(n).unwrap_or(usize::MAX)),
    };
    let tasks = st.tasks.clone();
    limits(ws, &st.config).on_upgrade(move |socket| tasks.track_future(viewer::serve(socket, ctx)))
}

/// `GET /models/<file>`: an SMPL model file from `--smpl-models`, admitted like a viewer (the
/// files are licensed: the token rules apply), or 404 with the reason.
async fn models_endpoint(
    State(st): State<AppState>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    Query(query): Query<ViewerQuery>,
    headers: HeaderMap,
    req: Request<Body>,
) -> Response {
    let path = req.uri().path().to_owned();
    if let Err(refused) = admit(&st, peer, Endpoint::Viewer, &path, query.token.as_deref(), &headers) {
        return *refused;
    }
    let origin = header_str(&headers, header::ORIGIN).map(str::to_owned);
    let mut resp = crate::models::serve(st.config.smpl_models.as_deref(), req).await;
    if let Some(origin) = origin {
        cors::allow(resp.headers_mut(), &origin);
    }
    resp
}

/// `OPTIONS /models/<file>`: the CORS preflight of a page on another admitted origin (a page
/// served by `trunk serve`, or one given with `--allow-origin`). Answers 204 with the CORS
/// headers for an origin the relay admits, 403 without them for any other.
async fn models_preflight(
    State(st): State<AppState>,
    ConnectInfo(PeerAddr(peer)): ConnectInfo<PeerAddr>,
    Query(query): Query<ViewerQuery>,
    headers: HeaderMap,
    req: Request<Body>,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some(origin) = header_str(&headers, header::ORIGIN) else {
        return (StatusCode::NO_CONTENT, [(header::ALLOW, cors::METHODS)]).into_response();
    };
    let access = &st.config.access;
    let token_ok = access.presents_valid_token(query.token.as_deref(), header_str(&headers, header::AUTHORIZATION));
    if !access.origin_admitted(origin, header_str(&headers, header::HOST), token_ok) {
        let refusal = Refusal {
            status: 403,
            reason: format!("origin {origin} may not fetch model files from this relay (see --allow-origin)"),
        };
        return refuse(peer, &path, Endpoint::Viewer, &refusal);
    }
    let mut resp = StatusCode::NO_CONTENT.into_response();
    cors::allow(resp.headers_mut(), origin);
    cors::preflight(resp.headers_mut(), &headers);
    resp
}

/// Explicit size limits: never tungstenite's 16/64 MiB defaults.
fn limits(ws: WebSocketUpgrade, config: &Config) -> WebSocketUpgrade {
    ws.max_message_size(config.max_message_size)
        .max_frame_size(config.max_message_size)
}

/// `dist/index.html`, or a page that says how to build the viewer.
async fn index_page(dist: Option<&Path>) -> Response {
    if let Some(dir) = dist {
        match statics::resolve(dir, "/index.html").await {
            Some(path) => match tokio::fs::read_to_string(&path).await {
                Ok(html) => return Html(html).into_response(),
                Err(e) => warn!(path = %path.display(), error = %e, "cannot read the viewer's index.html"),
            },
            None => warn!(dist = %dir.display(), "no usable index.html in the viewer folder"),
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

//! URL parameters of the page.
//!
//! - `?backend=webgpu|webgl`: force a graphics backend (default: WebGPU when the browser yields
//!   a WebGPU adapter, else WebGL2).
//! - `?relay=ws://HOST:PORT[/viewer]`: the relay to connect to. Default: the page's own host and
//!   port (the relay serves the page), except on trunk's development server (port
//!   [`TRUNK_DEV_PORT`]) or a `file:` page, where it is port 8417 of the page's host.
//! - `?msaa=1|4`: multisampling (default 4).
//! - `?token=T`: the relay's access token (the relay prints `http://HOST:PORT/?token=T` when it
//!   asks for one); it is passed on to the WebSocket URL as `?token=T` unless that already has one.
//! - `?autotarget=0`: don't point the camera at the mean of the node centres when the scene is
//!   first set up (default on, as aitviewer).
//! - `?play` (or `?play=1`): start playing. The page starts paused, as aitviewer does, so that
//!   remote `set_frame` / `next_frame` / `previous_frame` act on a fresh tab.

use meshcast_protocol::{DEFAULT_PORT, VIEWER_PATH};

/// Whether a flag parameter that is present means on: no value, or anything but
/// `0`/`false`/`off`/`no`.
fn is_on(value: Option<&str>) -> bool {
    !matches!(value, Some("0" | "false" | "off" | "no"))
}

/// The port `trunk serve` uses (Trunk.toml `[serve] port`).
pub const TRUNK_DEV_PORT: &str = "8080";

/// Which graphics API to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendChoice {
    /// WebGPU.
    WebGpu,
    /// WebGL2.
    WebGl,
}

/// The page's parameters.
#[derive(Debug, Clone)]
pub struct Params {
    /// A forced backend, or `None` to detect.
    pub backend: Option<BackendChoice>,
    /// The relay's viewer WebSocket URL.
    pub relay_url: String,
    /// MSAA sample count (1 or 4).
    pub msaa: u32,
    /// Set the camera target automatically on the first scene setup.
    pub autotarget: bool,
    /// `?recording=URL`: open this recording instead of connecting to a relay.
    pub recording: Option<String>,
    /// `?play`: start playing instead of paused.
    pub play: bool,
}

impl Params {
    /// Reads the parameters from the page's location.
    pub fn from_location(loc: &web_sys::Location) -> Params {
        let search = loc.search().unwrap_or_default();
        let q = web_sys::UrlSearchParams::new_with_str(&search).ok();
        let get = |k: &str| q.as_ref().and_then(|q| q.get(k)).filter(|s| !s.is_empty());
        let backend = match get("backend").as_deref() {
            Some("webgpu") => Some(BackendChoice::WebGpu),
            Some("webgl") | Some("webgl2") => Some(BackendChoice::WebGl),
            _ => None,
        };
        let msaa = match get("msaa").as_deref() {
            Some("1") => 1,
            _ => 4,
        };
        let relay_url = match get("relay") {
            Some(r) => with_viewer_path(&r),
            None => default_relay_url(
                &loc.protocol().unwrap_or_default(),
                &loc.hostname().unwrap_or_default(),
                &loc.port().unwrap_or_default(),
            ),
        };
        let relay_url = match get("token") {
            Some(t) => with_token(&relay_url, &t),
            None => relay_url,
        };
        let autotarget = is_on(get("autotarget").as_deref());
        // `?play` with no value counts as on; `get` drops empty values, so ask `has` first.
        let play = q.as_ref().is_some_and(|q| q.has("play")) && is_on(get("play").as_deref());
        Params {
            backend,
            relay_url,
            msaa,
            autotarget,
            recording: get("recording"),
            play,
        }
    }
}

/// Adds the viewer path to a relay URL given without one (`ws://h:p`, `ws://h:p/` or
/// `ws://h:p?token=T`); `http(s)://` becomes `ws(s)://`.
pub fn with_viewer_path(url: &str) -> String {
    let url = url.trim();
    let (scheme, rest) = url.split_once("://").unwrap_or(("ws", url));
    let scheme = match scheme {
        "http" => "ws",
        "https" => "wss",
        s => s,
    };
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, format!("?{q}")),
        None => (rest, String::new()),
    };
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let path = if path.is_empty() {
        VIEWER_PATH.trim_start_matches('/')
    } else {
        path
    };
    format!("{scheme}://{host}/{path}{query}")
}

/// The URL without its query (the token stays off the page).
pub fn display_url(url: &str) -> &str {
    url.split_once('?').map_or(url, |(u, _)| u)
}

/// Adds `token=T` (percent-encoded) to a URL's query unless it already carries a token.
pub fn with_token(url: &str, token: &str) -> String {
    if url.contains("token=") {
        return url.to_owned();
    }
    let encoded: String = js_sys::encode_uri_component(token).into();
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}token={encoded}")
}

/// Adds `announce=N` ([`meshcast_protocol::ANNOUNCE_QUERY`]) to a URL's query unless it already
/// has one: the relay then announces writes of at least `N` bytes.
pub fn with_announce(url: &str, bytes: usize) -> String {
    let key = meshcast_protocol::ANNOUNCE_QUERY;
    let query = url.split_once('?').map_or("", |(_, q)| q);
    if query.split('&').any(|kv| kv.split('=').next() == Some(key)) {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{key}={bytes}")
}

/// The relay URL for a page at `protocol//hostname:port`.
pub fn default_relay_url(protocol: &str, hostname: &str, port: &str) -> String {
    let host = if hostname.is_empty() { "127.0.0.1" } else { hostname };
    // IPv6 literals need brackets in a URL.
    let host = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]")
    } else {
        host.to_owned()
    };
    let served_by_relay = (protocol == "http:" || protocol == "https:") && port != TRUNK_DEV_PORT;
    let scheme = if protocol == "https:" { "wss" } else { "ws" };
    if served_by_relay {
        let port = if port.is_empty() {
            String::new()
        } else {
            format!(":{port}")
        };
        format!("{scheme}://{host}{port}{VIEWER_PATH}")
    } else {
        format!("{scheme}://{host}:{DEFAULT_PORT}{VIEWER_PATH}")
    }
}

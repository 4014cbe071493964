//! CORS headers for the files a viewer page fetches from the relay (`/models/`), so that a page
//! on another admitted origin (`trunk serve` on port 8080, an `--allow-origin` page) can read
//! them. The caller decides admission ([`crate::access::Access::origin_admitted`]); these
//! helpers only write the headers for an origin that was admitted.

use axum::http::{header, HeaderMap, HeaderValue};

/// The methods the model files answer.
pub const METHODS: &str = "GET, HEAD, OPTIONS";

/// How long a browser may cache a preflight answer, in seconds.
const MAX_AGE_SECONDS: &str = "600";

/// Lets `origin` read the response: `Access-Control-Allow-Origin: <origin>` (echoed, never `*`,
/// since admission depends on the origin) and `Vary: Origin` for caches. An origin that is not
/// a valid header value gets no CORS headers (the browser then blocks the read).
pub fn allow(headers: &mut HeaderMap, origin: &str) {
    if let Ok(value) = HeaderValue::from_str(origin) {
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, value);
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }
}

/// The rest of a preflight answer: the allowed methods, the request headers the page asked for
/// when they are ones the relay reads (`Authorization`, for a bearer token), and the cache time.
pub fn preflight(headers: &mut HeaderMap, request: &HeaderMap) {
    headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static(METHODS));
    headers.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(MAX_AGE_SECONDS),
    );
    let asks_authorization = request
        .get(header::ACCESS_CONTROL_REQUEST_HEADERS)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|list| list.split(',').any(|h| h.trim().eq_ignore_ascii_case("authorization")));
    if asks_authorization {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("Authorization"),
        );
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn allow_echoes_the_origin_and_varies_on_it() {
        let mut h = HeaderMap::new();
        allow(&mut h, "http://127.0.0.1:8080");
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_ORIGIN], "http://127.0.0.1:8080");
        assert_eq!(h[header::VARY], "Origin");
        let mut h = HeaderMap::new();
        allow(&mut h, "http://bad\norigin");
        assert!(h.is_empty());
    }

    #[test]
    fn preflight_allows_authorization_only_when_asked() {
        let mut req = HeaderMap::new();
        let mut h = HeaderMap::new();
        preflight(&mut h, &req);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_METHODS], METHODS);
        assert!(!h.contains_key(header::ACCESS_CONTROL_ALLOW_HEADERS));
        req.insert(
            header::ACCESS_CONTROL_REQUEST_HEADERS,
            HeaderValue::from_static("x-a, Authorization"),
        );
        preflight(&mut h, &req);
        assert_eq!(h[header::ACCESS_CONTROL_ALLOW_HEADERS], "Authorization");
    }
}

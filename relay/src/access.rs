//! Who may connect: the access token, which peers count as this machine, and the Origin check
//! that keeps web pages from elsewhere off the WebSocket endpoints.
//!
//! Everything here is a pure decision on facts taken from the request ([`RequestFacts`]), so it
//! is tested without a network. See `docs/security.md`.

use std::net::IpAddr;

use subtle::ConstantTimeEq;

/// Length in bytes of a generated token (shown as twice as many hex digits: 128 bits).
const TOKEN_BYTES: usize = 16;

/// Shortest token accepted from `--token` / `MESHCAST_TOKEN`.
pub const MIN_TOKEN_LEN: usize = 8;

/// The relay's access rules.
#[derive(Debug, Clone, Default)]
pub struct Access {
    /// The access token; `None`: no token is asked of anyone.
    pub token: Option<String>,
    /// Ask peers on this machine (127.0.0.1, ::1) for the token too (`--require-token`).
    pub require_token_on_loopback: bool,
    /// Admit producer connections without the token from any host, provided they speak pickle
    /// (aitviewer's own clients, which cannot send a token: `--allow-tokenless-pickle`).
    pub allow_tokenless_pickle: bool,
    /// Origins allowed on WebSocket upgrades besides the relay's own page (`--allow-origin`,
    /// compared without case and trailing `/`); `*` allows any.
    pub allowed_origins: Vec<String>,
    /// Admit pages served from this machine's loopback origins (`http(s)://127.0.0.1:*`,
    /// `localhost:*`, `[::1]:*`), such as `trunk serve`'s page on port 8080. Set for a relay
    /// bound to loopback, where every peer is this machine anyway; a relay shared beyond it
    /// keeps the strict rule (its own page and `--allow-origin` only).
    pub loopback_origins: bool,
}

/// Which endpoint a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoint {
    /// `ws://HOST:PORT/`: a producer client.
    Producer,
    /// `ws://HOST:PORT/viewer`: a browser viewer.
    Viewer,
    /// `GET /` or `GET /viewer` without an upgrade: the viewer page.
    Page,
}

/// What the access decision looks at.
#[derive(Debug, Clone, Copy)]
pub struct RequestFacts<'a> {
    /// The peer's IP address.
    pub peer: IpAddr,
    /// The endpoint.
    pub endpoint: Endpoint,
    /// The `?token=` query parameter.
    pub query_token: Option<&'a str>,
    /// The `Authorization` header.
    pub authorization: Option<&'a str>,
    /// The `Origin` header.
    pub origin: Option<&'a str>,
    /// The `Host` header.
    pub host: Option<&'a str>,
}

/// The outcome of [`Access::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Admission {
    /// Let it in.
    Admitted,
    /// A producer without the token admitted under `--allow-tokenless-pickle`: its first frame
    /// must be a pickle.
    PickleOnly,
    /// Refuse it with this HTTP status and reason.
    Refused(Refusal),
}

/// Why a request is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// 401 (no token), 403 (wrong token, bad Origin).
    pub status: u16,
    /// What the peer is told (and what is logged).
    pub reason: String,
}

impl Refusal {
    fn new(status: u16, reason: impl Into<String>) -> Self {
        Self {
            status,
            reason: reason.into(),
        }
    }
}

/// True for the addresses that count as this machine: exactly 127.0.0.1 and ::1 (also as
/// `::ffff:127.0.0.1`). Other 127.0.0.0/8 addresses count as other hosts: stricter than needed,
/// and what the tests use to play a remote peer without one.
pub fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4 == std::net::Ipv4Addr::LOCALHOST,
        IpAddr::V6(v6) => {
            v6 == std::net::Ipv6Addr::LOCALHOST || v6.to_ipv4_mapped() == Some(std::net::Ipv4Addr::LOCALHOST)
        }
    }
}

/// A new random token: 32 lowercase hex digits (128 bits from the OS's random source).
pub fn generate_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes)?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Checks a token given on the command line: at least [`MIN_TOKEN_LEN`] characters, all of
/// them safe in a URL without escaping (`A-Z a-z 0-9 - . _ ~`).
pub fn validate_token(token: &str) -> Result<(), String> {
    if token.len() < MIN_TOKEN_LEN {
        return Err(format!(
            "the access token must be at least {MIN_TOKEN_LEN} characters long"
        ));
    }
    if let Some(c) = token
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | '~')))
    {
        return Err(format!(
            "the access token may only hold letters, digits and - . _ ~ (found {c:?})"
        ));
    }
    Ok(())
}

/// Compares two tokens in time that depends only on their lengths.
pub fn tokens_match(given: &str, expected: &str) -> bool {
    given.len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected.as_bytes()))
}

/// The token of an `Authorization: Bearer TOKEN` header.
fn bearer(header: &str) -> Option<&str> {
    let (scheme, rest) = header.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
}

/// The host part of a `Host` header (`name`, `1.2.3.4`, `[::1]`), without the port.
fn host_name(host: &str) -> &str {
    let host = host.trim();
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or(rest);
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.chars().all(|c| c.is_ascii_digit()) => name,
        _ => host,
    }
}

/// True when a `Host` header names this machine or an IP address: a page served under such a
/// name cannot be an attacker's page that took over a DNS name (DNS rebinding).
fn host_is_safe_without_token(host: &str) -> bool {
    let name = host_name(host).to_ascii_lowercase();
    name == "localhost" || name.ends_with(".localhost") || name.parse::<IpAddr>().is_ok()
}

/// True for an origin on this machine's loopback names: `http(s)://127.0.0.1`, `localhost` or
/// `[::1]`, with or without a port, and nothing else (no path, no user, no other name).
pub fn is_loopback_origin(origin: &str) -> bool {
    let origin = origin.trim().trim_end_matches('/').to_ascii_lowercase();
    let Some(rest) = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"))
    else {
        return false;
    };
    let (host, port) = match rest.strip_prefix("[::1]") {
        Some(port) => ("[::1]", port),
        None => rest.find(':').map_or((rest, ""), |i| rest.split_at(i)),
    };
    let port_ok = port.is_empty()
        || port
            .strip_prefix(':')
            .is_some_and(|p| !p.is_empty() && p.len() <= 5 && p.chars().all(|c| c.is_ascii_digit()));
    matches!(host, "127.0.0.1" | "localhost" | "[::1]") && port_ok
}

fn same_origin(a: &str, b: &str) -> bool {
    a.trim_end_matches('/').eq_ignore_ascii_case(b.trim_end_matches('/'))
}

impl Access {
    /// True when requests from `peer` need the token.
    pub fn token_needed(&self, peer: IpAddr) -> bool {
        self.token.is_some() && (self.require_token_on_loopback || !is_local(peer))
    }

    /// True when a page of `origin` may use the relay from a browser (WebSocket endpoints and
    /// cross-origin fetches of `/models/`), given the request's `Host` header and whether it
    /// presented the valid token.
    pub fn origin_admitted(&self, origin: &str, host: Option<&str>, token_ok: bool) -> bool {
        self.check_origin(origin, host, token_ok).is_ok()
    }

    /// True when the request presents the configured token (query or bearer header).
    pub fn presents_valid_token(&self, query_token: Option<&str>, authorization: Option<&str>) -> bool {
        let presented = query_token.or_else(|| authorization.and_then(bearer));
        matches!((&self.token, presented), (Some(expected), Some(given)) if tokens_match(given, expected))
    }

    /// Decides one request.
    pub fn check(&self, f: &RequestFacts<'_>) -> Admission {
        let presented = f.query_token.or_else(|| f.authorization.and_then(bearer));
        let token_ok = match (&self.token, presented) {
            (Some(expected), Some(given)) => {
                if !tokens_match(given, expected) {
                    return Admission::Refused(Refusal::new(
                        403,
                        "wrong access token: open the URL the relay printed, or pass the token it printed \
                         (token=... or MESHCAST_TOKEN)",
                    ));
                }
                true
            }
            _ => false,
        };
        let mut pickle_only = false;
        if self.token_needed(f.peer) && !token_ok {
            if f.endpoint == Endpoint::Producer && self.allow_tokenless_pickle {
                pickle_only = true;
            } else {
                return Admission::Refused(Refusal::new(
                    401,
                    "missing access token: open the URL the relay printed, or pass token=... \
                     (?token= in the URL, an Authorization: Bearer header, or MESHCAST_TOKEN for the clients)",
                ));
            }
        }
        if f.endpoint != Endpoint::Page {
            if let Some(origin) = f.origin {
                if let Err(r) = self.check_origin(origin, f.host, token_ok) {
                    return Admission::Refused(r);
                }
            }
        }
        if pickle_only {
            Admission::PickleOnly
        } else {
            Admission::Admitted
        }
    }

    /// A browser's WebSocket: its page must be the relay's own (`http(s)://` + the Host header)
    /// or an allowed origin. Without a valid token, the relay's own page only counts under a
    /// loopback name or an IP address, so a page that rebinds its DNS name to 127.0.0.1 is not
    /// taken for the relay's own.
    fn check_origin(&self, origin: &str, host: Option<&str>, token_ok: bool) -> Result<(), Refusal> {
        if self.allowed_origins.iter().any(|a| a == "*" || same_origin(a, origin)) {
            return Ok(());
        }
        if self.loopback_origins && is_loopback_origin(origin) {
            return Ok(());
        }
        if let Some(host) = host {
            let own = ["http://", "https://"]
                .iter()
                .any(|scheme| same_origin(&format!("{scheme}{}", host.trim()), origin));
            if own {
                if token_ok || host_is_safe_without_token(host) {
                    return Ok(());
                }
                return Err(Refusal::new(
                    403,
                    format!(
                        "origin {origin} refused: without the access token only pages under localhost or an IP \
                         address may connect (DNS rebinding protection); use the URL the relay printed, or start \
                         the relay with --allow-origin {origin}"
                    ),
                ));
            }
        }
        Err(Refusal::new(
            403,
            format!(
                "origin {origin} is not allowed: only the relay's own page{} may connect from a browser; start \
                 the relay with --allow-origin {origin} to allow it",
                if self.loopback_origins {
                    " and pages on this machine's loopback addresses"
                } else {
                    ""
                }
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMOTE: &str = "192.168.1.20";

    fn facts(peer: &str, endpoint: Endpoint) -> RequestFacts<'static> {
        RequestFacts {
            peer: peer.parse().unwrap(),
            endpoint,
            query_token: None,
            authorization: None,
            origin: None,
            host: Some("relay.example:8417"),
        }
    }

    fn lan(token: &str) -> Access {
        Access {
            token: Some(token.into()),
            ..Access::default()
        }
    }

    fn status(a: Admission) -> u16 {
        match a {
            Admission::Refused(r) => r.status,
            Admission::Admitted | Admission::PickleOnly => 200,
        }
    }

    #[test]
    fn loopback_is_exactly_127_0_0_1_and_ipv6_one() {
        assert!(is_local("127.0.0.1".parse().unwrap()));
        assert!(is_local("::1".parse().unwrap()));
        assert!(is_local("::ffff:127.0.0.1".parse().unwrap()));
        assert!(!is_local("127.0.0.2".parse().unwrap()));
        assert!(!is_local("10.0.0.1".parse().unwrap()));
        assert!(!is_local("::".parse().unwrap()));
    }

    #[test]
    fn generated_tokens_are_random_hex_and_valid() {
        let a = generate_token().unwrap();
        let b = generate_token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
        assert!(validate_token(&a).is_ok());
        assert!(validate_token("short").is_err());
        assert!(validate_token("has space in it").is_err());
        assert!(validate_token("with&amp=x").is_err());
    }

    #[test]
    fn token_comparison() {
        assert!(tokens_match("abcdefgh", "abcdefgh"));
        assert!(!tokens_match("abcdefgX", "abcdefgh"));
        assert!(!tokens_match("abcdefg", "abcdefgh"));
        assert!(!tokens_match("", "abcdefgh"));
    }

    #[test]
    fn remote_peers_need_the_token_loopback_does_not() {
        let a = lan("secret-token");
        for ep in [Endpoint::Producer, Endpoint::Viewer, Endpoint::Page] {
            assert_eq!(a.check(&facts("127.0.0.1", ep)), Admission::Admitted);
            let refused = a.check(&facts(REMOTE, ep));
            match refused {
                Admission::Refused(r) => {
                    assert_eq!(r.status, 401);
                    assert!(r.reason.contains("missing access token"), "{}", r.reason);
                }
                other => panic!("{other:?}"),
            }
            let mut f = facts(REMOTE, ep);
            f.query_token = Some("secret-token");
            assert_eq!(a.check(&f), Admission::Admitted);
            f.query_token = None;
            f.authorization = Some("Bearer secret-token");
            assert_eq!(a.check(&f), Admission::Admitted);
            f.authorization = Some("bearer  secret-token ");
            assert_eq!(a.check(&f), Admission::Admitted);
            f.authorization = Some("Basic secret-token");
            assert_eq!(status(a.check(&f)), 401);
        }
    }

    #[test]
    fn a_wrong_token_is_refused_even_from_loopback() {
        let a = lan("secret-token");
        let mut f = facts("127.0.0.1", Endpoint::Viewer);
        f.query_token = Some("guess-guess");
        match a.check(&f) {
            Admission::Refused(r) => {
                assert_eq!(r.status, 403);
                assert!(r.reason.contains("wrong access token"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn require_token_covers_loopback() {
        let a = Access {
            require_token_on_loopback: true,
            ..lan("secret-token")
        };
        assert_eq!(status(a.check(&facts("127.0.0.1", Endpoint::Producer))), 401);
        assert_eq!(status(a.check(&facts("::1", Endpoint::Page))), 401);
    }

    #[test]
    fn no_token_configured_admits_everyone_and_ignores_presented_tokens() {
        let a = Access::default();
        let mut f = facts(REMOTE, Endpoint::Viewer);
        f.query_token = Some("anything");
        assert_eq!(a.check(&f), Admission::Admitted);
    }

    #[test]
    fn tokenless_pickle_producers_only_with_the_flag() {
        let mut a = lan("secret-token");
        assert_eq!(status(a.check(&facts(REMOTE, Endpoint::Producer))), 401);
        a.allow_tokenless_pickle = true;
        assert_eq!(a.check(&facts(REMOTE, Endpoint::Producer)), Admission::PickleOnly);
        // Viewers and pages still need it.
        assert_eq!(status(a.check(&facts(REMOTE, Endpoint::Viewer))), 401);
        assert_eq!(status(a.check(&facts(REMOTE, Endpoint::Page))), 401);
        // With the token, no restriction.
        let mut f = facts(REMOTE, Endpoint::Producer);
        f.query_token = Some("secret-token");
        assert_eq!(a.check(&f), Admission::Admitted);
    }

    #[test]
    fn origin_must_be_the_relays_own_page_or_allowed() {
        let a = Access::default();
        let mut f = facts("127.0.0.1", Endpoint::Viewer);
        f.host = Some("localhost:8417");
        f.origin = Some("http://localhost:8417");
        assert_eq!(a.check(&f), Admission::Admitted);
        f.origin = Some("https://LOCALHOST:8417/");
        assert_eq!(a.check(&f), Admission::Admitted);
        f.origin = Some("http://localhost:9999");
        assert_eq!(status(a.check(&f)), 403);
        f.origin = Some("https://evil.example");
        match a.check(&f) {
            Admission::Refused(r) => assert!(r.reason.contains("https://evil.example is not allowed"), "{}", r.reason),
            other => panic!("{other:?}"),
        }
        f.origin = Some("null");
        assert_eq!(status(a.check(&f)), 403);
        // Producers too (a page could open ws://localhost:8417/ as well).
        f.endpoint = Endpoint::Producer;
        assert_eq!(status(a.check(&f)), 403);
        // Page loads are not Origin-checked; requests without Origin are not either.
        f.endpoint = Endpoint::Page;
        assert_eq!(a.check(&f), Admission::Admitted);
        f.endpoint = Endpoint::Viewer;
        f.origin = None;
        assert_eq!(a.check(&f), Admission::Admitted);
        // IP hosts.
        f.host = Some("127.0.0.1:8417");
        f.origin = Some("http://127.0.0.1:8417");
        assert_eq!(a.check(&f), Admission::Admitted);
        f.host = Some("[::1]:8417");
        f.origin = Some("http://[::1]:8417");
        assert_eq!(a.check(&f), Admission::Admitted);
    }

    #[test]
    fn allow_origin_list_and_star() {
        let mut a = Access {
            allowed_origins: vec!["https://tools.example/".into()],
            ..Access::default()
        };
        let mut f = facts("127.0.0.1", Endpoint::Viewer);
        f.origin = Some("https://tools.example");
        assert_eq!(a.check(&f), Admission::Admitted);
        f.origin = Some("https://other.example");
        assert_eq!(status(a.check(&f)), 403);
        a.allowed_origins.push("*".into());
        assert_eq!(a.check(&f), Admission::Admitted);
    }

    #[test]
    fn dns_rebinding_page_is_refused_without_the_token() {
        // evil.example resolves to 127.0.0.1: Host and Origin agree, the peer is loopback.
        let a = lan("secret-token");
        let mut f = facts("127.0.0.1", Endpoint::Viewer);
        f.host = Some("evil.example:8417");
        f.origin = Some("http://evil.example:8417");
        match a.check(&f) {
            Admission::Refused(r) => assert!(r.reason.contains("DNS rebinding"), "{}", r.reason),
            other => panic!("{other:?}"),
        }
        // With the token (the printed URL under the machine's name) it is the relay's page.
        f.query_token = Some("secret-token");
        assert_eq!(a.check(&f), Admission::Admitted);
        // Also without any token configured.
        f.query_token = None;
        assert_eq!(status(Access::default().check(&f)), 403);
    }

    #[test]
    fn loopback_origins_only_with_the_flag_and_only_loopback_names() {
        let mut a = Access::default();
        let mut f = facts("127.0.0.1", Endpoint::Viewer);
        f.host = Some("127.0.0.1:8417");
        f.origin = Some("http://127.0.0.1:8080");
        assert_eq!(status(a.check(&f)), 403, "strict without the flag");
        a.loopback_origins = true;
        for origin in [
            "http://127.0.0.1:8080",
            "http://localhost:8080",
            "HTTP://LOCALHOST:3000/",
            "http://[::1]:8080",
            "https://127.0.0.1",
            "http://localhost",
        ] {
            f.origin = Some(origin);
            assert_eq!(a.check(&f), Admission::Admitted, "{origin}");
            assert!(a.origin_admitted(origin, f.host, false), "{origin}");
        }
        for origin in [
            "http://127.0.0.2:8080",
            "http://localhost.evil.example:8080",
            "http://evil.localhost:8080",
            "http://127.0.0.1.evil.example",
            "http://user@127.0.0.1:8080",
            "http://127.0.0.1:8080/path",
            "http://127.0.0.1:",
            "http://127.0.0.1:80a",
            "http://[::1]x:8080",
            "ws://127.0.0.1:8080",
            "file://",
            "null",
        ] {
            f.origin = Some(origin);
            match a.check(&f) {
                Admission::Refused(r) => {
                    assert_eq!(r.status, 403, "{origin}");
                    assert!(r.reason.contains("loopback addresses"), "{}", r.reason);
                }
                other => panic!("{origin}: {other:?}"),
            }
        }
    }

    #[test]
    fn presented_token_is_checked() {
        let a = lan("secret-token");
        assert!(a.presents_valid_token(Some("secret-token"), None));
        assert!(a.presents_valid_token(None, Some("Bearer secret-token")));
        assert!(!a.presents_valid_token(Some("wrong-token!"), None));
        assert!(!a.presents_valid_token(None, None));
        assert!(!Access::default().presents_valid_token(Some("x"), None));
    }

    #[test]
    fn host_names() {
        assert_eq!(host_name("a.example:80"), "a.example");
        assert_eq!(host_name("[::1]:8417"), "::1");
        assert_eq!(host_name("10.0.0.1"), "10.0.0.1");
        assert!(host_is_safe_without_token("LOCALHOST:1"));
        assert!(host_is_safe_without_token("app.localhost"));
        assert!(host_is_safe_without_token("192.168.0.3:8417"));
        assert!(!host_is_safe_without_token("localhost.evil.example"));
    }
}

//! The command line of the `meshcast-relay` binary.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::access::{self, Access};
use crate::config::{
    Config, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_MESSAGES_PER_SECOND, DEFAULT_MAX_MESSAGE_SIZE,
    DEFAULT_MAX_SCENE_BYTES, DEFAULT_VIEWER_QUEUE, DEFAULT_VIEWER_QUEUE_BYTES,
};
use crate::federation::NatsConfig;
use crate::scene_log::FsyncPolicy;
use crate::tls::{self, TlsError};

/// Why the command line does not make a usable configuration.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// `--token` / `MESHCAST_TOKEN` is unusable.
    #[error("invalid access token: {0}")]
    Token(String),
    /// No random token could be made.
    #[error("cannot generate an access token: {0}")]
    Random(String),
    /// The TLS certificate or key is unusable.
    #[error(transparent)]
    Tls(#[from] TlsError),
}

/// meshcast relay: producer clients (Python/aitviewer or Rust) send meshes, spheres, lines,
/// SMPL bodies... over WebSocket to ws://HOST:PORT/; browser viewers connect to
/// ws://HOST:PORT/viewer and are served the viewer page at http://HOST:PORT/.
/// The relay keeps the scene so that a viewer that joins late sees everything sent so far.
#[derive(Debug, Parser)]
#[command(name = "meshcast-relay", version)]
pub struct Cli {
    /// Address to listen on. 127.0.0.1 (default) accepts only this machine. Any other address
    /// (0.0.0.0: every interface) shares the relay on the network and turns on an access token
    /// for connections from other hosts (generated unless --token / MESHCAST_TOKEN gives one;
    /// printed at start as the URL to open).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// Share on the local network: the same as --bind 0.0.0.0 (with an access token).
    #[arg(long, conflicts_with = "bind")]
    pub lan: bool,

    /// The access token asked of other hosts (and of everyone with --require-token), instead of
    /// a generated one: at least 8 letters, digits or - . _ ~. Clients pass it as ?token= in
    /// the URL or an `Authorization: Bearer` header.
    #[arg(long, value_name = "TOKEN", env = "MESHCAST_TOKEN", hide_env_values = true)]
    pub token: Option<String>,

    /// Ask connections from this machine (127.0.0.1, ::1) for the token too (a token is generated
    /// when none is given). Protects a relay on a computer shared with other users.
    #[arg(long)]
    pub require_token: bool,

    /// Admit producer clients without the token from other hosts (or, with --require-token,
    /// from anywhere) provided they speak pickle: aitviewer's own clients, which cannot send a
    /// token. Viewers always need it. Anyone who can reach the port can then change the scene.
    #[arg(long, alias = "allow-pickle-remote")]
    pub allow_tokenless_pickle: bool,

    /// A web page origin (scheme://host[:port]) whose pages may open the WebSocket endpoints,
    /// besides the relay's own page. Repeatable; `*` allows any page (not recommended). A relay
    /// bound to loopback (the default) also admits pages on loopback origins
    /// (http://127.0.0.1:*, http://localhost:*, http://[::1]:*), e.g. `trunk serve`'s page.
    #[arg(long, value_name = "ORIGIN")]
    pub allow_origin: Vec<String>,

    /// TLS certificate chain (PEM, leaf first): serve wss:// and https:// instead of ws:// and
    /// http://. Needs --tls-key.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// TLS private key (PEM: PKCS#8, PKCS#1 or SEC1) for --tls-cert.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// TCP port for both producers (ws://HOST:PORT/) and viewers (ws://HOST:PORT/viewer,
    /// http://HOST:PORT/). 8417 is aitviewer's port, so its clients connect unchanged.
    #[arg(long, default_value_t = meshcast_protocol::DEFAULT_PORT)]
    pub port: u16,

    /// Folder of the built browser viewer (index.html, .js, .wasm) to serve over HTTP.
    /// Default: ./dist when it exists, else dist/ in the meshcast workspace when it exists;
    /// without one, GET / answers with a page that says how to build the viewer.
    #[arg(long, value_name = "DIR")]
    pub dist: Option<PathBuf>,

    /// Folder of SMPL-family body-model files in the smplx layout (smpl/SMPL_NEUTRAL.npz,
    /// smplh/SMPLH_FEMALE.npz, smplx/SMPLX_MALE.npz, ...), served to viewers at /models/. An
    /// SMPL body whose model file is not there is rejected with an error naming the file.
    /// Without it SMPL bodies are accepted but viewers cannot draw them (see docs/smpl.md).
    #[arg(long, value_name = "DIR")]
    pub smpl_models: Option<PathBuf>,

    /// Folder of texture files for aitviewer clients, whose `path_to_texture` names a file on
    /// the viewer's machine: the relay reads PNG, JPEG or .pkl/.pickle arrays from here (and
    /// nowhere else) and sends viewers the image. meshcast's own clients send the image
    /// themselves and need no folder.
    #[arg(long, value_name = "DIR")]
    pub assets: Option<PathBuf>,

    /// Largest WebSocket message accepted, in bytes (default 1 GiB). A client that sends a
    /// larger one is disconnected with a close frame that states the size and the limit.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: usize,

    /// Largest scene, in bytes of memory (default 8 GiB): array data with every frame counted in
    /// full, plus 512 bytes per node, 32 per stored frame and the size of the options. A
    /// creation or frame change that would grow the scene past it is rejected with an error
    /// naming the limit; nothing of it is applied.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_SCENE_BYTES)]
    pub max_scene_bytes: usize,

    /// Most WebSocket connections (producers and viewers together) open at once (default 256).
    /// Beyond it, new ones are refused with HTTP 503 and a reason.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_CONNECTIONS, value_parser = at_least_one)]
    pub max_connections: usize,

    /// Messages per second accepted from one producer connection, in bursts of up to one
    /// second's worth (default 100000; 0: unlimited). Each message over it is rejected with an
    /// error (MessagePack clients); pickle clients, which get no errors, are slowed down instead.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_MAX_MESSAGES_PER_SECOND)]
    pub max_messages_per_second: u32,

    /// Messages buffered for each viewer. A viewer that falls further behind is marked lagging:
    /// its queue is dropped and, once it reads again, it gets a fresh snapshot of the scene.
    /// Producers are never slowed down by viewers.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_VIEWER_QUEUE, value_parser = at_least_one)]
    pub viewer_queue: usize,

    /// Bytes buffered for each viewer before it is marked lagging (default 512 MiB; one message
    /// is always let through, however large).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_VIEWER_QUEUE_BYTES)]
    pub viewer_queue_bytes: usize,

    /// Record every message the relay applies to a new recording FILE (docs/recording.md): open
    /// it later with `--replay FILE` or in the page (no relay needed). Never overwrites a file.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["data_dir", "replay"])]
    pub record: Option<PathBuf>,

    /// Keep the scene durable in DIR (DIR/scene.mcrec): on start the relay restores the scene
    /// from it, and a client's flush() is acknowledged only after what it covers is written
    /// (see --fsync). Old history is compacted into snapshots, so the file stays about the
    /// size of the scene.
    #[arg(long, value_name = "DIR", conflicts_with = "replay")]
    pub data_dir: Option<PathBuf>,

    /// Serve the scene of a recording FILE to viewers, read-only: producer clients are refused.
    #[arg(long, value_name = "FILE")]
    pub replay: Option<PathBuf>,

    /// When --record / --data-dir force their file to disk: `flush` (before acknowledging a
    /// client's flush; survives a power cut), `always` (after every message), `never` (handed
    /// to the OS before acknowledging; survives the relay being killed).
    #[arg(long, value_enum, default_value_t = FsyncPolicy::Flush)]
    pub fsync: FsyncPolicy,

    /// Compress --record / --data-dir records with zstd.
    #[arg(long)]
    pub record_zstd: bool,

    /// Serve one scene together with other relays through this NATS server (JetStream on):
    /// nats://HOST:4222, tls://HOST:4222, or several comma-separated. Every relay of the scene
    /// publishes its producers' messages to the scene's stream and applies the stream in its
    /// order, so all viewers of all relays see the same scene; a relay that starts rebuilds the
    /// scene from the latest snapshot and the stream. Needs --scene (see docs/deployment.md).
    #[arg(long, value_name = "URL", requires = "scene", conflicts_with_all = ["record", "data_dir", "replay"])]
    pub nats: Option<String>,

    /// The scene's name with --nats (letters, digits, - and _): relays with the same --nats
    /// server and --scene serve the same scene.
    #[arg(long, value_name = "NAME", requires = "nats")]
    pub scene: Option<String>,

    /// NATS credentials file (JWT and NKey seed) for --nats.
    #[arg(long, value_name = "FILE", requires = "nats")]
    pub nats_creds: Option<PathBuf>,

    /// NATS user name for --nats (with --nats-password).
    #[arg(long, value_name = "USER", requires_all = ["nats", "nats_password"])]
    pub nats_user: Option<String>,

    /// NATS password for --nats-user.
    #[arg(
        long,
        value_name = "PASSWORD",
        env = "MESHCAST_NATS_PASSWORD",
        hide_env_values = true,
        requires = "nats_user"
    )]
    pub nats_password: Option<String>,

    /// NATS authentication token for --nats.
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MESHCAST_NATS_TOKEN",
        hide_env_values = true,
        requires = "nats"
    )]
    pub nats_token: Option<String>,

    /// CA certificates (PEM) that sign the NATS server's TLS certificate.
    #[arg(long, value_name = "FILE", requires = "nats")]
    pub nats_tls_ca: Option<PathBuf>,

    /// Client certificate (PEM) for NATS servers that ask for one (with --nats-tls-key).
    #[arg(long, value_name = "FILE", requires_all = ["nats", "nats_tls_key"])]
    pub nats_tls_cert: Option<PathBuf>,

    /// Private key (PEM) of --nats-tls-cert.
    #[arg(long, value_name = "FILE", requires = "nats_tls_cert")]
    pub nats_tls_key: Option<PathBuf>,

    /// Refuse to talk to the NATS server without TLS.
    #[arg(long, requires = "nats")]
    pub nats_require_tls: bool,

    /// Replicas of the scene's stream and buckets when this relay creates them (3 in a NATS
    /// cluster of 3 or more servers).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = at_least_one)]
    pub nats_replicas: usize,

    /// Bytes the scene's stream may grow by before a relay writes a snapshot of the scene and
    /// purges the stream before it (and at least twice the scene's size; default 64 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = crate::federation::DEFAULT_SNAPSHOT_BYTES)]
    pub nats_snapshot_bytes: u64,

    /// Log filter (tracing-subscriber EnvFilter syntax), for example `info`,
    /// `meshcast_relay=debug` or `warn`. Taken from RUST_LOG when not given; default `info`.
    #[arg(long, value_name = "FILTER", env = "RUST_LOG", default_value = "info")]
    pub log: String,
}

impl Cli {
    /// The address to listen on (`--lan` is 0.0.0.0).
    pub fn bind_addr(&self) -> IpAddr {
        if self.lan {
            IpAddr::V4(Ipv4Addr::UNSPECIFIED)
        } else {
            self.bind
        }
    }

    /// True when the relay listens beyond this machine.
    pub fn shared(&self) -> bool {
        !self.bind_addr().is_loopback()
    }

    /// The relay settings these arguments ask for: reads the TLS files and, when sharing (or
    /// with --require-token) without a given token, generates one.
    pub fn config(&self) -> Result<Config, ConfigError> {
        let token = match &self.token {
            Some(t) => {
                access::validate_token(t).map_err(ConfigError::Token)?;
                Some(t.clone())
            }
            None if self.shared() || self.require_token => {
                Some(access::generate_token().map_err(|e| ConfigError::Random(e.to_string()))?)
            }
            None => None,
        };
        let tls = match (&self.tls_cert, &self.tls_key) {
            (Some(cert), Some(key)) => Some(tls::load_server_config(cert, key)?),
            _ => None,
        };
        Ok(Config {
            dist: self.dist.clone().or_else(default_dist),
            smpl_models: self.smpl_models.clone(),
            assets: self.assets.clone(),
            max_message_size: self.max_message_size,
            viewer_queue: self.viewer_queue,
            viewer_queue_bytes: self.viewer_queue_bytes,
            access: Access {
                token,
                require_token_on_loopback: self.require_token,
                allow_tokenless_pickle: self.allow_tokenless_pickle,
                allowed_origins: self.allow_origin.clone(),
                loopback_origins: !self.shared(),
            },
            tls,
            max_scene_bytes: self.max_scene_bytes,
            max_connections: self.max_connections,
            max_messages_per_second: self.max_messages_per_second,
            record: self.record.clone(),
            data_dir: self.data_dir.clone(),
            replay: self.replay.clone(),
            fsync: self.fsync,
            record_zstd: self.record_zstd,
            nats: self.nats_config(),
            ..Config::default()
        })
    }
}

impl Cli {
    /// The `--nats` settings, when `--nats` is given.
    pub fn nats_config(&self) -> Option<NatsConfig> {
        let (url, scene) = (self.nats.as_ref()?, self.scene.as_ref()?);
        Some(NatsConfig {
            creds: self.nats_creds.clone(),
            user: self.nats_user.clone(),
            password: self.nats_password.clone(),
            token: self.nats_token.clone(),
            tls_ca: self.nats_tls_ca.clone(),
            tls_cert: self.nats_tls_cert.clone(),
            tls_key: self.nats_tls_key.clone(),
            require_tls: self.nats_require_tls,
            replicas: self.nats_replicas,
            snapshot_bytes: self.nats_snapshot_bytes,
            ..NatsConfig::new(url.clone(), scene.clone())
        })
    }
}

/// What the relay prints at start for people: the URL to open and how clients connect
/// (with the token when one is asked for).
pub fn banner(config: &Config, addr: SocketAddr) -> String {
    let (http, ws) = if config.tls.is_some() {
        ("https", "wss")
    } else {
        ("http", "ws")
    };
    let port = addr.port();
    let host = if addr.ip().is_unspecified() {
        machine_name().unwrap_or_else(|| "THIS-MACHINE".into())
    } else if addr.ip().is_ipv6() {
        format!("[{}]", addr.ip())
    } else {
        addr.ip().to_string()
    };
    let mut out = String::new();
    match &config.access.token {
        Some(token) => {
            let who = if config.access.require_token_on_loopback {
                "every connection"
            } else {
                "connections from other hosts"
            };
            out.push_str(&format!("meshcast relay: an access token is required for {who}.\n"));
            out.push_str(&format!(
                "  open in a browser:  {http}://{host}:{port}/?token={token}\n"
            ));
            if addr.ip().is_unspecified() {
                out.push_str("                      (or use this machine's IP address as the host)\n");
            }
            out.push_str(&format!(
                "  Python client:      RemoteViewer(\"{host}\", {port}, token=\"{token}\"{py_tls})   or  MESHCAST_TOKEN={token}\n",
                py_tls = if config.tls.is_some() { ", ssl_context=..." } else { "" },
            ));
            out.push_str(&format!(
                "  Rust client:        ConnectOptions::new(\"{ws}://{host}:{port}/\").token(\"{token}\")\n"
            ));
            out.push_str(&format!("  producer URL:       {ws}://{host}:{port}/?token={token}\n"));
            if config.access.allow_tokenless_pickle {
                out.push_str(
                    "  aitviewer clients (pickle) are admitted without the token (--allow-tokenless-pickle)\n",
                );
            }
        }
        None => {
            out.push_str(&format!(
                "meshcast relay: open {http}://{host}:{port}/ in a browser (this machine only)\n"
            ));
            out.push_str(&format!("  producers connect to {ws}://{host}:{port}/\n"));
        }
    }
    out
}

/// This machine's host name, for the printed URL when listening on every interface.
fn machine_name() -> Option<String> {
    let from_file = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .ok();
    from_file
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

fn at_least_one(s: &str) -> Result<usize, String> {
    match s.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// `./dist` when it holds an `index.html`, else the workspace's `dist/` when it does.
pub fn default_dist() -> Option<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(|p| p.join("dist"));
    [Some(PathBuf::from("dist")), workspace]
        .into_iter()
        .flatten()
        .find(|d| d.join("index.html").is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn defaults_match_aitviewer_and_stay_local() {
        let cli = Cli::try_parse_from(["meshcast-relay"]).unwrap();
        assert_eq!(cli.port, 8417);
        assert_eq!(cli.bind.to_string(), "127.0.0.1");
        let c = cli.config().unwrap();
        assert_eq!(c.max_message_size, 1 << 30);
        assert!(!cli.shared());
        assert!(c.access.loopback_origins, "a loopback relay admits trunk serve's page");
        // Loopback stays token-free (unless MESHCAST_TOKEN is set in the test's environment).
        if std::env::var_os("MESHCAST_TOKEN").is_none() {
            assert_eq!(c.access.token, None);
        }
        assert!(c.tls.is_none());
        assert_eq!(c.max_scene_bytes, 8 << 30);
        assert_eq!(c.max_connections, 256);
        assert_eq!(c.max_messages_per_second, 100_000);
    }

    #[test]
    fn sharing_turns_on_a_generated_token() {
        for args in [
            &["meshcast-relay", "--lan"][..],
            &["meshcast-relay", "--bind", "0.0.0.0"][..],
        ] {
            let cli = Cli::try_parse_from(args).unwrap();
            assert!(cli.shared());
            assert_eq!(cli.bind_addr().to_string(), "0.0.0.0");
            let c = cli.config().unwrap();
            assert!(
                !c.access.loopback_origins,
                "a shared relay keeps the strict Origin rule"
            );
            let token = c.access.token.unwrap();
            assert!(token.len() >= 32);
        }
        let cli = Cli::try_parse_from(["meshcast-relay", "--lan", "--token", "my-own-token"]).unwrap();
        let c = cli.config().unwrap();
        assert_eq!(c.access.token.as_deref(), Some("my-own-token"));
        let banner = banner(&c, "0.0.0.0:8417".parse().unwrap());
        assert!(banner.contains(":8417/?token=my-own-token"), "{banner}");
        assert!(banner.contains("token=\"my-own-token\""), "{banner}");
        let cli = Cli::try_parse_from(["meshcast-relay", "--require-token"]).unwrap();
        assert!(cli.config().unwrap().access.token.is_some());
        assert!(Cli::try_parse_from(["meshcast-relay", "--lan", "--bind", "0.0.0.0"]).is_err());
        let cli = Cli::try_parse_from(["meshcast-relay", "--token", "short"]).unwrap();
        assert!(matches!(cli.config(), Err(ConfigError::Token(_))));
    }

    #[test]
    fn tls_needs_both_files_and_reports_bad_ones() {
        assert!(Cli::try_parse_from(["meshcast-relay", "--tls-cert", "c.pem"]).is_err());
        assert!(Cli::try_parse_from(["meshcast-relay", "--tls-key", "k.pem"]).is_err());
        let cli = Cli::try_parse_from([
            "meshcast-relay",
            "--tls-cert",
            "/nonexistent/c.pem",
            "--tls-key",
            "/nonexistent/k.pem",
        ])
        .unwrap();
        let err = cli.config().err().unwrap().to_string();
        assert!(err.contains("/nonexistent/c.pem"), "{err}");
    }

    #[test]
    fn flags_parse() {
        let cli = Cli::try_parse_from([
            "meshcast-relay",
            "--bind",
            "0.0.0.0",
            "--port",
            "9000",
            "--max-message-size",
            "1000",
            "--viewer-queue",
            "8",
            "--dist",
            "/tmp/x",
        ])
        .unwrap();
        let c = cli.config().unwrap();
        assert_eq!(cli.port, 9000);
        assert_eq!(c.max_message_size, 1000);
        assert_eq!(c.viewer_queue, 8);
        assert_eq!(c.dist, Some(PathBuf::from("/tmp/x")));
        assert!(Cli::try_parse_from(["meshcast-relay", "--viewer-queue", "0"]).is_err());
        let cli = Cli::try_parse_from(["meshcast-relay", "--data-dir", "/tmp/d", "--fsync", "never"]).unwrap();
        let c = cli.config().unwrap();
        assert_eq!(c.data_dir, Some(PathBuf::from("/tmp/d")));
        assert_eq!(c.fsync, FsyncPolicy::Never);
        assert_eq!(
            Cli::try_parse_from(["meshcast-relay"]).unwrap().fsync,
            FsyncPolicy::Flush
        );
        assert!(Cli::try_parse_from(["meshcast-relay", "--record", "a", "--replay", "b"]).is_err());
        assert!(Cli::try_parse_from(["meshcast-relay", "--data-dir", "a", "--replay", "b"]).is_err());
    }

    #[test]
    fn nats_flags_make_the_federation_settings() {
        let cli = Cli::try_parse_from([
            "meshcast-relay",
            "--nats",
            "nats://127.0.0.1:4222",
            "--scene",
            "lab",
            "--nats-user",
            "u",
            "--nats-password",
            "p",
            "--nats-replicas",
            "3",
            "--nats-snapshot-bytes",
            "1000",
        ])
        .unwrap();
        let n = cli.config().unwrap().nats.unwrap();
        assert_eq!((n.url.as_str(), n.scene.as_str()), ("nats://127.0.0.1:4222", "lab"));
        assert_eq!((n.user.as_deref(), n.password.as_deref()), (Some("u"), Some("p")));
        assert_eq!((n.replicas, n.snapshot_bytes), (3, 1000));
        assert!(Cli::try_parse_from(["meshcast-relay"])
            .unwrap()
            .config()
            .unwrap()
            .nats
            .is_none());
        // --nats needs --scene, and the scene lives on the stream, not in a local file.
        assert!(Cli::try_parse_from(["meshcast-relay", "--nats", "nats://h:4222"]).is_err());
        assert!(Cli::try_parse_from(["meshcast-relay", "--scene", "lab"]).is_err());
        for other in [["--data-dir", "d"], ["--record", "r"], ["--replay", "r"]] {
            let mut args = vec!["meshcast-relay", "--nats", "nats://h:4222", "--scene", "lab"];
            args.extend(other);
            assert!(Cli::try_parse_from(args).is_err(), "{other:?}");
        }
        assert!(Cli::try_parse_from(["meshcast-relay", "--nats-user", "u", "--nats", "n", "--scene", "s"]).is_err());
    }

    #[test]
    fn help_explains_every_flag() {
        Cli::command().debug_assert();
        let help = Cli::command().render_long_help().to_string();
        for flag in [
            "--bind",
            "--port",
            "--dist",
            "--max-message-size",
            "--viewer-queue",
            "--viewer-queue-bytes",
            "--log",
            "--lan",
            "--token",
            "--require-token",
            "--allow-tokenless-pickle",
            "--allow-origin",
            "--tls-cert",
            "--tls-key",
            "--max-scene-bytes",
            "--max-connections",
            "--max-messages-per-second",
            "--record",
            "--data-dir",
            "--replay",
            "--fsync",
            "--record-zstd",
            "--nats",
            "--scene",
            "--nats-creds",
            "--nats-user",
            "--nats-password",
            "--nats-token",
            "--nats-tls-ca",
            "--nats-tls-cert",
            "--nats-tls-key",
            "--nats-require-tls",
            "--nats-replicas",
            "--nats-snapshot-bytes",
            "MESHCAST_TOKEN",
        ] {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
    }
}

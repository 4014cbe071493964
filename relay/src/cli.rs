//! The command line of the `meshcast-relay` binary.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use clap::Parser;

use crate::config::{Config, DEFAULT_MAX_MESSAGE_SIZE, DEFAULT_VIEWER_QUEUE, DEFAULT_VIEWER_QUEUE_BYTES};

/// meshcast relay: producer clients (Python/aitviewer or Rust) send meshes, spheres, lines,
/// SMPL bodies... over WebSocket to ws://HOST:PORT/; browser viewers connect to
/// ws://HOST:PORT/viewer and are served the viewer page at http://HOST:PORT/.
/// The relay keeps the scene so that a viewer that joins late sees everything sent so far.
#[derive(Debug, Parser)]
#[command(name = "meshcast-relay", version)]
pub struct Cli {
    /// Address to listen on. 127.0.0.1 (default) accepts only this machine; 0.0.0.0 shares the
    /// relay on the local network (anyone who can reach the port can send to and watch it).
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: IpAddr,

    /// TCP port for both producers (ws://HOST:PORT/) and viewers (ws://HOST:PORT/viewer,
    /// http://HOST:PORT/). 8417 is aitviewer's port, so its clients connect unchanged.
    #[arg(long, default_value_t = meshcast_protocol::DEFAULT_PORT)]
    pub port: u16,

    /// Folder of the built browser viewer (index.html, .js, .wasm) to serve over HTTP.
    /// Default: ./dist when it exists, else dist/ in the meshcast workspace when it exists;
    /// without one, GET / answers with a page that says how to build the viewer.
    #[arg(long, value_name = "DIR")]
    pub dist: Option<PathBuf>,

    /// Largest WebSocket message accepted, in bytes (default 1 GiB). A client that sends a
    /// larger one is disconnected with a close frame that states the size and the limit.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_MESSAGE_SIZE)]
    pub max_message_size: usize,

    /// Messages buffered for each viewer. A viewer that falls further behind is marked lagging:
    /// its queue is dropped and, once it reads again, it gets a fresh snapshot of the scene.
    /// Producers are never slowed down by viewers.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_VIEWER_QUEUE, value_parser = at_least_one)]
    pub viewer_queue: usize,

    /// Bytes buffered for each viewer before it is marked lagging (default 512 MiB; one message
    /// is always let through, however large).
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_VIEWER_QUEUE_BYTES)]
    pub viewer_queue_bytes: usize,

    /// Log filter (tracing-subscriber EnvFilter syntax), for example `info`,
    /// `meshcast_relay=debug` or `warn`. Taken from RUST_LOG when not given; default `info`.
    #[arg(long, value_name = "FILTER", env = "RUST_LOG", default_value = "info")]
    pub log: String,
}

impl Cli {
    /// The relay settings these arguments ask for.
    pub fn config(&self) -> Config {
        Config {
            dist: self.dist.clone().or_else(default_dist),
            max_message_size: self.max_message_size,
            viewer_queue: self.viewer_queue,
            viewer_queue_bytes: self.viewer_queue_bytes,
            ..Config::default()
        }
    }
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
        assert_eq!(cli.config().max_message_size, 1 << 30);
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
        let c = cli.config();
        assert_eq!(cli.port, 9000);
        assert_eq!(c.max_message_size, 1000);
        assert_eq!(c.viewer_queue, 8);
        assert_eq!(c.dist, Some(PathBuf::from("/tmp/x")));
        assert!(Cli::try_parse_from(["meshcast-relay", "--viewer-queue", "0"]).is_err());
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
        ] {
            assert!(help.contains(flag), "{flag} missing from --help");
        }
    }
}

//! Runs Debian's `nats-server` with JetStream for tests: on 127.0.0.1, a free port, and a
//! temporary store folder; stopped (and the folder removed) on drop. Installed by
//! `scripts/lib.sh` (`setup_system`).

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::free_port;

/// What `nats-server` logs once it accepts clients.
const READY_LINE: &str = "Server is ready";

/// A running `nats-server -js`.
pub struct NatsServer {
    child: Option<Child>,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    /// Its JetStream store folder (kept across [`NatsServer::restart`]).
    pub store: PathBuf,
    extra: Vec<String>,
}

impl NatsServer {
    /// Starts a server with JetStream in a fresh temporary folder and waits until it listens.
    pub fn start() -> NatsServer {
        Self::start_with(&[])
    }

    /// Starts a server with extra arguments (`--user`, `--pass`, ...).
    pub fn start_with(extra: &[&str]) -> NatsServer {
        let port = free_port();
        let store = std::env::temp_dir().join(format!("meshcast-nats-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&store);
        let mut server = NatsServer {
            child: None,
            port,
            store,
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        server.launch();
        server
    }

    fn launch(&mut self) {
        let mut child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(&self.store)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run nats-server ({e}): install it with `apt-get install nats-server` (scripts/lib.sh does)"
                )
            });
        // Its log, not an open port, says it serves: a connection to a port nothing listens on
        // yet can reach itself (TCP simultaneous open).
        let (ready_tx, ready_rx) = mpsc::channel();
        if let Some(stderr) = child.stderr.take() {
            std::thread::spawn(move || {
                let show = std::env::var_os("MESHCAST_TEST_LOG").is_some();
                for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                    if show {
                        eprintln!("[nats-server] {line}");
                    }
                    if line.contains(READY_LINE) {
                        let _ = ready_tx.send(());
                    }
                }
            });
        }
        let ready = ready_rx.recv_timeout(Duration::from_secs(20));
        self.child = Some(child);
        assert!(
            ready.is_ok(),
            "nats-server on port {} did not log {READY_LINE:?} within 20 s",
            self.port
        );
    }

    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGKILL) and waits for it to exit.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts it again on the same port with the same store.
    pub fn restart(&mut self) {
        self.kill();
        self.launch();
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
        let _ = std::fs::remove_dir_all(&self.store);
    }
}

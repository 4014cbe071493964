//! Runs Debian's `nats-server` with JetStream for tests: on 127.0.0.1, a free port, and a
//! temporary store folder; stopped (and the folder removed) on drop. Installed by
//! `scripts/lib.sh` (`setup_system`).

use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::free_port;

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
        let child = Command::new("nats-server")
            .args(["-js", "-a", "127.0.0.1", "-p", &self.port.to_string(), "-sd"])
            .arg(&self.store)
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(if std::env::var_os("MESHCAST_TEST_LOG").is_some() {
                Stdio::inherit()
            } else {
                Stdio::null()
            })
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot run nats-server ({e}): install it with `apt-get install nats-server` (scripts/lib.sh does)"
                )
            });
        self.child = Some(child);
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            assert!(
                Instant::now() < deadline,
                "nats-server did not listen on {addr} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
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

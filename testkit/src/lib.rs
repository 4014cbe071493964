//! Test support shared by integration tests: runs the real `meshcast-relay` binary on a free
//! loopback port and stops it when dropped.
//!
//! The binary is `$MESHCAST_RELAY` when set, else `target/<profile>/meshcast-relay` of this
//! workspace (built with `cargo build -p meshcast-relay` when missing).

pub mod nats;
pub mod python;

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The workspace root (the parent of this crate's folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// Path of the relay binary, building it when it is missing.
pub fn relay_binary() -> PathBuf {
    if let Ok(p) = std::env::var("MESHCAST_RELAY") {
        return PathBuf::from(p);
    }
    let root = workspace_root();
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let bin = target.join("debug").join("meshcast-relay");
    if !bin.exists() {
        let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["build", "-p", "meshcast-relay"])
            .current_dir(&root)
            .status();
        assert!(status.is_ok_and(|s| s.success()), "building meshcast-relay failed");
    }
    bin
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(0)
}

/// What the relay logs once it serves: its port is bound and, with `--nats`, it has joined its
/// scene. Tests start the relay with `RUST_LOG` at `info` (or what the environment sets).
pub const READY_LINE: &str = "meshcast relay listening";

/// A running relay process; killed on drop.
pub struct RelayProcess {
    child: Child,
    /// The port it listens on (127.0.0.1).
    pub port: u16,
    log: Arc<Mutex<Vec<String>>>,
}

impl RelayProcess {
    /// Starts the relay on a free loopback port with extra command-line arguments and waits until
    /// it serves (at most 30 s).
    pub fn start(extra_args: &[&str]) -> RelayProcess {
        let port = free_port();
        let mut args: Vec<String> = vec!["--bind".into(), "127.0.0.1".into(), "--port".into(), port.to_string()];
        args.extend(extra_args.iter().map(|s| s.to_string()));
        Self::start_with(port, &args)
    }

    /// Starts the relay with exactly these arguments; `port` is where it will listen.
    pub fn start_with(port: u16, args: &[String]) -> RelayProcess {
        let mut child = Command::new(relay_binary())
            .args(args)
            .env("RUST_LOG", std::env::var("RUST_LOG").unwrap_or_else(|_| "info".into()))
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start meshcast-relay");
        let log = Arc::new(Mutex::new(Vec::new()));
        for pipe in [
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let log = Arc::clone(&log);
            std::thread::spawn(move || {
                for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                    if std::env::var_os("MESHCAST_TEST_LOG").is_some() {
                        eprintln!("[relay] {line}");
                    }
                    if let Ok(mut l) = log.lock() {
                        l.push(line);
                    }
                }
            });
        }
        let mut relay = RelayProcess { child, port, log };
        relay.wait_ready(Duration::from_secs(30));
        relay
    }

    /// `ws://127.0.0.1:PORT/` (producer clients).
    pub fn client_url(&self) -> String {
        format!("ws://127.0.0.1:{}/", self.port)
    }

    /// `ws://127.0.0.1:PORT/viewer` (viewers).
    pub fn viewer_url(&self) -> String {
        format!("ws://127.0.0.1:{}/viewer", self.port)
    }

    /// Everything the relay logged so far.
    pub fn log_text(&self) -> String {
        self.log.lock().map(|l| l.join("\n")).unwrap_or_default()
    }

    /// Waits until the relay logs [`READY_LINE`] (it has bound its port and, with `--nats`,
    /// joined its scene) and panics with the log when it exits first or `timeout` passes.
    ///
    /// The log line, not an open port, is the signal: a connection to a port nothing listens on
    /// yet can reach itself (TCP simultaneous open when the kernel picks the same port as the
    /// source), and a relay bound but still starting can exit.
    fn wait_ready(&mut self, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        while !self.log_text().contains(READY_LINE) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("meshcast-relay exited early with {status}; log:\n{}", self.log_text());
            }
            assert!(
                Instant::now() < deadline,
                "meshcast-relay did not log {READY_LINE:?} within {timeout:?}; log:\n{}",
                self.log_text()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Waits up to `timeout` for a log line containing `needle`.
    pub fn wait_for_log(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.log_text().contains(needle) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Waits up to `timeout` for the relay to exit by itself; its exit status, or `None` when it
    /// still runs.
    pub fn wait_exit(&mut self, timeout: Duration) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the relay now.
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

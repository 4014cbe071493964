//! Python with numpy, for tests that compare against an independent numpy implementation.
//!
//! The interpreter is `$MESHCAST_PYTHON`, else `python3` on `PATH` (the test script puts the
//! project's venv first).

use std::process::Command;
use std::sync::OnceLock;

/// The Python interpreter tests run.
pub fn python() -> String {
    std::env::var("MESHCAST_PYTHON").unwrap_or_else(|_| "python3".into())
}

/// Whether Python with numpy can run. When it cannot, this panics with the reason, unless
/// `MESHCAST_SKIP_PYTHON=1` allows skipping: then it prints why and returns `false`.
pub fn numpy_available() -> bool {
    static OK: OnceLock<Result<(), String>> = OnceLock::new();
    let status = OK.get_or_init(|| match Command::new(python()).args(["-c", "import numpy"]).output() {
        Ok(o) if o.status.success() => Ok(()),
        Ok(o) => Err(format!(
            "`{} -c 'import numpy'` failed: {}",
            python(),
            String::from_utf8_lossy(&o.stderr)
        )),
        Err(e) => Err(format!("cannot run `{}`: {e}", python())),
    });
    match status {
        Ok(()) => true,
        Err(msg) if std::env::var("MESHCAST_SKIP_PYTHON").as_deref() == Ok("1") => {
            eprintln!("SKIPPED (MESHCAST_SKIP_PYTHON=1): {msg}");
            false
        }
        Err(msg) => panic!(
            "{msg}\nThese tests need python3 with numpy (`pip install numpy`); set MESHCAST_SKIP_PYTHON=1 to skip them."
        ),
    }
}

/// Runs Python with these arguments; panics with its stderr when it fails.
pub fn run(args: &[&str]) {
    let out = Command::new(python()).args(args).output();
    match out {
        Ok(out) => assert!(
            out.status.success(),
            "python {args:?} failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) => panic!("cannot run `{}`: {e}", python()),
    }
}

"""Finding and starting the ``meshcast-relay`` binary (for ``RemoteViewer.create_new_process``,
``python -m meshcast.server`` and ``meshcast serve``).

A wheel built by ``scripts/wheel.sh`` carries the relay in ``meshcast/bin/`` and the built browser
page in ``meshcast/page/``; a source install has neither and uses a relay built with cargo.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import IO, List, Optional, Sequence, Tuple, Union

RELAY_NAME = "meshcast-relay"
EXE_NAME = RELAY_NAME + (".exe" if os.name == "nt" else "")

# Where a wheel built by scripts/wheel.sh puts the relay (BUNDLE_DIR/bin) and the page
# (BUNDLE_DIR/page): inside this package.
BUNDLE_DIR = Path(__file__).resolve().parent

BUILD_HINT = (
    "install the meshcast wheel, which carries the relay (`./scripts/wheel.sh` builds it), build it "
    "with `cargo build --release -p meshcast-relay` in the meshcast repository (or "
    "`cargo install --path relay`), put it on PATH, or set MESHCAST_RELAY to its path"
)


def bundled_relay() -> Optional[Path]:
    """The relay binary inside this package (a wheel from ``scripts/wheel.sh``), or ``None``."""
    binary = BUNDLE_DIR / "bin" / EXE_NAME
    return binary if binary.is_file() else None


def bundled_page() -> Optional[Path]:
    """The built browser page inside this package (a wheel from ``scripts/wheel.sh``), or ``None``."""
    page = BUNDLE_DIR / "page"
    return page if (page / "index.html").is_file() else None


def _repo_roots() -> List[Path]:
    """Folders that may be the meshcast workspace: above this package (an in-repo or editable
    install) and above the working directory."""
    roots: List[Path] = []
    for start in (Path(__file__).resolve().parent, Path.cwd().resolve()):
        for p in (start, *start.parents):
            if (p / "Cargo.toml").is_file() and (p / "relay").is_dir() and p not in roots:
                roots.append(p)
                break
    return roots


def find_relay() -> Path:
    """The relay binary: ``$MESHCAST_RELAY``, else the one inside this package (a wheel), else
    ``meshcast-relay`` on PATH, else ``target/release`` then ``target/debug`` of the meshcast
    workspace.

    Raises ``FileNotFoundError`` saying how to build it when there is none.
    """
    env = os.environ.get("MESHCAST_RELAY")
    if env:
        p = Path(env)
        if not p.is_file():
            raise FileNotFoundError(f"MESHCAST_RELAY is {env!r}, which is not a file")
        return p
    bundled = bundled_relay()
    if bundled is not None:
        return bundled
    on_path = shutil.which(RELAY_NAME)
    if on_path:
        return Path(on_path)
    tried = []
    for root in _repo_roots():
        target = Path(os.environ.get("CARGO_TARGET_DIR", root / "target"))
        for profile in ("release", "debug"):
            cand = target / profile / EXE_NAME
            tried.append(str(cand))
            if cand.is_file():
                return cand
    where = f" (looked on PATH and in {', '.join(tried)})" if tried else " (looked on PATH)"
    raise FileNotFoundError(f"{RELAY_NAME} not found{where}; {BUILD_HINT}")


def relay_command(binary: Path, args: Sequence[str]) -> List[str]:
    """The command line that runs ``binary`` with ``args``: the bundled relay also gets
    ``--dist`` with the bundled page, unless ``args`` name a ``--dist`` of their own."""
    command = [str(binary), *args]
    page = bundled_page()
    own_dist = any(a == "--dist" or a.startswith("--dist=") for a in args)
    if page is not None and binary == bundled_relay() and not own_dist:
        command += ["--dist", str(page)]
    return command


def start_relay(
    port: int = 8417, bind: str = "127.0.0.1", extra_args: Union[None, str, Sequence[str]] = None
) -> Tuple["subprocess.Popen[bytes]", Path]:
    """Starts the relay on ``bind:port`` with optional extra command-line flags.

    Its output goes to a log file (returned with the process), not to a pipe, so the relay keeps
    running after this Python process exits.
    """
    args: List[str] = ["--bind", bind, "--port", str(port)]
    if extra_args is not None:
        args += [extra_args] if isinstance(extra_args, str) else list(extra_args)
    command = relay_command(find_relay(), args)
    fd, log_name = tempfile.mkstemp(prefix="meshcast-relay-", suffix=".log")
    log_file: IO[bytes] = os.fdopen(fd, "wb")
    try:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    finally:
        log_file.close()
    return process, Path(log_name)


def read_log(path: Optional[Path]) -> str:
    """The relay's output so far ("" when there is none)."""
    if path is None:
        return ""
    try:
        return path.read_text(errors="replace")
    except OSError:
        return ""

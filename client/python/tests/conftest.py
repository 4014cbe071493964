"""Fixtures: the real ``meshcast-relay`` binary on a free loopback port, and a test viewer.

The binary is ``$MESHCAST_RELAY`` when set, else ``target/debug/meshcast-relay`` of the meshcast
workspace (built with ``cargo build -p meshcast-relay`` when missing).

With ``MESHCAST_TEST_INSTALLED=1`` (scripts/test_wheel.sh) the suite tests the installed package
instead of the source tree, and the relay it carries (a wheel from scripts/wheel.sh): no cargo.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator, List, Optional

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
REPO = Path(__file__).resolve().parents[3]
# True: test the installed package and its bundled relay, never the source tree.
INSTALLED = os.environ.get("MESHCAST_TEST_INSTALLED") == "1"

# The tests' helpers, and the package's source (so the suite also runs without installing it).
sys.path.insert(0, str(Path(__file__).resolve().parent))
if not INSTALLED:
    sys.path.insert(1, str(PACKAGE_ROOT))

from probe import LiveViewer, snapshot  # noqa: E402

import meshcast  # noqa: E402
import meshcast._relay  # noqa: E402

if INSTALLED and PACKAGE_ROOT in Path(meshcast.__file__).resolve().parents:
    raise RuntimeError(f"MESHCAST_TEST_INSTALLED=1, but meshcast is imported from the source tree: {meshcast.__file__}")


def package_env() -> dict:
    """The environment for a Python subprocess that imports the package under test: the source
    tree first on PYTHONPATH, or, testing the installed package, the environment as it is."""
    if INSTALLED:
        return dict(os.environ)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(PACKAGE_ROOT), os.environ.get("PYTHONPATH", "")])}


def relay_binary() -> Path:
    """The relay binary to test against, building it when missing."""
    env = os.environ.get("MESHCAST_RELAY")
    if env:
        return Path(env)
    if INSTALLED:
        bundled = meshcast._relay.bundled_relay()
        if bundled is None:
            raise RuntimeError(f"MESHCAST_TEST_INSTALLED=1, but {meshcast.__file__}'s package carries no relay")
        return bundled
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    binary = target / "debug" / "meshcast-relay"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-p", "meshcast-relay"], cwd=REPO, check=True)
    return binary


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, process: "subprocess.Popen", seconds: float = 20) -> None:
    """Waits until something accepts connections on 127.0.0.1:``port``.

    :raises RuntimeError: ``process`` exited first, or nothing listened within ``seconds``.
    """
    deadline = time.monotonic() + seconds
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before listening on port {port}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listened on port {port} within {seconds} s") from None
            time.sleep(0.02)


#: What the relay logs once it serves (its port bound, its scene ready).
READY_LINE = "meshcast relay listening"


def wait_ready(process: "subprocess.Popen", log_text, seconds: float = 30) -> None:
    """Waits until the relay's log (``log_text()``) has :data:`READY_LINE`.

    The log line, not an open port, is the signal: a connection to a port nothing listens on yet
    can reach itself (TCP simultaneous open), and a bound relay can still exit.

    :raises RuntimeError: ``process`` exited first, or the line did not come within ``seconds``.
    """
    deadline = time.monotonic() + seconds
    while READY_LINE not in log_text():
        if process.poll() is not None:
            raise RuntimeError(f"{process.args!r} exited with {process.returncode} before serving")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the relay did not log {READY_LINE!r} within {seconds} s")
        time.sleep(0.02)


def stop_process(process: "subprocess.Popen") -> None:
    """Terminates ``process`` (kills it if it has not exited 10 s later) and waits for it."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    process.wait(10)


def relay_env() -> dict:
    """The environment for a subprocess that starts the relay under test through the package."""
    return {**package_env(), "MESHCAST_RELAY": str(relay_binary())}


class Relay:
    """A running relay process on 127.0.0.1 (on ``port``, else a free one); ``stop()`` kills
    it."""

    def __init__(self, extra_args: Optional[List[str]] = None, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="meshcast-relay-test-", suffix=".log", delete=False)
        args = [str(relay_binary()), "--bind", "127.0.0.1", "--port", str(self.port), *(extra_args or [])]
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            wait_ready(self.process, self.log_text)
        except RuntimeError as e:
            self.stop()
            raise RuntimeError(f"{e}:\n{self.log_text()}") from None

    def log_text(self) -> str:
        """Everything the relay printed."""
        return Path(self.log.name).read_text(errors="replace")

    def snapshot(self):
        """What a viewer that connects now is sent (see ``probe.snapshot``)."""
        return snapshot(self.port)

    def stop(self) -> None:
        """Kills the relay and waits for it."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)
        self.log.close()
        try:
            os.unlink(self.log.name)
        except OSError:
            pass


@pytest.fixture
def relay() -> Iterator[Relay]:
    """A fresh relay (empty scene) for one test."""
    r = Relay()
    try:
        yield r
    finally:
        r.stop()


@pytest.fixture
def viewer(relay: Relay) -> Iterator[LiveViewer]:
    """A test viewer connected to ``/viewer`` of the relay, collecting what it is sent."""
    v = LiveViewer(relay.port)
    try:
        yield v
    finally:
        v.close()

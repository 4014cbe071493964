"""Fixtures: the real ``meshcast-relay`` binary on a free loopback port, and a test viewer.

The binary is ``$MESHCAST_RELAY`` when set, else ``target/debug/meshcast-relay`` of the meshcast
workspace (built with ``cargo build -p meshcast-relay`` when missing).
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

# The tests' helpers, and the package's source (so the suite also runs without installing it).
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))

from probe import LiveViewer, snapshot  # noqa: E402

REPO = Path(__file__).resolve().parents[3]


def relay_binary() -> Path:
    """The relay binary to test against, building it when missing."""
    env = os.environ.get("MESHCAST_RELAY")
    if env:
        return Path(env)
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


class Relay:
    """A running relay process on 127.0.0.1 (on ``port``, else a free one); ``stop()`` kills
    it."""

    def __init__(self, extra_args: Optional[List[str]] = None, port: Optional[int] = None) -> None:
        self.port = port or free_port()
        self.log = tempfile.NamedTemporaryFile(prefix="meshcast-relay-test-", suffix=".log", delete=False)
        args = [str(relay_binary()), "--bind", "127.0.0.1", "--port", str(self.port), *(extra_args or [])]
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"meshcast-relay exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(f"meshcast-relay did not listen on port {self.port} within 20 s") from None
                time.sleep(0.02)

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

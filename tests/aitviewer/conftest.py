"""Fixtures for running unmodified aitviewer clients against the real meshcast relay.

`relay` starts `target/debug/meshcast-relay` (or `$MESHCAST_RELAY`) on a free loopback port and
stops it afterwards. `scene(relay)` connects as a viewer and returns the relay's current scene as
decoded from the snapshot the relay sends to late joiners.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import msgpack
import numpy as np
import pytest
from websockets.sync.client import connect

ROOT = Path(__file__).resolve().parents[2]
DTYPES = {0: "?", 1: "u1", 2: "i1", 3: "<u2", 4: "<i2", 5: "<u4", 6: "<i4", 7: "<u8", 8: "<i8", 9: "<f2", 10: "<f4", 11: "<f8"}


def relay_binary() -> Path:
    if os.environ.get("MESHCAST_RELAY"):
        return Path(os.environ["MESHCAST_RELAY"])
    binary = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "debug" / "meshcast-relay"
    if not binary.exists():
        subprocess.run(["cargo", "build", "-p", "meshcast-relay"], cwd=ROOT, check=True)
    return binary


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Relay:
    port: int
    process: subprocess.Popen
    log: list = field(default_factory=list)

    @property
    def host(self) -> str:
        return "127.0.0.1"

    def log_text(self) -> str:
        return "\n".join(self.log)


@pytest.fixture
def relay():
    r = start_relay()
    yield r
    r.process.kill()
    r.process.wait()


def start_relay(*args: str) -> Relay:
    """Starts the relay binary on a free loopback port with extra arguments; the caller stops it."""
    port = free_port()
    proc = subprocess.Popen(
        [str(relay_binary()), "--bind", "127.0.0.1", "--port", str(port), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    r = Relay(port, proc)
    threading.Thread(target=lambda: r.log.extend(iter(proc.stdout.readline, "")), daemon=True).start()
    # The relay's log line, not an open port, says it serves: a connection to a port nothing
    # listens on yet can reach itself (TCP simultaneous open), and a bound relay can still exit.
    deadline = time.monotonic() + 30
    while "meshcast relay listening" not in r.log_text():
        assert proc.poll() is None, f"relay exited: {r.log_text()}"
        assert time.monotonic() < deadline, f"relay did not start: {r.log_text()}"
        time.sleep(0.05)
    return r


def _ext_hook(code: int, data: bytes):
    if code == 1:
        dtype, ndim = data[0], data[1]
        shape = struct.unpack_from(f"<{ndim}I", data, 2)
        return np.frombuffer(data, dtype=DTYPES[dtype], offset=2 + 4 * ndim).reshape(shape)
    if code == 2:
        return range(*struct.unpack("<qqq", data))
    return msgpack.ExtType(code, data)


def decode(raw: bytes):
    return msgpack.unpackb(raw, ext_hook=_ext_hook, strict_map_key=False, raw=False)


@dataclass
class Snapshot:
    """The relay's scene as a late-joining viewer receives it."""

    nodes: list  # [(client, envelope dict)] in creation order
    current_frame: int
    clients: list

    def by_type(self, msg_type: int) -> list:
        return [env for _, env in self.nodes if env["type"] == msg_type]

    def one(self, msg_type: int) -> dict:
        found = self.by_type(msg_type)
        assert len(found) == 1, f"expected one node of type {msg_type}, got {len(found)}"
        return found[0]


def scene(relay: Relay) -> Snapshot:
    # Live messages keep coming after the snapshot while a client sends. `max_queue=None`: with
    # websockets' default (16 unread messages) its reading thread stops at the 17th, never reads
    # the relay's answer to our close frame, and leaving the `with` waits out close_timeout (10 s,
    # the whole of `wait_for`'s time).
    with connect(f"ws://127.0.0.1:{relay.port}/viewer", max_size=None, max_queue=None) as ws:
        nodes = []
        while True:
            msg = decode(ws.recv(timeout=10))
            if isinstance(msg, dict) and "Message" in msg:
                m = msg["Message"]
                if m["envelope"]["type"] != 200:
                    nodes.append((m["client"], m["envelope"]))
            elif isinstance(msg, dict) and "SnapshotEnd" in msg:
                end = msg["SnapshotEnd"]
                return Snapshot(nodes, end["current_frame"], end["clients"])


def wait_for(relay: Relay, predicate, timeout: float = 10.0) -> Snapshot:
    """Polls the relay's scene until `predicate(snapshot)` holds (aitviewer clients send without
    acknowledgement, so tests wait for the effect)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = scene(relay)
        try:
            if predicate(last):
                return last
        except (KeyError, IndexError, AssertionError):
            pass
        time.sleep(0.05)
    raise AssertionError(f"condition not met; last scene: {[(c, e['type']) for c, e in last.nodes] if last else None}\n{relay.log_text()}")


def close_quietly(viewer) -> None:
    """aitviewer's close_connection() often hangs forever (a bug in its client thread): close in
    a daemon thread and give up after a moment. Everything sent before is delivered."""
    t = threading.Thread(target=viewer.close_connection, daemon=True)
    t.start()
    t.join(timeout=2)

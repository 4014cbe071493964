"""Send benchmark: meshcast's Python client vs aitviewer's own client (the real package), side by side.

Sends F frames of a V-vertex float32 mesh (default 1,000 frames of 6,890 vertices: an SMPL body)
as F ``add_frames`` messages (and as one message of all F frames), and measures the time from
the first send until the receiver has decoded all of them:

- meshcast: ``meshcast.RemoteViewer`` -> the real ``meshcast-relay`` (decodes, validates, applies
  to its scene); the clock stops when ``flush()`` returns, i.e. the relay acknowledged the last
  frame.
- meshcast's client into a Python websockets server that only decodes each message (its arrays
  included) and answers the flush: the client's own cost, on the same footing as the next cases.
- aitviewer: the real ``aitviewer.remote`` package (aitviewer 1.14.2, installed in the venv):
  ``aitviewer.remote.viewer.RemoteViewer`` and ``aitviewer.remote.renderables.meshes.RemoteMeshes``
  send to a websockets server in another process that ``pickle.loads`` every message as
  aitviewer's ``ViewerServer`` does (``aitviewer.server`` itself needs the GUI packages to
  import); the clock stops when that server has decoded the last frame and the client has
  received its answer (through ``RemoteViewer.get_message``). With permessage-deflate (what
  aitviewer's client and server negotiate by default: neither passes ``compression``) and
  without (the server declines it).
- aitviewer's client into ``meshcast-relay`` (which takes its pickles unchanged and offers no
  compression); the clock stops when a viewer connected to the relay has received the last frame.

Each case runs once to warm up, then ``--repeat`` times; the median is reported.

    python benchmarks/bench_send.py [--frames 1000] [--vertices 6890] [--relay PATH] [--repeat 3]

The relay binary is ``--relay``, else ``$MESHCAST_RELAY``, else ``meshcast-relay`` on PATH, else
the workspace's ``target/release`` or ``target/debug`` build (use a release build for figures:
``cargo build --release -p meshcast-relay``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import pickle
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
from importlib.metadata import version
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List

import msgpack
import numpy as np
from aitviewer.remote.message import Message as AitMessage
from aitviewer.remote.message import make_message
from aitviewer.remote.renderables.meshes import RemoteMeshes as AitRemoteMeshes
from aitviewer.remote.viewer import RemoteViewer as AitRemoteViewer
from websockets.sync.client import connect as ws_connect

import meshcast
from meshcast import RemoteMeshes, RemoteViewer
from meshcast._relay import find_relay
from meshcast._wire import encode_envelope
from meshcast.remote.message import Message


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: "subprocess.Popen[bytes]", timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"nothing listens on {port}") from None
            time.sleep(0.02)


def make_mesh(frames: int, vertices: int) -> Dict[str, np.ndarray]:
    rng = np.random.default_rng(0)
    verts = rng.standard_normal((frames, vertices, 3)).astype(np.float32)
    faces = rng.integers(0, vertices, size=(2 * vertices, 3)).astype(np.int32)
    return {"vertices": verts, "faces": faces}


# ---- meshcast ---------------------------------------------------------------------------------


def start_relay_process(relay: Path, port: int) -> "subprocess.Popen[bytes]":
    proc = subprocess.Popen(
        [str(relay), "--bind", "127.0.0.1", "--port", str(port), "--log", "warn"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
    except BaseException:
        proc.kill()
        proc.wait()
        raise
    return proc


def send_meshcast(port: int, mesh: Dict[str, np.ndarray], batch: bool) -> float:
    """meshcast's client: the mesh node and a flush, then (timed) its frames and a flush."""
    verts = mesh["vertices"]
    with RemoteViewer("127.0.0.1", port, verbose=False) as v:
        m = RemoteMeshes(v, verts[0], mesh["faces"])
        v.flush()
        t0 = time.perf_counter()
        if batch:
            m.add_frames(verts)
        else:
            for frame in verts:
                m.add_frames(frame)
        v.flush()
        return time.perf_counter() - t0


def bench_meshcast(relay: Path, mesh: Dict[str, np.ndarray], batch: bool) -> float:
    port = free_port()
    proc = start_relay_process(relay, port)
    try:
        return send_meshcast(port, mesh, batch)
    finally:
        proc.kill()
        proc.wait()


# ---- aitviewer's client ------------------------------------------------------------------------

# A websockets server that does with every message what aitviewer's ViewerServer does
# (aitviewer/server.py: ``websockets.serve(serve, ..., max_size=None)``, ``pickle.loads(message)``
# in the connection's loop), and answers the client, pickled, once it has decoded the last frame.
AITVIEWER_SERVER_CODE = r"""
import asyncio, pickle, queue, sys
import websockets
from aitviewer.remote.message import Message
port, expected, compression = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
received = queue.Queue()  # ViewerServer hands each message to its main thread through a queue

async def serve(websocket):
    frames = 0
    async for message in websocket:
        data = pickle.loads(message)
        received.put_nowait((websocket.remote_address, data))
        if data["type"] == Message.ADD_FRAMES:
            frames += 1
            if frames == expected:
                await websocket.send(pickle.dumps("done"))

async def main():
    kw = {} if compression == "deflate" else {"compression": None}
    async with websockets.serve(serve, "127.0.0.1", port, max_size=None, **kw):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""


@contextlib.contextmanager
def aitviewer_client(port: int) -> Iterator[AitRemoteViewer]:
    """aitviewer's client connected to 127.0.0.1:``port``, closed on the way out.

    Its ``close_connection()`` can hang forever (its client thread waits on a loop that is not
    running): it is closed from a daemon thread, giving up after a moment, as tests/aitviewer
    does. Everything was delivered before that."""
    viewer = AitRemoteViewer("127.0.0.1", port, verbose=False)
    assert viewer.connected, "aitviewer's client did not connect"
    try:
        yield viewer
    finally:
        t = threading.Thread(target=viewer.close_connection, daemon=True)
        t.start()
        t.join(timeout=2)


def create_aitviewer_mesh(viewer: AitRemoteViewer, mesh: Dict[str, np.ndarray]) -> AitRemoteMeshes:
    """aitviewer's client as its examples use it: the mesh node (untimed), then its frames."""
    return AitRemoteMeshes(viewer, mesh["vertices"][0], mesh["faces"])


def add_frames_aitviewer(m: AitRemoteMeshes, verts: np.ndarray, batch: bool) -> None:
    if batch:
        m.add_frames(verts)
    else:
        for frame in verts:
            m.add_frames(frame)


def bench_aitviewer(mesh: Dict[str, np.ndarray], compression: bool, batch: bool) -> float:
    """The real aitviewer client into a server that unpickles as aitviewer's viewer does."""
    port = free_port()
    verts = mesh["vertices"]
    expected = 1 if batch else len(verts)
    proc = subprocess.Popen(
        [sys.executable, "-c", AITVIEWER_SERVER_CODE, str(port), str(expected), "deflate" if compression else "none"],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        with aitviewer_client(port) as v:
            deflate = bool(v.websocket.protocol.extensions)
            assert deflate == compression, f"permessage-deflate {'off' if compression else 'on'} unexpectedly"
            m = create_aitviewer_mesh(v, mesh)
            t0 = time.perf_counter()
            add_frames_aitviewer(m, verts, batch)
            assert v.get_message(block=True) == "done"
            return time.perf_counter() - t0
    finally:
        proc.kill()
        proc.wait()


class ViewerCounter:
    """A viewer on the relay (``/viewer``) that counts the frame messages it receives."""

    def __init__(self, ws: Any, expected: int) -> None:
        self.ws = ws
        while "SnapshotEnd" not in self._next():
            pass
        self.expected = expected
        self.done = threading.Event()
        threading.Thread(target=self._count, daemon=True).start()

    def _next(self) -> dict:
        msg = msgpack.unpackb(self.ws.recv(), raw=False, strict_map_key=False)
        return msg if isinstance(msg, dict) else {msg: None}

    def _count(self) -> None:
        n = 0
        while n < self.expected:
            msg = self._next().get("Message")
            if msg is not None and msg["envelope"]["type"] == AitMessage.ADD_FRAMES.value:
                n += 1
        self.done.set()


def bench_aitviewer_relay(relay: Path, mesh: Dict[str, np.ndarray], batch: bool) -> float:
    """The real aitviewer client into meshcast-relay; a viewer on the relay stops the clock."""
    port = free_port()
    proc = start_relay_process(relay, port)
    try:
        verts = mesh["vertices"]
        with aitviewer_client(port) as v:
            m = create_aitviewer_mesh(v, mesh)
            with ws_connect(f"ws://127.0.0.1:{port}/viewer", max_size=None, compression=None) as ws:
                counter = ViewerCounter(ws, 1 if batch else len(verts))
                t0 = time.perf_counter()
                add_frames_aitviewer(m, verts, batch)
                assert counter.done.wait(600), "the viewer did not receive every frame"
                return time.perf_counter() - t0
    finally:
        proc.kill()
        proc.wait()


MSGPACK_SERVER_CODE = r"""
import asyncio, sys
import msgpack, websockets
from meshcast._wire import unpack
port = int(sys.argv[1])

async def serve(ws, path=None):
    seq = 0
    async for message in ws:
        seq += 1
        msg = unpack(message)  # decodes every array, as the relay does (no validation, no scene)
        if msg["type"] == 900:
            await ws.send(msgpack.packb({"Ack": {"seq": seq}}))

async def main():
    async with websockets.serve(serve, "127.0.0.1", port, max_size=None, compression=None):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""


def bench_meshcast_python_sink(mesh: Dict[str, np.ndarray], batch: bool) -> float:
    """meshcast's client into a Python server that only decodes: the client's own cost."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", MSGPACK_SERVER_CODE, str(port)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        return send_meshcast(port, mesh, batch)
    finally:
        proc.kill()
        proc.wait()


# ---- encoding alone -----------------------------------------------------------------------------


def encode_costs(mesh: Dict[str, np.ndarray]) -> Dict[str, float]:
    """One frame's message encoded by meshcast's client and by aitviewer's (``make_message`` and
    ``pickle.dumps``, as ``aitviewer.remote.viewer.RemoteViewer.send_message`` does)."""
    frame = mesh["vertices"][0]
    n = 2000
    ours = lambda: encode_envelope(Message.ADD_FRAMES.value, 1, (), {"vertices": frame})  # noqa: E731
    theirs = lambda: pickle.dumps(make_message(AitMessage.ADD_FRAMES, 1, (), {"vertices": frame}))  # noqa: E731
    costs = {}
    for name, fn in (("ours", ours), ("pickle", theirs)):
        fn()
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        costs[f"{name}_us"] = (time.perf_counter() - t0) / n * 1e6
        costs[f"{name}_bytes"] = len(fn())
    return costs


def median_run(fn: Callable[[bool], float], batch: bool, repeat: int) -> float:
    """One warm-up run, then the median of ``repeat``."""
    fn(batch)
    return statistics.median(fn(batch) for _ in range(repeat))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--vertices", type=int, default=6890)
    ap.add_argument("--relay", type=Path, help="meshcast-relay binary (default: found as create_new_process does)")
    ap.add_argument("--repeat", type=int, default=3, help="measured runs of each case after a warm-up; the median is reported")
    ap.add_argument("--no-deflate", action="store_true", help="skip the (slow) permessage-deflate aitviewer case")
    args = ap.parse_args()

    relay = args.relay or find_relay()
    mesh = make_mesh(args.frames, args.vertices)
    payload = mesh["vertices"].nbytes
    import websockets

    print(
        f"meshcast {meshcast.__version__} send benchmark: {args.frames} frames x {args.vertices} vertices float32 "
        f"({payload / 1e6:.1f} MB of vertex data), median of {args.repeat} after a warm-up"
    )
    load = " ".join(Path("/proc/loadavg").read_text().split()[:3]) if Path("/proc/loadavg").exists() else "unknown"
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, websockets {websockets.__version__}, "
        f"aitviewer {version('aitviewer')}, {os.cpu_count()} CPUs, load average {load}, relay {relay}"
    )
    enc = encode_costs(mesh)
    print(
        f"encode one frame: meshcast {enc['ours_us']:.0f} us ({enc['ours_bytes']} B), "
        f"aitviewer (make_message + pickle.dumps) {enc['pickle_us']:.0f} us ({enc['pickle_bytes']} B)"
    )

    cases: List[tuple] = [
        ("meshcast client -> meshcast-relay (validated, in scene)", lambda b: bench_meshcast(relay, mesh, b)),
        ("meshcast client -> Python server, msgpack decode only", lambda b: bench_meshcast_python_sink(mesh, b)),
        ("aitviewer client -> Python server, pickle.loads, no deflate", lambda b: bench_aitviewer(mesh, False, b)),
    ]
    if not args.no_deflate:
        cases.append(
            ("aitviewer client -> Python server, pickle.loads, deflate", lambda b: bench_aitviewer(mesh, True, b))
        )
    cases.append(("aitviewer client -> meshcast-relay (no deflate)", lambda b: bench_aitviewer_relay(relay, mesh, b)))
    print()
    print(f"{'path':<62} {'mode':<12} {'seconds':>8} {'frames/s':>10} {'MB/s':>8}")
    results: Dict[tuple, float] = {}
    for name, fn in cases:
        for batch in (False, True):
            t = median_run(fn, batch, args.repeat)
            results[(name, batch)] = t
            mode = "1 message" if batch else f"{args.frames} msgs"
            print(f"{name:<62} {mode:<12} {t:>8.3f} {args.frames / t:>10.0f} {payload / t / 1e6:>8.1f}", flush=True)
    ours = results[(cases[0][0], False)]
    print()
    for name, _ in cases[2:]:
        print(f"per-frame messages: '{name}' takes {results[(name, False)] / ours:.1f}x the time of meshcast -> relay")
    print(f"load average after: {' '.join(Path('/proc/loadavg').read_text().split()[:3]) if Path('/proc/loadavg').exists() else 'unknown'}")


if __name__ == "__main__":
    main()

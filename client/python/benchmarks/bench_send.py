"""Send benchmark: meshcast's MessagePack path vs aitviewer's pickle path, side by side.

Sends F frames of a V-vertex float32 mesh (default 1,000 frames of 6,890 vertices: an SMPL body)
as F ``add_frames`` messages, and measures the time from the first send until the receiver has
decoded all of them:

- meshcast: ``RemoteViewer`` -> the real ``meshcast-relay`` (decodes, validates, applies to its
  scene); the clock stops when ``flush()`` returns, i.e. the relay acknowledged the last frame.
  Also one batch message of all F frames.
- meshcast's client into a Python websockets server that only decodes each message (its arrays
  included) and answers the flush: the client's own cost, on the same footing as the next case.
- aitviewer's wire path, reproduced without aitviewer installed: ``pickle.dumps`` of the same
  message dict (``{"type": Message.ADD_FRAMES, "uid", "args", "kwargs": {"vertices": arr}}``),
  sent the way aitviewer's ``RemoteViewer.send`` does (one ``run_coroutine_threadsafe(...).result()``
  per message) to a websockets server in another process that ``pickle.loads`` each message, as
  aitviewer's ``ViewerServer`` does; the clock stops when that server reports it has decoded the
  last one. Measured with permessage-deflate on (what aitviewer's client and server negotiate by
  default) and off.

    python benchmarks/bench_send.py [--frames 1000] [--vertices 6890] [--relay PATH] [--repeat 3]

The relay binary is ``--relay``, else ``$MESHCAST_RELAY``, else ``meshcast-relay`` on PATH, else
the workspace's ``target/release`` or ``target/debug`` build (use a release build for figures:
``cargo build --release -p meshcast-relay``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pickle
import platform
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import numpy as np

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


def bench_meshcast(relay: Path, mesh: Dict[str, np.ndarray], batch: bool) -> Dict[str, float]:
    port = free_port()
    proc = subprocess.Popen(
        [str(relay), "--bind", "127.0.0.1", "--port", str(port), "--log", "warn"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_port(port, proc)
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
            dt = time.perf_counter() - t0
        return {"seconds": dt}
    finally:
        proc.kill()
        proc.wait()


# ---- aitviewer's pickle path ------------------------------------------------------------------

SERVER_CODE = r"""
import asyncio, pickle, sys, time
import websockets
port, expected, compression = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

async def serve(ws, path=None):
    n = 0
    async for message in ws:
        data = pickle.loads(message)  # what aitviewer's ViewerServer does with every message
        n += 1
        if n == expected:
            await ws.send("done")

async def main():
    kw = {} if compression == "deflate" else {"compression": None}
    async with websockets.serve(serve, "127.0.0.1", port, max_size=None, **kw):
        print("ready", flush=True)
        await asyncio.Future()

asyncio.run(main())
"""


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


def bench_meshcast_python_sink(mesh: Dict[str, np.ndarray], batch: bool) -> Dict[str, float]:
    """meshcast's client into a Python server that only decodes: the client's own cost."""
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-c", MSGPACK_SERVER_CODE, str(port)], stdout=subprocess.PIPE)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
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
            dt = time.perf_counter() - t0
        return {"seconds": dt}
    finally:
        proc.kill()
        proc.wait()


class AitviewerStyleClient:
    """aitviewer's RemoteViewer send path: a thread running an asyncio loop; each send pickles
    the message and waits for ``websocket.send`` to finish."""

    def __init__(self, url: str, compression: bool) -> None:
        import websockets

        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        kw: Dict[str, Any] = {"max_size": None}
        if not compression:
            kw["compression"] = None

        async def connect() -> Any:
            return await websockets.connect(url, **kw)

        self.ws = asyncio.run_coroutine_threadsafe(connect(), self.loop).result(20)

    def send_message(self, type: Any, uid: Any = None, *args: Any, **kwargs: Any) -> None:
        data = pickle.dumps({"type": type, "uid": uid, "args": args, "kwargs": kwargs})
        asyncio.run_coroutine_threadsafe(self.ws.send(data), self.loop).result()

    def wait_done(self) -> None:
        assert asyncio.run_coroutine_threadsafe(self.ws.recv(), self.loop).result(600) == "done"

    def close(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.ws.close(), self.loop).result(5)
        except Exception:
            pass
        self.loop.call_soon_threadsafe(self.loop.stop)


def bench_pickle(mesh: Dict[str, np.ndarray], compression: bool, batch: bool) -> Dict[str, float]:
    port = free_port()
    verts = mesh["vertices"]
    expected = 1 if batch else len(verts)
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER_CODE, str(port), str(expected), "deflate" if compression else "none"],
        stdout=subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        client = AitviewerStyleClient(f"ws://127.0.0.1:{port}", compression)
        t0 = time.perf_counter()
        if batch:
            client.send_message(Message.ADD_FRAMES, 1, vertices=verts)
        else:
            for frame in verts:
                client.send_message(Message.ADD_FRAMES, 1, vertices=frame)
        client.wait_done()
        dt = time.perf_counter() - t0
        client.close()
        return {"seconds": dt}
    finally:
        proc.kill()
        proc.wait()


# ---- encoding alone -----------------------------------------------------------------------------


def encode_costs(mesh: Dict[str, np.ndarray]) -> Dict[str, float]:
    frame = mesh["vertices"][0]
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        encode_envelope(Message.ADD_FRAMES.value, 1, (), {"vertices": frame})
    ours = (time.perf_counter() - t0) / n
    t0 = time.perf_counter()
    for _ in range(n):
        pickle.dumps({"type": Message.ADD_FRAMES, "uid": 1, "args": (), "kwargs": {"vertices": frame}})
    pick = (time.perf_counter() - t0) / n
    sizes = (
        len(encode_envelope(Message.ADD_FRAMES.value, 1, (), {"vertices": frame})),
        len(pickle.dumps({"type": Message.ADD_FRAMES, "uid": 1, "args": (), "kwargs": {"vertices": frame}})),
    )
    return {"ours_us": ours * 1e6, "pickle_us": pick * 1e6, "ours_bytes": sizes[0], "pickle_bytes": sizes[1]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=1000)
    ap.add_argument("--vertices", type=int, default=6890)
    ap.add_argument("--relay", type=Path, help="meshcast-relay binary (default: found as create_new_process does)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of each case; the best is reported")
    ap.add_argument("--no-deflate", action="store_true", help="skip the (slow) permessage-deflate pickle case")
    args = ap.parse_args()

    relay = args.relay or find_relay()
    mesh = make_mesh(args.frames, args.vertices)
    payload = mesh["vertices"].nbytes
    import websockets

    print(
        f"meshcast {meshcast.__version__} send benchmark: {args.frames} frames x {args.vertices} vertices float32 "
        f"({payload / 1e6:.1f} MB of vertex data), best of {args.repeat}"
    )
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, websockets {websockets.__version__}, "
        f"{os.cpu_count()} CPUs, relay {relay}"
    )
    enc = encode_costs(mesh)
    print(
        f"encode one frame: meshcast {enc['ours_us']:.0f} us ({enc['ours_bytes']} B), "
        f"pickle {enc['pickle_us']:.0f} us ({enc['pickle_bytes']} B)"
    )

    cases: List[tuple] = [
        ("meshcast msgpack -> meshcast-relay (validated, in scene)", lambda b: bench_meshcast(relay, mesh, b)),
        ("meshcast msgpack -> websockets+msgpack decode (Python)", lambda b: bench_meshcast_python_sink(mesh, b)),
        ("aitviewer pickle -> websockets+pickle.loads, no deflate", lambda b: bench_pickle(mesh, False, b)),
    ]
    if not args.no_deflate:
        cases.append(
            ("aitviewer pickle -> websockets+pickle.loads, deflate (default)", lambda b: bench_pickle(mesh, True, b))
        )
    print()
    print(f"{'path':<66} {'mode':<12} {'seconds':>8} {'frames/s':>10} {'MB/s':>8}")
    results: Dict[tuple, float] = {}
    for name, fn in cases:
        for batch in (False, True):
            best: Optional[float] = None
            for _ in range(args.repeat):
                dt = fn(batch)["seconds"]
                best = dt if best is None else min(best, dt)
            assert best is not None
            results[(name, batch)] = best
            mode = "1 message" if batch else f"{args.frames} msgs"
            print(f"{name:<66} {mode:<12} {best:>8.3f} {args.frames / best:>10.0f} {payload / best / 1e6:>8.1f}")
    ours = results[(cases[0][0], False)]
    for name, _ in cases[2:]:
        print(f"per-frame messages: meshcast -> relay takes {ours / results[(name, False)]:.2f}x the time of '{name}'")


if __name__ == "__main__":
    main()

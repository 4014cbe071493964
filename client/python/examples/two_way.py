"""Two-way communication: viewers send messages to this client, which answers by adding cubes.

aitviewer's ``examples/remote_two_way_communication.py`` with meshcast's imports. A viewer sends
any value to producer clients through the relay (a browser viewer does this from its UI; any
program can, by sending ``{"ToClients": {"client": None, "payload": ...}}`` as MessagePack to
``ws://HOST:PORT/viewer``). Here the payload is ``{"name": str, "position": [x, y, z]}`` and each
one becomes a cube.

    python examples/two_way.py --port 8417             # wait for messages from viewers
    python examples/two_way.py --port 8417 --simulate  # also act as a viewer that sends three
"""

import argparse
import asyncio
import threading

import msgpack
import numpy as np

from meshcast.remote.renderables.meshes import RemoteMeshes
from meshcast.remote.viewer import RemoteViewer

CUBE_VERTICES = np.array([[x, y, z] for x in (-1, 1) for y in (-1, 1) for z in (-1, 1)], dtype=np.float32)
CUBE_FACES = np.array(
    [
        [0, 1, 3],
        [0, 3, 2],
        [4, 6, 7],
        [4, 7, 5],
        [0, 4, 5],
        [0, 5, 1],
        [2, 3, 7],
        [2, 7, 6],
        [0, 2, 6],
        [0, 6, 4],
        [1, 5, 7],
        [1, 7, 3],
    ]
)


def message_handler(v: RemoteViewer, msg: object) -> None:
    """Prints the message and sends a cube with the name and position it asks for."""
    print(f"{msg}")
    RemoteMeshes(v, CUBE_VERTICES, CUBE_FACES, name=msg["name"], position=msg["position"], flat_shading=True, scale=0.5)


def simulate_viewer(host: str, port: int, count: int) -> None:
    """Acts as a viewer: sends ``count`` cube requests to every producer client, then leaves."""
    import websockets

    async def run() -> None:
        async with websockets.connect(f"ws://{host}:{port}/viewer", max_size=None) as ws:
            while True:  # read the snapshot: Hello, SnapshotBegin, ..., SnapshotEnd
                msg = msgpack.unpackb(await ws.recv(), raw=False, strict_map_key=False)
                if isinstance(msg, dict) and "SnapshotEnd" in msg:
                    break
            for i in range(count):
                payload = {"name": f"Cube {i}", "position": [1.5 * i - 1.5, 0.0, 0.0]}
                await ws.send(msgpack.packb({"ToClients": {"client": None, "payload": payload}}))
                await asyncio.sleep(0.2)

    asyncio.run(run())


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="localhost")
parser.add_argument("--port", type=int, help="connect to a running relay on this port (default: start one)")
parser.add_argument("--simulate", action="store_true", help="also act as a viewer that sends three cube requests")
args = parser.parse_args()

with RemoteViewer.create_new_process() if args.port is None else RemoteViewer(args.host, args.port) as v:
    port = v.port
    if args.simulate:
        sim = threading.Thread(target=simulate_viewer, args=(args.host, port, 3), daemon=True)
        sim.start()
        handled = 0
        while handled < 3 and v.connected:
            msg = v.get_message(block=True)
            if msg is None:
                break
            message_handler(v, msg)
            handled += 1
        v.flush()
    else:
        # Handle messages until the connection closes (process_messages(..., block=False) would
        # handle only those received so far).
        v.process_messages(message_handler, block=True)

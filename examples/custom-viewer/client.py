"""The client half of the custom viewer example (aitviewer's ``remote_custom_viewer.py``).

Sends three cubes named "Cube 0".."Cube 2" (uids 1, 2, 3), then a user message (type 10000) with
``index`` in its kwargs and as its first positional argument, and prints what viewers answer.

    python examples/custom-viewer/client.py --port 8417 --index 2 [--color 1,0,1,1]

The custom viewer (this folder) selects each cube as it arrives, then the one with uid ``index``,
and answers ``{"selected": index, "name": ...}``. Use aitviewer's own client by importing from
``aitviewer.remote`` instead of ``meshcast.remote``.
"""

import argparse
import time

import numpy as np

from meshcast.remote.message import Message
from meshcast.remote.renderables.meshes import RemoteMeshes
from meshcast.remote.viewer import RemoteViewer

VERTICES = np.array([[x, y, z] for z in (-0.5, 0.5) for y in (-0.5, 0.5) for x in (-0.5, 0.5)], dtype=np.float32)
FACES = np.array(
    [[0, 2, 3], [0, 3, 1], [4, 5, 7], [4, 7, 6], [0, 1, 5], [0, 5, 4],
     [2, 6, 7], [2, 7, 3], [0, 4, 6], [0, 6, 2], [1, 3, 7], [1, 7, 5]]
)  # fmt: skip

parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="localhost")
parser.add_argument("--port", type=int, default=8417)
parser.add_argument("--index", type=int, default=2, help="uid of the cube the viewer should select")
parser.add_argument("--color", help="r,g,b,a in 0-1 for that cube")
parser.add_argument("--wait", type=float, default=3.0, help="seconds to wait for answers")
parser.add_argument("--expect", type=int, default=0, help="stop waiting after this many answers (0: wait)")
parser.add_argument("--no-cubes", action="store_true", help="send only the user message")
args = parser.parse_args()

with RemoteViewer(args.host, args.port) as v:
    if not args.no_cubes:
        for i in range(3):
            RemoteMeshes(v, VERTICES, FACES, name=f"Cube {i}", position=(0.6 * (i - 1), 0.0, 0.0), scale=0.3)
    kwargs = {"index": args.index}
    if args.color:
        kwargs["color"] = [float(c) for c in args.color.split(",")]
    v.send_message(Message.USER_MESSAGE, None, args.index, **kwargs)
    v.flush()
    print(f"sent USER_MESSAGE index={args.index}", flush=True)
    deadline = time.monotonic() + args.wait
    answers = 0
    while time.monotonic() < deadline and (args.expect == 0 or answers < args.expect):
        msg = v.get_message(block=False)
        if msg is None:
            time.sleep(0.02)
        else:
            print(f"viewer answered {msg}", flush=True)
            answers += 1

"""Test helper: a producer client that prints every message viewers send to it.

    python listen.py --port P [--flavor meshcast|aitviewer] [--seconds 30]

Prints ``ready`` once connected, then one JSON line per message (numpy arrays as lists, other
non-JSON values as their repr), and exits after ``--seconds`` or when stdin closes.
"""

import argparse
import json
import os
import sys
import threading
import time

parser = argparse.ArgumentParser()
parser.add_argument("--port", type=int, required=True)
parser.add_argument("--flavor", choices=["meshcast", "aitviewer"], default="meshcast")
parser.add_argument("--seconds", type=float, default=30.0)
args = parser.parse_args()

if args.flavor == "aitviewer":
    from aitviewer.remote.viewer import RemoteViewer

    v = RemoteViewer("127.0.0.1", args.port, verbose=False)
else:
    from meshcast.remote.viewer import RemoteViewer

    v = RemoteViewer("127.0.0.1", args.port)

stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
print("ready", flush=True)


def plain(o):
    return o.tolist() if hasattr(o, "tolist") else repr(o)


deadline = time.monotonic() + args.seconds
while time.monotonic() < deadline and not stop.is_set():
    msg = v.get_message(block=False)
    if msg is None:
        time.sleep(0.02)
        continue
    print(json.dumps({"type": type(msg).__name__, "msg": msg}, default=plain), flush=True)
# aitviewer's close_connection() can hang (docs/aitviewer.md): leave without it.
os._exit(0)

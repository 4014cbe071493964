"""A live stream: spheres on a moving spiral, one new frame per tick, with the viewer following.

    python examples/live_stream.py --port 8417 --seconds 30

Each tick appends one frame (``add_frames``) and moves the scene to it (``set_frame``). A
``flush()`` every second keeps the producer from running ahead of the relay and raises at once
if the relay rejected something. Without ``--port`` a relay is started in a new process.
"""

import argparse
import time

import numpy as np

from meshcast import RemoteLines, RemoteSpheres, RemoteViewer


def spiral(t: float, n: int) -> np.ndarray:
    """Positions (n, 3) of n spheres on a spiral turning with time t."""
    k = np.arange(n) / n
    angle = 2 * np.pi * (2 * k + 0.25 * t)
    radius = 0.5 + 0.3 * np.sin(t + 4 * np.pi * k)
    return np.stack([radius * np.cos(angle), 2 * k + 0.2 * np.sin(t), radius * np.sin(angle)], axis=-1)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="localhost")
parser.add_argument("--port", type=int, help="connect to a running relay on this port (default: start one)")
parser.add_argument("--seconds", type=float, default=None, help="stop after this long (default: run until Ctrl-C)")
parser.add_argument("--fps", type=float, default=30.0)
parser.add_argument("--spheres", type=int, default=64)
args = parser.parse_args()

v = RemoteViewer.create_new_process() if args.port is None else RemoteViewer(args.host, args.port)
with v:
    colors = np.concatenate(
        [np.linspace([0.1, 0.4, 1.0], [1.0, 0.3, 0.1], args.spheres), np.ones((args.spheres, 1))], axis=1
    )
    spheres = RemoteSpheres(v, spiral(0.0, args.spheres), radius=0.03, color=colors, name="Stream")
    path = RemoteLines(v, spiral(0.0, args.spheres), r_base=0.005, color=(0.2, 0.2, 0.2, 1.0), name="Path")
    start = time.monotonic()
    frame = 0
    try:
        while args.seconds is None or time.monotonic() - start < args.seconds:
            frame += 1
            t = frame / args.fps
            positions = spiral(t, args.spheres)
            spheres.add_frames(positions)
            path.add_frames(positions)
            v.set_frame(frame)
            if frame % int(args.fps) == 0:
                v.flush()
                print(f"\r{frame} frames, {frame / (time.monotonic() - start):.1f} frames/s", end="", flush=True)
            time.sleep(max(0.0, start + frame / args.fps - time.monotonic()))
    except KeyboardInterrupt:
        pass
    print(f"\nsent {frame} frames")

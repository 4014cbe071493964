"""A synthetic walking SMPL body, streamed one frame per tick (60 Hz by default).

    python examples/smpl_walk.py --port 8417 --seconds 10

Hips, knees, shoulders and elbows swing with sines, the root moves forward along +z and bobs a
little. Each tick appends one frame (``add_frames`` with ``poses_root`` and ``trans``) and moves
the viewer to it (``set_frame``); a ``flush()`` every second keeps the producer from running
ahead and raises at once if the relay rejected something (for example because the model file is
not in the relay's ``--smpl-models`` folder). The viewer evaluates the body model itself.

``--aitviewer`` sends with aitviewer's own client classes instead (``aitviewer.remote``: same
calls, no ``flush()``, and no error replies).
"""

import argparse
import threading
import time

import numpy as np


SPEED = 1.1  # metres per second
CADENCE = 1.8  # steps (half cycles) per second


def walk(t: float):
    """Body pose (69,), root orientation (3,) and translation (3,) at time t seconds."""
    phase = np.pi * CADENCE * t
    s = np.sin(phase)
    knee = np.sin(phase + 0.8)
    p = np.zeros((24, 3), dtype=np.float32)  # SMPL joints; row 0 (the root) is not sent
    p[1] = [-0.45 * s, 0, 0]  # left hip
    p[2] = [0.45 * s, 0, 0]  # right hip
    p[4] = [0.05 + 0.6 * max(knee, 0.0), 0, 0]  # left knee
    p[5] = [0.05 + 0.6 * max(-knee, 0.0), 0, 0]  # right knee
    p[7] = [0.2 * s, 0, 0]  # left ankle
    p[8] = [-0.2 * s, 0, 0]  # right ankle
    p[3] = [0.05, 0.08 * s, 0]  # spine
    p[6] = [0, 0.05 * s, 0]
    p[16] = [0.35 * s, 0, -1.2]  # left shoulder: arm down, swinging
    p[17] = [-0.35 * s, 0, 1.2]  # right shoulder
    p[18] = [0, -0.3 - 0.2 * (1 + s), 0]  # elbows
    p[19] = [0, 0.3 + 0.2 * (1 - s), 0]
    root = np.array([0, 0.1 * s, 0], dtype=np.float32)
    trans = np.array([0, 0.02 * np.cos(2 * phase), SPEED * t], dtype=np.float32)
    return p[1:].reshape(69), root, trans


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="localhost")
    parser.add_argument("--port", type=int, default=8417)
    parser.add_argument("--seconds", type=float, default=10.0, help="stop after this long")
    parser.add_argument("--rate", type=float, default=60.0, help="frames per second")
    parser.add_argument("--gender", default="neutral", choices=["neutral", "male", "female"])
    parser.add_argument("--aitviewer", action="store_true", help="use aitviewer's own client classes")
    args = parser.parse_args()

    if args.aitviewer:
        from aitviewer.remote.renderables.smpl import RemoteSMPLSequence
        from aitviewer.remote.viewer import RemoteViewer
    else:
        from meshcast import RemoteSMPLSequence, RemoteViewer

    v = RemoteViewer(args.host, args.port)
    flush = getattr(v, "flush", lambda: None)  # aitviewer's client has none
    try:
        pose, root, trans = walk(0.0)
        body = RemoteSMPLSequence(
            v, pose[None], poses_root=root[None], trans=trans[None], gender=args.gender, name="walker"
        )
        flush()
        start = time.monotonic()
        frame = 0
        try:
            while time.monotonic() - start < args.seconds:
                frame += 1
                pose, root, trans = walk(frame / args.rate)
                body.add_frames(pose[None], poses_root=root[None], trans=trans[None])
                v.set_frame(frame)
                if frame % int(args.rate) == 0:
                    flush()
                time.sleep(max(0.0, start + frame / args.rate - time.monotonic()))
        except KeyboardInterrupt:
            pass
        flush()
        print(f"streamed {frame + 1} frames in {time.monotonic() - start:.2f} s")
    finally:
        # aitviewer's close_connection() can hang forever (a bug in its client thread): close in a
        # daemon thread and give up after a moment; everything sent before is delivered.
        closer = threading.Thread(target=v.close_connection, daemon=True)
        closer.start()
        closer.join(timeout=5)


if __name__ == "__main__":
    main()

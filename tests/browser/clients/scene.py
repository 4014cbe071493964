"""A small fixed scene from the Python client, sent to a relay (``--port P``) or written to a
recording with no relay (``--record FILE``): a red square, three green spheres, a blue line.
Used by tests/browser/recording.test.mjs to compare the two in the page."""

import argparse

import numpy as np

from meshcast import RemoteLines, RemoteMeshes, RemoteSpheres, RemoteViewer


def send(v: RemoteViewer) -> None:
    square = np.array([[-0.9, -0.3, 0], [-0.3, -0.3, 0], [-0.3, 0.3, 0], [-0.9, 0.3, 0]], np.float32)
    RemoteMeshes(v, square, np.array([[0, 1, 2], [0, 2, 3]]), name="square", color=(1.0, 0.0, 0.0, 1.0))
    # Two frames: the page must show the recorded current frame (1).
    spheres = np.array([[[0.2, 0.0, 0], [0.5, 0.0, 0], [0.8, 0.0, 0]], [[0.2, 0.3, 0], [0.5, 0.3, 0], [0.8, 0.3, 0]]])
    RemoteSpheres(v, spheres, radius=0.1, color=(0.0, 0.8, 0.0, 1.0), name="spheres")
    RemoteLines(v, np.array([[-0.8, -0.6, 0], [0.8, -0.6, 0]]), r_base=0.03, color=(0.0, 0.0, 1.0, 1.0), name="line")
    v.set_frame(1)
    v.flush()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int)
    p.add_argument("--record")
    a = p.parse_args()
    if a.record:
        with RemoteViewer.record(a.record) as v:
            send(v)
    else:
        with RemoteViewer("127.0.0.1", a.port, verbose=False) as v:
            send(v)
    print("sent", flush=True)


if __name__ == "__main__":
    main()

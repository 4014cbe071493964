"""aitviewer's ``examples/remote.py``, ported to meshcast by changing its imports.

The only other change: aitviewer loads ``resources/planet/planet.obj`` with trimesh; this
version builds a sphere mesh with numpy so that it runs with no data files.

Run it with a relay already running (``meshcast-relay``, then open http://localhost:8417/):

    python examples/remote.py --port 8417

or without ``--port`` to start a relay in a new process (as aitviewer's ``create_new_process``).
"""

import argparse

import numpy as np

from meshcast.remote.renderables.meshes import RemoteMeshes
from meshcast.remote.viewer import RemoteViewer


def uv_sphere(rings: int = 32, sectors: int = 64, radius: float = 2.0):
    """Vertices (V, 3) and triangles (F, 3) of a UV sphere."""
    theta = np.linspace(0, np.pi, rings + 1)
    phi = np.linspace(0, 2 * np.pi, sectors + 1)
    t, p = np.meshgrid(theta, phi, indexing="ij")
    vertices = radius * np.stack([np.sin(t) * np.cos(p), np.cos(t), np.sin(t) * np.sin(p)], axis=-1).reshape(-1, 3)
    faces = []
    for r in range(rings):
        for s in range(sectors):
            a, b = r * (sectors + 1) + s, (r + 1) * (sectors + 1) + s
            faces += [[a, b, a + 1], [a + 1, b, b + 1]]
    return vertices, np.array(faces)


parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
parser.add_argument("--host", default="localhost")
parser.add_argument("--port", type=int, help="connect to a running relay on this port (default: start one)")
args = parser.parse_args()

# Generate 200 frames of vertex data: a box-like shape that morphs into the sphere.
N = 200
sphere_vertices, faces = uv_sphere()
vertices_begin = sphere_vertices.copy()
vertices_end = sphere_vertices.copy()
for i in range(3):
    vertices_begin[:, i] = np.sign(vertices_end[:, i]) * np.minimum(
        np.abs(vertices_begin[:, i]), np.full((vertices_begin.shape[0]), 1.7)
    )
vertices = np.linspace(vertices_begin, vertices_end, N)


# A RemoteViewer is a connection to the relay; it is the first argument of every Remote* object.
if args.port is None:
    # Start a relay in a new process and connect to it.
    v: RemoteViewer = RemoteViewer.create_new_process()
else:
    v = RemoteViewer(args.host, args.port)


# Mesh 0: one frame on creation, 99 frames appended one by one, then 100 at once.
m0 = RemoteMeshes(v, vertices[0], faces, flat_shading=True, name="Mesh 0", position=(-1, 0, 0), scale=0.12)
for i in range(1, 100):
    m0.add_frames(vertices[i])
m0.add_frames(vertices[100:200])

# Mesh 1: all 200 frames; frame 100 and frames 101-199 are then overwritten.
m1 = RemoteMeshes(v, vertices, faces, flat_shading=True, name="Mesh 1", position=(0, 0, 0), scale=0.12)
m1.update_frames(vertices[99], frames=100)
m1.update_frames(np.flip(vertices[0:99], axis=0), frames=range(101, 200))

# Mesh 2: all 200 frames, then frame 100 and frames 100-198 of what is left are removed.
m2 = RemoteMeshes(v, vertices, faces, flat_shading=True, name="Mesh 2", position=(1, 0, 0), scale=0.12)
m2.remove_frames(frames=100)
m2.remove_frames(frames=range(100, 199))
# m2.delete()  # removes the node completely

# Show frame 1 (also: v.next_frame(), v.previous_frame()).
v.set_frame(1)

# meshcast only: wait until the relay has handled everything, and raise what it rejected.
v.flush()

# Closing sends whatever is still queued (a `with RemoteViewer(...) as v:` block does the same).
v.close_connection()
if v.process is not None:
    print(f"The relay (pid {v.process.pid}) keeps running; stop it with `kill {v.process.pid}`.")

"""``RemoteMeshes``: triangle meshes."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteMeshes(RemoteNode):
    """Triangle meshes; every keyword goes to ``Meshes`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param vertices: vertex positions, ``(N, V, 3)`` for N frames or ``(V, 3)`` for one.
    :param faces: triangles as vertex indices, ``(F, 3)``.
    :param kwargs: ``vertex_normals``, ``face_normals``, ``vertex_colors`` ``(N, V, 4)`` /
        ``(V, 4)``, ``face_colors``, ``uv_coords`` ``(V, 2)``, ``path_to_texture``,
        ``flat_shading``, ``draw_edges``, ``draw_outline``, ``cast_shadow``, ``pickable``,
        ``instance_transforms`` ``(N, I, 4, 4)`` / ``(I, 4, 4)``, ``z_up``, and the node's
        ``name``, ``position``, ``rotation``, ``scale``, ``color``, ``enabled_frames``, ...
    """

    MESSAGE_TYPE = Message.MESHES

    def __init__(self, viewer: Any, vertices: Any, faces: Any, **kwargs: Any) -> None:
        super().__init__(viewer, vertices=vertices, faces=faces, **kwargs)

    def add_frames(self, vertices: Any) -> None:
        """Appends frames: ``vertices`` is ``(N, V, 3)`` or ``(V, 3)``."""
        return super().add_frames(vertices=vertices)

    def update_frames(self, vertices: Any, frames: Any) -> None:
        """Overwrites ``frames`` (an int, list, range or integer array) with ``vertices``
        ``(N, V, 3)`` (one frame per index) or ``(V, 3)`` (written to every index)."""
        return super().update_frames(vertices=vertices, frames=frames)

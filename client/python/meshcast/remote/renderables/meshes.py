"""``RemoteMeshes``: triangle meshes."""

from __future__ import annotations

import io
import os
import pickle
from typing import Any

import numpy as np

from ..message import Message
from ..node import RemoteNode


def _decode_image(data: bytes, what: str) -> np.ndarray:
    """An encoded image (PNG, JPEG, ...) as an ``(H, W, 3|4)`` uint8 array, read with Pillow."""
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"{what}: reading an image file needs Pillow (pip install Pillow, or meshcast[images]); "
            "or pass texture= as an (H, W, 3|4) array"
        ) from None
    with Image.open(io.BytesIO(data)) as img:
        img = img.convert("RGBA" if "A" in img.getbands() else "RGB")
        return np.asarray(img, dtype=np.uint8)


def read_texture(path: "str | os.PathLike[str]") -> np.ndarray:
    """The image at ``path`` as an ``(H, W, 3|4)`` array, as aitviewer reads ``path_to_texture``:
    ``.pkl``/``.pickle`` hold a raw array (aitviewer's convention; only open your own files),
    ``.npy`` a numpy array, anything else an image file (PNG, JPEG, ... through Pillow)."""
    ext = os.path.splitext(os.fspath(path))[1].lower()
    if ext in (".pkl", ".pickle"):
        with open(path, "rb") as f:
            return np.asarray(pickle.load(f))
    if ext == ".npy":
        return np.load(path, allow_pickle=False)
    with open(path, "rb") as f:
        return _decode_image(f.read(), f"path_to_texture {os.fspath(path)!r}")


class RemoteMeshes(RemoteNode):
    """Triangle meshes; every keyword goes to ``Meshes`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param vertices: vertex positions, ``(N, V, 3)`` for N frames or ``(V, 3)`` for one.
    :param faces: triangles as vertex indices, ``(F, 3)``.
    :param kwargs: ``vertex_normals``, ``face_normals``, ``vertex_colors`` ``(N, V, 4)`` /
        ``(V, 4)``, ``face_colors``, ``uv_coords`` ``(V, 2)``, ``path_to_texture``,
        ``flat_shading``, ``draw_edges``, ``draw_outline``, ``cast_shadow``, ``pickable``,
        ``texture`` (the image itself: an ``(H, W, 3|4)`` array, uint8 or floats in 0..1, or
        the bytes of a PNG/JPEG file), ``path_to_texture`` (a file read here, on the client,
        and sent as ``texture``; with ``uv_coords``, (0, 0) being the image's bottom-left),
        ``instance_transforms`` ``(N, I, 4, 4)`` / ``(I, 4, 4)``, ``z_up``, and the node's
        ``name``, ``position``, ``rotation``, ``scale``, ``color``, ``enabled_frames``, ...
    """

    MESSAGE_TYPE = Message.MESHES

    def __init__(self, viewer: Any, vertices: Any, faces: Any, **kwargs: Any) -> None:
        texture = kwargs.get("texture")
        if isinstance(texture, (bytes, bytearray, memoryview)):
            kwargs["texture"] = _decode_image(bytes(texture), "texture")
        path = kwargs.get("path_to_texture")
        if path is not None and texture is None:
            kwargs["texture"] = read_texture(path)
            del kwargs["path_to_texture"]
        super().__init__(viewer, vertices=vertices, faces=faces, **kwargs)

    def add_frames(self, vertices: Any) -> None:
        """Appends frames: ``vertices`` is ``(N, V, 3)`` or ``(V, 3)``."""
        return super().add_frames(vertices=vertices)

    def update_frames(self, vertices: Any, frames: Any) -> None:
        """Overwrites ``frames`` (an int, list, range or integer array) with ``vertices``
        ``(N, V, 3)`` (one frame per index) or ``(V, 3)`` (written to every index)."""
        return super().update_frames(vertices=vertices, frames=frames)

"""``RemoteSpheres``: instanced spheres."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteSpheres(RemoteNode):
    """Spheres; every keyword goes to ``Spheres`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param positions: sphere centres, ``(N, P, 3)`` or ``(P, 3)``.
    :param kwargs: ``radius`` (0.01), ``color`` ``(4,)`` or ``(P, 4)``, ``rings``, ``sectors``,
        ``cast_shadow``, and the node's ``name``, ``position``, ...
    """

    MESSAGE_TYPE = Message.SPHERES

    def __init__(self, viewer: Any, positions: Any, **kwargs: Any) -> None:
        super().__init__(viewer, positions=positions, **kwargs)

    def add_frames(self, positions: Any) -> None:
        """Appends frames: ``positions`` is ``(N, P, 3)`` or ``(P, 3)``."""
        return super().add_frames(positions=positions)

    def update_frames(self, positions: Any, frames: Any) -> None:
        """Overwrites ``frames`` with ``positions`` ``(N, P, 3)`` or ``(P, 3)``."""
        return super().update_frames(positions=positions, frames=frames)

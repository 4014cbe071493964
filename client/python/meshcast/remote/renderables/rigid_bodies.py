"""``RemoteRigidBodies``: positions with orientation frames."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteRigidBodies(RemoteNode):
    """Rigid bodies; every keyword goes to ``RigidBodies`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param rb_pos: body centres, ``(N, R, 3)`` or ``(R, 3)``.
    :param rb_ori: body orientations as rotation matrices, ``(N, R, 3, 3)`` or ``(R, 3, 3)``.
    :param kwargs: ``radius`` (0.02), ``length`` (0.2), ``radius_cylinder``, ``color``, and the
        node's ``name``, ...
    """

    MESSAGE_TYPE = Message.RIGID_BODIES

    def __init__(self, viewer: Any, rb_pos: Any, rb_ori: Any, **kwargs: Any) -> None:
        super().__init__(viewer, rb_pos=rb_pos, rb_ori=rb_ori, **kwargs)

    def add_frames(self, rb_pos: Any, rb_ori: Any) -> None:
        """Appends frames: ``rb_pos`` ``(N, R, 3)`` / ``(R, 3)``, ``rb_ori`` ``(N, R, 3, 3)`` /
        ``(R, 3, 3)``."""
        return super().add_frames(rb_pos=rb_pos, rb_ori=rb_ori)

    def update_frames(self, rb_pos: Any, rb_ori: Any, frames: Any) -> None:
        """Overwrites ``frames`` with ``rb_pos`` and ``rb_ori``."""
        return super().update_frames(rb_pos=rb_pos, rb_ori=rb_ori, frames=frames)

"""``RemoteSkeletons``: joints and bones (aitviewer 1.14's ``Message.SKELETONS``)."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteSkeletons(RemoteNode):
    """Skeletons; every keyword goes to ``Skeletons`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param joint_positions: joint positions, ``(N, J, 3)`` (or ``(J, 3)`` for one frame).
    :param joint_connections: bones as (parent, child) joint indices, ``(K, 2)``; rows holding
        -1 are dropped.
    :param kwargs: ``radius`` (0.01), ``color``, and the node's ``name``, ...
    """

    MESSAGE_TYPE = Message.SKELETONS

    def __init__(self, viewer: Any, joint_positions: Any, joint_connections: Any, **kwargs: Any) -> None:
        super().__init__(viewer, joint_positions=joint_positions, joint_connections=joint_connections, **kwargs)

    def add_frames(self, joint_positions: Any) -> None:
        """Appends frames: ``joint_positions`` is ``(N, J, 3)`` or ``(J, 3)``."""
        return super().add_frames(joint_positions=joint_positions)

    def update_frames(self, joint_positions: Any, frames: Any) -> None:
        """Overwrites ``frames`` with ``joint_positions``."""
        return super().update_frames(joint_positions=joint_positions, frames=frames)

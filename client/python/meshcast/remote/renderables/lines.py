"""``RemoteLines``: line segments or strips drawn as cylinders."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteLines(RemoteNode):
    """Lines; every keyword goes to ``Lines`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param lines: points, ``(N, L, 3)`` or ``(L, 3)``.
    :param kwargs: ``r_base`` (0.01), ``r_tip``, ``color`` ``(4,)`` or one row per line,
        ``mode`` (``"line_strip"`` or ``"lines"``), ``cast_shadow``, and the node's ``name``, ...
    """

    MESSAGE_TYPE = Message.LINES

    def __init__(self, viewer: Any, lines: Any, **kwargs: Any) -> None:
        super().__init__(viewer, lines=lines, **kwargs)

    def add_frames(self, lines: Any) -> None:
        """Appends frames: ``lines`` is ``(N, L, 3)`` or ``(L, 3)``."""
        return super().add_frames(lines=lines)

    def update_frames(self, lines: Any, frames: Any) -> None:
        """Overwrites ``frames`` with ``lines`` ``(N, L, 3)`` or ``(L, 3)``."""
        return super().update_frames(lines=lines, frames=frames)

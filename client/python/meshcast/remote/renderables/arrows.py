"""``RemoteArrows``: arrows from origins to tips."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteArrows(RemoteNode):
    """Arrows; every keyword goes to ``Arrows`` on the viewer side.

    :param viewer: the ``RemoteViewer``.
    :param origins: arrow bases, ``(N, B, 3)`` or ``(B, 3)``.
    :param tips: arrow tips, the same shape as ``origins``.
    :param kwargs: ``r_base`` (0.01), ``r_head`` (0.02), ``p`` (0.1), ``color``, and the node's
        ``name``, ...
    """

    MESSAGE_TYPE = Message.ARROWS

    def __init__(self, viewer: Any, origins: Any, tips: Any, **kwargs: Any) -> None:
        super().__init__(viewer, origins=origins, tips=tips, **kwargs)

    def add_frames(self, origins: Any, tips: Any) -> None:
        """Appends frames: ``origins`` and ``tips`` are ``(N, B, 3)`` or ``(B, 3)``."""
        return super().add_frames(origins=origins, tips=tips)

    def update_frames(self, origins: Any, tips: Any, frames: Any) -> None:
        """Overwrites ``frames`` with ``origins`` and ``tips``."""
        return super().update_frames(origins=origins, tips=tips, frames=frames)

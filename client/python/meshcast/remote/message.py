"""Message type numbers, as aitviewer's ``aitviewer.remote.message``."""

from __future__ import annotations

import enum
from typing import Any, Dict, Optional


class Message(enum.Enum):
    """The type of a message (an ``enum.Enum`` with aitviewer's values, not an ``IntEnum``).

    Values of 10000 and above are free for user messages; send a plain ``int`` for types other
    than ``USER_MESSAGE``.
    """

    # Messages that create nodes on the viewer.
    NODE = 1
    MESHES = 2
    SPHERES = 3
    LINES = 4
    ARROWS = 5
    RIGID_BODIES = 6
    SMPL = 10
    SKELETONS = 11

    # Messages that change existing nodes.
    DELETE = 100
    ADD_FRAMES = 101
    UPDATE_FRAMES = 102
    REMOVE_FRAMES = 103

    # Scene playback.
    SET_FRAME = 200
    NEXT_FRAME = 201
    PREVIOUS_FRAME = 202

    # Every value >= USER_MESSAGE is the user's.
    USER_MESSAGE = 10000


FLUSH = 900
"""meshcast's own message type: asks the relay to acknowledge everything received so far (sent by
``RemoteViewer.flush()``; not part of aitviewer's ``Message``)."""


def make_message(type: Any, uid: Optional[int], args: Any, kwargs: Dict[str, Any]) -> Dict[str, Any]:
    """The message dictionary ``{"type", "uid", "args", "kwargs"}`` (as aitviewer's helper)."""
    return {"type": type, "uid": uid, "args": args, "kwargs": kwargs}

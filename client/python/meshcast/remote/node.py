"""``RemoteNode``: the base of every remote object, as aitviewer's ``aitviewer.remote.node``."""

from __future__ import annotations

import itertools
import threading
from typing import Any

from .message import Message
from .viewer import RemoteViewer

_ids = itertools.count(1)
_ids_lock = threading.Lock()


def next_id() -> int:
    """The next node uid: one process-wide counter starting at 1 (as aitviewer's ``GLOBAL_ID``)."""
    with _ids_lock:
        return next(_ids)


class RemoteNode:
    """A node on the remote viewer; the constructor sends its creation message.

    Every argument after ``viewer`` goes to the node's constructor on the viewer side (for a plain
    node: ``name``, ``position``, ``rotation``, ``scale``, ``color``, ...).

    ``parent=`` (a ``RemoteNode`` sent through the same viewer, or its uid) puts the node under
    another: it moves with the parent (``M_world = M_parent_world · M_local``), is listed under it
    in the scene tree, and is hidden and deleted with it.

    :param viewer: the ``RemoteViewer`` to send through.
    """

    MESSAGE_TYPE = Message.NODE

    def __init__(self, viewer: RemoteViewer, *args: Any, **kwargs: Any) -> None:
        self.viewer = viewer
        self.uid = next_id()
        parent = kwargs.get("parent")
        if isinstance(parent, RemoteNode):
            if parent.viewer is not viewer:
                raise ValueError(
                    f"parent: node {parent.uid} was sent through another RemoteViewer; a parent must "
                    "be on the same connection"
                )
            kwargs["parent"] = parent.uid
        self._send_msg(self.MESSAGE_TYPE, *args, **kwargs)

    def _send_msg(self, type: Any, *args: Any, **kwargs: Any) -> None:
        self.viewer.send_message(type, self.uid, *args, **kwargs)

    def add_frames(self, *args: Any, **kwargs: Any) -> None:
        """Appends frames (subclasses name the data they take)."""
        self._send_msg(Message.ADD_FRAMES, *args, **kwargs)

    def update_frames(self, *args: Any, **kwargs: Any) -> None:
        """Overwrites frames (subclasses name the data they take, and ``frames``)."""
        self._send_msg(Message.UPDATE_FRAMES, *args, **kwargs)

    def remove_frames(self, frames: Any) -> None:
        """Removes frames; later frames move down.

        :param frames: an int, a list of ints, a ``range`` or an integer array (negative indices
            count from the end).
        """
        self._send_msg(Message.REMOVE_FRAMES, frames=frames)

    def delete(self) -> None:
        """Removes the node from the scene."""
        self._send_msg(Message.DELETE)

"""The remote API, laid out as ``aitviewer.remote`` (``meshcast.remote.viewer.RemoteViewer``,
``meshcast.remote.renderables.meshes.RemoteMeshes``, ...)."""

from .message import Message
from .node import RemoteNode
from .renderables import (
    RemoteArrows,
    RemoteLines,
    RemoteMeshes,
    RemoteRigidBodies,
    RemoteSkeletons,
    RemoteSMPLSequence,
    RemoteSpheres,
)
from .viewer import RemoteViewer

__all__ = [
    "Message",
    "RemoteArrows",
    "RemoteLines",
    "RemoteMeshes",
    "RemoteNode",
    "RemoteRigidBodies",
    "RemoteSkeletons",
    "RemoteSMPLSequence",
    "RemoteSpheres",
    "RemoteViewer",
]

"""meshcast: send meshes, spheres, lines, arrows, rigid bodies, skeletons and SMPL bodies to a
meshcast relay, which shows them in any number of browsers.

A drop-in for aitviewer's remote API: ``from aitviewer.remote.viewer import RemoteViewer``
becomes ``from meshcast.remote.viewer import RemoteViewer`` (or ``from meshcast import
RemoteViewer``), and the rest of the script stays as it is.

In a notebook, ``viewer.show()`` (or ``meshcast.show(viewer)``) shows the viewer page inline. A
wheel built by ``scripts/wheel.sh`` also carries the relay and the page: ``python -m
meshcast.server`` or ``meshcast serve`` runs it, and ``RemoteViewer.create_new_process()``
starts it.
"""

from .errors import ErrorReport, RelayError
from .notebook import show
from .remote import (
    Message,
    RemoteArrows,
    RemoteLines,
    RemoteMeshes,
    RemoteNode,
    RemoteRigidBodies,
    RemoteSkeletons,
    RemoteSMPLSequence,
    RemoteSpheres,
    RemoteViewer,
)

__version__ = "0.1.0"

__all__ = [
    "ErrorReport",
    "Message",
    "RelayError",
    "RemoteArrows",
    "RemoteLines",
    "RemoteMeshes",
    "RemoteNode",
    "RemoteRigidBodies",
    "RemoteSkeletons",
    "RemoteSMPLSequence",
    "RemoteSpheres",
    "RemoteViewer",
    "show",
    "__version__",
]

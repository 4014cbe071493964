"""The remote renderables, as ``aitviewer.remote.renderables``."""

from .arrows import RemoteArrows
from .lines import RemoteLines
from .meshes import RemoteMeshes
from .rigid_bodies import RemoteRigidBodies
from .skeletons import RemoteSkeletons
from .smpl import RemoteSMPLSequence
from .spheres import RemoteSpheres

__all__ = [
    "RemoteArrows",
    "RemoteLines",
    "RemoteMeshes",
    "RemoteRigidBodies",
    "RemoteSkeletons",
    "RemoteSMPLSequence",
    "RemoteSpheres",
]

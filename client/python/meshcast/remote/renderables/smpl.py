"""``RemoteSMPLSequence``: an SMPL-family body sequence."""

from __future__ import annotations

from typing import Any

from ..message import Message
from ..node import RemoteNode


class RemoteSMPLSequence(RemoteNode):
    """An SMPL body sequence, posed and skinned on the viewer side.

    ``model_type`` (``"smpl"``, ``"smplh"``, ``"smplx"``), ``gender`` and ``num_betas`` choose the
    body model; the other keywords go to the sequence: ``poses_root`` ``(N, 3)``, ``betas``
    ``(B,)`` / ``(1, B)`` / ``(N, B)``, ``trans`` ``(N, 3)``, ``poses_left_hand`` /
    ``poses_right_hand`` ``(N, 45)``, ``include_root``, ``normalize_root``, ``is_rigged``,
    ``show_joint_angles``, ``z_up``, and the node's ``name``, ``color``, ...

    :param viewer: the ``RemoteViewer``.
    :param poses_body: axis-angle body poses without the root, ``(N, 69)`` for SMPL, ``(N, 63)``
        for SMPL-H and SMPL-X.
    """

    MESSAGE_TYPE = Message.SMPL

    def __init__(self, viewer: Any, poses_body: Any, **kwargs: Any) -> None:
        super().__init__(viewer, poses_body=poses_body, **kwargs)

    def add_frames(self, poses_body: Any, poses_root: Any = None, trans: Any = None, betas: Any = None) -> None:
        """Appends frames of body poses ``(N, J*3)`` or ``(J*3,)``, with optional root
        orientations and translations ``(N, 3)`` and shape ``betas``."""
        return super().add_frames(poses_body=poses_body, poses_root=poses_root, trans=trans, betas=betas)

    def update_frames(
        self, poses_body: Any, frames: Any, poses_root: Any = None, trans: Any = None, betas: Any = None
    ) -> None:
        """Overwrites ``frames`` with body poses (and optional root orientations, translations
        and betas)."""
        return super().update_frames(
            poses_body=poses_body, frames=frames, poses_root=poses_root, trans=trans, betas=betas
        )

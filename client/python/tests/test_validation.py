"""Client-side validation: bad input raises ValueError at the call, before anything is sent.

These run against a viewer that is not connected: input that passes validation reaches the
connection and raises ConnectionError, input that fails raises ValueError first.
"""

from __future__ import annotations

import socket

import numpy as np
import pytest

from meshcast import (
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
from meshcast._schema import KINDS, check_create, check_frame_selection, check_frames


@pytest.fixture(scope="module")
def offline() -> RemoteViewer:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here
    v = RemoteViewer("127.0.0.1", port, timeout=0.1, verbose=False)
    assert not v.connected
    return v


TRI = np.array([[0, 1, 2]])
V3 = np.zeros((3, 3))


def test_valid_input_gets_to_the_connection(offline):
    with pytest.raises(ConnectionError, match="not connected"):
        RemoteMeshes(offline, V3, TRI)


@pytest.mark.parametrize(
    "make,message",
    [
        (
            lambda v: RemoteMeshes(v, np.zeros((5, 2)), TRI),
            r"vertices must have shape \(N, V, 3\) or \(V, 3\), got \(5, 2\)",
        ),
        (lambda v: RemoteMeshes(v, np.zeros((2, 3, 3, 3)), TRI), r"vertices must have shape .*got \(2, 3, 3, 3\)"),
        (lambda v: RemoteMeshes(v, V3, np.array([[0, 1]])), r"faces must have shape \(F, 3\), got \(1, 2\)"),
        (
            lambda v: RemoteMeshes(v, V3, np.array([[0, 1, 3]])),
            r"faces: index 3 at row 0 is out of range for 3 vertices",
        ),
        (lambda v: RemoteMeshes(v, V3, np.array([[0, 1, 1.5]])), r"faces must be an integer array"),
        (
            lambda v: RemoteMeshes(v, V3, TRI, vertex_colors=np.ones((4, 4))),
            r"vertex_colors must have shape \(N, 3, 4\) or \(3, 4\), got \(4, 4\) \(V = 3 as in 'vertices'\)",
        ),
        (lambda v: RemoteMeshes(v, V3, TRI, colour=(1, 0, 0, 1)), r"unknown argument 'colour'"),
        (lambda v: RemoteMeshes(v, V3, TRI, color=(1, 0, 0)), r"color must have shape \(4,\), got \(3,\)"),
        (
            lambda v: RemoteMeshes(v, V3, TRI, position=(1, 2)),
            r"position must have shape \(N, 3\) or \(3,\), got \(2,\)",
        ),
        (lambda v: RemoteMeshes(v, V3, TRI, flat_shading="yes"), r"flat_shading must be a bool"),
        (lambda v: RemoteMeshes(v, np.full((3, 3), np.nan), TRI), r"vertices must be finite, element 0 is nan"),
        (lambda v: RemoteMeshes(v, np.zeros((3, 3), np.complex64), TRI), r"vertices must be a numeric array"),
        (lambda v: RemoteMeshes(v, [[0, 0], [1, 1, 1]], TRI), r"vertices must be a numeric array"),
        (
            lambda v: RemoteSpheres(v, np.zeros((4, 2))),
            r"positions must have shape \(N, P, 3\) or \(P, 3\), got \(4, 2\)",
        ),
        (
            lambda v: RemoteSpheres(v, np.zeros((4, 3)), color=np.ones((3, 4))),
            r"color must have shape \(4,\) or \(4, 4\)",
        ),
        (lambda v: RemoteSpheres(v, np.zeros((4, 3)), radius=-1.0), r"radius must not be negative"),
        (lambda v: RemoteSpheres(v, np.zeros((4, 3)), rings=2), r"rings must be between 3 and 256"),
        (lambda v: RemoteLines(v, np.zeros((1, 3))), r"a line strip needs at least 2 points, got 1"),
        (
            lambda v: RemoteLines(v, np.zeros((3, 3)), mode="lines"),
            r"mode 'lines' needs an even number of points, got 3",
        ),
        (lambda v: RemoteLines(v, np.zeros((4, 3)), mode="strip"), r"mode must be 'line_strip' or 'lines'"),
        (
            lambda v: RemoteArrows(v, np.zeros((2, 3)), np.zeros((3, 3))),
            r"tips must have shape \(N, 2, 3\) or \(2, 3\), got \(3, 3\)",
        ),
        (lambda v: RemoteArrows(v, np.zeros((2, 4, 3)), np.zeros((3, 4, 3))), r"tips has 3 frames but 'origins' has 2"),
        (lambda v: RemoteArrows(v, np.zeros((2, 3)), np.zeros((2, 3)), p=1.5), r"p must be between 0 and 1"),
        (
            lambda v: RemoteRigidBodies(v, np.zeros((2, 3)), np.zeros((2, 3))),
            r"rb_ori must have shape \(N, 2, 3, 3\) or \(2, 3, 3\), got \(2, 3\)",
        ),
        (
            lambda v: RemoteSkeletons(v, np.zeros((1, 4, 3)), np.array([[0, 4]])),
            r"joint 4 is out of range for 4 joints",
        ),
        (
            lambda v: RemoteSMPLSequence(v, np.zeros((2, 63))),
            r"poses_body must have shape \(N, 69\) or \(69,\) for model_type 'smpl', got \(2, 63\)",
        ),
        (
            lambda v: RemoteSMPLSequence(v, np.zeros((2, 69)), model_type="mano"),
            r"model_type must be 'smpl', 'smplh' or 'smplx'",
        ),
        (
            lambda v: RemoteSMPLSequence(v, np.zeros((2, 69)), trans=np.zeros((3, 3))),
            r"trans has 3 frames, expected 1 or 2",
        ),
        (
            lambda v: RemoteSMPLSequence(v, np.zeros((2, 69)), poses_left_hand=np.zeros((2, 45))),
            r"not part of model_type 'smpl'",
        ),
        (lambda v: RemoteSMPLSequence(v, np.zeros((2, 69)), gender="other"), r"gender must be"),
        (lambda v: RemoteNode(v, "n", None, (0, 0), None), r"position must have shape \(N, 3\) or \(3,\), got \(2,\)"),
        (lambda v: RemoteNode(v, 1, 2, 3, 4, 5, 6, 7), r"at most 6 positional arguments"),
        (
            lambda v: RemoteMeshes(v, V3, TRI, enabled_frames=np.array([True, True])),
            r"enabled_frames has 2 enabled entries, but the node has 1 frames",
        ),
    ],
)
def test_bad_creation_raises_value_error(offline, make, message):
    with pytest.raises(ValueError, match=message):
        make(offline)


def test_raw_send_message_is_validated_too(offline):
    with pytest.raises(ValueError, match="vertices must have shape"):
        offline.send_message(Message.MESHES, 99, vertices=np.zeros(3), faces=TRI)
    with pytest.raises(ValueError, match="MESHES takes no positional arguments"):
        offline.send_message(Message.MESHES, 99, V3, TRI)
    with pytest.raises(ValueError, match="needs a node uid"):
        offline.send_message(Message.SPHERES, None, positions=V3)
    with pytest.raises(ValueError, match="unknown message type 7"):
        offline.send_message(7)
    with pytest.raises(ValueError, match="frame must be an int"):
        offline.set_frame(1.5)
    with pytest.raises(ValueError, match="frames must be an int, a list of ints, a range or an integer array"):
        offline.send_message(Message.REMOVE_FRAMES, 3, frames="all")
    # User messages are not interpreted.
    with pytest.raises(ConnectionError):
        offline.send_message(Message.USER_MESSAGE, None, anything=[1, "x"])


def meshes_node(n_frames: int = 2, v: int = 3):
    kind = KINDS[Message.MESHES.value]
    _, kwargs, node = check_create(kind, (), {"vertices": np.zeros((n_frames, v, 3)), "faces": TRI})
    return kwargs, node


def test_creation_converts_float64_to_float32_and_faces_to_int32():
    kwargs, node = meshes_node()
    assert kwargs["vertices"].dtype == np.float32 and kwargs["vertices"].shape == (2, 3, 3)
    assert kwargs["faces"].dtype == np.int32
    assert node.symbols["V"] == (3, "vertices")


def test_frame_ops_are_checked_against_the_created_node():
    _, node = meshes_node(v=3)
    a, k = check_frames(node, 101, (), {"vertices": np.zeros((3, 3))})
    assert k["vertices"].dtype == np.float32
    with pytest.raises(ValueError, match=r"vertices must have shape \(N, 3, 3\) or \(3, 3\), got \(2, 4, 3\)"):
        check_frames(node, 101, (), {"vertices": np.zeros((2, 4, 3))})
    with pytest.raises(ValueError, match=r"positions is not an argument of RemoteMeshes.add_frames"):
        check_frames(node, 101, (), {"positions": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"needs 'frames'"):
        check_frames(node, 102, (), {"vertices": np.zeros((3, 3))})
    with pytest.raises(ValueError, match=r"vertices has 3 frames but frames selects 2"):
        check_frames(node, 102, (), {"vertices": np.zeros((3, 3, 3)), "frames": [0, 1]})
    # One frame written to several indices is aitviewer's broadcast rule.
    check_frames(node, 102, (), {"vertices": np.zeros((3, 3)), "frames": [0, 1]})
    # Positional arguments in aitviewer's order.
    a, k = check_frames(node, 102, (np.zeros((3, 3)), 1), {})
    assert a[1] == 1 and a[0].dtype == np.float32


def test_frame_ops_through_remote_objects(offline):
    # The node was never created on a relay (offline), so build the state by hand.
    _, node = meshes_node(v=3)
    offline._nodes[424242] = node
    with pytest.raises(ValueError, match=r"got \(2, 4, 3\)"):
        offline.send_message(Message.ADD_FRAMES, 424242, vertices=np.zeros((2, 4, 3)))
    with pytest.raises(ConnectionError):
        offline.send_message(Message.ADD_FRAMES, 424242, vertices=np.zeros((2, 3, 3)))


def test_smpl_frame_ops_keep_the_pose_width():
    kind = KINDS[Message.SMPL.value]
    _, _, node = check_create(kind, (), {"poses_body": np.zeros((4, 63)), "model_type": "smplh"})
    check_frames(
        node, 101, (), {"poses_body": np.zeros((2, 63)), "poses_root": None, "trans": np.zeros((2, 3)), "betas": None}
    )
    with pytest.raises(ValueError, match=r"poses_body must have shape \(N, 63\) or \(63,\)"):
        check_frames(node, 101, (), {"poses_body": np.zeros((2, 69))})
    with pytest.raises(ValueError, match=r"trans has 3 frames but 'poses_body' has 2"):
        check_frames(node, 101, (), {"poses_body": np.zeros((2, 63)), "trans": np.zeros((3, 3))})


@pytest.mark.parametrize(
    "frames,expected",
    [
        (3, (3, 1)),
        (np.int64(2), (2, 1)),
        (range(1, 7, 2), (range(1, 7, 2), 3)),
        ([0, -1], ([0, -1], 2)),
        ((4, 5), ([4, 5], 2)),
        (np.array([1, 2, 3]), ([1, 2, 3], 3)),
    ],
)
def test_frame_selections(frames, expected):
    assert check_frame_selection(frames) == expected


@pytest.mark.parametrize("frames", [True, 1.0, [1, 2.0], np.array([1.0]), np.zeros((2, 2), int), "0", None])
def test_bad_frame_selections(frames):
    with pytest.raises(ValueError, match="frames must be an int, a list of ints, a range or an integer array"):
        check_frame_selection(frames)


def test_lists_and_any_real_dtype_are_accepted():
    kind = KINDS[Message.SPHERES.value]
    for positions in (
        [[0, 0, 0], [1, 1, 1]],
        np.zeros((2, 3), np.float16),
        np.zeros((2, 3), np.int64),
        np.zeros((2, 3), np.longdouble),
    ):
        _, kwargs, _ = check_create(kind, (), {"positions": positions, "radius": np.float32(0.5)})
        assert kwargs["positions"].dtype == np.float32


def test_torch_like_tensor_is_accepted_without_torch():
    class Tensor:
        def __init__(self, a):
            self.a = a

        def detach(self):
            return self

        def cpu(self):
            return self

        def __array__(self, dtype=None, copy=None):
            return self.a

    kind = KINDS[Message.MESHES.value]
    _, kwargs, _ = check_create(kind, (), {"vertices": Tensor(np.zeros((3, 3), np.float64)), "faces": Tensor(TRI)})
    assert kwargs["vertices"].dtype == np.float32 and kwargs["faces"].dtype == np.int32


def test_a_four_vector_of_vertex_colors_is_a_uniform_colour():
    kind = KINDS[Message.MESHES.value]
    for c in ((1, 0, 0, 1), np.array([1.0, 0, 0, 1])):
        _, kwargs, _ = check_create(kind, (), {"vertices": V3, "faces": TRI, "vertex_colors": c})
        assert kwargs["vertex_colors"].shape == (4,)
    with pytest.raises(ValueError, match=r"vertex_colors must have shape \(N, 3, 4\) or \(3, 4\), got \(3,\)"):
        check_create(kind, (), {"vertices": V3, "faces": TRI, "vertex_colors": (1, 0, 0)})

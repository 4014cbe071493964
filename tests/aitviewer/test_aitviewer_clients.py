"""Unmodified aitviewer 1.14.2 clients against the meshcast relay.

Each test drives the real `aitviewer.remote` package (installed from the package index) the way
its examples do, then checks the relay's scene through a late-joining viewer's snapshot.
"""

from __future__ import annotations

import pickle
import subprocess
import sys
import time

import numpy as np
import pytest
from websockets.sync.client import connect

from aitviewer.remote.message import Message
from aitviewer.remote.node import RemoteNode
from aitviewer.remote.renderables.arrows import RemoteArrows
from aitviewer.remote.renderables.lines import RemoteLines
from aitviewer.remote.renderables.meshes import RemoteMeshes
from aitviewer.remote.renderables.rigid_bodies import RemoteRigidBodies
from aitviewer.remote.renderables.skeletons import RemoteSkeletons
from aitviewer.remote.renderables.smpl import RemoteSMPLSequence
from aitviewer.remote.renderables.spheres import RemoteSpheres
from aitviewer.remote.viewer import RemoteViewer
import aitviewer.remote.viewer as aitv_viewer

from conftest import close_quietly, decode, scene, start_relay, wait_for

CUBE_V = np.array(
    [[0, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0], [0, 0, 1], [1, 0, 1], [1, 1, 1], [0, 1, 1]], dtype=np.float64
) - 0.5
CUBE_F = np.array(
    [[0, 2, 1], [0, 3, 2], [4, 5, 6], [4, 6, 7], [0, 1, 5], [0, 5, 4], [2, 3, 7], [2, 7, 6], [1, 2, 6], [1, 6, 5], [0, 4, 7], [0, 7, 3]],
    dtype=np.int64,
)


@pytest.fixture
def viewer(relay):
    v = RemoteViewer(host="127.0.0.1", port=relay.port, verbose=False)
    assert v.connected, relay.log_text()
    yield v
    close_quietly(v)


def test_remote_example(relay, viewer):
    """The equivalent of aitviewer's examples/remote.py, checked frame by frame."""
    m = RemoteMeshes(viewer, CUBE_V, CUBE_F, flat_shading=True, name="Cube", position=(1, 0, 0), scale=0.1)
    expected = CUBE_V[np.newaxis].copy()
    for val in np.linspace(1, 5, 100):
        m.add_frames(CUBE_V * val)
        expected = np.append(expected, (CUBE_V * val)[np.newaxis], axis=0)
    batch = np.repeat(CUBE_V[np.newaxis], 50, 0)
    m.add_frames(batch)
    expected = np.append(expected, batch, axis=0)
    m.update_frames(CUBE_V * 0.5, frames=3)
    expected[3] = CUBE_V * 0.5
    vals = np.append((CUBE_V * 0.2)[np.newaxis], (CUBE_V * 3)[np.newaxis], axis=0)
    m.update_frames(vals, frames=[80, 83])
    expected[[80, 83]] = vals
    m.remove_frames(frames=85)
    expected = np.delete(expected, 85, axis=0)
    m.remove_frames(frames=range(90, 100))
    expected = np.delete(expected, range(90, 100), axis=0)
    viewer.set_frame(50)

    snap = wait_for(relay, lambda s: s.one(Message.MESHES.value)["kwargs"]["vertices"].shape[0] == 140 and s.current_frame == 50)
    env = snap.one(Message.MESHES.value)
    kw = env["kwargs"]
    assert env["uid"] == m.uid
    assert kw["name"] == "Cube" and kw["flat_shading"] is True
    np.testing.assert_allclose(kw["vertices"], expected.astype(np.float32), rtol=1e-6)
    np.testing.assert_array_equal(kw["faces"], CUBE_F)
    np.testing.assert_allclose(kw["position"], [[1, 0, 0]])
    np.testing.assert_allclose(kw["scale"], [0.1], rtol=1e-6)


def test_spheres_frames_ops(relay, viewer):
    pos = np.random.default_rng(1).random((3, 5, 3))
    s = RemoteSpheres(viewer, pos, radius=0.05, color=(1.0, 0.0, 0.0, 1.0), name="balls")
    s.add_frames(pos[0] + 10)  # one (P,3) frame
    s.add_frames(pos + 20)  # a (K,P,3) batch
    s.update_frames(pos[1] * 0, frames=[0, -1])
    s.remove_frames(frames=[1, 1, 2])
    expected = np.concatenate([pos, (pos[0] + 10)[None], pos + 20])
    expected[[0, -1]] = 0
    expected = np.delete(expected, [1, 2], axis=0)
    snap = wait_for(relay, lambda sn: sn.one(3)["kwargs"]["positions"].shape[0] == len(expected))
    kw = snap.one(3)["kwargs"]
    np.testing.assert_allclose(kw["positions"], expected.astype(np.float32), rtol=1e-6)
    assert kw["radius"] == pytest.approx(0.05)
    np.testing.assert_allclose(kw["color"], [1, 0, 0, 1])


def test_lines_arrows_rigid_bodies_skeletons(relay, viewer):
    rng = np.random.default_rng(2)
    RemoteLines(viewer, rng.random((4, 6, 3)), mode="lines", r_base=0.02, color=(0, 0, 1, 1))
    a = RemoteArrows(viewer, rng.random((2, 3, 3)), rng.random((2, 3, 3)), r_head=0.05, p=0.2)
    a.add_frames(rng.random((3, 3)), rng.random((3, 3)))
    rb_ori = np.repeat(np.eye(3)[None, None], 2, 0).repeat(4, 1)
    rb = RemoteRigidBodies(viewer, rng.random((2, 4, 3)), rb_ori, length=0.3)
    rb.add_frames(rng.random((4, 3)), np.repeat(np.eye(3)[None], 4, 0))
    sk = RemoteSkeletons(viewer, rng.random((2, 5, 3)), np.array([[0, 1], [1, 2], [2, 3], [3, 4]]), radius=0.03)
    sk.add_frames(rng.random((5, 3)))
    snap = wait_for(relay, lambda s: s.one(11)["kwargs"]["joint_positions"].shape[0] == 3)
    assert snap.one(4)["kwargs"]["lines"].shape == (4, 6, 3)
    assert snap.one(4)["kwargs"]["mode"] == "lines"
    arrows = snap.one(5)["kwargs"]
    assert arrows["origins"].shape == (3, 3, 3) and arrows["tips"].shape == (3, 3, 3)
    assert arrows["p"] == pytest.approx(0.2)
    rbs = snap.one(6)["kwargs"]
    assert rbs["rb_pos"].shape == (3, 4, 3) and rbs["rb_ori"].shape == (3, 4, 3, 3)
    skel = snap.one(11)["kwargs"]
    # aitviewer 1.14.2 appends the positions twice to the joint spheres; meshcast appends once.
    assert skel["joint_positions"].shape == (3, 5, 3)
    np.testing.assert_array_equal(skel["joint_connections"], [[0, 1], [1, 2], [2, 3], [3, 4]])


def test_smpl_sequence_add_update_remove_with_shared_betas(relay, viewer):
    poses = np.zeros((4, 69))
    betas = np.full(10, 0.5)
    smpl = RemoteSMPLSequence(viewer, poses, betas=betas, trans=np.zeros((4, 3)), gender="male", name="body")
    # aitviewer 1.14.2 crashes on add_frames without betas; the intended behaviour keeps betas shared.
    smpl.add_frames(np.ones((2, 69)) * 0.1)
    smpl.update_frames(np.ones(69) * 0.2, frames=0, trans=np.array([1.0, 2.0, 3.0]))
    smpl.remove_frames(frames=[1])
    snap = wait_for(relay, lambda s: s.one(10)["kwargs"]["poses_body"].shape[0] == 5)
    kw = snap.one(10)["kwargs"]
    assert kw["gender"] == "male"
    np.testing.assert_allclose(kw["poses_body"][0], 0.2, rtol=1e-6)
    np.testing.assert_allclose(kw["poses_body"][-1], 0.1, rtol=1e-6)
    assert kw["betas"].shape == (1, 10), "shared betas stay shared"
    np.testing.assert_allclose(kw["trans"][0], [1, 2, 3])
    assert kw["trans"].shape == (5, 3)


def test_delete_and_frame_messages(relay, viewer):
    keep = RemoteSpheres(viewer, np.zeros((10, 2, 3)), name="keep")
    gone = RemoteSpheres(viewer, np.zeros((2, 3)), name="gone")
    RemoteNode(viewer, name="group")
    gone.delete()
    viewer.set_frame(7)
    viewer.next_frame()
    viewer.next_frame()
    viewer.next_frame()  # wraps to 0 after frame 9
    viewer.previous_frame()  # back to 9
    snap = wait_for(relay, lambda s: len(s.nodes) == 2 and s.current_frame == 9)
    names = sorted(env["kwargs"].get("name") for _, env in snap.nodes)
    assert names == ["group", "keep"]
    assert keep.uid in [env["uid"] for _, env in snap.nodes]


def test_unusual_arrays_decode_exactly(relay, viewer):
    """Fortran-ordered, big-endian, int and float32 arrays as real clients send them."""
    pos = np.asfortranarray(np.arange(2 * 4 * 3, dtype=np.float64).reshape(2, 4, 3))
    big = np.arange(4 * 3, dtype=">f4").reshape(4, 3)
    RemoteSpheres(viewer, pos, name="fortran")
    RemoteSpheres(viewer, big, name="big-endian")
    RemoteSpheres(viewer, np.arange(6, dtype=np.int32).reshape(2, 3), name="ints")
    snap = wait_for(relay, lambda s: len(s.by_type(3)) == 3)
    by_name = {env["kwargs"]["name"]: env["kwargs"]["positions"] for env in snap.by_type(3)}
    np.testing.assert_array_equal(by_name["fortran"], pos.astype(np.float32))
    np.testing.assert_array_equal(by_name["big-endian"][0], big.astype("<f4"))
    np.testing.assert_array_equal(by_name["ints"][0], [[0, 1, 2], [3, 4, 5]])


def test_protocol_5_clients(relay, monkeypatch):
    """Python 3.14+ pickles with protocol 5 by default (numpy arrays via _frombuffer)."""

    class Protocol5:
        @staticmethod
        def dumps(obj):
            return pickle.dumps(obj, protocol=5)

        loads = staticmethod(pickle.loads)

    monkeypatch.setattr(aitv_viewer, "pickle", Protocol5)
    v = RemoteViewer(host="127.0.0.1", port=relay.port, verbose=False)
    try:
        RemoteMeshes(v, CUBE_V.astype(np.float32), CUBE_F, name="p5")
        snap = wait_for(relay, lambda s: len(s.by_type(2)) == 1)
        np.testing.assert_array_equal(snap.one(2)["kwargs"]["vertices"][0], CUBE_V.astype(np.float32))
    finally:
        close_quietly(v)


def test_user_message_reaches_viewers_and_replies_reach_the_client(relay, viewer):
    with connect(f"ws://127.0.0.1:{relay.port}/viewer", max_size=None) as ws:
        # Skip the snapshot.
        while "SnapshotEnd" not in (decode(ws.recv(timeout=10)) or {}):
            pass
        viewer.send_message(Message.USER_MESSAGE, 42, "hello", index=3)
        while True:
            msg = decode(ws.recv(timeout=10))
            if isinstance(msg, dict) and "Message" in msg:
                env = msg["Message"]["envelope"]
                break
        assert env["type"] == 10000 and env["uid"] == 42
        assert env["args"] == ["hello"] and env["kwargs"] == {"index": 3}
        # A viewer's reply reaches the aitviewer client pickled, as its get_message() expects.
        import msgpack

        reply = {"ToClients": {"client": None, "payload": {"name": "Test", "position": [0.0, 0.5, 1.0]}}}
        ws.send(msgpack.packb(reply))
        got = viewer.get_message(block=True)
        assert got == {"name": "Test", "position": [0.0, 0.5, 1.0]}


def test_two_processes_with_the_same_uid(relay):
    """Two aitviewer processes both start their uids at 1: the relay keys nodes per client."""
    script = (
        "import numpy as np, sys\n"
        "from aitviewer.remote.viewer import RemoteViewer\n"
        "from aitviewer.remote.renderables.spheres import RemoteSpheres\n"
        f"v = RemoteViewer(host='127.0.0.1', port={relay.port}, verbose=False)\n"
        "s = RemoteSpheres(v, np.zeros((1, 3)), name=sys.argv[1])\n"
        "print(s.uid, flush=True)\n"
        "import os; os._exit(0)\n"
    )
    uids = []
    for name in ["first", "second"]:
        out = subprocess.run([sys.executable, "-c", script, name], capture_output=True, text=True, timeout=30)
        assert out.returncode == 0, out.stderr
        uids.append(int(out.stdout.strip()))
    assert uids == [1, 1]
    snap = wait_for(relay, lambda s: len(s.by_type(3)) == 2)
    assert sorted(env["kwargs"]["name"] for env in snap.by_type(3)) == ["first", "second"]
    assert len({client for client, _ in snap.nodes}) == 2


def test_hostile_pickles_are_refused_and_the_relay_keeps_serving(relay, viewer):
    import os

    class Evil:
        def __reduce__(self):
            return (os.system, ("touch /tmp/meshcast-pwned",))

    with connect(f"ws://127.0.0.1:{relay.port}/", max_size=None) as ws:
        ws.send(pickle.dumps({"type": Message.MESHES, "uid": 1, "args": (), "kwargs": {"x": Evil()}}))
        ws.send(b"\x80\x04garbage")
        time.sleep(0.3)
    assert not os.path.exists("/tmp/meshcast-pwned")
    RemoteSpheres(viewer, np.zeros((1, 3)), name="after")
    snap = wait_for(relay, lambda s: len(s.by_type(3)) == 1)
    assert snap.one(3)["kwargs"]["name"] == "after"
    assert "system" in relay.log_text(), "the refused global is logged"


def test_invalid_shapes_are_logged_and_dropped(relay, viewer):
    RemoteMeshes(viewer, np.zeros((3, 2)), CUBE_F)  # vertices must be (..., 3)
    RemoteSpheres(viewer, np.zeros((1, 3)), name="fine")
    snap = wait_for(relay, lambda s: len(s.by_type(3)) == 1)
    assert snap.by_type(2) == []
    assert "vertices" in relay.log_text()


def test_reply_to_one_specific_client(relay):
    """aitviewer 1.14.2 cannot send to one client (it sends the unpickled object); meshcast can."""
    import msgpack

    a = RemoteViewer(host="127.0.0.1", port=relay.port, verbose=False)
    b = RemoteViewer(host="127.0.0.1", port=relay.port, verbose=False)
    try:
        RemoteSpheres(a, np.zeros((1, 3)), name="from-a")
        snap = wait_for(relay, lambda s: len(s.by_type(3)) == 1 and len(s.clients) == 2)
        a_id = snap.nodes[0][0]
        assert {c["format"] for c in snap.clients} == {"pickle"}
        with connect(f"ws://127.0.0.1:{relay.port}/viewer", max_size=None) as ws:
            ws.send(msgpack.packb({"ToClients": {"client": a_id, "payload": ["only", "a", 1]}}))
            assert a.get_message(block=True) == ["only", "a", 1]
            time.sleep(0.3)
            assert b.get_message(block=False) is None, "the other client got nothing"
    finally:
        close_quietly(a)
        close_quietly(b)


QUAD_V = np.array([[-1, -1, 0], [1, -1, 0], [1, 1, 0], [-1, 1, 0]], dtype=np.float64)
QUAD_F = np.array([[0, 1, 2], [0, 2, 3]], dtype=np.int64)
QUAD_UV = np.array([[0, 0], [1, 0], [1, 1], [0, 1]], dtype=np.float64)


def test_path_to_texture_is_read_from_the_relays_assets_folder(tmp_path):
    """aitviewer's path_to_texture names a file on the viewer's machine: the relay reads it from
    --assets (PNG, JPEG, or aitviewer's pickled array), refuses paths outside it, and without
    --assets accepts the mesh untextured with a warning."""
    from PIL import Image

    assets = tmp_path / "assets"
    assets.mkdir()
    img = np.zeros((4, 4, 3), dtype=np.uint8)
    img[:, :2] = (220, 30, 30)
    img[:, 2:] = (30, 30, 220)
    Image.fromarray(img).save(assets / "checker.png")
    Image.fromarray(img).save(assets / "checker.jpg", quality=95, subsampling=0)  # 4:4:4: no chroma upsampling to differ in
    with open(assets / "raw.pkl", "wb") as f:
        pickle.dump(img, f)
    (tmp_path / "secret.png").write_bytes((assets / "checker.png").read_bytes())

    relay = start_relay("--assets", str(assets))
    try:
        v = RemoteViewer(host="127.0.0.1", port=relay.port, verbose=False)
        made = {
            name: RemoteMeshes(v, QUAD_V, QUAD_F, uv_coords=QUAD_UV, path_to_texture=path, name=name)
            for name, path in [
                ("png", "checker.png"),
                ("jpg", str(assets / "checker.jpg")),
                ("pkl", "raw.pkl"),
                ("outside", "../secret.png"),
            ]
        }
        close_quietly(v)
        snap = wait_for(relay, lambda s: len(s.by_type(Message.MESHES.value)) == 3)
        by_name = {e["kwargs"]["name"]: e["kwargs"] for e in snap.by_type(Message.MESHES.value)}
        assert set(by_name) == {"png", "jpg", "pkl"}, "the path outside the folder was refused"
        np.testing.assert_array_equal(by_name["png"]["texture"], img)
        np.testing.assert_array_equal(by_name["pkl"]["texture"], img)
        pillows = np.asarray(Image.open(assets / "checker.jpg").convert("RGB"), dtype=int)
        assert np.abs(by_name["jpg"]["texture"].astype(int) - pillows).max() <= 8, "decoded as Pillow decodes it"
        deadline = time.monotonic() + 5
        while "leads outside the assets folder" not in relay.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "leads outside the assets folder" in relay.log_text()
        assert made["outside"].uid not in [e["uid"] for e in snap.by_type(Message.MESHES.value)]
    finally:
        relay.process.kill()
        relay.process.wait()

    bare = start_relay()
    try:
        v = RemoteViewer(host="127.0.0.1", port=bare.port, verbose=False)
        RemoteMeshes(v, QUAD_V, QUAD_F, uv_coords=QUAD_UV, path_to_texture="checker.png")
        close_quietly(v)
        snap = wait_for(bare, lambda s: len(s.by_type(Message.MESHES.value)) == 1)
        assert "texture" not in snap.one(Message.MESHES.value)["kwargs"]
        deadline = time.monotonic() + 5
        while "--assets" not in bare.log_text() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert "mesh accepted without its texture" in bare.log_text()
    finally:
        bare.process.kill()
        bare.process.wait()

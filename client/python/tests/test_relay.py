"""End to end against the real relay binary: effects are checked in the relay's scene, through
what a viewer that joins afterwards is sent (its snapshot) or what a connected viewer receives."""

from __future__ import annotations

import threading
import time
import warnings

import numpy as np
import pytest
from conftest import Relay, free_port, package_env, relay_binary

import meshcast
import meshcast._connection
from meshcast import (
    Message,
    RelayError,
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

RNG = np.random.default_rng(7)
FACES = np.array([[0, 1, 2], [1, 2, 3]])


def connect(relay, **kw) -> RemoteViewer:
    v = RemoteViewer("127.0.0.1", relay.port, verbose=False, **kw)
    assert v.connected
    return v


def verts(n: int, v: int = 4) -> np.ndarray:
    return RNG.random((n, v, 3))


def test_create_meshes_reaches_the_scene(relay):
    data = verts(2)
    with connect(relay) as v:
        m = RemoteMeshes(v, data, FACES, name="cube", flat_shading=True, position=(1, 2, 3))
        v.flush()
    env = relay.snapshot().node(m.uid)
    assert env["type"] == Message.MESHES.value
    kw = env["kwargs"]
    assert kw["name"] == "cube" and kw["flat_shading"] is True
    assert kw["vertices"].dtype == np.float32 and kw["vertices"].shape == (2, 4, 3)
    np.testing.assert_allclose(kw["vertices"], data.astype(np.float32))
    np.testing.assert_array_equal(kw["faces"], FACES)
    np.testing.assert_allclose(kw["position"].reshape(-1), [1, 2, 3])


def test_add_frames_single_and_batch(relay):
    first, one, batch = verts(2), verts(1)[0], verts(3)
    with connect(relay) as v:
        m = RemoteMeshes(v, first, FACES)
        m.add_frames(one)
        m.add_frames(batch)
        v.flush()
    got = relay.snapshot().node(m.uid)["kwargs"]["vertices"]
    assert got.shape == (6, 4, 3)
    np.testing.assert_allclose(got, np.concatenate([first, one[None], batch]).astype(np.float32))


def test_update_frames_overwrites_by_index_list_and_range(relay):
    data = verts(6)
    a, b = verts(1)[0], verts(2)
    with connect(relay) as v:
        m = RemoteMeshes(v, data, FACES)
        m.update_frames(a, frames=0)
        m.update_frames(b, frames=range(4, 6))
        m.update_frames(a, frames=[1, -4])  # one frame broadcast to two indices; -4 is 2
        v.flush()
    got = relay.snapshot().node(m.uid)["kwargs"]["vertices"]
    want = data.copy()
    want[[0, 1, 2]] = a
    want[4:6] = b
    np.testing.assert_allclose(got, want.astype(np.float32))


def test_remove_frames_shifts_later_frames_down(relay):
    data = verts(8)
    with connect(relay) as v:
        m = RemoteMeshes(v, data, FACES)
        m.remove_frames(frames=2)
        m.remove_frames(range(4, 6))  # of what is left: old frames 5 and 6
        v.flush()
    got = relay.snapshot().node(m.uid)["kwargs"]["vertices"]
    np.testing.assert_allclose(got, data[[0, 1, 3, 4, 7]].astype(np.float32))


def test_delete_removes_the_node(relay):
    with connect(relay) as v:
        keep = RemoteSpheres(v, verts(1, 5)[0])
        gone = RemoteSpheres(v, verts(1, 5)[0])
        gone.delete()
        v.flush()
    snap = relay.snapshot()
    assert [e["uid"] for e in snap.envelopes(Message.SPHERES.value)] == [keep.uid]


def test_out_of_range_update_makes_flush_raise_naming_the_frame(relay):
    with connect(relay) as v:
        m = RemoteMeshes(v, verts(3), FACES)
        m.add_frames(verts(1)[0])
        m.update_frames(verts(1)[0], frames=10)
        with pytest.raises(RelayError) as e:
            v.flush()
        (err,) = e.value.errors
        assert err.seq == 3  # creation 1, add 2, update 3
        assert err.msg_type == Message.UPDATE_FRAMES.value and err.uid == m.uid
        assert "10" in err.message and "frame" in err.message
        assert "10" in str(e.value)
        # Reported once; the connection stays usable and later flushes succeed.
        m.add_frames(verts(1)[0])
        v.flush()
    assert relay.snapshot().node(m.uid)["kwargs"]["vertices"].shape == (5, 4, 3)


def test_errors_are_reported_in_order_with_their_sequence_numbers(relay):
    with connect(relay) as v:
        m = RemoteMeshes(v, verts(2), FACES)  # 1
        m.remove_frames(5)  # 2: out of range
        m.add_frames(verts(1)[0])  # 3
        v.send_message(Message.ADD_FRAMES, 999, vertices=verts(1)[0])  # 4: no such node
        with pytest.raises(RelayError) as e:
            v.flush()  # 5
        assert [x.seq for x in e.value.errors] == [2, 4]


def test_bad_shapes_raise_before_anything_is_sent(relay):
    with connect(relay) as v:
        m = RemoteMeshes(v, verts(2), FACES)
        with pytest.raises(ValueError, match=r"vertices must have shape \(N, 4, 3\) or \(4, 3\), got \(5, 2\)"):
            m.add_frames(np.zeros((5, 2)))
        with pytest.raises(ValueError, match=r"vertices must have shape"):
            RemoteMeshes(v, np.zeros((5, 2)), FACES)
        v.flush()  # nothing was rejected: the bad messages never left
    snap = relay.snapshot()
    assert len(snap.envelopes(Message.MESHES.value)) == 1
    assert snap.node(m.uid)["kwargs"]["vertices"].shape == (2, 4, 3)


def test_every_kind_is_created(relay):
    with connect(relay) as v:
        nodes = {
            Message.NODE: RemoteNode(v, "group", None, (0.0, 1.0, 0.0)),
            Message.SPHERES: RemoteSpheres(v, verts(3, 5), radius=0.05, color=(1, 0, 0, 1)),
            Message.LINES: RemoteLines(v, verts(2, 6), mode="lines", r_base=0.02),
            Message.ARROWS: RemoteArrows(v, verts(2, 3), verts(2, 3), p=0.2),
            Message.RIGID_BODIES: RemoteRigidBodies(v, verts(2, 2), np.tile(np.eye(3), (2, 2, 1, 1))),
            Message.SKELETONS: RemoteSkeletons(v, verts(2, 3), np.array([[0, 1], [1, 2], [-1, 0]]), radius=0.02),
            Message.SMPL: RemoteSMPLSequence(v, np.zeros((4, 69)), trans=np.zeros((4, 3)), gender="male"),
        }
        v.flush()
    snap = relay.snapshot()
    for msg, node in nodes.items():
        env = snap.node(node.uid)
        assert env["type"] == msg.value, msg
    assert snap.node(nodes[Message.NODE].uid)["kwargs"]["name"] == "group"
    assert snap.node(nodes[Message.SPHERES].uid)["kwargs"]["positions"].shape == (3, 5, 3)
    assert snap.node(nodes[Message.SKELETONS].uid)["kwargs"]["joint_connections"].tolist() == [[0, 1], [1, 2]]
    smpl = snap.node(nodes[Message.SMPL].uid)["kwargs"]
    assert smpl["poses_body"].shape == (4, 69) and smpl["gender"] == "male"


def test_frame_ops_of_every_kind(relay):
    with connect(relay) as v:
        s = RemoteSpheres(v, verts(2, 5))
        s.add_frames(verts(1, 5)[0])
        ln = RemoteLines(v, verts(2, 4))
        ln.update_frames(np.zeros((4, 3)), frames=1)
        a = RemoteArrows(v, verts(2, 3), verts(2, 3))
        a.add_frames(verts(2, 3), verts(2, 3))
        rb = RemoteRigidBodies(v, verts(1, 2)[0], np.tile(np.eye(3), (2, 1, 1)))
        rb.add_frames(verts(1, 2)[0], np.tile(np.eye(3), (2, 1, 1)))
        sk = RemoteSkeletons(v, verts(3, 3), np.array([[0, 1], [1, 2]]))
        sk.remove_frames([0, 1])
        smpl = RemoteSMPLSequence(v, np.zeros((2, 69)))
        smpl.add_frames(np.ones((3, 69)) * 0.1)
        smpl.update_frames(np.ones(69) * 0.5, frames=0, trans=np.ones(3))
        v.flush()
    snap = relay.snapshot()
    assert snap.node(s.uid)["kwargs"]["positions"].shape == (3, 5, 3)
    np.testing.assert_array_equal(snap.node(ln.uid)["kwargs"]["lines"][1], 0)
    assert snap.node(a.uid)["kwargs"]["tips"].shape == (4, 3, 3)
    assert snap.node(rb.uid)["kwargs"]["rb_ori"].shape == (2, 2, 3, 3)
    assert snap.node(sk.uid)["kwargs"]["joint_positions"].shape == (1, 3, 3)
    body = snap.node(smpl.uid)["kwargs"]
    assert body["poses_body"].shape == (5, 69)
    np.testing.assert_allclose(body["poses_body"][0], 0.5)
    np.testing.assert_allclose(body["trans"][0], 1.0)


def test_set_next_previous_frame(relay):
    with connect(relay) as v:
        RemoteMeshes(v, verts(5), FACES)
        v.set_frame(3)
        v.flush()
        assert relay.snapshot().current_frame == 3
        v.next_frame()
        v.flush()
        assert relay.snapshot().current_frame == 4
        v.next_frame()  # wraps
        v.flush()
        assert relay.snapshot().current_frame == 0
        v.previous_frame()  # wraps back
        v.flush()
        assert relay.snapshot().current_frame == 4


def test_two_clients_may_use_the_same_uid(relay):
    with connect(relay) as a, connect(relay) as b:
        a.send_message(Message.SPHERES, 1, positions=verts(1, 2)[0])
        b.send_message(Message.SPHERES, 1, positions=verts(1, 3)[0])
        a.flush()
        b.flush()
        snap = relay.snapshot()
    clients = sorted(m["client"] for m in snap.messages if m["envelope"]["type"] == Message.SPHERES.value)
    assert len(set(clients)) == 2
    shapes = sorted(m["envelope"]["kwargs"]["positions"].shape[1] for m in snap.messages if m["envelope"]["type"] == 3)
    assert shapes == [2, 3]


def test_torch_like_tensor_is_accepted(relay):
    class Tensor:
        """Quacks like a torch tensor that requires grad (no torch import anywhere)."""

        def __init__(self, a, grad=True):
            self.a, self.grad = a, grad

        def detach(self):
            return Tensor(self.a, grad=False)

        def cpu(self):
            return self

        def __array__(self, dtype=None, copy=None):
            if self.grad:
                raise RuntimeError("Can't call numpy() on Tensor that requires grad.")
            return self.a

    data = verts(2)
    with connect(relay) as v:
        m = RemoteMeshes(v, Tensor(data), Tensor(FACES))
        m.add_frames(Tensor(data[0]))
        v.flush()
    got = relay.snapshot().node(m.uid)["kwargs"]["vertices"]
    np.testing.assert_allclose(got, np.concatenate([data, data[:1]]).astype(np.float32))


def test_get_message_receives_what_a_viewer_sends(relay, viewer):
    with connect(relay) as v:
        assert v.get_message(block=False) is None
        # Once a flush is answered the relay has registered this client (its connection comes
        # before its messages): a message to all clients sent earlier could miss it.
        v.flush()
        payload = {"name": "Test", "position": [0.5, 1.0, -2.0], "n": 3}
        viewer.send_to_clients(payload)
        deadline = time.monotonic() + 10
        got = None
        while got is None and time.monotonic() < deadline:
            got = v.get_message(block=False)
            time.sleep(0.01)
        assert got == payload
        # process_messages with block=False drains and reports the connection as open.
        seen = []
        viewer.send_to_clients("second")
        viewer.send_to_clients("third")
        while len(seen) < 2 and time.monotonic() < deadline:
            assert v.process_messages(lambda _v, msg: seen.append(msg), block=False) is True
            time.sleep(0.01)
        assert seen == ["second", "third"]


def test_blocking_get_message_returns_none_when_the_connection_closes(relay, viewer):
    v = connect(relay)
    v.flush()  # the relay has registered this client (see above)
    viewer.send_to_clients([1, 2, 3])
    assert v.get_message(block=True) == [1, 2, 3]
    threading.Timer(0.3, relay.stop).start()
    t0 = time.monotonic()
    assert v.get_message(block=True) is None
    assert time.monotonic() - t0 < 10
    assert v.process_messages(lambda *_: None, block=True) is False
    v.close_connection()


def test_live_viewer_sees_messages_and_user_messages(relay, viewer):
    with connect(relay) as v:
        m = RemoteSpheres(v, verts(1, 2)[0])
        v.send_message(Message.USER_MESSAGE, m.uid, "hello", index=4)
        v.send_message(10001, None, data=np.arange(3))
        v.flush()
    created = viewer.wait_for(
        lambda x: isinstance(x, dict) and "Message" in x and x["Message"]["envelope"]["type"] == 3
    )
    assert created["Message"]["envelope"]["uid"] == m.uid
    user = viewer.wait_for(
        lambda x: isinstance(x, dict) and "Message" in x and x["Message"]["envelope"]["type"] == 10000
    )
    assert user["Message"]["envelope"]["args"] == ["hello"] and user["Message"]["envelope"]["kwargs"] == {"index": 4}
    other = viewer.wait_for(
        lambda x: isinstance(x, dict) and "Message" in x and x["Message"]["envelope"]["type"] == 10001
    )
    np.testing.assert_array_equal(other["Message"]["envelope"]["kwargs"]["data"], [0, 1, 2])


def test_dropped_connection_raises_connection_error_on_the_next_call(relay):
    v = connect(relay)
    m = RemoteMeshes(v, verts(2), FACES)
    v.flush()
    relay.stop()
    deadline = time.monotonic() + 10
    while v.connected and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not v.connected
    with pytest.raises(ConnectionError, match="lost"):
        m.add_frames(verts(1)[0])
    with pytest.raises(ConnectionError):
        v.flush()
    with pytest.raises(ConnectionError):
        v.set_frame(0)
    t0 = time.monotonic()
    v.close_connection()  # does not hang
    assert time.monotonic() - t0 < 5


def test_relay_killed_while_streaming_then_reconnect(tmp_path):
    """The relay is killed while the client streams: a later call raises ConnectionError (nothing
    is lost silently); every frame a flush acknowledged is in the scene of the relay restarted on
    its --data-dir; reconnect() gives a working connection and sends nothing again."""
    relay = Relay(["--data-dir", str(tmp_path)])
    try:
        v = connect(relay)
        frame = lambda i: np.full((4, 3), float(i), dtype=np.float32)  # noqa: E731
        m = RemoteMeshes(v, frame(0), FACES)
        acknowledged = 1
        for round in range(20):
            for i in range(10):
                m.add_frames(frame(round * 10 + i + 1))
            v.flush()
            acknowledged += 10
        for i in range(40):
            m.add_frames(frame(1000 + i))  # in flight when the relay dies
        port = relay.port
        relay.stop()
        with pytest.raises(ConnectionError, match="lost"):
            for i in range(100_000):
                m.add_frames(frame(2000 + i))
                if i % 10 == 9:
                    v.flush()
        with pytest.raises(ConnectionError):
            v.flush()

        relay = Relay(["--data-dir", str(tmp_path)], port=port)
        v.reconnect()
        assert v.connected
        v.flush()
        got = relay.snapshot().node(m.uid)["kwargs"]["vertices"]
        assert len(got) >= acknowledged
        np.testing.assert_array_equal(np.asarray(got)[:acknowledged, 0, 0], np.arange(acknowledged, dtype=np.float32))
        # A new connection is a new client: a new node works, nothing was sent again.
        again = RemoteMeshes(v, frame(7), FACES)
        v.flush()
        snap = relay.snapshot()
        assert len(snap.node(again.uid)["kwargs"]["vertices"]) == 1
        assert len(snap.node(m.uid)["kwargs"]["vertices"]) == len(got)
        v.close_connection()
    finally:
        relay.stop()


def test_reconnect_keeps_an_open_connection_and_refuses_recordings(relay, tmp_path):
    v = connect(relay)
    v.reconnect()  # open: kept
    assert v.connected
    v.close_connection()
    v.reconnect()  # closed on request: opens again
    assert v.connected
    v.close_connection()
    rec = RemoteViewer.record(tmp_path / "x.mcrec")
    with pytest.raises(ConnectionError, match="recording"):
        rec.reconnect()
    rec.close_connection()


def test_flush_in_flight_when_the_relay_dies_raises_instead_of_hanging(relay):
    v = connect(relay)
    big = verts(200, 5000)  # ~12 MB as float32
    for _ in range(5):
        RemoteMeshes(v, big, np.array([[0, 1, 2]]))
    kill = threading.Timer(0.05, relay.stop)
    kill.start()
    t0 = time.monotonic()
    with pytest.raises((ConnectionError, RelayError)):
        v.flush()
        # Everything made it before the kill (a release relay is that fast): once the relay is
        # gone, the next flush fails.
        kill.join()
        v.flush()
    assert time.monotonic() - t0 < 15
    v.close_connection()


def test_close_delivers_everything_queued_and_does_not_hang(relay):
    data = verts(300, 50)
    v = connect(relay)
    m = RemoteMeshes(v, data[0], FACES)
    for i in range(1, 300):
        m.add_frames(data[i])
    t0 = time.monotonic()
    v.close_connection()
    assert time.monotonic() - t0 < 30
    assert not v.connected
    got = relay.snapshot().node(m.uid)["kwargs"]["vertices"]
    np.testing.assert_allclose(got, data.astype(np.float32))
    with pytest.raises(ConnectionError, match="closed"):
        m.add_frames(data[0])


def test_close_warns_about_errors_not_yet_flushed(relay):
    v = connect(relay)
    m = RemoteMeshes(v, verts(2), FACES)
    m.remove_frames(9)
    with pytest.warns(RuntimeWarning, match="out of range"):
        v.close_connection()


def test_sends_are_bounded_in_memory(relay):
    limit = 1 << 20
    one = verts(1, 30000)[0]  # 360 KB per message as float32
    with connect(relay, max_queue_bytes=limit, max_queue_messages=1000) as v:
        m = RemoteMeshes(v, one, FACES)
        peak = 0
        for _ in range(60):
            m.add_frames(one)
            peak = max(peak, v.queued_bytes)
            assert v.queued_bytes <= limit
        v.flush()
    assert relay.snapshot().node(m.uid)["kwargs"]["vertices"].shape == (61, 30000, 3)


def test_messages_from_several_threads_all_arrive(relay):
    with connect(relay) as v:
        m = RemoteSpheres(v, verts(1, 3)[0])

        def work():
            for _ in range(50):
                m.add_frames(verts(1, 3)[0])

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        v.flush()
    assert relay.snapshot().node(m.uid)["kwargs"]["positions"].shape == (201, 3, 3)


def test_large_send_shows_a_progress_bar_and_arrives_whole(relay, monkeypatch, capsys):
    pytest.importorskip("tqdm")
    monkeypatch.setattr(meshcast._connection, "PROGRESS_MIN_BYTES", 1 << 20)
    data = verts(20, 10000)  # 2.4 MB as float32: sent in 1 MiB fragments
    v = RemoteViewer("127.0.0.1", relay.port, verbose=True)
    m = RemoteMeshes(v, data, FACES)
    v.flush()
    v.close_connection()
    assert "meshcast: sending" in capsys.readouterr().err
    np.testing.assert_allclose(relay.snapshot().node(m.uid)["kwargs"]["vertices"], data.astype(np.float32))


def test_failed_connect_is_reported_and_sends_raise():
    port = free_port()
    t0 = time.monotonic()
    v = RemoteViewer("127.0.0.1", port, timeout=0.5, verbose=False)
    assert time.monotonic() - t0 < 5
    assert not v.connected
    with pytest.raises(ConnectionError, match="not connected"):
        v.set_frame(1)
    assert v.get_message() is None
    v.close_connection()


def test_connect_retries_until_the_relay_is_up():
    port = free_port()
    proc_holder = {}

    def start_later():
        import subprocess

        proc_holder["p"] = subprocess.Popen(
            [str(relay_binary()), "--bind", "127.0.0.1", "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    timer = threading.Timer(0.5, start_later)
    timer.start()
    try:
        v = RemoteViewer("127.0.0.1", port, timeout=20, verbose=False)
        assert v.connected
        v.flush()
        v.close_connection()
    finally:
        timer.join()
        p = proc_holder.get("p")
        if p is not None:
            p.kill()
            p.wait(10)


def test_create_new_process_starts_the_relay(monkeypatch, capsys):
    monkeypatch.setenv("MESHCAST_RELAY", str(relay_binary()))
    port = free_port()
    v = RemoteViewer.create_new_process(port=port, host="127.0.0.1", verbose=True)
    try:
        assert v.connected and v.process is not None and v.process.poll() is None
        assert f"http://127.0.0.1:{port}/" in capsys.readouterr().out
        m = RemoteSpheres(v, verts(1, 4)[0])
        v.flush()
        from probe import snapshot

        assert snapshot(port).node(m.uid)["kwargs"]["positions"].shape == (1, 4, 3)
        v.close_connection()
    finally:
        v.process.terminate()
        v.process.wait(10)


def test_create_new_process_without_a_binary_says_how_to_build(monkeypatch, tmp_path):
    monkeypatch.setenv("MESHCAST_RELAY", str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match="MESHCAST_RELAY"):
        RemoteViewer.create_new_process(port=free_port(), verbose=False)
    monkeypatch.delenv("MESHCAST_RELAY")
    monkeypatch.setattr(meshcast._relay, "BUNDLE_DIR", tmp_path)  # a source install: no bundled relay
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(meshcast._relay, "_repo_roots", lambda: [])
    with pytest.raises(FileNotFoundError, match="cargo build --release -p meshcast-relay"):
        RemoteViewer.create_new_process(port=free_port(), verbose=False)


def test_interpreter_exit_delivers_unclosed_data(relay, tmp_path):
    script = tmp_path / "no_close.py"
    script.write_text(
        "import numpy as np\n"
        "from meshcast import RemoteViewer, RemoteSpheres\n"
        f"v = RemoteViewer('127.0.0.1', {relay.port}, verbose=False)\n"
        "s = RemoteSpheres(v, np.zeros((1, 3, 3)))\n"
        "for i in range(100):\n"
        "    s.add_frames(np.full((3, 3), i))\n"
    )
    import subprocess
    import sys

    subprocess.run([sys.executable, str(script)], check=True, timeout=60, env=package_env())
    got = relay.snapshot().envelopes(Message.SPHERES.value)[0]["kwargs"]["positions"]
    assert got.shape == (101, 3, 3) and got[100, 0, 0] == 99


def test_no_warnings_on_a_clean_session(relay):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with connect(relay) as v:
            RemoteSpheres(v, verts(1, 2)[0])


def test_message_over_the_relays_limit_drops_the_connection():
    from conftest import Relay

    r = Relay(["--max-message-size", "100000"])
    try:
        v = connect(r)
        RemoteSpheres(v, verts(1, 20000)[0])  # 240 KB > 100 KB
        with pytest.raises(ConnectionError, match="lost") as e:
            v.flush()
        # The relay's close frame names the code, the size and the limit.
        assert "1009" in str(e.value), str(e.value)
        assert "exceeds the limit of 100000 bytes" in str(e.value), str(e.value)
        with pytest.raises(ConnectionError, match="lost"):
            v.set_frame(0)
        v.close_connection()
    finally:
        r.stop()


def test_a_node_under_a_parent_is_stored_with_it_and_deleted_with_it(relay):
    with connect(relay) as v:
        root = RemoteNode(v, name="robot", position=(1.0, 0.0, 0.0))
        arm = RemoteMeshes(v, verts(1), FACES, parent=root, name="arm")
        hand = RemoteSpheres(v, verts(1, 2)[0], parent=arm.uid)
        other = RemoteSpheres(v, verts(1, 2)[0])
        v.flush()
        snap = relay.snapshot()
        assert snap.node(arm.uid)["kwargs"]["parent"] == root.uid
        assert snap.node(hand.uid)["kwargs"]["parent"] == arm.uid
        arm.delete()
        v.flush()
    left = [e["uid"] for e in relay.snapshot().envelopes()]
    assert root.uid in left and other.uid in left
    assert arm.uid not in left and hand.uid not in left, "the hand went with the arm"


def test_an_unknown_parent_is_an_error_naming_it(relay):
    with connect(relay) as v:
        RemoteSpheres(v, verts(1, 2)[0], parent=987654)
        with pytest.raises(RelayError, match="parent 987654"):
            v.flush()
        with connect(relay) as w:
            elsewhere = RemoteNode(w)
            with pytest.raises(ValueError, match="another RemoteViewer"):
                RemoteSpheres(v, verts(1, 2)[0], parent=elsewhere)


def _checker(path, fmt: str) -> np.ndarray:
    from PIL import Image

    img = np.zeros((4, 8, 3), dtype=np.uint8)
    img[:2, :4] = (230, 20, 20)
    img[2:, 4:] = (20, 20, 230)
    Image.fromarray(img).save(path, format=fmt)
    return img


QUAD_UV = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float32)


def test_textures_are_read_on_the_client_and_sent_as_images(relay, tmp_path):
    import pickle

    png = tmp_path / "checker.png"
    want = _checker(png, "PNG")
    np.save(tmp_path / "raw.npy", want)
    with open(tmp_path / "raw.pkl", "wb") as f:
        pickle.dump(want, f)
    with connect(relay) as v:
        from_png = RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, path_to_texture=str(png))
        from_npy = RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, path_to_texture=tmp_path / "raw.npy")
        from_pkl = RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, path_to_texture=str(tmp_path / "raw.pkl"))
        from_bytes = RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, texture=png.read_bytes())
        from_floats = RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, texture=want / 255.0)
        v.flush()
    snap = relay.snapshot()
    for m in (from_png, from_npy, from_pkl, from_bytes, from_floats):
        kw = snap.node(m.uid)["kwargs"]
        assert kw["texture"].dtype == np.uint8 and kw["texture"].shape == (4, 8, 3)
        np.testing.assert_array_equal(kw["texture"], want)
        assert "path_to_texture" not in kw


def test_bad_textures_are_refused_with_the_reason(relay, tmp_path):
    with connect(relay) as v:
        with pytest.raises(ValueError, match="0..255"):
            RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, texture=np.full((2, 2, 3), 300))
        with pytest.raises(FileNotFoundError):
            RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, path_to_texture=str(tmp_path / "missing.png"))
        RemoteMeshes(v, verts(1), FACES, uv_coords=QUAD_UV, texture=np.zeros((2, 2, 2), dtype=np.uint8))
        RemoteMeshes(v, verts(1), FACES, texture=np.zeros((2, 2, 3), dtype=np.uint8))
        with pytest.raises(RelayError) as e:
            v.flush()
        msgs = [x.message for x in e.value.errors]
        assert any("2 channels" in m for m in msgs) and any("uv_coords" in m for m in msgs), msgs

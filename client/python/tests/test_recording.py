"""``RemoteViewer.record(path)``: a recording written with no relay opens in the relay
(``--replay``) with the same scene a live relay builds from the same calls."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from meshcast import RemoteMeshes, RemoteSpheres, RemoteViewer
from meshcast._wire import pack

from conftest import Relay


def _send(v: RemoteViewer) -> None:
    rng = np.random.default_rng(3)
    tri = rng.random((4, 3, 3), dtype=np.float32)
    m = RemoteMeshes(v, tri, np.array([[0, 1, 2]]), name="tri", color=(0.2, 0.4, 0.8, 1.0))
    m.add_frames(tri[:2])
    m.remove_frames(np.array([1]))
    s = RemoteSpheres(v, rng.random((1, 5, 3)), radius=0.1)
    s.update_frames(rng.random((5, 3)), frames=0)
    v.set_frame(3)
    v.flush()


def _without_uids(snap):
    """The snapshot's messages as bytes, uids left out (they count per process)."""
    return [(m["client"], pack({k: v for k, v in m["envelope"].items() if k != "uid"})) for m in snap.messages]


def test_a_recording_replays_as_the_live_scene(relay: Relay, tmp_path: Path) -> None:
    with RemoteViewer("127.0.0.1", relay.port, verbose=False) as live:
        _send(live)
    live_snap = relay.snapshot()

    path = tmp_path / "run.mcrec"
    rec = RemoteViewer.record(path)
    assert rec.connected and rec.url == f"file://{path}"
    _send(rec)
    rec.close_connection()
    assert not rec.connected
    with pytest.raises(ConnectionError):
        rec.set_frame(0)
    assert path.read_bytes()[:8] == b"MESHCAST"

    replay = Relay(["--replay", str(path)])
    try:
        snap = replay.snapshot()
    finally:
        replay.stop()
    assert snap.current_frame == live_snap.current_frame == 3
    assert _without_uids(snap) == _without_uids(live_snap)
    assert len(snap.messages) >= 2


def test_a_recording_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "kept.mcrec"
    path.write_bytes(b"precious")
    with pytest.raises(FileExistsError, match="never overwritten"):
        RemoteViewer.record(path)
    assert path.read_bytes() == b"precious"

"""The examples run against the real relay and leave the scene they describe."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
from conftest import package_env

from meshcast import Message

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = PACKAGE_ROOT / "examples"


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / script), *args], capture_output=True, text=True, timeout=120, env=package_env()
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_remote_example(relay):
    run("remote.py", "--host", "127.0.0.1", "--port", str(relay.port))
    snap = relay.snapshot()
    meshes = {e["kwargs"]["name"]: e["kwargs"] for e in snap.envelopes(Message.MESHES.value)}
    assert sorted(meshes) == ["Mesh 0", "Mesh 1", "Mesh 2"]
    m0, m1, m2 = (meshes[f"Mesh {i}"]["vertices"] for i in range(3))
    assert m0.shape[0] == 200 and m1.shape[0] == 200 and m2.shape[0] == 100
    # Mesh 1: frame 100 was overwritten with frame 99, frames 101.. with frames 98..0.
    np.testing.assert_allclose(m1[100], m0[99])
    np.testing.assert_allclose(m1[101], m0[98])
    np.testing.assert_allclose(m1[199], m0[0])
    # Mesh 2 keeps frames 0..99 of the original.
    np.testing.assert_allclose(m2, m0[:100])
    assert snap.current_frame == 1


def test_live_stream_example(relay):
    out = run("live_stream.py", "--host", "127.0.0.1", "--port", str(relay.port), "--seconds", "1.5", "--fps", "20")
    sent = int(out.strip().splitlines()[-1].split()[1])
    snap = relay.snapshot()
    (spheres,) = snap.envelopes(Message.SPHERES.value)
    assert spheres["kwargs"]["positions"].shape == (sent + 1, 64, 3)
    assert snap.current_frame == sent


def test_two_way_example(relay):
    out = run("two_way.py", "--host", "127.0.0.1", "--port", str(relay.port), "--simulate")
    assert "Cube 2" in out
    cubes = {e["kwargs"]["name"]: e["kwargs"] for e in relay.snapshot().envelopes(Message.MESHES.value)}
    assert sorted(cubes) == ["Cube 0", "Cube 1", "Cube 2"]
    np.testing.assert_allclose(cubes["Cube 2"]["position"].reshape(-1), [1.5, 0, 0])

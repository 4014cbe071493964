"""The Python client against a relay that asks for an access token or speaks TLS (wss://):
``RemoteViewer(..., token=..., ssl_context=...)`` and ``$MESHCAST_TOKEN``."""

from __future__ import annotations

import asyncio
import shutil
import ssl
import subprocess
import time

import numpy as np
import pytest
import websockets
from conftest import Relay
from probe import _read_snapshot

from meshcast import RemoteSpheres, RemoteViewer
from meshcast._connection import endpoint_url, shown_url

TOKEN = "python-test-token-7"


def snapshot_at(url: str, ssl_context=None):
    """What a viewer connecting to ``url`` is sent first."""

    async def run():
        kwargs = {"max_size": None, "compression": None}
        if ssl_context is not None:
            kwargs["ssl"] = ssl_context
        async with websockets.connect(url, **kwargs) as ws:
            return await _read_snapshot(ws, 20.0)

    return asyncio.run(run())


@pytest.fixture
def token_relay(monkeypatch):
    monkeypatch.delenv("MESHCAST_TOKEN", raising=False)
    r = Relay(["--token", TOKEN, "--require-token"])
    try:
        yield r
    finally:
        r.stop()


def test_endpoint_url_carries_format_and_token():
    assert endpoint_url("ws://h:1", None) == "ws://h:1/?format=msgpack"
    assert endpoint_url("wss://h:1/", "a b") == "wss://h:1/?format=msgpack&token=a+b"
    assert endpoint_url("ws://h:1/?token=old&format=pickle", "new") == "ws://h:1/?format=msgpack&token=new"
    assert endpoint_url("ws://h:1/?token=kept", None) == "ws://h:1/?token=kept&format=msgpack"
    assert shown_url("ws://h:1/?token=secret") == "ws://h:1/"


def test_missing_or_wrong_token_is_refused_with_the_reason_at_once(token_relay):
    started = time.monotonic()
    v = RemoteViewer("127.0.0.1", token_relay.port, timeout=10, verbose=False)
    assert not v.connected
    why = v._conn.why_not_open()
    assert "401" in why and "missing access token" in why, why
    assert time.monotonic() - started < 5, "a refusal is not retried until the timeout"
    with pytest.raises(ConnectionError, match="missing access token"):
        v.set_frame(0)
    v.close_connection()
    w = RemoteViewer("127.0.0.1", token_relay.port, timeout=10, verbose=False, token="wrong-token-1")
    assert not w.connected
    assert "403" in w._conn.why_not_open() and "wrong access token" in w._conn.why_not_open()
    w.close_connection()


def test_token_argument_and_environment_variable(token_relay, monkeypatch):
    with RemoteViewer("127.0.0.1", token_relay.port, verbose=False, token=TOKEN) as v:
        assert v.connected
        assert TOKEN not in v.url
        RemoteSpheres(v, np.zeros((3, 3), np.float32), name="with token")
        v.flush()
    monkeypatch.setenv("MESHCAST_TOKEN", TOKEN)
    with RemoteViewer("127.0.0.1", token_relay.port, verbose=False) as v:
        assert v.connected
        RemoteSpheres(v, np.ones((2, 3), np.float32), name="from env")
        v.flush()
    # A full URL with the token in it works too.
    monkeypatch.delenv("MESHCAST_TOKEN")
    with RemoteViewer(f"ws://127.0.0.1:{token_relay.port}/?token={TOKEN}", verbose=False) as v:
        assert v.connected
        v.set_frame(0)
        v.flush()
    snap = snapshot_at(f"ws://127.0.0.1:{token_relay.port}/viewer?token={TOKEN}")
    names = [e["kwargs"]["name"] for e in snap.envelopes(3)]
    assert names == ["with token", "from env"]


@pytest.fixture
def tls_files(tmp_path):
    if shutil.which("openssl") is None:  # pragma: no cover - openssl is on the dev and CI machines
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_wss_with_an_ssl_context(tls_files, monkeypatch):
    monkeypatch.delenv("MESHCAST_TOKEN", raising=False)
    cert, key = tls_files
    r = Relay(["--tls-cert", str(cert), "--tls-key", str(key)])
    try:
        ctx = ssl.create_default_context(cafile=str(cert))
        # Not trusted: a clear error at once, not a retry loop until the timeout.
        started = time.monotonic()
        bad = RemoteViewer("127.0.0.1", r.port, timeout=10, verbose=False, ssl_context=ssl.create_default_context())
        assert not bad.connected
        assert "ssl_context" in bad._conn.why_not_open(), bad._conn.why_not_open()
        assert time.monotonic() - started < 5
        bad.close_connection()
        with RemoteViewer("127.0.0.1", r.port, verbose=False, ssl_context=ctx) as v:
            assert v.connected and v.url.startswith("wss://")
            s = RemoteSpheres(v, np.zeros((4, 3), np.float32), name="over tls")
            s.add_frames(np.ones((4, 3), np.float32))
            v.flush()
        snap = snapshot_at(f"wss://127.0.0.1:{r.port}/viewer", ctx)
        (env,) = snap.envelopes(3)
        assert env["kwargs"]["name"] == "over tls"
        assert env["kwargs"]["positions"].shape == (2, 4, 3)
    finally:
        r.stop()


def test_close_is_answered_cleanly(relay):
    """The relay completes the WebSocket close handshake (the client does not see 1006)."""

    async def run():
        async with websockets.connect(f"ws://127.0.0.1:{relay.port}/?format=msgpack") as ws:
            pass
        return ws.close_code, ws.protocol.close_rcvd

    code, rcvd = asyncio.run(run())
    assert code == 1000 and rcvd is not None

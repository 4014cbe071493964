"""``python -m meshcast.server`` and ``meshcast serve``: the relay in the foreground, every flag
passed on, the page URL printed, the browser opened on request, everything stopped on SIGTERM."""

from __future__ import annotations

import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, relay_env, stop_process, wait_listening

from meshcast.cli import page_url_in

TOKEN = "server-test-token"


def get(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode()


def test_server_module_runs_the_relay_with_the_flags_given(tmp_path):
    page = tmp_path / "page"
    page.mkdir()
    (page / "index.html").write_text("<title>server test page</title>")
    port = free_port()
    args = ["--port", str(port), "--require-token", "--token", TOKEN, "--dist", str(page)]
    process = subprocess.Popen(
        [sys.executable, "-m", "meshcast.server", *args],
        env=relay_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    try:
        wait_listening(port, process)
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(f"http://127.0.0.1:{port}/")
        assert refused.value.code == 401, "--require-token reached the relay"
        assert get(f"http://127.0.0.1:{port}/?token={TOKEN}") == "<title>server test page</title>"
    finally:
        stop_process(process)
    assert process.stdout is not None
    assert f"http://127.0.0.1:{port}/?token={TOKEN}" in process.stdout.read().decode()


def test_server_module_without_a_relay_says_how_to_get_one(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "meshcast.server"],
        env={**relay_env(), "MESHCAST_RELAY": str(tmp_path / "missing")},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "MESHCAST_RELAY" in done.stderr and "which is not a file" in done.stderr


def test_meshcast_serve_prints_the_url_opens_the_browser_and_stops_the_relay(tmp_path):
    opened = tmp_path / "opened.txt"
    browser = tmp_path / "browser.sh"
    browser.write_text(f'#!/bin/sh\necho "$1" > "{opened}"\n')
    browser.chmod(0o755)
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "meshcast.cli", "serve", "--open", "--port", str(port)],
        env={**relay_env(), "BROWSER": f"{browser} %s"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        assert process.stdout is not None
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("meshcast: opened"):
                break
        assert f"meshcast: the viewer is at {url}\n" in lines, "".join(lines)
        assert lines[-1] == f"meshcast: opened {url} in the web browser\n", "".join(lines)
        assert opened.read_text().strip() == url
        wait_listening(port, process)
    finally:
        stop_process(process)
    assert process.returncode == 0
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=2).close()


def test_the_url_is_read_from_the_relay_banner_with_or_without_a_token():
    assert page_url_in("meshcast relay: open http://127.0.0.1:8417/ in a browser (this machine only)") == (
        "http://127.0.0.1:8417/"
    )
    assert (
        page_url_in("  open in a browser:  https://box:9000/?token=abcdefgh12") == "https://box:9000/?token=abcdefgh12"
    )
    assert page_url_in("  producers connect to ws://127.0.0.1:8417/") is None


def test_the_console_command_is_declared():
    pyproject = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text()
    assert 'meshcast = "meshcast.cli:main"' in pyproject

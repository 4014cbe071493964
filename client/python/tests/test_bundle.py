"""The relay and page a wheel carries (scripts/wheel.sh): found before any other relay but
``$MESHCAST_RELAY``, started with ``--dist`` pointing at the page it carries. A package laid out
like a wheel in a temporary folder stands in for an installed wheel, so this runs on the source
tree too; scripts/test_wheel.sh runs the whole suite against a real installed wheel."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from conftest import free_port, relay_binary

import meshcast._relay as relay_module
from meshcast import RemoteViewer

PAGE_TEXT = "<!doctype html><title>the bundled page under test</title>"


@pytest.fixture
def bundle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A package folder holding bin/meshcast-relay (the real relay) and page/index.html, taken as
    this package's; ``$MESHCAST_RELAY`` unset."""
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / relay_module.EXE_NAME).symlink_to(relay_binary().resolve())
    (tmp_path / "page").mkdir()
    (tmp_path / "page" / "index.html").write_text(PAGE_TEXT)
    monkeypatch.setattr(relay_module, "BUNDLE_DIR", tmp_path)
    monkeypatch.delenv("MESHCAST_RELAY", raising=False)
    return tmp_path


def test_the_bundled_relay_comes_before_path_but_after_meshcast_relay(bundle, monkeypatch, tmp_path_factory):
    on_path = tmp_path_factory.mktemp("path")
    (on_path / relay_module.EXE_NAME).write_text("#!/bin/sh\n")
    (on_path / relay_module.EXE_NAME).chmod(0o755)
    monkeypatch.setenv("PATH", str(on_path))
    assert relay_module.find_relay() == bundle / "bin" / relay_module.EXE_NAME
    monkeypatch.setenv("MESHCAST_RELAY", str(on_path / relay_module.EXE_NAME))
    assert relay_module.find_relay() == on_path / relay_module.EXE_NAME


def test_the_bundled_relay_serves_the_bundled_page_unless_told_otherwise(bundle):
    binary = relay_module.bundled_relay()
    assert binary is not None
    page = str(bundle / "page")
    assert relay_module.relay_command(binary, ["--port", "1"]) == [str(binary), "--port", "1", "--dist", page]
    assert relay_module.relay_command(binary, ["--dist", "/elsewhere"]) == [str(binary), "--dist", "/elsewhere"]
    assert relay_module.relay_command(binary, ["--dist=/elsewhere"]) == [str(binary), "--dist=/elsewhere"]
    other = Path("/opt/meshcast-relay")
    assert relay_module.relay_command(other, ["--port", "1"]) == [str(other), "--port", "1"]


def test_a_source_install_bundles_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(relay_module, "BUNDLE_DIR", tmp_path)
    assert relay_module.bundled_relay() is None
    assert relay_module.bundled_page() is None
    (tmp_path / "page").mkdir()
    assert relay_module.bundled_page() is None, "a page folder without index.html is no page"


def test_create_new_process_starts_the_bundled_relay_with_its_page(bundle):
    port = free_port()
    v = RemoteViewer.create_new_process(port=port, host="127.0.0.1", verbose=False)
    try:
        assert v.connected
        assert v.process is not None and v.process.args[0] == str(bundle / "bin" / relay_module.EXE_NAME)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as page:
            assert page.read().decode() == PAGE_TEXT
        assert v.page_url == f"http://127.0.0.1:{port}/"
        v.close_connection()
    finally:
        v.process.terminate()
        v.process.wait(10)

"""``viewer.show()`` and ``meshcast.show(...)``: an IFrame of the relay's page, with the token when
the relay asks for one. (tests/browser/notebook.test.mjs executes a notebook and draws what it shows.)"""

from __future__ import annotations

import sys
import urllib.error
import urllib.request

import pytest
from conftest import Relay

import meshcast
from meshcast import RemoteViewer
from meshcast.notebook import NotebookUnavailable, page_url

TOKEN = "notebook-test-token"


@pytest.fixture
def displayed(monkeypatch):
    """What ``IPython.display.display`` was given."""
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda *objs: shown.extend(objs))
    return shown


def test_page_url_from_relay_urls():
    assert page_url("ws://127.0.0.1:8417") == "http://127.0.0.1:8417/"
    assert page_url("wss://relay.example:9000/", "tok-12345") == "https://relay.example:9000/?token=tok-12345"
    assert page_url("ws://[::1]:8417/?token=from-url") == "http://[::1]:8417/?token=from-url"
    assert page_url("http://box:8417/?token=from-url", "given-token") == "http://box:8417/?token=given-token"
    with pytest.raises(ValueError, match="not a relay URL"):
        page_url("/tmp/scene.mcrec")


def test_viewer_show_frames_the_page_with_the_token_the_relay_needs(displayed):
    relay = Relay(["--require-token", "--token", TOKEN])
    try:
        with RemoteViewer("127.0.0.1", relay.port, verbose=False, token=TOKEN) as v:
            v.show(height=300)
        (frame,) = displayed
        url = f"http://127.0.0.1:{relay.port}/?token={TOKEN}"
        assert frame.src == url and frame.height == 300
        assert f'src="{url}"' in frame._repr_html_()
        with urllib.request.urlopen(url, timeout=10) as page:
            assert page.status == 200
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"http://127.0.0.1:{relay.port}/", timeout=10)
        assert refused.value.code == 401, "the page needs the token the IFrame carries"
    finally:
        relay.stop()


def test_meshcast_show_takes_a_url_or_the_default_relay(displayed, monkeypatch):
    monkeypatch.delenv("MESHCAST_TOKEN", raising=False)
    meshcast.show("ws://box:9000/?token=abcdefgh", width=640)
    meshcast.show()
    monkeypatch.setenv("MESHCAST_TOKEN", "from-the-env")
    meshcast.show("http://box:9000/")
    assert [f.src for f in displayed] == [
        "http://box:9000/?token=abcdefgh",
        "http://localhost:8417/",
        "http://box:9000/?token=from-the-env",
    ]
    assert displayed[0].width == 640


def test_show_without_ipython_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "IPython.display", None)
    with pytest.raises(NotebookUnavailable, match="pip install ipython"):
        meshcast.show("http://box:9000/")

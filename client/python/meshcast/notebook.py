"""Showing the viewer inline in Jupyter and VS Code notebooks: an IFrame of the relay's page
(with ``?token=`` when the relay asks for one), as viser and rerun show theirs.

The IFrame is loaded by the browser that shows the notebook, so the relay's address must be one
that browser reaches: ``localhost`` works when the notebook server runs on the same machine (or
its port is forwarded, e.g. by VS Code's remote extensions).
"""

from __future__ import annotations

import os
from typing import Any, Optional, Union
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

DEFAULT_HEIGHT = 500


class NotebookUnavailable(ImportError):
    """IPython, which notebooks display with, is not installed."""


def page_url(relay_url: str, token: Optional[str] = None) -> str:
    """The viewer page of the relay at ``relay_url`` (``ws://``, ``wss://``, ``http://`` or
    ``https://``), with ``?token=`` from ``token`` or, without one, from ``relay_url``'s query."""
    parts = urlsplit(relay_url)
    scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
    if scheme not in ("http", "https"):
        raise ValueError(f"not a relay URL (ws://, wss://, http:// or https://): {relay_url!r}")
    if token is None:
        token = next(iter(parse_qs(parts.query).get("token", [])), None)
    query = urlencode({"token": token}) if token else ""
    return urlunsplit((scheme, parts.netloc, "/", query, ""))


def iframe(url: str, width: Union[int, str] = "100%", height: Union[int, str] = DEFAULT_HEIGHT) -> Any:
    """An ``IPython.display.IFrame`` of ``url``.

    :raises NotebookUnavailable: IPython is not installed.
    """
    try:
        from IPython.display import IFrame
    except ImportError as e:
        raise NotebookUnavailable(
            "showing the viewer in a notebook needs IPython (`pip install ipython`, or run in Jupyter)"
        ) from e
    return IFrame(url, width=width, height=height)


def show(
    where: Any = None,
    *,
    width: Union[int, str] = "100%",
    height: Union[int, str] = DEFAULT_HEIGHT,
    token: Optional[str] = None,
) -> None:
    """Displays the viewer page in the running notebook's output.

    :param where: a ``RemoteViewer`` (its relay's page), a relay URL (``http(s)://`` or
        ``ws(s)://``), or ``None`` for ``http://localhost:8417/``.
    :param token: the relay's access token; ``None``: the viewer's, the URL's or ``$MESHCAST_TOKEN``.
    :raises NotebookUnavailable: IPython is not installed.
    """
    if where is None:
        where = "http://localhost:8417/"
    if isinstance(where, str):
        url = page_url(where, token or (None if "token=" in where else os.environ.get("MESHCAST_TOKEN") or None))
    else:
        url = page_url(where.page_url, token)
    frame = iframe(url, width, height)
    from IPython.display import display

    display(frame)

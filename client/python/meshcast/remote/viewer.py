"""``RemoteViewer``: a connection to a meshcast relay with aitviewer's client API."""

from __future__ import annotations

import atexit
import enum
import os
import queue
import subprocess
import threading
import warnings
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, Optional, Sequence, Union

import numpy as np

from .. import _schema
from .._connection import Connection, shown_url
from .._relay import read_log, start_relay
from .._wire import encode_envelope
from ..errors import RelayError
from .message import FLUSH, Message

_OPEN_VIEWERS: "weakref.WeakSet[RemoteViewer]" = weakref.WeakSet()
_OPEN_LOCK = threading.Lock()


def _close_all_at_exit() -> None:
    # aitviewer sends synchronously, so a script that never closes its viewer still delivers
    # everything; with pipelined sends, deliver what is queued before the interpreter exits.
    for v in list(_OPEN_VIEWERS):
        try:
            v.close_connection()
        except Exception:  # never fail interpreter shutdown
            pass


atexit.register(_close_all_at_exit)


def _type_code(type: Any) -> int:
    if isinstance(type, enum.Enum):
        type = type.value
    if isinstance(type, np.integer):
        type = int(type)
    if not isinstance(type, int) or isinstance(type, bool):
        raise ValueError(f"type must be a Message or an int, got {type!r}")
    return type


class RemoteViewer:
    """A connection to a meshcast relay, with the API of aitviewer's ``RemoteViewer``.

    Connects to ``ws://host:port`` (retrying for ``timeout`` seconds) in a background thread and
    returns once connected (or not: check ``connected``). Use it as a context manager, or call
    ``close_connection()`` when done.

    Beyond aitviewer:

    - messages are validated before they are sent: bad shapes raise ``ValueError`` at the call;
    - sends are pipelined: a call returns once its message is queued, and blocks only while more
      than ``max_queue_bytes`` bytes or ``max_queue_messages`` messages wait to be written;
    - ``flush()`` waits until the relay has handled everything sent so far and raises
      ``RelayError`` with the errors it reported;
    - a dropped (or never opened) connection raises ``ConnectionError`` on the next send instead
      of dropping data;
    - ``close_connection()`` never hangs.

    :param host: the relay's host name or IP address.
    :param port: its TCP port (8417, as aitviewer).
    :param timeout: seconds to keep trying to connect.
    :param verbose: print connection messages; show a progress bar for large sends when tqdm is
        installed.
    :param max_queue_bytes: bytes of encoded messages that may wait to be sent before a send blocks.
    :param max_queue_messages: messages that may wait to be sent before a send blocks.
    :param close_timeout: seconds ``close_connection()`` waits for the relay to acknowledge what
        was sent.
    :param token: the relay's access token (what ``meshcast-relay`` prints when it is shared on the
        network, or started with ``--require-token``). ``None``: ``$MESHCAST_TOKEN`` when set.
    :param ssl_context: an ``ssl.SSLContext`` for a relay with TLS (``wss://``), e.g.
        ``ssl.create_default_context(cafile="relay-cert.pem")`` for a self-signed certificate.
        Given, the client connects with ``wss://``.

    ``host`` may also be a full ``ws://`` or ``wss://`` URL (it may carry ``?token=...``).
    """

    def __init__(
        self,
        host: str = "localhost",
        port: int = 8417,
        timeout: float = 10,
        verbose: bool = True,
        *,
        max_queue_bytes: int = 64 << 20,
        max_queue_messages: int = 1024,
        close_timeout: float = 60.0,
        token: Optional[str] = None,
        ssl_context: Any = None,
        _connection: Any = None,
    ) -> None:
        if _connection is not None:
            # RemoteViewer.record(): a file instead of a relay.
            self._init_common(_connection.url, host, port, timeout, verbose, close_timeout)
            self._token = None
            self._relay_url = _connection.url
            self._connect_args = None
            self._conn = _connection
            with _OPEN_LOCK:
                _OPEN_VIEWERS.add(self)
            return
        if token is None:
            token = os.environ.get("MESHCAST_TOKEN") or None
        self._token = token
        if host.startswith(("ws://", "wss://")):
            url = host
        else:
            host_part = f"[{host}]" if ":" in host and not host.startswith("[") else host
            scheme = "wss" if ssl_context is not None else "ws"
            url = f"{scheme}://{host_part}:{port}"
        self._relay_url = url
        self._init_common(shown_url(url), host, port, timeout, verbose, close_timeout)
        if verbose:
            print(f"Connecting to remote viewer at {self.url}")
        self._connect_args: Optional[Dict[str, Any]] = dict(
            url=url,
            timeout=timeout,
            max_queue_bytes=max_queue_bytes,
            max_queue_messages=max_queue_messages,
            progress=verbose,
            token=token,
            ssl_context=ssl_context,
        )
        self._conn = Connection(**self._connect_args)
        if verbose:
            print("Connected" if self._conn.connected else f"Failed to connect ({self._conn.why_not_open()})")
        if self._conn.connected:
            with _OPEN_LOCK:
                _OPEN_VIEWERS.add(self)

    def _init_common(self, url: str, host: str, port: int, timeout: float, verbose: bool, close_timeout: float) -> None:
        self.url = url
        self.host = host
        self.port = port
        self.timeout = timeout
        self.verbose = verbose
        self.close_timeout = close_timeout
        self.process: Optional["subprocess.Popen[bytes]"] = None
        self.process_log: Optional[Path] = None
        self._nodes: Dict[int, _schema.NodeShape] = {}
        self._lock = threading.Lock()

    @classmethod
    def record(cls, path: Union[str, "os.PathLike[str]"], verbose: bool = False) -> "RemoteViewer":
        """A viewer that writes to a new recording file instead of a relay (never overwriting a
        file): a headless job saves what it would show and opens it later in the page ("Open
        recording", or ``?recording=URL``) or with ``meshcast-relay --replay FILE``. Every node
        class works with it as with a relay; ``flush()`` returns once the file is on disk.

        :raises FileExistsError: ``path`` exists.
        """
        from .._recording import RecordingConnection

        conn = RecordingConnection(path)
        if verbose:
            print(f"Recording to {conn.path}")
        return cls(verbose=verbose, _connection=conn)

    # ---- aitviewer's API ---------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the connection to the relay is open."""
        return self._conn.connected

    def __enter__(self) -> "RemoteViewer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close_connection()

    @property
    def page_url(self) -> str:
        """The URL of the relay's viewer page, with ``?token=`` when this viewer has a token."""
        from ..notebook import page_url

        return page_url(self._relay_url, self._token)

    def show(self, width: Union[int, str] = "100%", height: Union[int, str] = 500) -> None:
        """Displays the relay's viewer page inline in a Jupyter or VS Code notebook (an IFrame of
        ``page_url``).

        :raises meshcast.notebook.NotebookUnavailable: IPython is not installed.
        """
        from ..notebook import show

        show(self, width=width, height=height)

    @classmethod
    def create_new_process(cls, args: Union[None, str, Sequence[str]] = None, **kwargs: Any) -> "RemoteViewer":
        """Starts a relay in a new process and returns a ``RemoteViewer`` connected to it.

        The relay binary is ``$MESHCAST_RELAY``, the one inside this package (a wheel from
        ``scripts/wheel.sh``, which also serves the page it carries), ``meshcast-relay`` on PATH, or
        the one built in the meshcast repository (``target/release`` or ``target/debug``). It listens on
        127.0.0.1 and ``port`` (default 8417); open the printed URL in a browser to watch. Unlike
        aitviewer (where ``args`` names a Python script), ``args`` are extra relay flags, for
        example ``["--max-message-size", "4294967296"]``. The process is ``.process``; it keeps
        running after this script ends (stop it with ``.process.terminate()``); its output is in
        the file ``.process_log``. Other keyword arguments go to ``RemoteViewer(...)``.
        """
        port = int(kwargs.get("port", 8417))
        host = kwargs.get("host", "localhost")
        bind = "::1" if host == "::1" else "127.0.0.1"
        process, log_path = start_relay(port=port, bind=bind, extra_args=args)
        if kwargs.get("verbose", True):
            print(f"Started meshcast-relay (pid {process.pid}); open http://{host}:{port}/ in a browser to watch")
        v = cls(**kwargs)
        v.process = process
        v.process_log = log_path
        if process.poll() is not None:
            v.close_connection()
            raise RuntimeError(
                f"meshcast-relay exited with status {process.returncode}; its output:\n{read_log(log_path)}"
            )
        if not v.connected:
            process.terminate()
            process.wait(5)
            raise ConnectionError(f"could not connect to the relay just started; its output:\n{read_log(log_path)}")
        return v

    def send_message(self, type: Any, uid: Optional[int] = None, *args: Any, **kwargs: Any) -> None:
        """Sends one message ``{type, uid, args, kwargs}`` to the relay.

        Built-in messages are validated first (``ValueError`` names the bad argument); array data
        is converted to ``float32`` / ``int32``. Returns once the message is queued.

        :raises ValueError: bad arguments (nothing was sent).
        :raises ConnectionError: the connection is not open.
        """
        code = _type_code(type)
        args, kwargs, created = self._check(code, uid, args, kwargs)
        data = encode_envelope(code, uid, args, kwargs)
        with self._lock:
            self._conn.send(data)
            if created is not None and uid is not None:
                self._nodes[uid] = created
            elif code == Message.DELETE.value and uid is not None:
                self._nodes.pop(uid, None)

    def set_frame(self, frame: int) -> None:
        """Sets the scene's current frame (clamped to the scene's frames by the relay)."""
        self.send_message(Message.SET_FRAME, None, frame)

    def next_frame(self) -> None:
        """Moves the scene to its next frame (wrapping)."""
        self.send_message(Message.NEXT_FRAME)

    def previous_frame(self) -> None:
        """Moves the scene to its previous frame (wrapping)."""
        self.send_message(Message.PREVIOUS_FRAME)

    def get_message(self, block: bool = True) -> Any:
        """Returns the next message a viewer sent to this client.

        :param block: wait for one (returns ``None`` once the connection is closed and every
            received message was returned); otherwise return ``None`` at once when none is queued.
        """
        q = self._conn.received
        if not block:
            try:
                return q.get_nowait()
            except Exception:
                return None
        while True:
            try:
                return q.get(timeout=0.1)
            except Exception:
                if not self._conn.connected:
                    try:
                        return q.get_nowait()
                    except Exception:
                        return None

    def process_messages(self, handler: Callable[["RemoteViewer", Any], None], block: bool = True) -> bool:
        """Calls ``handler(self, msg)`` for each message from viewers.

        :param block: keep going until the connection closes (then return ``False``); otherwise
            handle the messages received so far and return whether the connection is open.
        """
        while True:
            msg = self.get_message(block)
            if msg is None:
                return False if block else self.connected
            handler(self, msg)

    def close_connection(self) -> None:
        """Sends what is queued, waits (at most ``close_timeout`` s) until the relay has handled
        it, and closes the connection. Never hangs; errors the relay reported since the last
        ``flush()`` are shown as warnings."""
        with _OPEN_LOCK:
            _OPEN_VIEWERS.discard(self)
        if self._conn.connected:
            try:
                self.flush(timeout=self.close_timeout)
            except RelayError as e:
                warnings.warn(f"meshcast: {e}", RuntimeWarning, stacklevel=2)
            except (ConnectionError, TimeoutError) as e:
                warnings.warn(f"meshcast: closing: {e}", RuntimeWarning, stacklevel=2)
        self._conn.close()

    def reconnect(self) -> None:
        """Connects again after the connection was lost (a call raised ``ConnectionError``) or
        closed, retrying for ``timeout`` seconds; an open connection is kept.

        Nothing is sent again: the relay has everything a successful ``flush()`` acknowledged,
        and what was sent after it is yours to send again if you need it. The relay treats the
        new connection as a new client: nodes made before stay in its scene but are no longer
        this connection's to change (their frame operations are rejected), so make new nodes.
        Messages from viewers not yet read are kept.

        :raises ConnectionError: the relay could not be reached, or this viewer writes a
            recording.
        """
        if self._connect_args is None:
            raise ConnectionError("a recording has no relay connection to reconnect")
        if self._conn.connected:
            return
        old = self._conn
        old.close(join_timeout=1.0)
        new = Connection(**self._connect_args)
        if not new.connected:
            raise ConnectionError(new.why_not_open())
        while True:
            try:
                new.received.put(old.received.get_nowait())
            except queue.Empty:
                break
        with self._lock:
            self._conn = new
            self._nodes.clear()
        with _OPEN_LOCK:
            _OPEN_VIEWERS.add(self)
        if self.verbose:
            print(f"Reconnected to remote viewer at {self.url}")

    def wait_process(self, print_viewer_output: bool = True) -> None:
        """Closes the connection and, if this viewer started the relay, waits for it to exit
        (stop it with Ctrl-C or ``.process.terminate()``) and prints its output."""
        self.close_connection()
        if self.process is not None:
            self.process.wait()
            if print_viewer_output:
                print("\nRelay output:")
                print(read_log(self.process_log))

    # ---- beyond aitviewer -----------------------------------------------------------------------

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until the relay has handled every message sent so far.

        :param timeout: seconds to wait (``None``: as long as the connection is open).
        :raises RelayError: the relay rejected messages since the previous flush (it lists them).
        :raises ConnectionError: the connection closed first.
        :raises TimeoutError: no acknowledgement within ``timeout``.
        """
        with self._lock:
            seq = self._conn.send(encode_envelope(FLUSH, None, (), {}))
        errors = self._conn.wait_ack(seq, timeout)
        if errors:
            raise RelayError(errors)

    @property
    def queued_bytes(self) -> int:
        """Bytes of messages queued and not yet written to the socket."""
        return self._conn.queued_bytes

    # ---- validation ------------------------------------------------------------------------------

    def _check(self, code: int, uid: Optional[int], args: Sequence[Any], kwargs: Dict[str, Any]) -> Any:
        """Validates a built-in message; returns (args, kwargs, shape facts of a created node)."""
        if code >= Message.USER_MESSAGE.value:
            return tuple(args), kwargs, None
        kind = _schema.KINDS.get(code)
        if kind is not None:
            if uid is None:
                raise ValueError(f"{kind.name} needs a node uid")
            return _schema.check_create(kind, args, kwargs)
        if code in (Message.ADD_FRAMES.value, Message.UPDATE_FRAMES.value):
            if uid is None:
                raise ValueError(f"{Message(code).name} needs a node uid")
            node = self._nodes.get(uid)
            if node is None:
                return tuple(args), kwargs, None  # a node this viewer did not create: the relay checks
            a, k = _schema.check_frames(node, code, args, kwargs)
            return a, k, None
        if code == Message.REMOVE_FRAMES.value:
            if uid is None:
                raise ValueError("REMOVE_FRAMES needs a node uid")
            if args:
                sel, _ = _schema.check_frame_selection(args[0])
                return (sel, *args[1:]), kwargs, None
            if "frames" not in kwargs:
                raise ValueError("remove_frames needs 'frames'")
            sel, _ = _schema.check_frame_selection(kwargs["frames"])
            return tuple(args), {**kwargs, "frames": sel}, None
        if code == Message.DELETE.value:
            if uid is None:
                raise ValueError("DELETE needs a node uid")
            return tuple(args), kwargs, None
        if code == Message.SET_FRAME.value:
            frame = args[0] if args else kwargs.get("frame")
            if isinstance(frame, (bool, np.bool_)) or not isinstance(frame, (int, np.integer)):
                raise ValueError(f"frame must be an int, got {frame!r}")
            if args:
                return (int(frame), *args[1:]), kwargs, None
            return (), {**kwargs, "frame": int(frame)}, None
        if code in (Message.NEXT_FRAME.value, Message.PREVIOUS_FRAME.value, FLUSH):
            return tuple(args), kwargs, None
        raise ValueError(
            f"unknown message type {code} (built-in types are 1-6, 10, 11, 100-103, 200-202; user types are >= 10000)"
        )


__all__ = ["RemoteViewer", "RelayError"]

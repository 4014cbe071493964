"""The WebSocket connection to the relay: a background thread running an asyncio loop.

Callers hand over encoded messages; they are queued and sent in order by the loop thread, so a
caller does not wait for the network (pipelining). The queue is bounded by bytes and by count: a
caller blocks while it is full, so memory stays bounded however fast messages are produced. Every
message gets a sequence number (binary frames on the connection, counted from 1), which is how the
relay's ``Ack`` and ``Error`` replies refer to it. A dropped connection is recorded and raised as
``ConnectionError`` by the next call instead of dropping data silently.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import queue
import threading
import time
from typing import Any, List, Optional
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import websockets

from ._wire import unpack
from .errors import ErrorReport

try:  # optional: a progress bar for large sends
    from tqdm import tqdm as _tqdm
except ImportError:  # pragma: no cover - depends on the environment
    _tqdm = None

log = logging.getLogger("meshcast")

PROGRESS_MIN_BYTES = 32 << 20
"""Messages at least this large show a progress bar (with tqdm installed and verbose on)."""

_FRAGMENT = 1 << 20

_CONNECT_KWARGS: dict = {"max_size": None, "compression": None}
try:
    if "proxy" in inspect.signature(websockets.connect).parameters:
        _CONNECT_KWARGS["proxy"] = None  # websockets >= 15 would otherwise honour HTTP(S)_PROXY
except (TypeError, ValueError):  # pragma: no cover - signature not introspectable
    pass

_CLOSE = object()


def endpoint_url(url: str, token: Optional[str]) -> str:
    """The URL to connect to: ``url`` with ``format=msgpack`` (so the relay replies in MessagePack
    before this client has sent anything; it would guess pickle from the Python websockets
    User-Agent, as for aitviewer's client) and, when given, the access token."""
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "format"]
    query.append(("format", "msgpack"))
    if token:
        query = [(k, v) for k, v in query if k != "token"] + [("token", token)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path or "/", urlencode(query), ""))


def shown_url(url: str) -> str:
    """``url`` without its query (which may hold the access token), for messages."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _refusal(exc: BaseException) -> Optional[str]:
    """The relay's refusal (HTTP status and reason) when ``exc`` is one that retrying cannot fix:
    401/403 (access token, origin). ``None`` for anything else (503 included: a connection may
    free up)."""
    response = getattr(exc, "response", None)  # websockets >= 14: InvalidStatus
    status = getattr(response, "status_code", None) or getattr(exc, "status_code", None)
    if status not in (401, 403):
        return None
    body = getattr(response, "body", b"") or b""
    reason = body.decode("utf-8", "replace").strip() if isinstance(body, (bytes, bytearray)) else str(body)
    return f"HTTP {status}: {reason or 'refused'}"


def _close_detail(ws: Any, exc: Optional[BaseException]) -> str:
    """Words for why a connection ended: the peer's close code and reason, else the exception."""
    code = getattr(ws, "close_code", None)
    why = getattr(ws, "close_reason", None)
    if code is not None and code != 1006:
        return f" (close code {code}{': ' + why if why else ''})"
    if exc is not None and not isinstance(exc, websockets.exceptions.ConnectionClosed):
        return f": {exc!r}"
    return " (no close frame: the relay stopped or the network failed)"


def _is_certificate_error(exc: BaseException) -> bool:
    """True for a TLS certificate the client does not trust (retrying cannot fix it)."""
    import ssl

    return isinstance(exc, ssl.SSLCertVerificationError)


class Connection:
    """One WebSocket connection to a relay, owned by a ``RemoteViewer``."""

    def __init__(
        self,
        url: str,
        timeout: float,
        max_queue_bytes: int,
        max_queue_messages: int,
        progress: bool,
        token: Optional[str] = None,
        ssl_context: Any = None,
    ) -> None:
        self.url = shown_url(url)
        self._endpoint = endpoint_url(url, token)
        self._connect_kwargs = dict(_CONNECT_KWARGS)
        if ssl_context is not None:
            self._connect_kwargs["ssl"] = ssl_context
        self.received: "queue.Queue[Any]" = queue.Queue()
        self._timeout = float(timeout)
        self._max_bytes = max(1, int(max_queue_bytes))
        self._max_count = max(1, int(max_queue_messages))
        self._progress = progress and _tqdm is not None
        self._cond = threading.Condition()
        self._seq = 0
        self._acked = 0
        self._errors: List[ErrorReport] = []
        self._queued_bytes = 0
        self._queued_count = 0
        self._open = False
        self._ended: Optional[str] = None  # why the connection is not open (None: never opened)
        self._aqueue: Optional[asyncio.Queue] = None
        self._ready = threading.Event()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, name=f"meshcast {url}", daemon=True)
        self._thread.start()
        self._ready.wait()

    # ---- caller side -------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the connection is open."""
        return self._open

    @property
    def queued_bytes(self) -> int:
        """Bytes handed over and not yet written to the socket."""
        return self._queued_bytes

    def why_not_open(self) -> str:
        """Why the connection is not open ("" while it is)."""
        if self._open:
            return ""
        return self._ended or f"not connected to the relay at {self.url}"

    def _raise_if_closed(self) -> None:
        if not self._open:
            if self._ended is None:
                raise ConnectionError(f"not connected to the relay at {self.url}")
            raise ConnectionError(self._ended)

    def send(self, data: bytes) -> int:
        """Queues one encoded message; returns its sequence number. Blocks while the queue is
        full; raises ``ConnectionError`` when the connection is not open."""
        n = len(data)
        with self._cond:
            while True:
                self._raise_if_closed()
                if self._queued_count == 0:
                    break  # one message always goes, however large
                if self._queued_count < self._max_count and self._queued_bytes + n <= self._max_bytes:
                    break
                self._cond.wait(0.5)
            self._seq += 1
            seq = self._seq
            self._queued_bytes += n
            self._queued_count += 1
            # Under the lock, so that messages from several threads keep their numbering order.
            self._loop.call_soon_threadsafe(self._put, data)
        return seq

    def wait_ack(self, seq: int, timeout: Optional[float]) -> List[ErrorReport]:
        """Waits until the relay acknowledged message ``seq`` (or reported it as an error);
        returns and forgets the errors reported for messages up to ``seq``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._acked < seq and not any(e.seq == seq for e in self._errors):
                if not self._open:
                    why = self._ended or "the connection closed"
                    raise ConnectionError(f"{why} (before the relay acknowledged message #{seq})")
                wait = 0.5
                if deadline is not None:
                    wait = min(wait, deadline - time.monotonic())
                    if wait <= 0:
                        raise TimeoutError(f"the relay did not acknowledge message #{seq} within {timeout} s")
                self._cond.wait(wait)
            mine = [e for e in self._errors if e.seq <= seq and e.seq != seq]
            # An error for the flush message itself means the relay does not know FLUSH.
            own = [e for e in self._errors if e.seq == seq]
            self._errors = [e for e in self._errors if e.seq > seq]
        return mine + own

    def close(self, join_timeout: float = 5.0) -> None:
        """Sends what is queued, closes the WebSocket and stops the thread (never hangs: the
        thread is given ``join_timeout`` seconds, then abandoned; it is a daemon)."""
        with self._cond:
            was_open = self._open
        if was_open:
            try:
                self._loop.call_soon_threadsafe(self._put, _CLOSE)
            except RuntimeError:  # the loop already ended
                pass
        self._thread.join(join_timeout)
        if self._thread.is_alive():
            log.warning("meshcast: the connection thread did not stop within %.1f s; abandoning it", join_timeout)
            try:
                self._loop.call_soon_threadsafe(self._loop.stop)
            except RuntimeError:
                pass
            self._thread.join(1.0)
        with self._cond:
            if self._open or self._ended is None:
                self._open = False
                self._ended = f"the connection to {self.url} was closed"
            self._cond.notify_all()

    # ---- loop thread ----------------------------------------------------------------------------

    def _put(self, item: Any) -> None:
        if self._aqueue is not None:
            self._aqueue.put_nowait(item)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._main())
        except Exception as e:  # pragma: no cover - defensive: never leave callers waiting
            self._mark_ended(f"the connection to {self.url} failed: {e!r}")
        finally:
            self._ready.set()
            try:
                self._loop.close()
            except Exception:  # pragma: no cover
                pass

    async def _connect(self) -> Any:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        last: Optional[BaseException] = None
        while True:
            try:
                remaining = max(deadline - loop.time(), 0.5)
                return await asyncio.wait_for(websockets.connect(self._endpoint, **self._connect_kwargs), remaining)
            except Exception as e:
                last = e
                refused = _refusal(e)
                if refused is not None:
                    self._ended = f"not connected: the relay at {self.url} refused the connection ({refused})"
                    return None
                if _is_certificate_error(e):
                    self._ended = (
                        f"not connected: TLS with the relay at {self.url} failed ({e!r}); for a self-signed "
                        "relay certificate pass ssl_context=ssl.create_default_context(cafile=...)"
                    )
                    return None
            if loop.time() >= deadline:
                break
            await asyncio.sleep(min(0.05, max(deadline - loop.time(), 0.0)))
        self._ended = f"not connected: could not connect to the relay at {self.url} within {self._timeout} s ({last!r})"
        return None

    async def _main(self) -> None:
        self._aqueue = asyncio.Queue()
        ws = await self._connect()
        if ws is None:
            self._ready.set()
            return
        with self._cond:
            self._open = True
        self._ready.set()
        sender = asyncio.ensure_future(self._send_loop(ws))
        receiver = asyncio.ensure_future(self._recv_loop(ws))
        done, _ = await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
        reason: Optional[str] = None
        if sender in done and sender.exception() is None:
            # Closing on request: everything queued was written.
            try:
                await asyncio.wait_for(ws.close(), 2.0)
            except Exception:
                pass
            try:
                await asyncio.wait_for(receiver, 1.0)
            except Exception:
                receiver.cancel()
        else:
            exc = sender.exception() if sender in done else None
            sender.cancel()
            reason = f"the connection to the relay at {self.url} was lost{_close_detail(ws, exc)}"
            try:
                await asyncio.wait_for(ws.close(), 1.0)
            except Exception:
                pass
        self._mark_ended(reason)

    def _mark_ended(self, lost: Optional[str]) -> None:
        """Records that the connection ended: ``lost`` says why when it was not closed on request."""
        with self._cond:
            self._open = False
            self._ended = lost or f"the connection to {self.url} was closed"
            self._queued_bytes = 0
            self._queued_count = 0
            self._cond.notify_all()

    def _sent(self, n: int) -> None:
        with self._cond:
            self._queued_bytes = max(0, self._queued_bytes - n)
            self._queued_count = max(0, self._queued_count - 1)
            self._cond.notify_all()

    async def _send_loop(self, ws: Any) -> None:
        assert self._aqueue is not None
        while True:
            data = await self._aqueue.get()
            if data is _CLOSE:
                return
            try:
                if self._progress and len(data) >= PROGRESS_MIN_BYTES:
                    await self._send_with_progress(ws, data)
                else:
                    await ws.send(data)
            finally:
                self._sent(len(data))

    async def _send_with_progress(self, ws: Any, data: bytes) -> None:
        assert _tqdm is not None
        view = memoryview(data)
        bar = _tqdm(
            total=len(data), unit="B", unit_scale=True, unit_divisor=1024, desc="meshcast: sending", leave=False
        )

        async def fragments() -> Any:
            for off in range(0, len(view), _FRAGMENT):
                chunk = view[off : off + _FRAGMENT]
                yield chunk
                bar.update(len(chunk))

        try:
            await ws.send(fragments())
        finally:
            bar.close()

    async def _recv_loop(self, ws: Any) -> None:
        try:
            async for raw in ws:
                if isinstance(raw, str):
                    continue
                try:
                    msg = unpack(raw)
                except Exception as e:
                    log.warning("meshcast: ignoring an undecodable reply from the relay: %r", e)
                    continue
                try:
                    self._handle(msg)
                except Exception as e:  # a malformed reply must not end the connection
                    log.warning("meshcast: ignoring a malformed reply from the relay %r: %r", msg, e)
        except websockets.exceptions.ConnectionClosed:
            pass

    def _handle(self, msg: Any) -> None:
        if not isinstance(msg, dict) or len(msg) != 1:
            log.warning("meshcast: ignoring an unexpected reply from the relay: %r", msg)
            return
        ((tag, body),) = msg.items()
        if tag == "Ack" and isinstance(body, dict):
            with self._cond:
                self._acked = max(self._acked, int(body.get("seq", 0)))
                self._cond.notify_all()
        elif tag == "Error" and isinstance(body, dict):
            report = ErrorReport(
                seq=int(body.get("seq", 0)),
                msg_type=body.get("msg_type"),
                uid=body.get("uid"),
                message=str(body.get("message", "")),
            )
            log.debug("meshcast: relay error %s", report)
            with self._cond:
                self._errors.append(report)
                self._cond.notify_all()
        elif tag == "FromViewer" and isinstance(body, dict):
            self.received.put(body.get("payload"))
        else:
            log.warning("meshcast: ignoring an unexpected reply from the relay: %r", msg)

"""A test viewer: connects to the relay's ``/viewer`` endpoint and reads what viewers are sent.

Viewer frames are MessagePack ``RelayToViewer`` values: ``{"Hello": {...}}``, ``"SnapshotBegin"``,
``{"Message": {"client", "envelope"}}`` ..., ``{"SnapshotEnd": {"current_frame", "clients"}}``,
then live messages. A viewer sends ``{"ToClients": {"client": id | None, "payload": ...}}``.
"""

from __future__ import annotations

import asyncio
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional

import websockets

from meshcast._wire import pack, unpack


@dataclass
class Snapshot:
    """What a viewer that joins is sent before live messages."""

    hello: Dict[str, Any]
    messages: List[Dict[str, Any]]  # {"client": id, "envelope": {...}}
    current_frame: int
    clients: List[Dict[str, Any]]

    def envelopes(self, type: Optional[int] = None) -> List[Dict[str, Any]]:
        """The snapshot's envelopes, optionally of one message type."""
        envs = [m["envelope"] for m in self.messages]
        return [e for e in envs if type is None or e["type"] == type]

    def node(self, uid: int, client: Optional[int] = None) -> Dict[str, Any]:
        """The creation envelope of node ``uid`` (exactly one must exist)."""
        found = [
            m["envelope"]
            for m in self.messages
            if m["envelope"]["uid"] == uid and (client is None or m["client"] == client)
        ]
        assert len(found) == 1, f"expected one node with uid {uid}, found {len(found)}: {self.messages}"
        return found[0]


def _kind(msg: Any) -> str:
    return msg if isinstance(msg, str) else next(iter(msg))


async def _read_snapshot(ws: Any, timeout: float) -> Snapshot:
    hello = unpack(await asyncio.wait_for(ws.recv(), timeout))
    assert _kind(hello) == "Hello", hello
    begin = unpack(await asyncio.wait_for(ws.recv(), timeout))
    assert begin == "SnapshotBegin", begin
    messages = []
    while True:
        msg = unpack(await asyncio.wait_for(ws.recv(), timeout))
        if _kind(msg) == "SnapshotEnd":
            end = msg["SnapshotEnd"]
            return Snapshot(hello["Hello"], messages, end["current_frame"], end["clients"])
        assert _kind(msg) == "Message", msg
        messages.append(msg["Message"])


def snapshot(port: int, timeout: float = 20.0) -> Snapshot:
    """Connects a viewer, reads its snapshot and disconnects."""

    async def run() -> Snapshot:
        async with websockets.connect(f"ws://127.0.0.1:{port}/viewer", max_size=None, compression=None) as ws:
            return await _read_snapshot(ws, timeout)

    return asyncio.run(run())


@dataclass
class LiveViewer:
    """A viewer that stays connected in a background thread and records live messages."""

    port: int
    snapshot: Optional[Snapshot] = None
    live: List[Any] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._lock = threading.Lock()
        self._ws: Any = None
        self._error: Optional[BaseException] = None
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        if not self._ready.wait(20):
            raise TimeoutError("test viewer did not get its snapshot")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        try:
            self._ws = await websockets.connect(f"ws://127.0.0.1:{self.port}/viewer", max_size=None, compression=None)
            self.snapshot = await _read_snapshot(self._ws, 20)
        except BaseException as e:  # reported to the constructor
            self._error = e
            self._ready.set()
            return
        self._ready.set()
        try:
            async for raw in self._ws:
                with self._lock:
                    self.live.append(unpack(raw))
        except websockets.exceptions.ConnectionClosed:
            pass
        # Finish the closing handshake here, before the loop stops (a close() scheduled from
        # another thread would otherwise be left pending forever when the loop ends).
        try:
            await asyncio.wait_for(self._ws.close(), 2)
        except Exception:
            pass

    def send_to_clients(self, payload: Any, client: Optional[int] = None) -> None:
        """Sends ``payload`` to one producer client (or all) through the relay."""
        data = pack({"ToClients": {"client": client, "payload": payload}})
        asyncio.run_coroutine_threadsafe(self._ws.send(data), self._loop).result(10)

    def wait_for(self, pred: Callable[[Any], bool], timeout: float = 10.0) -> Any:
        """Waits for a live message matching ``pred`` and returns it."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for m in self.live:
                    if pred(m):
                        return m
            time.sleep(0.01)
        raise AssertionError(f"no matching live message within {timeout} s; got {self.live}")

    def messages_of_type(self, type: int) -> List[Dict[str, Any]]:
        """Live ``Message`` envelopes of one type."""
        with self._lock:
            return [
                m["Message"]["envelope"]
                for m in self.live
                if isinstance(m, dict) and "Message" in m and m["Message"]["envelope"]["type"] == type
            ]

    def close(self) -> None:
        """Disconnects."""
        if self._ws is not None and self._thread.is_alive():
            try:
                self._loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._ws.close()))
            except RuntimeError:  # the loop already ended
                pass
        self._thread.join(5)

"""Recordings written by the client itself, with no relay: ``RemoteViewer.record(path)``.

A recording (``docs/recording.md``) is a 16-byte header (``MESHCAST``, version 1) followed by
records: ``length u32 LE | kind u8 | encoding u8 | reserved u16 | crc32 u32 LE | payload``, each
payload one viewer message ``{"Message": {"client": 1, "envelope": <the message>}}`` in
MessagePack, exactly as the relay sends it to viewers. The relay, the page and the Rust client
read and write the same format (``meshcast_protocol::recording``).

The messages are the ones this client validated (shapes, dtypes, option values); whoever opens
the recording applies them as the relay would, so a message the relay would have rejected (an
update of a frame a node does not have, say) is skipped there with a warning.
"""

from __future__ import annotations

import os
import queue
import struct
import threading
import zlib
from pathlib import Path
from typing import Any, List, Union

from ._wire import encode_envelope
from .errors import ErrorReport

MAGIC = b"MESHCAST"
VERSION = 1
_HEADER = MAGIC + struct.pack("<II", VERSION, 0)
_LIVE = 0
_RAW = 0
_CLIENT = 1
# {"Message": {"client": 1, "envelope": ...}}: the envelope's bytes follow.
_MESSAGE_PREFIX = b"\x81\xa7Message\x82\xa6client" + bytes([_CLIENT]) + b"\xa8envelope"
_FLUSH_FRAME = encode_envelope(900, None, (), {})
_MAX_RECORD = 2 << 30


def record_bytes(envelope: bytes) -> bytes:
    """One live record holding the encoded envelope ``envelope`` as client 1's message."""
    payload = _MESSAGE_PREFIX + envelope
    if len(payload) > _MAX_RECORD:
        raise ValueError(f"a message of {len(payload)} bytes is over a recording's limit of {_MAX_RECORD} bytes")
    header = struct.pack("<IBBHI", len(payload), _LIVE, _RAW, 0, zlib.crc32(payload))
    return header + payload


class RecordingConnection:
    """Stands where a relay connection stands in ``RemoteViewer``: messages go to a file.

    ``send`` appends (buffered), ``wait_ack`` (``flush()``) writes the buffer and ``fsync``s,
    ``close`` does the same and closes the file. Never overwrites a file.
    """

    def __init__(self, path: Union[str, "os.PathLike[str]"]) -> None:
        self.path = Path(path)
        self.url = f"file://{self.path}"
        try:
            self._file = open(self.path, "xb")
        except FileExistsError:
            raise FileExistsError(f"{self.path}: the file exists; recordings are never overwritten") from None
        self._file.write(_HEADER)
        self._lock = threading.Lock()
        self._seq = 0
        self._open = True
        self._ended = ""
        self.received: "queue.Queue[Any]" = queue.Queue()

    @property
    def connected(self) -> bool:
        """True until closed."""
        return self._open

    @property
    def queued_bytes(self) -> int:
        """Always 0: records are written as they are sent."""
        return 0

    def why_not_open(self) -> str:
        return "" if self._open else self._ended

    def send(self, data: bytes) -> int:
        """Appends one encoded message as a record (FLUSH messages are not recorded)."""
        with self._lock:
            if not self._open:
                raise ConnectionError(self._ended or f"the recording {self.path} is closed")
            self._seq += 1
            if data != _FLUSH_FRAME:
                self._file.write(record_bytes(data))
            return self._seq

    def wait_ack(self, seq: int, timeout: Any = None) -> List[ErrorReport]:
        """Makes everything written so far durable (flush + fsync)."""
        with self._lock:
            if not self._open:
                raise ConnectionError(self._ended or f"the recording {self.path} is closed")
            self._file.flush()
            os.fsync(self._file.fileno())
        return []

    def close(self, join_timeout: float = 5.0) -> None:
        """Writes, syncs and closes the file (closing twice is fine)."""
        with self._lock:
            if not self._open:
                return
            self._open = False
            self._ended = f"the recording {self.path} was closed"
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()

"""meshcast's wire format: MessagePack with n-d arrays and ranges as extension types.

Every WebSocket binary frame a producer sends is one MessagePack map
``{"type": int, "uid": int | None, "args": [...], "kwargs": {...}}`` (aitviewer's message
dictionary). Arrays travel as extension type 1 whose payload is
``[dtype id u8][ndim u8][ndim x u32 LE dims][raw little-endian C-order data]``; Python ``range``
objects as extension type 2 holding ``start, stop, step`` as three little-endian i64. Tuples
become MessagePack arrays.

The encoder collects the output as a list of byte chunks and joins them once, so the bytes of a
large array are copied exactly once (from the array into the message).
"""

from __future__ import annotations

import enum
import math
import struct
from typing import Any, List, Mapping, Optional

import msgpack
import numpy as np

EXT_NDARRAY = 1
"""MessagePack extension type of an n-d array."""

EXT_RANGE = 2
"""MessagePack extension type of a Python ``range``."""

MAX_NDIM = 8
"""Most axes an array may have on the wire (the relay rejects more)."""

_MAX_DEPTH = 64

# Wire dtype ids, in the order of the protocol (bool 0 ... f64 11).
_WIRE_DTYPES = [
    np.dtype("?"),
    np.dtype("<u1"),
    np.dtype("<i1"),
    np.dtype("<u2"),
    np.dtype("<i2"),
    np.dtype("<u4"),
    np.dtype("<i4"),
    np.dtype("<u8"),
    np.dtype("<i8"),
    np.dtype("<f2"),
    np.dtype("<f4"),
    np.dtype("<f8"),
]
_DTYPE_IDS = {(d.kind, d.itemsize): i for i, d in enumerate(_WIRE_DTYPES)}


def wire_dtype(dtype: np.dtype, what: str = "array") -> np.dtype:
    """The little-endian dtype an array of ``dtype`` is sent as.

    Booleans, integers and real floats keep their kind and width (``longdouble`` becomes
    ``float64``); anything else (complex, object, strings, dates) raises ``ValueError``.
    """
    dt = np.dtype(dtype)
    if dt.kind == "f" and dt.itemsize > 8:
        return _WIRE_DTYPES[11]
    i = _DTYPE_IDS.get((dt.kind, dt.itemsize))
    if i is None:
        raise ValueError(
            f"{what} has dtype {dt}, which cannot be sent (expected a bool, integer or real floating-point array)"
        )
    return _WIRE_DTYPES[i]


def is_array_like(x: Any) -> bool:
    """True for numpy arrays and objects that convert to one (``__array__``: torch, jax, ...)."""
    return isinstance(x, np.ndarray) or (
        not isinstance(x, (str, bytes, bytearray, memoryview))
        and (hasattr(type(x), "__array__") or hasattr(x, "__array_interface__"))
    )


def to_numpy(x: Any) -> np.ndarray:
    """Converts an array-like to a numpy array without importing its library.

    Tensors that know ``detach()`` and ``cpu()`` (torch) are detached and moved to the CPU first,
    so tensors that require grad or live on a GPU are accepted.
    """
    if isinstance(x, np.ndarray):
        return x
    if not isinstance(x, (list, tuple)):
        detach = getattr(x, "detach", None)
        if callable(detach):
            x = detach()
        cpu = getattr(x, "cpu", None)
        if callable(cpu):
            x = cpu()
    return np.asarray(x)


def as_wire_array(arr: np.ndarray, what: str = "array") -> np.ndarray:
    """``arr`` as a C-contiguous little-endian array of a wire dtype (copies only when needed)."""
    dt = wire_dtype(arr.dtype, what)
    if arr.ndim > MAX_NDIM:
        raise ValueError(f"{what} has {arr.ndim} axes, at most {MAX_NDIM} can be sent")
    if any(d >= 1 << 32 for d in arr.shape):
        raise ValueError(f"{what} has shape {arr.shape}; every axis must be shorter than 2**32")
    return np.asarray(arr, dtype=dt, order="C")


def _ext_header(code: int, length: int) -> bytes:
    if length == 1:
        return struct.pack(">Bb", 0xD4, code)
    if length == 2:
        return struct.pack(">Bb", 0xD5, code)
    if length == 4:
        return struct.pack(">Bb", 0xD6, code)
    if length == 8:
        return struct.pack(">Bb", 0xD7, code)
    if length == 16:
        return struct.pack(">Bb", 0xD8, code)
    if length < 1 << 8:
        return struct.pack(">BBb", 0xC7, length, code)
    if length < 1 << 16:
        return struct.pack(">BHb", 0xC8, length, code)
    if length < 1 << 32:
        return struct.pack(">BIb", 0xC9, length, code)
    raise ValueError(f"a value of {length} bytes is too large for one MessagePack extension (limit 4 GiB)")


def _container_header(n: int, fix: int, b16: int, b32: int) -> bytes:
    if n < 16:
        return bytes((fix | n,))
    if n < 1 << 16:
        return struct.pack(">BH", b16, n)
    return struct.pack(">BI", b32, n)


class _EncodeError(ValueError):
    """A value that cannot be encoded; ``path`` grows while the error unwinds."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: List[str] = []


_NIL = b"\xc0"
_TRUE = b"\xc3"
_FALSE = b"\xc2"


class _Encoder:
    """Appends the MessagePack encoding of values to a list of chunks."""

    __slots__ = ("chunks",)

    def __init__(self) -> None:
        self.chunks: List[Any] = []

    def value(self, x: Any, depth: int = 0) -> None:
        out = self.chunks
        if x is None:
            out.append(_NIL)
        elif x is True:
            out.append(_TRUE)
        elif x is False:
            out.append(_FALSE)
        elif isinstance(x, (int, float, str, bytes)) and not isinstance(x, enum.Enum):
            try:
                out.append(msgpack.packb(x, use_bin_type=True))
            except OverflowError:
                raise _EncodeError(f"integer {x!r} does not fit in 64 bits") from None
        elif isinstance(x, np.ndarray):
            self.array(x)
        elif isinstance(x, np.generic):
            self.scalar(x)
        elif isinstance(x, range):
            payload = struct.pack("<qqq", x.start, x.stop, x.step)
            out.append(_ext_header(EXT_RANGE, len(payload)))
            out.append(payload)
        elif isinstance(x, enum.Enum):
            self.value(x.value, depth)
        elif isinstance(x, (list, tuple)):
            if depth >= _MAX_DEPTH:
                raise _EncodeError(f"nested deeper than {_MAX_DEPTH} levels")
            out.append(_container_header(len(x), 0x90, 0xDC, 0xDD))
            for i, item in enumerate(x):
                try:
                    self.value(item, depth + 1)
                except _EncodeError as e:
                    e.path.append(f"[{i}]")
                    raise
        elif isinstance(x, Mapping):
            if depth >= _MAX_DEPTH:
                raise _EncodeError(f"nested deeper than {_MAX_DEPTH} levels")
            out.append(_container_header(len(x), 0x80, 0xDE, 0xDF))
            for k, v in x.items():
                try:
                    self.value(k, depth + 1)
                    self.value(v, depth + 1)
                except _EncodeError as e:
                    e.path.append(f"[{k!r}]")
                    raise
        elif isinstance(x, (bytearray, memoryview)):
            out.append(msgpack.packb(bytes(x), use_bin_type=True))
        elif is_array_like(x):
            try:
                arr = to_numpy(x)
            except Exception as e:  # a foreign library's conversion error
                raise _EncodeError(f"cannot convert {type(x).__name__} to an array: {e}") from None
            self.array(arr)
        else:
            raise _EncodeError(f"cannot send a value of type {type(x).__name__}")

    def scalar(self, x: np.generic) -> None:
        if isinstance(x, np.bool_):
            self.chunks.append(_TRUE if x else _FALSE)
        elif isinstance(x, (np.integer, np.floating)):
            self.value(x.item())
        else:
            raise _EncodeError(f"cannot send a numpy scalar of dtype {x.dtype}")

    def array(self, arr: np.ndarray) -> None:
        try:
            arr = as_wire_array(arr, "array")
        except ValueError as e:
            raise _EncodeError(str(e)) from None
        head = struct.pack(f"<BB{arr.ndim}I", _DTYPE_IDS[(arr.dtype.kind, arr.dtype.itemsize)], arr.ndim, *arr.shape)
        self.chunks.append(_ext_header(EXT_NDARRAY, len(head) + arr.nbytes))
        self.chunks.append(head)
        if arr.nbytes:
            # A flat byte view of the array: bytes.join copies it into the message once.
            self.chunks.append(arr.reshape(-1).view(np.uint8))


def _with_path(e: _EncodeError, root: str) -> ValueError:
    where = root + "".join(reversed(e.path))
    return ValueError(f"{where}: {e.reason}")


def pack(value: Any, what: str = "value") -> bytes:
    """Encodes any supported value (``None``, bools, ints, floats, strings, bytes, lists, tuples,
    dicts, numpy arrays and scalars, ``range``, objects with ``__array__``) as MessagePack.

    Raises ``ValueError`` naming where in ``value`` an unsupported object sits.
    """
    enc = _Encoder()
    try:
        enc.value(value)
    except _EncodeError as e:
        raise _with_path(e, what) from None
    return b"".join(enc.chunks)


def encode_envelope(msg_type: int, uid: Optional[int], args: Any, kwargs: Mapping[str, Any]) -> bytes:
    """Encodes one message: ``{"type", "uid", "args", "kwargs"}`` in aitviewer's key order."""
    if isinstance(msg_type, enum.Enum):
        msg_type = msg_type.value
    if isinstance(msg_type, np.integer):
        msg_type = int(msg_type)
    if not isinstance(msg_type, int) or isinstance(msg_type, bool):
        raise ValueError(f"type must be a Message or an int, got {type(msg_type).__name__}")
    if uid is not None:
        if isinstance(uid, np.integer):
            uid = int(uid)
        if not isinstance(uid, int) or isinstance(uid, bool) or uid < 0:
            raise ValueError(f"uid must be a non-negative int or None, got {uid!r}")
    enc = _Encoder()
    out = enc.chunks
    out.append(b"\x84\xa4type")
    enc.value(msg_type)
    out.append(b"\xa3uid")
    enc.value(uid)
    out.append(b"\xa4args")
    out.append(_container_header(len(args), 0x90, 0xDC, 0xDD))
    for i, a in enumerate(args):
        try:
            enc.value(a, 1)
        except _EncodeError as e:
            raise _with_path(e, f"args[{i}]") from None
    out.append(b"\xa6kwargs")
    out.append(_container_header(len(kwargs), 0x80, 0xDE, 0xDF))
    for k, v in kwargs.items():
        if not isinstance(k, str):
            raise ValueError(f"keyword argument names must be strings, got {k!r}")
        enc.value(k)
        try:
            enc.value(v, 1)
        except _EncodeError as e:
            raise _with_path(e, k) from None
    return b"".join(out)


def _decode_array(data: bytes) -> np.ndarray:
    if len(data) < 2:
        raise ValueError("array extension shorter than its header")
    dtype_id, ndim = data[0], data[1]
    if dtype_id >= len(_WIRE_DTYPES) or ndim > MAX_NDIM:
        raise ValueError(f"array extension with dtype id {dtype_id} and {ndim} axes")
    shape = struct.unpack_from(f"<{ndim}I", data, 2)
    dt = _WIRE_DTYPES[dtype_id]
    count = math.prod(shape)
    offset = 2 + 4 * ndim
    if len(data) - offset != count * dt.itemsize:
        raise ValueError(f"array extension of shape {shape} and dtype {dt} carries {len(data) - offset} bytes")
    return np.frombuffer(data, dtype=dt, count=count, offset=offset).reshape(shape).copy()


def _ext_hook(code: int, data: bytes) -> Any:
    if code == EXT_NDARRAY:
        return _decode_array(data)
    if code == EXT_RANGE:
        if len(data) != 24:
            raise ValueError(f"range extension of {len(data)} bytes, expected 24")
        return range(*struct.unpack("<qqq", data))
    return msgpack.ExtType(code, data)


def unpack(data: bytes) -> Any:
    """Decodes one MessagePack value, turning array and range extensions back into numpy arrays
    (writable copies) and ``range`` objects."""
    return msgpack.unpackb(data, raw=False, ext_hook=_ext_hook, strict_map_key=False)

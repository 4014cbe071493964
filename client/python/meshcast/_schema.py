"""Client-side validation of the built-in messages, so bad input fails at the call that made it.

The rules are the relay's: the kinds table comes from ``_kinds.json``, which the protocol crate
generates from ``protocol/src/kinds.rs`` (its test fails when this copy is stale). For each node
kind the table gives its array arguments with the shape of one frame and how they relate to
frames, its other options with their types, defaults and allowed values, and its frame-operation
signatures; this module adds the kind-specific checks (face indices in range, line counts, SMPL
pose widths). Array arguments are converted on the way: float data to ``float32`` (the relay
stores ``float32``), index data to ``int32``, so ``float64`` input travels at half the size.

Every error is a ``ValueError`` naming the argument and the shape or value expected, for example
``vertices must have shape (N, V, 3) or (V, 3), got (5, 2)``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Iterator, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

from ._wire import is_array_like, to_numpy

PRIMARY = "primary"
"""Per-frame data that defines the frame count; required; carried by frame operations."""
COMPANION = "companion"
"""Per-frame data with the node's frame count (1 is repeated); carried by frame operations."""
BROADCAST = "broadcast"
"""Optional per-frame data with 1 frame (used for all) or its own count; not in frame operations."""
STATIC = "static"
"""Data that does not change over frames."""

Dim = Union[int, str, None]
"""One axis of a frame's shape: a fixed length, a symbol shared between arguments, or any."""


@dataclass(frozen=True)
class Field:
    """An array argument of a node kind."""

    name: str
    role: str
    dims: Tuple[Dim, ...]
    dtype: str = "float"
    """``float`` (stored as float32), ``integer`` (int32 indices) or ``u8`` (image bytes)."""
    frame_op: bool = False
    """Whether ``add_frames`` / ``update_frames`` carry it."""

    @property
    def integer(self) -> bool:
        """True for index data (faces, connections)."""
        return self.dtype == "integer"


@dataclass(frozen=True)
class OptionSpec:
    """A non-array option of a node kind: its type, default and allowed values."""

    name: str
    type: str
    default: Any = None
    min: Optional[float] = None
    max: Optional[float] = None
    one_of: Optional[Tuple[str, ...]] = None


@dataclass(frozen=True)
class Kind:
    """A node kind: the creation message, its arguments and frame-operation signatures."""

    code: int
    name: str
    cls: str
    fields: Tuple[Field, ...]
    options: Mapping[str, str]
    add_params: Tuple[str, ...]
    update_params: Tuple[str, ...]
    option_specs: Mapping[str, OptionSpec]
    positional: Tuple[str, ...] = ()
    class_name: str = ""
    default_color: Tuple[float, ...] = ()

    def field(self, name: str) -> Optional[Field]:
        """The array argument called ``name`` (own or common), if any."""
        for f in self.all_fields():
            if f.name == name:
                return f
        return None

    def all_fields(self) -> Iterator[Field]:
        """The kind's own array arguments, then the common ones."""
        yield from self.fields
        yield from COMMON

    def frame_op_fields(self) -> Iterator[Field]:
        """The arguments ``add_frames`` / ``update_frames`` carry."""
        return (f for f in self.fields if f.frame_op)


TABLE: Mapping[str, Any] = json.loads(Path(__file__).with_name("_kinds.json").read_text(encoding="utf-8"))
"""The kinds table as the protocol crate writes it."""

MESSAGE_CODES: Dict[str, int] = {m["name"]: m["code"] for m in TABLE["message_types"]}
"""Built-in message type codes by aitviewer's name (``"MESHES": 2``)."""

NODE, MESHES, SPHERES, LINES, ARROWS, RIGID_BODIES, SMPL, SKELETONS = (
    MESSAGE_CODES[n] for n in ("NODE", "MESHES", "SPHERES", "LINES", "ARROWS", "RIGID_BODIES", "SMPL", "SKELETONS")
)
ADD_FRAMES, UPDATE_FRAMES, REMOVE_FRAMES = (MESSAGE_CODES[n] for n in ("ADD_FRAMES", "UPDATE_FRAMES", "REMOVE_FRAMES"))


def _field(d: Mapping[str, Any]) -> Field:
    return Field(d["name"], d["role"], tuple(d["dims"]), d["dtype"], d["frame_op"])


def _option(d: Mapping[str, Any]) -> OptionSpec:
    one_of = d.get("one_of")
    return OptionSpec(d["name"], d["type"], d["default"], d.get("min"), d.get("max"), tuple(one_of) if one_of else None)


def _kind(d: Mapping[str, Any]) -> Kind:
    specs = {o["name"]: _option(o) for o in d["options"]}
    return Kind(
        code=d["code"],
        name=d["name"],
        cls=d["remote_class"],
        fields=tuple(_field(f) for f in d["fields"]),
        options={n: o.type for n, o in specs.items()},
        add_params=tuple(d["add_params"]),
        update_params=tuple(d["update_params"]),
        option_specs=specs,
        positional=tuple(d["positional"]),
        class_name=d["class_name"],
        default_color=tuple(d["default_color"]),
    )


COMMON = tuple(_field(f) for f in TABLE["common_fields"])

KINDS: Dict[int, Kind] = {k.code: k for k in map(_kind, TABLE["kinds"])}

NODE_POSITIONAL = KINDS[NODE].positional
"""aitviewer's ``Node`` constructor order, for positional arguments of a NODE message."""

SMPL_BODY_POSE_LEN = {m["name"]: m["body_pose_len"] for m in TABLE["smpl_models"]}
_SMPL_PARTS = {m["name"]: tuple(m["parts"]) for m in TABLE["smpl_models"]}
_ALL_SMPL_PARTS = tuple(dict.fromkeys(p for parts in _SMPL_PARTS.values() for p in parts))


def _choice_words(spec: OptionSpec) -> str:
    """``'a', 'b' or 'c'``: the strings a choice option allows."""
    quoted = [repr(c) for c in spec.one_of or ()]
    return ", ".join(quoted[:-1]) + " or " + quoted[-1] if len(quoted) > 1 else "".join(quoted)


def _choice(kind: Kind, options: Mapping[str, Any], name: str, error: str = "") -> str:
    """The value of choice option ``name`` (its default when absent), checked against the table."""
    spec = kind.option_specs[name]
    value = options.get(name) or spec.default
    if value not in (spec.one_of or ()):
        raise ValueError(f"{name} must be {_choice_words(spec)}{error}, got {value!r}")
    return value


Symbols = Dict[Any, Tuple[int, str]]
"""Lengths bound to shape symbols (``"V"``: vertices, ...) or to ``(field, axis)`` for free
axes, each with the argument that bound it."""


@dataclass
class NodeShape:
    """What the client remembers of a node it created, to check its later frame operations."""

    kind: Kind
    symbols: Symbols


def _fmt_shape(shape: Sequence[Any]) -> str:
    if len(shape) == 1:
        return f"({shape[0]},)"
    return "(" + ", ".join(str(d) for d in shape) + ")"


def _dim_words(f: Field, symbols: Symbols) -> Tuple[str, ...]:
    out = []
    for axis, d in enumerate(f.dims):
        if isinstance(d, int):
            out.append(str(d))
        elif isinstance(d, str):
            out.append(str(symbols[d][0]) if d in symbols else d)
        else:
            key = (f.name, axis)
            out.append(str(symbols[key][0]) if key in symbols else "D")
    return tuple(out)


def expected_shape(f: Field, symbols: Optional[Symbols] = None) -> str:
    """Words for the shapes an argument accepts, for example ``(N, V, 3) or (V, 3)``."""
    dims = _dim_words(f, symbols or {})
    if f.role == STATIC:
        return _fmt_shape(dims)
    if not dims:
        return "a number or (N,)"
    return f"{_fmt_shape(('N',) + dims)} or {_fmt_shape(dims)}"


def _bound_note(f: Field, symbols: Symbols) -> str:
    notes = []
    for axis, d in enumerate(f.dims):
        key = d if isinstance(d, str) else (f.name, axis) if d is None else None
        if key is not None and key in symbols and symbols[key][1] != f.name:
            letter = d if isinstance(d, str) else f"axis {axis}"
            notes.append(f"{letter} = {symbols[key][0]} as in '{symbols[key][1]}'")
    return f" ({', '.join(notes)})" if notes else ""


def shape_error(f: Field, got: Sequence[int], symbols: Optional[Symbols] = None) -> ValueError:
    """The error for an argument of the wrong shape."""
    syms = symbols or {}
    return ValueError(
        f"{f.name} must have shape {expected_shape(f, syms)}, got {_fmt_shape(tuple(got))}{_bound_note(f, syms)}"
    )


def _as_numeric(name: str, v: Any) -> np.ndarray:
    try:
        arr = to_numpy(v)
    except Exception as e:  # ragged lists, foreign conversion failures
        raise ValueError(f"{name} must be a numeric array, got {type(v).__name__} ({e})") from None
    if arr.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a numeric array, got an array of dtype {arr.dtype}")
    return arr


def _check_finite(name: str, arr: np.ndarray) -> None:
    finite = np.isfinite(arr)
    if not finite.all():
        i = int(np.argmin(finite.reshape(-1)))
        raise ValueError(f"{name} must be finite, element {i} is {arr.reshape(-1)[i]}")


def to_float32(name: str, v: Any) -> np.ndarray:
    """``v`` as a finite ``float32`` array (any real dtype, lists and ``__array__`` objects)."""
    arr = _as_numeric(name, v)
    out = np.asarray(arr, dtype=np.float32, order="C")
    _check_finite(name, out)
    return out


def to_int32(name: str, v: Any) -> np.ndarray:
    """``v`` as an ``int32`` index array (integer arrays, or floats holding whole numbers)."""
    arr = _as_numeric(name, v)
    if arr.dtype.kind == "f":
        if not (np.isfinite(arr).all() and (arr == np.round(arr)).all()):
            raise ValueError(f"{name} must be an integer array, got {arr.dtype} values that are not whole numbers")
    if arr.size and (arr.min() < -(1 << 31) or arr.max() >= 1 << 31):
        raise ValueError(f"{name} holds indices that do not fit in 32 bits")
    return np.asarray(arr, dtype=np.int32, order="C")


def to_uint8(name: str, v: Any) -> np.ndarray:
    """``v`` as a ``uint8`` image: integer arrays with values in 0..255, or float arrays in 0..1
    (scaled by 255, as images from matplotlib or ``skimage`` are)."""
    arr = _as_numeric(name, v)
    if arr.dtype == np.uint8:
        return np.ascontiguousarray(arr)
    if arr.dtype.kind == "f":
        if arr.size and not (np.isfinite(arr).all() and arr.min() >= 0.0 and arr.max() <= 1.0):
            raise ValueError(f"{name}: a float image must hold values in 0..1")
        return np.asarray(np.round(arr * 255.0), dtype=np.uint8, order="C")
    if arr.size and (arr.min() < 0 or arr.max() > 255):
        raise ValueError(f"{name}: an integer image must hold values in 0..255")
    return np.asarray(arr, dtype=np.uint8, order="C")


_CONVERT = {"float": to_float32, "integer": to_int32, "u8": to_uint8}


def _field_array(f: Field, v: Any, symbols: Symbols) -> np.ndarray:
    """Converts and shape-checks one argument; returns it in its original form (single frame or
    batch), converted to ``float32`` / ``int32`` / ``uint8``."""
    arr = _CONVERT[f.dtype](f.name, v)
    k = len(f.dims)
    if f.role == STATIC:
        frame_shape = arr.shape if arr.ndim == k else None
    elif arr.ndim == k:
        frame_shape = arr.shape
    elif arr.ndim == k + 1:
        frame_shape = arr.shape[1:]
    else:
        frame_shape = None
    if frame_shape is None:
        raise shape_error(f, arr.shape, symbols)
    for axis, (d, n) in enumerate(zip(f.dims, frame_shape)):
        if isinstance(d, int):
            if d != n:
                raise shape_error(f, arr.shape, symbols)
            continue
        key = d if isinstance(d, str) else (f.name, axis)
        bound = symbols.get(key)
        if bound is not None and bound[0] != n:
            raise shape_error(f, arr.shape, symbols)
    for axis, (d, n) in enumerate(zip(f.dims, frame_shape)):
        if not isinstance(d, int):
            key = d if isinstance(d, str) else (f.name, axis)
            symbols.setdefault(key, (n, f.name))
    return arr


def _shape_of(v: Any) -> Optional[Tuple[int, ...]]:
    """The shape of an array-like without converting it, when it can be told."""
    shape = getattr(v, "shape", None)
    if shape is not None:
        return tuple(shape)
    try:
        return tuple(np.shape(v))
    except Exception:
        return None


def _n_frames(f: Field, arr: np.ndarray) -> int:
    return arr.shape[0] if arr.ndim == len(f.dims) + 1 else 1


def _is_number(v: Any) -> bool:
    return (
        isinstance(v, (int, float, np.integer, np.floating))
        and not isinstance(v, (bool, np.bool_))
        and math.isfinite(v)
    )


def _check_option(kind: Kind, name: str, t: str, v: Any) -> None:
    if t == "str":
        ok = isinstance(v, str)
        words = "a string"
    elif t == "bool":
        ok = isinstance(v, (bool, np.bool_)) or (isinstance(v, (int, np.integer)) and v in (0, 1))
        words = "a bool"
    elif t == "int":
        ok = (isinstance(v, (int, np.integer)) and not isinstance(v, bool)) or (
            isinstance(v, (float, np.floating)) and math.isfinite(v) and float(v).is_integer()
        )
        words = "an int"
    elif t == "number":
        ok = _is_number(v)
        words = "a finite number"
    elif t == "number_or_none":
        ok = v is None or _is_number(v)
        words = "a finite number or None"
    else:
        ok, words = True, "anything"
    if not ok:
        raise ValueError(f"{name} must be {words}, got {v!r}")


def _per_element_colors(kind: Kind, symbols: Symbols, options: Mapping[str, Any]) -> Optional[int]:
    if kind.code == SPHERES:
        return symbols["P"][0] if "P" in symbols else None
    if kind.code == LINES:
        n = symbols["L"][0] if "L" in symbols else 0
        return n // 2 if options.get("mode") == "lines" else max(n - 1, 0)
    return None


def _color(kind: Kind, name: str, v: Any, per_element: Optional[int]) -> np.ndarray:
    arr = to_float32(name, v)
    if arr.shape == (4,):
        return arr
    if per_element is not None and arr.ndim == 2 and arr.shape == (per_element, 4):
        return arr
    expected = f"(4,) or ({per_element}, 4)" if per_element is not None else "(4,)"
    raise ValueError(f"{name} must have shape {expected}, got {_fmt_shape(arr.shape)}")


def check_create(kind: Kind, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Tuple[tuple, dict, NodeShape]:
    """Validates a creation message; returns its arguments with arrays converted, and the shape
    facts frame operations on the node are checked against."""
    if args and len(args) > len(kind.positional):
        if not kind.positional:
            raise ValueError(f"{kind.name} takes no positional arguments; pass them by name")
        raise ValueError(
            f"{kind.name} takes at most {len(kind.positional)} positional arguments "
            f"({', '.join(kind.positional)}), got {len(args)}"
        )
    named: Dict[str, Any] = {}
    for name, v in zip(kind.positional, args):
        if name in kwargs:
            raise ValueError(f"got multiple values for argument '{name}'")
        named[name] = v
    everything = {**named, **kwargs}
    symbols: Symbols = {}
    arrays: Dict[str, np.ndarray] = {}
    deferred: Dict[str, Any] = {}
    # Primary data first, so that the shapes of other arguments are checked against it.
    order = sorted(everything, key=lambda n: 0 if (kind.field(n) and kind.field(n).role == PRIMARY) else 1)  # type: ignore[union-attr]
    for name in order:
        v = everything[name]
        f = kind.field(name)
        if f is not None:
            if v is None:
                continue
            if name == "vertex_colors" and _shape_of(v) == (4,):
                deferred[name] = v  # aitviewer: a 4-tuple of vertex colours is a uniform colour
                continue
            if f.dims == () and _is_number(v):
                continue  # a plain scale factor
            arrays[name] = _field_array(f, v, symbols)
        elif name in kind.options:
            t = kind.options[name]
            if v is None:
                continue
            _check_option(kind, name, t, v)
            if name in ("color", "enabled_frames"):
                deferred[name] = v
        else:
            known = ", ".join(f.name for f in kind.all_fields())
            opts = ", ".join(kind.options)
            raise ValueError(f"{kind.cls}: unknown argument '{name}' (array arguments: {known}; options: {opts})")

    n = _check_frame_counts(kind, arrays)
    _check_kind_rules(kind, arrays, everything, symbols)
    if "color" in deferred:
        arrays["color"] = _color(kind, "color", deferred["color"], _per_element_colors(kind, symbols, everything))
    if "vertex_colors" in deferred:
        arrays["vertex_colors"] = _color(kind, "vertex_colors", deferred["vertex_colors"], None)
    if "enabled_frames" in deferred:
        mask = _as_numeric("enabled_frames", deferred["enabled_frames"])
        if mask.ndim != 1:
            raise ValueError(f"enabled_frames must be a 1-d bool array, got shape {_fmt_shape(mask.shape)}")
        on = int(np.count_nonzero(mask))
        if on != n:
            raise ValueError(f"enabled_frames has {on} enabled entries, but the node has {n} frames")
        arrays["enabled_frames"] = mask.astype(bool)

    out_args = tuple(arrays.pop(name, v) for name, v in named.items())
    out_kwargs = {k: arrays.get(k, v) for k, v in kwargs.items()}
    return out_args, out_kwargs, NodeShape(kind, symbols)


def _check_frame_counts(kind: Kind, arrays: Mapping[str, np.ndarray]) -> int:
    n: Optional[Tuple[int, str]] = None
    for f in kind.fields:
        if f.role != PRIMARY:
            continue
        if f.name not in arrays:
            raise ValueError(f"{kind.cls} needs '{f.name}'")
        k = _n_frames(f, arrays[f.name])
        if n is not None and n[0] != k:
            raise ValueError(f"{f.name} has {k} frames but '{n[1]}' has {n[0]}")
        n = (k, f.name)
    if n is None:
        counts = [_n_frames(f, arrays[f.name]) for f in COMMON if f.name in arrays]
        total = max(counts, default=1)
    else:
        total = n[0]
    if total == 0:
        raise ValueError(f"{kind.cls} needs at least one frame")
    for f in kind.all_fields():
        if f.name not in arrays:
            continue
        k = _n_frames(f, arrays[f.name])
        strict = f.role == COMPANION or (f.role == BROADCAST and (kind.code == NODE or f.name == "instance_transforms"))
        if strict and k not in (1, total):
            raise ValueError(f"{f.name} has {k} frames, expected 1 or {total}")
    return total


def _check_kind_rules(
    kind: Kind, arrays: Mapping[str, np.ndarray], options: Mapping[str, Any], symbols: Symbols
) -> None:
    if kind.code == MESHES:
        if "faces" not in arrays:
            raise ValueError("RemoteMeshes needs 'faces'")
        faces = arrays["faces"]
        v = symbols["V"][0]
        bad = np.flatnonzero((faces < 0) | (faces >= v))
        if bad.size:
            i = int(bad[0])
            raise ValueError(f"faces: index {faces.reshape(-1)[i]} at row {i // 3} is out of range for {v} vertices")
    elif kind.code == SKELETONS:
        if "joint_connections" not in arrays:
            raise ValueError("RemoteSkeletons needs 'joint_connections'")
        conn = arrays["joint_connections"]
        j = symbols["J"][0]
        bad = np.flatnonzero((conn < -1) | (conn >= j))
        if bad.size:
            raise ValueError(f"joint_connections: joint {conn.reshape(-1)[int(bad[0])]} is out of range for {j} joints")
    elif kind.code == LINES:
        mode = _choice(kind, options, "mode")
        n = symbols["L"][0]
        if mode == "line_strip" and n < 2:
            raise ValueError(f"lines: a line strip needs at least 2 points, got {n}")
        if mode == "lines" and n % 2:
            raise ValueError(f"lines: mode 'lines' needs an even number of points, got {n}")
    elif kind.code == SMPL:
        _check_smpl(kind, arrays, options)
    _check_ranges(kind, options)


def _check_ranges(kind: Kind, options: Mapping[str, Any]) -> None:
    """Checks the options with a range in the table (radii, ``p``, tessellation, ...)."""
    for spec in kind.option_specs.values():
        x = options.get(spec.name)
        if x is None or spec.min is None:
            continue
        if spec.max is None and x < spec.min:
            words = "not be negative" if spec.min == 0 else f"be at least {spec.min}"
            raise ValueError(f"{spec.name} must {words}, got {x}")
        if spec.max is not None and not spec.min <= x <= spec.max:
            raise ValueError(f"{spec.name} must be between {spec.min} and {spec.max}, got {x}")


def _check_smpl(kind: Kind, arrays: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> None:
    model_type = _choice(kind, options, "model_type", " (mano and flame have no body sequence)")
    _choice(kind, options, "gender")
    body = arrays["poses_body"]
    want = SMPL_BODY_POSE_LEN[model_type]
    if body.shape[-1] != want:
        raise ValueError(
            f"poses_body must have shape (N, {want}) or ({want},) for model_type {model_type!r}, "
            f"got {_fmt_shape(body.shape)}"
        )
    for name in _ALL_SMPL_PARTS:
        if name in arrays and name not in _SMPL_PARTS[model_type]:
            raise ValueError(f"{name} is not part of model_type {model_type!r}")
    if "betas" in arrays:
        n = body.shape[0] if body.ndim == 2 else 1
        b = arrays["betas"]
        rows = b.shape[0] if b.ndim == 2 else 1
        if rows not in (1, n):
            raise ValueError(f"betas has {rows} rows, expected 1 or {n}")


def check_frame_selection(frames: Any, name: str = "frames") -> Tuple[Any, Optional[int]]:
    """Validates aitviewer's ``frames`` argument (an int, a list of ints, a range or an integer
    array); returns it in a sendable form and how many frames it selects."""
    words = "an int, a list of ints, a range or an integer array"
    if isinstance(frames, (bool, np.bool_)):
        raise ValueError(f"{name} must be {words}, got {frames!r}")
    if isinstance(frames, (int, np.integer)):
        return int(frames), 1
    if isinstance(frames, range):
        return frames, len(frames)
    if isinstance(frames, (list, tuple)):
        out = []
        for x in frames:
            if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)):
                raise ValueError(f"{name} must be {words}, got a list holding {x!r}")
            out.append(int(x))
        return out, len(out)
    if is_array_like(frames):
        arr = to_numpy(frames)
        if arr.dtype.kind not in "iu" or arr.ndim > 1:
            raise ValueError(
                f"{name} must be {words}, got an array of dtype {arr.dtype} and shape {_fmt_shape(arr.shape)}"
            )
        if arr.ndim == 0:
            return int(arr), 1
        return [int(x) for x in arr], len(arr)
    raise ValueError(f"{name} must be {words}, got {type(frames).__name__}")


def check_frames(node: NodeShape, msg: int, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Tuple[tuple, dict]:
    """Validates an ``add_frames`` (101) or ``update_frames`` (102) for a node created by this
    client; returns the arguments with arrays converted."""
    kind = node.kind
    op = "add_frames" if msg == ADD_FRAMES else "update_frames"
    if kind.code == NODE:
        return tuple(args), dict(kwargs)  # frame operations on a plain node do nothing
    order = kind.add_params if msg == ADD_FRAMES else kind.update_params
    if len(args) > len(order):
        raise ValueError(
            f"{kind.cls}.{op} takes at most {len(order)} positional arguments ({', '.join(order)}), got {len(args)}"
        )
    named = dict(zip(order, args))
    for k in kwargs:
        if k in named:
            raise ValueError(f"{kind.cls}.{op} got multiple values for argument '{k}'")
    fields = list(kind.frame_op_fields())
    allowed = [f.name for f in fields] + (["frames"] if msg == UPDATE_FRAMES else [])
    for k in kwargs:
        if k not in allowed:
            raise ValueError(f"{k} is not an argument of {kind.cls}.{op} (expected {', '.join(allowed)})")
    everything = {**named, **kwargs}
    converted: Dict[str, Any] = {}
    symbols = dict(node.symbols)
    k_frames: Optional[Tuple[int, str]] = None
    for f in fields:
        v = everything.get(f.name)
        if v is None:
            if f.role == PRIMARY:
                raise ValueError(f"{kind.cls}.{op} needs '{f.name}'")
            continue
        arr = _field_array(f, v, symbols)
        converted[f.name] = arr
        n = _n_frames(f, arr)
        if f.name == "betas" and n == 1:
            continue
        if k_frames is not None and k_frames[0] != n:
            raise ValueError(f"{f.name} has {n} frames but '{k_frames[1]}' has {k_frames[0]}")
        k_frames = (n, f.name)
    if msg == UPDATE_FRAMES:
        if everything.get("frames") is None:
            raise ValueError(f"{kind.cls}.update_frames needs 'frames'")
        sel, count = check_frame_selection(everything["frames"])
        converted["frames"] = sel
        if k_frames is not None and count is not None and k_frames[0] not in (1, count):
            raise ValueError(f"{k_frames[1]} has {k_frames[0]} frames but frames selects {count}")
    out_args = tuple(converted.get(name, v) for name, v in named.items())
    out_kwargs = {k: converted.get(k, v) for k, v in kwargs.items()}
    return out_args, out_kwargs

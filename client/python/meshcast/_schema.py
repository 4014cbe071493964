"""Client-side validation of the built-in messages, so bad input fails at the call that made it.

This mirrors the relay's rules (``protocol/src/kinds.rs`` and ``command.rs``): for each node kind,
its array arguments with the shape of one frame and how they relate to frames, its other options
and their types, and the kind-specific checks (face indices in range, line counts, SMPL pose
widths). Array arguments are converted on the way: float data to ``float32`` (the relay stores
``float32``), index data to ``int32``, so ``float64`` input travels at half the size.

Every error is a ``ValueError`` naming the argument and the shape or value expected, for example
``vertices must have shape (N, V, 3) or (V, 3), got (5, 2)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
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
    integer: bool = False


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
        for f in self.fields:
            if f.role in (PRIMARY, COMPANION) or (self.code == SMPL and f.name == "betas"):
                yield f


NODE, MESHES, SPHERES, LINES, ARROWS, RIGID_BODIES, SMPL, SKELETONS = 1, 2, 3, 4, 5, 6, 10, 11
ADD_FRAMES, UPDATE_FRAMES, REMOVE_FRAMES = 101, 102, 103

COMMON = (
    Field("position", BROADCAST, (3,)),
    Field("rotation", BROADCAST, (3, 3)),
    Field("scale", BROADCAST, ()),
)

_COMMON_OPTIONS = {
    "name": "str",
    "icon": "str",
    "is_selectable": "bool",
    "gui_affine": "bool",
    "gui_material": "bool",
    "n_frames": "int",
    "enabled_frames": "any",
    "color": "any",
}


def _opts(**own: str) -> Dict[str, str]:
    return {**own, **_COMMON_OPTIONS}


KINDS: Dict[int, Kind] = {
    k.code: k
    for k in (
        Kind(NODE, "NODE", "RemoteNode", (), _opts(), (), ("frames",)),
        Kind(
            MESHES,
            "MESHES",
            "RemoteMeshes",
            (
                Field("vertices", PRIMARY, ("V", 3)),
                Field("faces", STATIC, ("F", 3), integer=True),
                Field("vertex_normals", BROADCAST, ("V", 3)),
                Field("face_normals", BROADCAST, ("F", 3)),
                Field("vertex_colors", BROADCAST, ("V", 4)),
                Field("face_colors", BROADCAST, ("F", 4)),
                Field("uv_coords", STATIC, ("V", 2)),
                Field("instance_transforms", BROADCAST, ("I", 4, 4)),
            ),
            _opts(
                path_to_texture="str",
                cast_shadow="bool",
                pickable="bool",
                flat_shading="bool",
                draw_edges="bool",
                draw_outline="bool",
                z_up="bool",
            ),
            ("vertices",),
            ("vertices", "frames"),
        ),
        Kind(
            SPHERES,
            "SPHERES",
            "RemoteSpheres",
            (Field("positions", PRIMARY, ("P", 3)),),
            _opts(radius="number", rings="int", sectors="int", cast_shadow="bool"),
            ("positions",),
            ("positions", "frames"),
        ),
        Kind(
            LINES,
            "LINES",
            "RemoteLines",
            (Field("lines", PRIMARY, ("L", 3)),),
            _opts(r_base="number", r_tip="number_or_none", mode="str", cast_shadow="bool"),
            ("lines",),
            ("lines", "frames"),
        ),
        Kind(
            ARROWS,
            "ARROWS",
            "RemoteArrows",
            (Field("origins", PRIMARY, ("B", 3)), Field("tips", PRIMARY, ("B", 3))),
            _opts(r_base="number", r_head="number", p="number"),
            ("origins", "tips"),
            ("origins", "tips", "frames"),
        ),
        Kind(
            RIGID_BODIES,
            "RIGID_BODIES",
            "RemoteRigidBodies",
            (Field("rb_pos", PRIMARY, ("R", 3)), Field("rb_ori", PRIMARY, ("R", 3, 3))),
            _opts(radius="number", length="number", radius_cylinder="number_or_none"),
            ("rb_pos", "rb_ori"),
            ("rb_pos", "rb_ori", "frames"),
        ),
        Kind(
            SKELETONS,
            "SKELETONS",
            "RemoteSkeletons",
            (
                Field("joint_positions", PRIMARY, ("J", 3)),
                Field("joint_connections", STATIC, ("K", 2), integer=True),
            ),
            _opts(radius="number"),
            ("joint_positions",),
            ("joint_positions", "frames"),
        ),
        Kind(
            SMPL,
            "SMPL",
            "RemoteSMPLSequence",
            (
                Field("poses_body", PRIMARY, (None,)),
                Field("poses_root", COMPANION, (3,)),
                Field("trans", COMPANION, (3,)),
                Field("betas", BROADCAST, (None,)),
                Field("poses_left_hand", COMPANION, (45,)),
                Field("poses_right_hand", COMPANION, (45,)),
                Field("poses_jaw", COMPANION, (3,)),
                Field("poses_leye", COMPANION, (3,)),
                Field("poses_reye", COMPANION, (3,)),
                Field("expression", COMPANION, (None,)),
            ),
            _opts(
                model_type="str",
                gender="str",
                num_betas="int",
                include_root="bool",
                normalize_root="bool",
                is_rigged="bool",
                show_joint_angles="bool",
                z_up="bool",
                skeleton_radius="number",
                rb_radius="number",
                rb_length="number",
            ),
            ("poses_body", "poses_root", "trans", "betas"),
            ("poses_body", "frames", "poses_root", "trans", "betas"),
        ),
    )
}

NODE_POSITIONAL = ("name", "icon", "position", "rotation", "scale", "color")
"""aitviewer's ``Node`` constructor order, for positional arguments of a NODE message."""

SMPL_BODY_POSE_LEN = {"smpl": 69, "smplh": 63, "smplx": 63}
_SMPL_HANDS = ("poses_left_hand", "poses_right_hand")
_SMPL_FACE = ("poses_jaw", "poses_leye", "poses_reye", "expression")
_NON_NEGATIVE = (
    "radius",
    "r_base",
    "r_head",
    "length",
    "radius_cylinder",
    "r_tip",
    "skeleton_radius",
    "rb_radius",
    "rb_length",
)

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


def _field_array(f: Field, v: Any, symbols: Symbols) -> np.ndarray:
    """Converts and shape-checks one argument; returns it in its original form (single frame or
    batch), converted to ``float32`` / ``int32``."""
    arr = to_int32(f.name, v) if f.integer else to_float32(f.name, v)
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
    if args and (kind.code != NODE or len(args) > len(NODE_POSITIONAL)):
        if kind.code != NODE:
            raise ValueError(f"{kind.name} takes no positional arguments; pass them by name")
        raise ValueError(
            f"NODE takes at most {len(NODE_POSITIONAL)} positional arguments "
            f"({', '.join(NODE_POSITIONAL)}), got {len(args)}"
        )
    named: Dict[str, Any] = {}
    for name, v in zip(NODE_POSITIONAL, args):
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
        mode = options.get("mode") or "line_strip"
        if mode not in ("line_strip", "lines"):
            raise ValueError(f"mode must be 'line_strip' or 'lines', got {mode!r}")
        n = symbols["L"][0]
        if mode == "line_strip" and n < 2:
            raise ValueError(f"lines: a line strip needs at least 2 points, got {n}")
        if mode == "lines" and n % 2:
            raise ValueError(f"lines: mode 'lines' needs an even number of points, got {n}")
    elif kind.code == SMPL:
        _check_smpl(arrays, options)
    for name in _NON_NEGATIVE:
        x = options.get(name)
        if x is not None and x < 0:
            raise ValueError(f"{name} must not be negative, got {x}")
    p = options.get("p")
    if p is not None and not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be between 0 and 1, got {p}")
    for name in ("rings", "sectors"):
        x = options.get(name)
        if x is not None and not 3 <= x <= 256:
            raise ValueError(f"{name} must be between 3 and 256, got {x}")


def _check_smpl(arrays: Mapping[str, np.ndarray], options: Mapping[str, Any]) -> None:
    model_type = options.get("model_type") or "smpl"
    if model_type not in SMPL_BODY_POSE_LEN:
        raise ValueError(
            f"model_type must be 'smpl', 'smplh' or 'smplx' (mano and flame have no body sequence), got {model_type!r}"
        )
    gender = options.get("gender") or "neutral"
    if gender not in ("neutral", "male", "female"):
        raise ValueError(f"gender must be 'neutral', 'male' or 'female', got {gender!r}")
    nb = options.get("num_betas")
    if nb is not None and not 1 <= nb <= 300:
        raise ValueError(f"num_betas must be between 1 and 300, got {nb}")
    body = arrays["poses_body"]
    want = SMPL_BODY_POSE_LEN[model_type]
    if body.shape[-1] != want:
        raise ValueError(
            f"poses_body must have shape (N, {want}) or ({want},) for model_type {model_type!r}, "
            f"got {_fmt_shape(body.shape)}"
        )
    allowed = {"smpl": (), "smplh": _SMPL_HANDS, "smplx": _SMPL_HANDS + _SMPL_FACE}[model_type]
    for name in _SMPL_HANDS + _SMPL_FACE:
        if name in arrays and name not in allowed:
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

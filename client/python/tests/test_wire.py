"""The MessagePack encoding, checked against msgpack's own decoder (no relay needed)."""

from __future__ import annotations

import enum
import struct

import msgpack
import numpy as np
import pytest

from meshcast import Message
from meshcast._wire import EXT_NDARRAY, EXT_RANGE, encode_envelope, pack, unpack


def raw(data: bytes):
    """Decodes with msgpack alone, leaving extensions as ExtType."""
    return msgpack.unpackb(data, raw=False, strict_map_key=False)


def test_envelope_has_aitviewers_keys_in_order():
    data = encode_envelope(Message.SET_FRAME, None, (3,), {})
    msg = raw(data)
    assert list(msg) == ["type", "uid", "args", "kwargs"]
    assert msg == {"type": 200, "uid": None, "args": [3], "kwargs": {}}


def test_envelope_with_kwargs_and_plain_int_type():
    msg = raw(encode_envelope(10001, 7, ("a", 1.5), {"name": "x", "flag": True, "n": None}))
    assert msg == {"type": 10001, "uid": 7, "args": ["a", 1.5], "kwargs": {"name": "x", "flag": True, "n": None}}


@pytest.mark.parametrize(
    "dtype,wire_id",
    [
        (np.bool_, 0),
        (np.uint8, 1),
        (np.int8, 2),
        (np.uint16, 3),
        (np.int16, 4),
        (np.uint32, 5),
        (np.int32, 6),
        (np.uint64, 7),
        (np.int64, 8),
        (np.float16, 9),
        (np.float32, 10),
        (np.float64, 11),
    ],
)
def test_array_extension_layout(dtype, wire_id):
    a = (np.arange(6) % 2 == 1 if dtype is np.bool_ else np.arange(6)).astype(dtype).reshape(2, 3)
    ext = raw(pack(a))
    assert isinstance(ext, msgpack.ExtType) and ext.code == EXT_NDARRAY
    assert ext.data[0] == wire_id and ext.data[1] == 2
    assert struct.unpack_from("<2I", ext.data, 2) == (2, 3)
    assert ext.data[10:] == a.astype(a.dtype.newbyteorder("<")).tobytes()
    back = unpack(pack(a))
    assert back.dtype == a.dtype.newbyteorder("<") and back.shape == (2, 3)
    np.testing.assert_array_equal(back, a)


def test_big_endian_and_strided_arrays_are_sent_little_endian_c_order():
    a = np.arange(12, dtype=">f8").reshape(3, 4).T  # big-endian and not C-contiguous
    ext = raw(pack(a))
    assert ext.data[0] == 11
    assert struct.unpack_from("<2I", ext.data, 2) == (4, 3)
    assert ext.data[10:] == np.ascontiguousarray(a, dtype="<f8").tobytes()
    np.testing.assert_array_equal(unpack(pack(a)), a)


@pytest.mark.parametrize("n", [0, 1, 2, 4, 8, 10, 200, 249, 250, 251, 65529, 65530, 65531, 70000])
def test_every_extension_length_form_decodes(n):
    # Payload length is 6 + n: covers fixext16, ext8, ext16 and ext32 boundaries.
    a = (np.arange(n) % 251).astype(np.uint8)
    ext = raw(pack([a]))[0]
    assert ext.code == EXT_NDARRAY and len(ext.data) == 6 + n
    np.testing.assert_array_equal(unpack(pack(a)), a)


def test_zero_d_and_empty_arrays():
    for a in (np.array(2.5, dtype=np.float32), np.zeros((0, 3), np.float32), np.array(True)):
        back = unpack(pack(a))
        assert back.shape == a.shape and back.dtype == a.dtype
        np.testing.assert_array_equal(back, a)
    assert raw(pack(np.array(True))).data == bytes([0, 0, 1])


def test_range_is_extension_2():
    ext = raw(pack(range(3, 20, 4)))
    assert ext.code == EXT_RANGE and struct.unpack("<qqq", ext.data) == (3, 20, 4)
    assert unpack(pack(range(-5, 0, -1))) == range(-5, 0, -1)


def test_containers_scalars_and_enums():
    class Colour(enum.Enum):
        RED = 3

    value = {
        "t": (1, 2, (3,)),
        "np": [np.float32(1.5), np.int64(-3), np.bool_(True)],
        "e": Colour.RED,
        "b": b"\x00\x01",
        "big": 2**63 - 1,
        "neg": -(2**63),
        5: "int key",
    }
    assert raw(pack(value)) == {
        "t": [1, 2, [3]],
        "np": [1.5, -3, True],
        "e": 3,
        "b": b"\x00\x01",
        "big": 2**63 - 1,
        "neg": -(2**63),
        5: "int key",
    }


class FakeTensor:
    """Looks like a torch tensor that requires grad: __array__ only works after detach()."""

    def __init__(self, data, attached=True):
        self.data = np.asarray(data)
        self.attached = attached

    def detach(self):
        return FakeTensor(self.data, attached=False)

    def cpu(self):
        return self

    def __array__(self, dtype=None, copy=None):
        if self.attached:
            raise RuntimeError("Can't call numpy() on Tensor that requires grad")
        return self.data if dtype is None else self.data.astype(dtype)


def test_objects_with_array_interface_are_sent_as_arrays():
    t = FakeTensor(np.ones((2, 3), np.float32))
    back = unpack(pack({"x": t}))["x"]
    assert back.shape == (2, 3) and back.dtype == np.float32


@pytest.mark.parametrize(
    "value,where",
    [
        ({"a": [1, object()]}, "kwargs['a'][1]"),
        ({"a": np.zeros(2, np.complex64)}, "kwargs['a']"),
        ({"a": np.array(["x"])}, "kwargs['a']"),
        ({"a": 2**64}, "kwargs['a']"),
        ({"a": np.zeros((1,) * 9)}, "kwargs['a']"),
    ],
)
def test_unsendable_values_raise_value_error_naming_where(value, where):
    with pytest.raises(ValueError) as e:
        pack(value, "kwargs")
    assert str(e.value).startswith(where), str(e.value)


def test_envelope_errors_name_the_argument():
    with pytest.raises(ValueError, match=r"^vertices: .*complex"):
        encode_envelope(2, 1, (), {"vertices": np.zeros(3, np.complex128)})
    with pytest.raises(ValueError, match=r"^args\[1\]: cannot send a value of type set"):
        encode_envelope(10000, None, (1, {1}), {})
    with pytest.raises(ValueError, match="uid"):
        encode_envelope(2, -1, (), {})
    with pytest.raises(ValueError, match="type"):
        encode_envelope("MESHES", 1, (), {})


def test_self_referencing_list_is_rejected_not_a_crash():
    a: list = []
    a.append(a)
    with pytest.raises(ValueError, match="nested deeper"):
        pack(a)


def test_unpack_rejects_inconsistent_array_extension():
    bad = msgpack.packb(msgpack.ExtType(1, bytes([10, 1]) + struct.pack("<I", 4) + b"\x00" * 3))
    with pytest.raises(ValueError):
        unpack(bad)

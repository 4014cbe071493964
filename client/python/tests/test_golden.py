"""The golden messages the protocol crate writes (``protocol/schema/golden``), byte for byte.

Each entry of ``index.json`` describes a message; this client's encoder must produce exactly the
committed bytes for it, and decoding the bytes must give the message back. Plain JSON stands for
itself; ``{"$ndarray": {dtype, shape, data}}``, ``{"$range": [start, stop, step]}`` and
``{"$bytes": hex}`` for arrays, ranges and bytes. No relay is needed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from meshcast import Message
from meshcast._schema import KINDS, MESSAGE_CODES, TABLE
from meshcast._wire import encode_envelope, unpack
from meshcast.remote.message import FLUSH

REPO = Path(__file__).resolve().parents[3]
GOLDEN = REPO / "protocol" / "schema" / "golden"
INDEX = json.loads((GOLDEN / "index.json").read_text(encoding="utf-8"))["messages"]


def build(d: Any) -> Any:
    """The Python value a description stands for."""
    if isinstance(d, list):
        return [build(x) for x in d]
    if isinstance(d, dict):
        if set(d) == {"$ndarray"}:
            a = d["$ndarray"]
            return np.array(a["data"], dtype=np.dtype(a["dtype"])).reshape(a["shape"])
        if set(d) == {"$range"}:
            return range(*d["$range"])
        if set(d) == {"$bytes"}:
            return bytes.fromhex(d["$bytes"])
        return {k: build(v) for k, v in d.items()}
    return d


def same(got: Any, want: Any) -> bool:
    """Equality that compares arrays by dtype, shape and values, and keeps ints apart from floats."""
    if isinstance(want, np.ndarray):
        return (
            isinstance(got, np.ndarray)
            and got.dtype == want.dtype
            and got.shape == want.shape
            and np.array_equal(got, want)
        )
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, (list, tuple)):
        return isinstance(got, (list, tuple)) and len(got) == len(want) and all(same(g, w) for g, w in zip(got, want))
    return type(got) is type(want) and got == want


def golden_bytes(entry: Any) -> bytes:
    return (GOLDEN / entry["file"]).read_bytes()


ENVELOPES = [e for e in INDEX if e["direction"] == "client_to_relay"]
REPLIES = [e for e in INDEX if e["direction"] == "relay_to_client"]


def test_the_index_covers_every_kind_and_the_replies():
    created = {e["message"]["type"] for e in ENVELOPES}
    assert set(KINDS) <= created
    assert {"Ack", "Error", "FromViewer"} == {next(iter(e["message"])) for e in REPLIES}


@pytest.mark.parametrize("entry", ENVELOPES, ids=[e["name"] for e in ENVELOPES])
def test_encoder_writes_the_golden_bytes(entry):
    m = entry["message"]
    data = encode_envelope(m["type"], m["uid"], tuple(build(m["args"])), build(m["kwargs"]))
    assert data == golden_bytes(entry)


@pytest.mark.parametrize("entry", INDEX, ids=[e["name"] for e in INDEX])
def test_golden_bytes_decode_to_the_message(entry):
    got = unpack(golden_bytes(entry))
    want = build(entry["message"])
    assert same(got, want), f"{got!r} != {want!r}"


def test_message_enum_matches_the_table():
    ours = {m.name: m.value for m in Message if m is not Message.USER_MESSAGE}
    assert {**ours, "FLUSH": FLUSH} == MESSAGE_CODES
    assert Message.USER_MESSAGE.value == TABLE["user_message"]


def test_shipped_table_is_the_protocol_crates():
    shipped = Path(__file__).resolve().parents[1] / "meshcast" / "_kinds.json"
    assert shipped.read_bytes() == (REPO / "protocol" / "schema" / "kinds.json").read_bytes()

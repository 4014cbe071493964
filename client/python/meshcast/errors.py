"""Errors the relay reports back to a client."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple


@dataclass(frozen=True)
class ErrorReport:
    """One message the relay rejected (nothing of it was applied)."""

    seq: int
    """Its number on the connection (binary frames counted from 1)."""
    msg_type: Optional[int]
    """Its type number, when the relay could read it."""
    uid: Optional[int]
    """Its node uid, when the relay could read it."""
    message: str
    """What was wrong, in the relay's words."""

    def __str__(self) -> str:
        what = f"type {self.msg_type}" if self.msg_type is not None else "message"
        if self.uid is not None:
            what += f", uid {self.uid}"
        return f"message #{self.seq} ({what}): {self.message}"


class RelayError(Exception):
    """The relay rejected one or more messages; raised by ``RemoteViewer.flush()``.

    ``errors`` holds every rejection reported since the previous flush, in order.
    """

    def __init__(self, errors: Sequence[ErrorReport]) -> None:
        self.errors: Tuple[ErrorReport, ...] = tuple(errors)
        head = f"the relay rejected {len(self.errors)} message{'s' if len(self.errors) != 1 else ''}"
        super().__init__(head + ":\n" + "\n".join(f"  {e}" for e in self.errors))

"""The result and error classes the extension module returns and raises (Python classes: a
``NamedTuple`` unpacks and compares like a tuple, an exception subclasses ``Exception``)."""

from __future__ import annotations

from typing import List, NamedTuple, Optional, Tuple

from ._libwsaccept import STATUS_NAMES, strerror


class WsacceptError(Exception):
    """A wsaccept call failed. ``status``: the negative C code; ``name``: its C name (e.g.
    ``"WSACCEPT_KEY_LENGTH"``). The message gives both and the reason (``detail`` when the
    call knows more than the code, e.g. which byte of a key is wrong)."""

    status: int
    name: str

    def __init__(self, status: int, detail: Optional[str] = None) -> None:
        self.status = status
        self.name = STATUS_NAMES.get(status, "WSACCEPT_UNKNOWN")
        self.detail = detail
        super().__init__(f"{self.name} ({status}): {detail or strerror(status)}")

    def __reduce__(self) -> Tuple[type, Tuple[int, Optional[str]]]:
        """Pickles as the arguments it was made from (``args`` holds the message)."""
        return (type(self), (self.status, self.detail))


def _signed(codes: bytes) -> List[int]:
    """One-byte codes (stored as C ``int8_t``) as Python ints."""
    return [b - 256 if b > 127 else b for b in codes]


class BatchResult(NamedTuple):
    """``out``: n*28 bytes (an invalid key's slot is zeros); ``status``: n codes (0 or a
    negative key code); ``invalid``: how many keys were invalid."""

    out: bytes
    status: bytes
    invalid: int

    def statuses(self) -> List[int]:
        """The per-item codes as signed ints."""
        return _signed(self.status)


class VerifyResult(NamedTuple):
    """``result``: n codes (1 match, 0 mismatch, negative: invalid key); ``failed``: how many
    did not match."""

    result: bytes
    failed: int

    def results(self) -> List[int]:
        """The per-item codes as signed ints."""
        return _signed(self.result)

"""wsaccept for Python: ctypes bindings over libwsaccept, for load-testing harnesses.

``pip install ./bindings/python`` compiles the library and installs it inside this package
(``wsaccept/_libwsaccept*.so``); that bundled library is always the one loaded when present.
Without it (the module used straight from a source checkout), the library is found at:
  1. the path in the environment variable ``WSACCEPT_LIB``;
  2. ``$CARGO_TARGET_DIR/{release,debug}/libwsaccept.so`` if that variable is set;
  3. ``target/{release,debug}/libwsaccept.so`` of the checkout this file sits in;
  4. ``libwsaccept.so.0`` through the system loader (an installed library).

Keys and accepts are ``bytes`` (``str`` is accepted as ASCII). Errors raise
:class:`WsacceptError`, whose ``status`` is the C code and ``name`` its C name (e.g.
``"WSACCEPT_KEY_LENGTH"``). Integer arguments are range-checked before they reach C: a value
C would silently wrap (``threads=2**64``, ``seed=-1``) raises instead. Every call releases
the GIL while the library works.

    >>> import wsaccept
    >>> wsaccept.accept(b"dGhlIHNhbXBsZSBub25jZQ==")
    b's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
"""

from __future__ import annotations

import ctypes
import operator
import os
import sys
from pathlib import Path
from typing import Any, Iterator, List, NamedTuple, Optional, Sequence, Tuple, Union

__all__ = [
    "KEY_LEN", "ACCEPT_LEN", "MAX_THREADS", "STATUS_NAMES", "WsacceptError", "BatchResult",
    "VerifyResult", "accept", "verify", "accept_batch", "verify_batch", "accept_scattered",
    "generate", "response", "backend", "version", "strerror", "library_path", "MODE_STRICT",
    "MODE_LENIENT", "MAX_LENIENT_KEY_LEN", "RESPONSE_LEN", "PROTOCOL_HEADER_OVERHEAD",
]

KEY_LEN = 24
ACCEPT_LEN = 28
MAX_THREADS = 256
MODE_STRICT = 0
MODE_LENIENT = 1
MAX_LENIENT_KEY_LEN = 256
RESPONSE_LEN = 129
PROTOCOL_HEADER_OVERHEAD = 26

#: Largest value of a C ``size_t`` / ``uint64_t`` argument.
_SIZE_MAX = (1 << (8 * ctypes.sizeof(ctypes.c_size_t))) - 1
_U64_MAX = (1 << 64) - 1

#: C status code -> C name, as in include/wsaccept.h (tests/test_header.py checks they agree).
STATUS_NAMES = {
    0: "WSACCEPT_OK",
    -1: "WSACCEPT_NULL_POINTER",
    -2: "WSACCEPT_KEY_LENGTH",
    -3: "WSACCEPT_KEY_ALPHABET",
    -4: "WSACCEPT_KEY_PADDING",
    -5: "WSACCEPT_KEY_NONCANONICAL",
    -6: "WSACCEPT_BAD_ARGUMENT",
    -7: "WSACCEPT_BUFFER_TOO_SMALL",
    -8: "WSACCEPT_INTERNAL_ERROR",
    -9: "WSACCEPT_RANDOM_FAILURE",
}
globals().update({name: code for code, name in STATUS_NAMES.items()})
__all__ += list(STATUS_NAMES.values())

BytesLike = Union[bytes, bytearray, memoryview, str]


class WsacceptError(Exception):
    """A wsaccept call failed. ``status``: the negative C code; ``name``: its C name."""

    def __init__(self, status: int):
        self.status = status
        self.name = STATUS_NAMES.get(status, "WSACCEPT_UNKNOWN")
        super().__init__(f"{self.name} ({status}): {strerror(status)}")


class BatchResult(NamedTuple):
    """``out``: n*28 bytes (an invalid key's slot is zeros); ``status``: n codes (0 or a
    negative key code); ``invalid``: how many keys were invalid."""

    out: bytes
    status: bytes
    invalid: int

    def statuses(self) -> List[int]:
        """The per-item codes as signed ints."""
        return [b - 256 if b > 127 else b for b in self.status]


class VerifyResult(NamedTuple):
    """``result``: n codes (1 match, 0 mismatch, negative: invalid key); ``failed``: how many
    did not match."""

    result: bytes
    failed: int

    def results(self) -> List[int]:
        """The per-item codes as signed ints."""
        return [b - 256 if b > 127 else b for b in self.result]


def _bundled() -> Iterator[Path]:
    """The library ``pip install`` put inside this package (setuptools-rust names it
    ``_libwsaccept`` plus the interpreter's extension suffix)."""
    here = Path(__file__).resolve().parent
    yield from sorted(here.glob("_libwsaccept*.so")) + sorted(here.glob("_libwsaccept*.dylib"))


def _source_checkout() -> Optional[Path]:
    """The repository this file sits in (``<repo>/bindings/python/wsaccept/__init__.py``), if
    it does: the folder above holding ``Cargo.toml`` and ``include/wsaccept.h``."""
    for parent in Path(__file__).resolve().parents:
        if (parent / "Cargo.toml").is_file() and (parent / "include" / "wsaccept.h").is_file():
            return parent
    return None


def _candidates() -> Iterator[Path]:
    bundled = list(_bundled())
    if bundled:
        yield from bundled
        return
    env = os.environ.get("WSACCEPT_LIB")
    if env:
        yield Path(env)
        return
    roots = []
    if os.environ.get("CARGO_TARGET_DIR"):
        roots.append(Path(os.environ["CARGO_TARGET_DIR"]))
    checkout = _source_checkout()
    if checkout is not None:
        roots.append(checkout / "target")
    for root in roots:
        for profile in ("release", "debug"):
            yield root / profile / "libwsaccept.so"


def _load() -> Tuple[ctypes.CDLL, Path]:
    tried = []
    for path in _candidates():
        tried.append(str(path))
        if path.is_file():
            return ctypes.CDLL(str(path)), path
    try:
        return ctypes.CDLL("libwsaccept.so.0"), Path("libwsaccept.so.0")
    except OSError:
        tried.append("libwsaccept.so.0 (system loader)")
    raise ImportError(
        "wsaccept: libwsaccept not found (install the package with `pip install "
        "./bindings/python`, or in a source checkout run `cargo build --release` or set "
        "WSACCEPT_LIB). Tried: " + ", ".join(tried)
    )


_lib, _path = _load()

_c = ctypes
_sz = _c.c_size_t
_p = _c.c_char_p
_i8p = _c.POINTER(_c.c_int8)
for _name, _res, _args in [
    ("wsaccept_version", _p, []),
    ("wsaccept_backend", _p, []),
    ("wsaccept_strerror", _p, [_c.c_int]),
    ("wsaccept_accept", _c.c_int, [_p, _sz, _c.c_void_p]),
    ("wsaccept_accept_lenient", _c.c_int, [_p, _sz, _c.c_void_p]),
    ("wsaccept_verify", _c.c_int, [_p, _sz, _p, _sz]),
    ("wsaccept_accept_batch", _c.c_int64, [_p, _sz, _c.c_void_p, _c.c_void_p, _sz]),
    ("wsaccept_verify_batch", _c.c_int64, [_p, _p, _sz, _c.c_void_p, _sz]),
    ("wsaccept_accept_scattered", _c.c_int64,
     [_c.POINTER(_p), _c.POINTER(_sz), _sz, _c.POINTER(_c.c_void_p), _c.c_void_p, _c.c_int, _sz]),
    ("wsaccept_generate", _c.c_int, [_c.c_void_p, _c.c_void_p, _sz, _c.c_uint64]),
    ("wsaccept_write_response", _c.c_int64, [_p, _sz, _p, _sz, _c.c_int, _c.c_void_p, _sz]),
]:
    _f = getattr(_lib, _name)
    _f.restype = _res
    _f.argtypes = _args


def library_path() -> Path:
    """The shared library these bindings loaded."""
    return _path


def _int(value: Any, what: str, low: int, high: int) -> int:
    """``value`` as an int in ``[low, high]`` (the C type's range), so nothing wraps on its way
    to C: TypeError for a non-integer (``bool`` included), ValueError for a negative value where
    C takes an unsigned one, OverflowError outside the C type's range otherwise."""
    if isinstance(value, bool):
        raise TypeError(f"{what} must be an int, not bool")
    try:
        number = operator.index(value)
    except TypeError:
        raise TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if number < 0 <= low:
        raise ValueError(f"{what} must be >= 0, got {number}")
    if not low <= number <= high:
        raise OverflowError(f"{what}={number} is outside the C type's range [{low}, {high}]")
    return number


def _threads(threads: Any) -> int:
    """A C ``size_t``; the library itself refuses values above ``MAX_THREADS``
    (``WSACCEPT_BAD_ARGUMENT``)."""
    return _int(threads, "threads", 0, _SIZE_MAX)


def _count(n: Any, item_len: int, what: str = "n") -> int:
    """A number of items whose buffer (``n * item_len`` bytes) C can size: OverflowError
    past ``SIZE_MAX``."""
    n = _int(n, what, 0, sys.maxsize)
    if n * item_len > _SIZE_MAX:
        raise OverflowError(f"{what}={n}: {n} * {item_len} bytes overflows size_t")
    return n


def _bytes(value: BytesLike, what: str) -> bytes:
    if isinstance(value, str):
        return value.encode("ascii")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return bytes(value)
    raise TypeError(f"{what} must be bytes or str, not {type(value).__name__}")


def _check(rc: int) -> int:
    if rc < 0:
        raise WsacceptError(rc)
    return rc


def strerror(status: int) -> str:
    """The library's text for a status code (any C ``int``; unknown codes get a generic
    text)."""
    status = _int(status, "status", -(1 << 31), (1 << 31) - 1)
    return _lib.wsaccept_strerror(status).decode()


def version() -> str:
    """The library version, e.g. ``"0.1.0"``."""
    return _lib.wsaccept_version().decode()


def backend() -> str:
    """The backend batch calls use, e.g. ``"portable"``."""
    return _lib.wsaccept_backend().decode()


def accept(key: BytesLike, lenient: bool = False) -> bytes:
    """The 28-byte accept for ``key`` (spaces/tabs around it trimmed)."""
    k = _bytes(key, "key")
    out = _c.create_string_buffer(ACCEPT_LEN)
    fn = _lib.wsaccept_accept_lenient if lenient else _lib.wsaccept_accept
    _check(fn(k, len(k), out))
    return out.raw


def verify(key: BytesLike, accept_value: BytesLike) -> bool:
    """Whether ``accept_value`` is the accept for ``key``; an invalid key raises."""
    k, a = _bytes(key, "key"), _bytes(accept_value, "accept")
    return _check(_lib.wsaccept_verify(k, len(k), a, len(a))) == 1


def _split(buf: bytes, size: int, what: str) -> int:
    if len(buf) % size:
        raise ValueError(f"{what} is {len(buf)} bytes, not a multiple of {size}")
    return len(buf) // size


def accept_batch(keys: BytesLike, threads: int = 1) -> BatchResult:
    """Accepts for keys back to back in 24-byte slots (strict). ``threads``: 1 = this thread,
    0 = all cores, N = up to N parts (at most ``MAX_THREADS``)."""
    threads = _threads(threads)
    k = _bytes(keys, "keys")
    n = _split(k, KEY_LEN, "keys")
    out = _c.create_string_buffer(n * ACCEPT_LEN)
    status = _c.create_string_buffer(n)
    invalid = _check(_lib.wsaccept_accept_batch(k, n, out, status, threads))
    return BatchResult(out.raw, status.raw, invalid)


def verify_batch(keys: BytesLike, accepts: BytesLike, threads: int = 1) -> VerifyResult:
    """Checks n accepts (n*28 bytes) against n keys (n*24 bytes)."""
    threads = _threads(threads)
    k, a = _bytes(keys, "keys"), _bytes(accepts, "accepts")
    n = _split(k, KEY_LEN, "keys")
    if _split(a, ACCEPT_LEN, "accepts") != n:
        raise ValueError(f"{n} keys but {len(a) // ACCEPT_LEN} accepts")
    result = _c.create_string_buffer(n)
    failed = _check(_lib.wsaccept_verify_batch(k, a, n, result, threads))
    return VerifyResult(result.raw, failed)


def accept_scattered(keys: Sequence[BytesLike], lenient: bool = False,
                     threads: int = 1) -> BatchResult:
    """Accepts for keys of any length (OWS trimmed), e.g. raw header values; ``out`` holds
    them back to back in 28-byte slots."""
    threads = _threads(threads)
    ks = [_bytes(k, "key") for k in keys]
    n = len(ks)
    ptrs = (_p * n)(*ks)
    lens = (_sz * n)(*[len(k) for k in ks])
    out = _c.create_string_buffer(n * ACCEPT_LEN)
    base = _c.addressof(out)
    outs = (_c.c_void_p * n)(*[base + i * ACCEPT_LEN for i in range(n)])
    status = _c.create_string_buffer(n)
    mode = MODE_LENIENT if lenient else MODE_STRICT
    invalid = _check(_lib.wsaccept_accept_scattered(ptrs, lens, n, outs, status, mode, threads))
    return BatchResult(out.raw, status.raw, invalid)


def generate(n: int, seed: int = 0) -> Tuple[bytes, bytes]:
    """``(keys, accepts)``: n fresh keys (n*24 bytes) and their accepts (n*28 bytes). Seed 0
    uses the OS random source; any other seed (up to ``2**64 - 1``) is reproducible."""
    n = _count(n, ACCEPT_LEN)
    seed = _int(seed, "seed", 0, _U64_MAX)
    keys = _c.create_string_buffer(n * KEY_LEN)
    accepts = _c.create_string_buffer(n * ACCEPT_LEN)
    _check(_lib.wsaccept_generate(keys, accepts, n, seed))
    return keys.raw, accepts.raw


def response(key: BytesLike, protocol: Optional[BytesLike] = None, lenient: bool = False) -> bytes:
    """The complete ``101 Switching Protocols`` response for ``key``."""
    k = _bytes(key, "key")
    p = _bytes(protocol, "protocol") if protocol is not None else b""
    buf = _c.create_string_buffer(RESPONSE_LEN + PROTOCOL_HEADER_OVERHEAD + len(p))
    mode = MODE_LENIENT if lenient else MODE_STRICT
    n = _check(_lib.wsaccept_write_response(k, len(k), p, len(p), mode, buf, len(buf)))
    return buf.raw[:n]

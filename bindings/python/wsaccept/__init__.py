"""wsaccept for Python: WebSocket ``Sec-WebSocket-Accept`` values (RFC 6455) for one key or
millions, key generation and verification for load testers.

A native extension module (``wsaccept._libwsaccept``, PyO3 over the wsaccept Rust crate, one
``abi3`` build for CPython 3.11 and later): the functions below are the extension's own, called
without a Python layer in between.

Keys, accepts and protocols are ``bytes`` or any object with the buffer protocol
(``bytearray``, ``memoryview``, ``array.array``, numpy arrays, ``mmap``), or ASCII ``str``.
Batches take all keys in one buffer and return all accepts in one ``bytes`` (or write them into
a caller's buffer: the ``*_into`` functions); nothing is copied per key, and the GIL is released
while a batch runs. Errors raise :class:`WsacceptError`, whose ``status`` is the C code and
``name`` its C name (e.g. ``"WSACCEPT_KEY_LENGTH"``); a wrong argument type is a ``TypeError``,
a bad length a ``ValueError``. Integer arguments are range-checked: a value the C types would
wrap (``threads=2**64``, ``seed=-1``) raises instead.

    >>> import wsaccept
    >>> wsaccept.accept(b"dGhlIHNhbXBsZSBub25jZQ==")
    b's3pPLMBiTxaQ9kYGzzhZRbK+xOo='
"""

from __future__ import annotations

from pathlib import Path

from . import _libwsaccept
from ._libwsaccept import (
    ACCEPT_LEN as ACCEPT_LEN,
    KEY_LEN as KEY_LEN,
    MAX_LENIENT_KEY_LEN as MAX_LENIENT_KEY_LEN,
    MAX_THREADS as MAX_THREADS,
    MODE_LENIENT as MODE_LENIENT,
    MODE_STRICT as MODE_STRICT,
    PROTOCOL_HEADER_OVERHEAD as PROTOCOL_HEADER_OVERHEAD,
    RESPONSE_LEN as RESPONSE_LEN,
    STATUS_NAMES as STATUS_NAMES,
    WSACCEPT_BAD_ARGUMENT as WSACCEPT_BAD_ARGUMENT,
    WSACCEPT_BUFFER_TOO_SMALL as WSACCEPT_BUFFER_TOO_SMALL,
    WSACCEPT_INTERNAL_ERROR as WSACCEPT_INTERNAL_ERROR,
    WSACCEPT_KEY_ALPHABET as WSACCEPT_KEY_ALPHABET,
    WSACCEPT_KEY_LENGTH as WSACCEPT_KEY_LENGTH,
    WSACCEPT_KEY_NONCANONICAL as WSACCEPT_KEY_NONCANONICAL,
    WSACCEPT_KEY_PADDING as WSACCEPT_KEY_PADDING,
    WSACCEPT_NULL_POINTER as WSACCEPT_NULL_POINTER,
    WSACCEPT_OK as WSACCEPT_OK,
    WSACCEPT_RANDOM_FAILURE as WSACCEPT_RANDOM_FAILURE,
    accept as accept,
    accept_batch as accept_batch,
    accept_batch_into as accept_batch_into,
    accept_scattered as accept_scattered,
    backend as backend,
    generate as generate,
    generate_into as generate_into,
    response as response,
    strerror as strerror,
    verify as verify,
    verify_batch as verify_batch,
    verify_batch_into as verify_batch_into,
    version as version,
)
from ._types import BatchResult as BatchResult
from ._types import VerifyResult as VerifyResult
from ._types import WsacceptError as WsacceptError

__version__ = version()

__all__ = [
    "KEY_LEN", "ACCEPT_LEN", "MAX_THREADS", "STATUS_NAMES", "WsacceptError", "BatchResult",
    "VerifyResult", "accept", "verify", "accept_batch", "accept_batch_into", "verify_batch",
    "verify_batch_into", "accept_scattered", "generate", "generate_into", "response", "backend",
    "version", "strerror", "library_path", "MODE_STRICT", "MODE_LENIENT", "MAX_LENIENT_KEY_LEN",
    "RESPONSE_LEN", "PROTOCOL_HEADER_OVERHEAD", "WSACCEPT_OK", "WSACCEPT_NULL_POINTER",
    "WSACCEPT_KEY_LENGTH", "WSACCEPT_KEY_ALPHABET", "WSACCEPT_KEY_PADDING",
    "WSACCEPT_KEY_NONCANONICAL", "WSACCEPT_BAD_ARGUMENT", "WSACCEPT_BUFFER_TOO_SMALL",
    "WSACCEPT_INTERNAL_ERROR", "WSACCEPT_RANDOM_FAILURE",
]


def library_path() -> Path:
    """The native code these bindings run: the extension module's file
    (``wsaccept/_libwsaccept.abi3.so`` in the installed package). Before the extension module
    replaced the ctypes bindings, this was the shared library ``libwsaccept.so`` they loaded;
    the wsaccept library is now linked into the extension."""
    return Path(_libwsaccept.__file__).resolve()

# Types of the extension module (src/*.rs). Buffer arguments are typed as the buffer protocol
# (collections.abc.Buffer, PEP 688; typing_extensions.Buffer before 3.12), not a closed list.
import sys
from typing import Dict, Final, Iterable, Optional, SupportsIndex, Tuple, Union

if sys.version_info >= (3, 12):
    from collections.abc import Buffer
else:
    from typing_extensions import Buffer

from ._types import BatchResult, VerifyResult

__all__ = ["KEY_LEN", "ACCEPT_LEN", "MAX_THREADS", "MODE_STRICT", "MODE_LENIENT",
    "MAX_LENIENT_KEY_LEN", "RESPONSE_LEN", "PROTOCOL_HEADER_OVERHEAD", "WSACCEPT_OK",
    "WSACCEPT_NULL_POINTER", "WSACCEPT_KEY_LENGTH", "WSACCEPT_KEY_ALPHABET",
    "WSACCEPT_KEY_PADDING", "WSACCEPT_KEY_NONCANONICAL", "WSACCEPT_BAD_ARGUMENT",
    "WSACCEPT_BUFFER_TOO_SMALL", "WSACCEPT_INTERNAL_ERROR", "WSACCEPT_RANDOM_FAILURE",
    "STATUS_NAMES", "version", "backend", "strerror", "accept", "verify", "response",
    "accept_batch", "accept_batch_into", "verify_batch", "verify_batch_into", "accept_scattered",
    "generate", "generate_into"]

#: A key, accept or protocol: any buffer, or an ASCII str.
_Bytes = Union[Buffer, str]

KEY_LEN: Final[int]
ACCEPT_LEN: Final[int]
MAX_THREADS: Final[int]
MODE_STRICT: Final[int]
MODE_LENIENT: Final[int]
MAX_LENIENT_KEY_LEN: Final[int]
RESPONSE_LEN: Final[int]
PROTOCOL_HEADER_OVERHEAD: Final[int]
STATUS_NAMES: Final[Dict[int, str]]
WSACCEPT_OK: Final[int]
WSACCEPT_NULL_POINTER: Final[int]
WSACCEPT_KEY_LENGTH: Final[int]
WSACCEPT_KEY_ALPHABET: Final[int]
WSACCEPT_KEY_PADDING: Final[int]
WSACCEPT_KEY_NONCANONICAL: Final[int]
WSACCEPT_BAD_ARGUMENT: Final[int]
WSACCEPT_BUFFER_TOO_SMALL: Final[int]
WSACCEPT_INTERNAL_ERROR: Final[int]
WSACCEPT_RANDOM_FAILURE: Final[int]

def version() -> str: ...
def backend() -> str: ...
def strerror(status: SupportsIndex) -> str: ...
def accept(key: _Bytes, lenient: bool = False) -> bytes: ...
def verify(key: _Bytes, accept_value: _Bytes) -> bool: ...
def response(key: _Bytes, protocol: Optional[_Bytes] = None, lenient: bool = False) -> bytes: ...
def accept_batch(keys: _Bytes, threads: SupportsIndex = 1) -> BatchResult: ...
def accept_batch_into(
    keys: _Bytes, out: Buffer, status: Optional[Buffer] = None, threads: SupportsIndex = 1
) -> int: ...
def verify_batch(keys: _Bytes, accepts: _Bytes, threads: SupportsIndex = 1) -> VerifyResult: ...
def verify_batch_into(
    keys: _Bytes, accepts: _Bytes, result: Optional[Buffer] = None, threads: SupportsIndex = 1
) -> int: ...
def accept_scattered(
    keys: Iterable[_Bytes], lenient: bool = False, threads: SupportsIndex = 1
) -> BatchResult: ...
def generate(n: SupportsIndex, seed: SupportsIndex = 0) -> Tuple[bytes, bytes]: ...
def generate_into(keys: Buffer, accepts: Optional[Buffer] = None, seed: SupportsIndex = 0) -> None: ...

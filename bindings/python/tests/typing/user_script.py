"""A user's typed script, checked by ``mypy --strict`` (tests/test_typing.py): every function
with the argument forms a caller holds, and the results used as their declared types."""

import array
import mmap
from typing import List, Optional, Tuple

import wsaccept
from wsaccept import BatchResult, VerifyResult, WsacceptError


def server_answer(key: bytes, protocol: Optional[str] = None) -> bytes:
    return wsaccept.response(key, protocol, lenient=False)


def client_check(key: str, received: memoryview) -> bool:
    return wsaccept.verify(key, received)


def load_test(n: int, seed: int) -> Tuple[int, List[int]]:
    keys, accepts = wsaccept.generate(n, seed=seed)
    batch: BatchResult = wsaccept.accept_batch(bytearray(keys), threads=0)
    assert batch.out == accepts and batch.invalid == 0
    check: VerifyResult = wsaccept.verify_batch(keys, array.array("B", accepts), threads=2)
    return check.failed, check.results()


def into_buffers(n: int) -> int:
    keys, accepts = bytearray(n * wsaccept.KEY_LEN), bytearray(n * wsaccept.ACCEPT_LEN)
    wsaccept.generate_into(keys, accepts, seed=1)
    out = bytearray(n * wsaccept.ACCEPT_LEN)
    status = memoryview(bytearray(n))
    invalid: int = wsaccept.accept_batch_into(keys, out, status, threads=1)
    failed: int = wsaccept.verify_batch_into(keys, out, None)
    return invalid + failed


def scattered(raw: List[bytes]) -> List[int]:
    with mmap.mmap(-1, 24) as m:
        m.write(b"dGhlIHNhbXBsZSBub25jZQ==")
        res = wsaccept.accept_scattered([*raw, m, "dGhlIHNhbXBsZSBub25jZQ=="], lenient=True)
    return res.statuses()


def errors() -> str:
    try:
        wsaccept.accept(b"short")
    except WsacceptError as e:
        code: int = e.status
        name: str = e.name
        return f"{name} {code} {wsaccept.strerror(code)} {wsaccept.STATUS_NAMES[code]}"
    return ""


def info() -> str:
    codes: List[int] = [wsaccept.WSACCEPT_OK, wsaccept.WSACCEPT_KEY_LENGTH,
                        wsaccept.WSACCEPT_BAD_ARGUMENT, wsaccept.MAX_THREADS,
                        wsaccept.MODE_STRICT, wsaccept.MODE_LENIENT,
                        wsaccept.MAX_LENIENT_KEY_LEN, wsaccept.RESPONSE_LEN,
                        wsaccept.PROTOCOL_HEADER_OVERHEAD]
    return " ".join([wsaccept.version(), wsaccept.backend(), wsaccept.__version__,
                     str(wsaccept.library_path().name), str(sum(codes))])


if __name__ == "__main__":
    print(server_answer(b"dGhlIHNhbXBsZSBub25jZQ==", "chat"))
    print(client_check("dGhlIHNhbXBsZSBub25jZQ==", memoryview(b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")))
    print(load_test(1000, 3)[0], into_buffers(100), scattered([b"abc"]), errors(), info())

"""Tests of the bindings against an independent oracle (hashlib + base64)."""

import base64
import hashlib
import random
import threading

import pytest

import wsaccept

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SAMPLE_KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
SAMPLE_ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def oracle(key: bytes) -> bytes:
    """RFC 6455 §4.2.2, the obvious way."""
    return base64.b64encode(hashlib.sha1(key.strip(b" \t") + GUID).digest())


def random_keys(n, seed):
    rng = random.Random(seed)
    return [base64.b64encode(bytes(rng.getrandbits(8) for _ in range(16))) for _ in range(n)]


def test_library_info():
    assert "libwsaccept" in wsaccept.library_path().name  # bundled _libwsaccept*.so or a build
    assert wsaccept.version().count(".") == 2
    assert wsaccept.backend()
    assert wsaccept.strerror(wsaccept.WSACCEPT_KEY_LENGTH)
    assert len({wsaccept.strerror(c) for c in wsaccept.STATUS_NAMES}) == len(wsaccept.STATUS_NAMES)


def test_accept_matches_oracle():
    assert wsaccept.accept(SAMPLE_KEY) == SAMPLE_ACCEPT == oracle(SAMPLE_KEY)
    assert wsaccept.accept(SAMPLE_KEY.decode()) == SAMPLE_ACCEPT
    assert wsaccept.accept(b" \t" + SAMPLE_KEY + b"\t ") == SAMPLE_ACCEPT
    for key in random_keys(200, 1):
        assert wsaccept.accept(key) == oracle(key)


@pytest.mark.parametrize(
    "key,name",
    [
        (b"short", "WSACCEPT_KEY_LENGTH"),
        (b"", "WSACCEPT_KEY_LENGTH"),
        (b"!GhlIHNhbXBsZSBub25jZQ==", "WSACCEPT_KEY_ALPHABET"),
        (b"dGhlIHNhbXBsZSBub25jZQ=A", "WSACCEPT_KEY_PADDING"),
        (b"dGhlIHNhbXBsZSBub25jZR==", "WSACCEPT_KEY_NONCANONICAL"),
    ],
)
def test_accept_errors_carry_status_name(key, name):
    with pytest.raises(wsaccept.WsacceptError) as info:
        wsaccept.accept(key)
    assert info.value.name == name
    assert info.value.status == getattr(wsaccept, name)
    assert name in str(info.value)


def test_lenient():
    for key in [b"abc", b"dGhlIHNhbXBsZSBub25jZR==", b"x" * 256]:
        assert wsaccept.accept(key, lenient=True) == oracle(key)
    with pytest.raises(wsaccept.WsacceptError, match="WSACCEPT_KEY_LENGTH"):
        wsaccept.accept(b"x" * 257, lenient=True)
    with pytest.raises(TypeError):
        wsaccept.accept(12)  # type: ignore[arg-type]


def test_verify():
    assert wsaccept.verify(SAMPLE_KEY, SAMPLE_ACCEPT) is True
    assert wsaccept.verify(SAMPLE_KEY, b" " + SAMPLE_ACCEPT + b" ") is True
    assert wsaccept.verify(SAMPLE_KEY, SAMPLE_ACCEPT[:-2] + b"x=") is False
    assert wsaccept.verify(SAMPLE_KEY, b"") is False
    with pytest.raises(wsaccept.WsacceptError, match="WSACCEPT_KEY_ALPHABET"):
        wsaccept.verify(b"!GhlIHNhbXBsZSBub25jZQ==", SAMPLE_ACCEPT)


@pytest.mark.parametrize("threads", [1, 0, 2])
@pytest.mark.parametrize("n", [0, 1, 129, 5000])
def test_accept_batch(n, threads):
    keys = random_keys(n, n)
    if n:
        keys[n // 2] = b"dGhlIHNhbXBsZSBub25jZQ=A"
    res = wsaccept.accept_batch(b"".join(keys), threads=threads)
    assert res.invalid == (1 if n else 0)
    assert len(res.out) == 28 * n and len(res.status) == n
    statuses = res.statuses()
    for i, key in enumerate(keys):
        slot = res.out[28 * i: 28 * i + 28]
        if n and i == n // 2:
            assert statuses[i] == wsaccept.WSACCEPT_KEY_PADDING
            assert slot == bytes(28)
        else:
            assert statuses[i] == 0
            assert slot == oracle(key)


def test_batch_argument_errors():
    with pytest.raises(ValueError):
        wsaccept.accept_batch(b"x" * 25)
    with pytest.raises(wsaccept.WsacceptError) as info:
        wsaccept.accept_batch(SAMPLE_KEY, threads=wsaccept.MAX_THREADS + 1)
    assert info.value.name == "WSACCEPT_BAD_ARGUMENT"
    with pytest.raises(ValueError):
        wsaccept.verify_batch(SAMPLE_KEY, b"")


@pytest.mark.parametrize("threads", [1, 0, 2])
def test_verify_batch(threads):
    keys = random_keys(300, 3)
    accepts = [oracle(k) for k in keys]
    accepts[7] = accepts[8]
    keys[9] = b"dGhlIHNhbXBsZSBub25jZR=="
    res = wsaccept.verify_batch(b"".join(keys), b"".join(accepts), threads=threads)
    assert res.failed == 2
    results = res.results()
    assert results[7] == 0 and results[9] == wsaccept.WSACCEPT_KEY_NONCANONICAL
    assert all(r == 1 for i, r in enumerate(results) if i not in (7, 9))
    assert wsaccept.verify_batch(b"", b"").failed == 0


def test_scattered():
    keys = [SAMPLE_KEY, b"  " + SAMPLE_KEY, b"abc", b"", b"dGhlIHNhbXBsZSBub25jZR=="]
    strict = wsaccept.accept_scattered(keys)
    assert strict.invalid == 3
    assert strict.statuses() == [0, 0, -2, -2, -5]
    assert strict.out[:56] == SAMPLE_ACCEPT * 2 and strict.out[56:] == bytes(84)
    lenient = wsaccept.accept_scattered(keys, lenient=True, threads=0)
    assert lenient.statuses() == [0, 0, 0, -2, 0]
    assert lenient.out[56:84] == oracle(b"abc")
    assert lenient.out[112:] == oracle(keys[4])


def test_generate():
    keys, accepts = wsaccept.generate(1000, seed=42)
    assert len(keys) == 24 * 1000 and len(accepts) == 28 * 1000
    for i in range(1000):
        key = keys[24 * i: 24 * i + 24]
        assert len(base64.b64decode(key, validate=True)) == 16
        assert accepts[28 * i: 28 * i + 28] == oracle(key)
    assert wsaccept.generate(1000, seed=42) == (keys, accepts)
    assert wsaccept.generate(10, seed=42)[0] == keys[:240]
    assert wsaccept.generate(10, seed=43)[0] != keys[:240]
    a, b = wsaccept.generate(50), wsaccept.generate(50)
    assert a[0] != b[0]
    assert wsaccept.verify_batch(*a).failed == 0
    assert wsaccept.generate(0) == (b"", b"")


def test_response():
    want = (b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + SAMPLE_ACCEPT + b"\r\n\r\n")
    assert wsaccept.response(SAMPLE_KEY) == want
    assert wsaccept.response(SAMPLE_KEY, b"chat") == want[:-2] + b"Sec-WebSocket-Protocol: chat\r\n\r\n"
    assert wsaccept.response(b"abc", lenient=True).count(oracle(b"abc")) == 1
    for bad in [b"a\r\nb", b"\n", b"a\x00"]:
        with pytest.raises(wsaccept.WsacceptError, match="WSACCEPT_BAD_ARGUMENT"):
            wsaccept.response(SAMPLE_KEY, bad)


def test_threads():
    errors = []

    def work(seed):
        keys, accepts = wsaccept.generate(2000, seed)
        for _ in range(3):
            if wsaccept.accept_batch(keys).out != accepts:
                errors.append(seed)

    threads = [threading.Thread(target=work, args=(s,)) for s in range(1, 5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


# Integer arguments C would wrap (issue: threads=2**64 ran as 0, seed=2**64 as seed 0 = OS
# randomness, seed=2**64+1 as seed 1) raise before reaching C.
@pytest.mark.parametrize("threads", [2**64, 2**64 + 1, 2**70])
def test_threads_out_of_size_t_range_raise(threads):
    for call in (lambda: wsaccept.accept_batch(SAMPLE_KEY, threads=threads),
                 lambda: wsaccept.verify_batch(SAMPLE_KEY, SAMPLE_ACCEPT, threads=threads),
                 lambda: wsaccept.accept_scattered([SAMPLE_KEY], threads=threads)):
        with pytest.raises(OverflowError):
            call()


def test_negative_threads_raise():
    with pytest.raises(ValueError):
        wsaccept.accept_batch(SAMPLE_KEY, threads=-1)
    with pytest.raises(ValueError):
        wsaccept.verify_batch(SAMPLE_KEY, SAMPLE_ACCEPT, threads=-1)
    with pytest.raises(ValueError):
        wsaccept.accept_scattered([SAMPLE_KEY], threads=-1)


def test_threads_above_the_librarys_limit_are_its_bad_argument():
    with pytest.raises(wsaccept.WsacceptError) as info:
        wsaccept.accept_batch(SAMPLE_KEY, threads=2**64 - 1)
    assert info.value.name == "WSACCEPT_BAD_ARGUMENT"


@pytest.mark.parametrize("seed", [2**64, 2**64 + 1, 2**100])
def test_seed_out_of_range_raises(seed):
    with pytest.raises(OverflowError):
        wsaccept.generate(3, seed=seed)


def test_seed_range_edges():
    with pytest.raises(ValueError):
        wsaccept.generate(3, seed=-1)
    top = wsaccept.generate(3, seed=2**64 - 1)
    assert top == wsaccept.generate(3, seed=2**64 - 1)
    assert top != wsaccept.generate(3, seed=1)


def test_count_out_of_range_raises():
    with pytest.raises(ValueError):
        wsaccept.generate(-1)
    with pytest.raises(OverflowError):
        wsaccept.generate(2**64)
    with pytest.raises(OverflowError):
        wsaccept.generate(2**63 - 1)  # 28 bytes each overflows size_t


def test_status_out_of_int_range_raises():
    assert wsaccept.strerror(-(2**31))
    with pytest.raises(OverflowError):
        wsaccept.strerror(2**32 - 2)  # would wrap to -2, WSACCEPT_KEY_LENGTH
    with pytest.raises(OverflowError):
        wsaccept.strerror(-(2**31) - 1)


@pytest.mark.parametrize("bad", [1.0, "1", None, True])
def test_non_integer_arguments_raise_type_error(bad):
    with pytest.raises(TypeError):
        wsaccept.accept_batch(SAMPLE_KEY, threads=bad)
    with pytest.raises(TypeError):
        wsaccept.generate(1, seed=bad)
    with pytest.raises(TypeError):
        wsaccept.generate(bad)

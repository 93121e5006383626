"""Every input form the extension takes (bytes, bytearray, memoryview, array.array, numpy,
mmap, ASCII str), the caller-buffer forms (``*_into``), and every bad argument: a TypeError,
ValueError or WsacceptError that says why, never a crash. Checked against hashlib + base64."""

import array
import base64
import hashlib
import mmap
import pickle

import pytest

import wsaccept

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
SAMPLE_KEY = b"dGhlIHNhbXBsZSBub25jZQ=="
SAMPLE_ACCEPT = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def oracle(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key.strip(b" \t") + GUID).digest())


def forms(data: bytes):
    """``data`` in every form a caller may hold it, each with a label."""
    yield "bytes", data
    yield "bytearray", bytearray(data)
    yield "memoryview", memoryview(data)
    yield "memoryview of bytearray", memoryview(bytearray(data))
    yield "memoryview slice", memoryview(b"xx" + data + b"yy")[2:2 + len(data)]
    yield "array.array B", array.array("B", data)
    yield "read-only memoryview", memoryview(bytearray(data)).toreadonly()
    if data:
        m = mmap.mmap(-1, len(data))
        m.write(data)
        yield "mmap", m
    if data.isascii():
        yield "str", data.decode()


def numpy_forms(data: bytes):
    np = pytest.importorskip("numpy")
    yield "numpy uint8", np.frombuffer(data, dtype=np.uint8).copy()
    if len(data) % 4 == 0 and data:
        yield "numpy 2-D uint8", np.frombuffer(data, dtype=np.uint8).reshape(-1, 4).copy()


def test_accept_and_verify_take_every_form():
    for label, key in forms(SAMPLE_KEY):
        assert wsaccept.accept(key) == SAMPLE_ACCEPT, label
        assert wsaccept.verify(key, SAMPLE_ACCEPT) is True, label
        assert wsaccept.response(key).count(SAMPLE_ACCEPT) == 1, label
    for label, accept in forms(SAMPLE_ACCEPT):
        assert wsaccept.verify(SAMPLE_KEY, accept) is True, label
    for label, protocol in forms(b"chat"):
        assert wsaccept.response(SAMPLE_KEY, protocol).endswith(
            b"Sec-WebSocket-Protocol: chat\r\n\r\n"), label


def test_numpy_arrays():
    keys, accepts = wsaccept.generate(100, seed=5)
    for label, k in numpy_forms(keys):
        assert wsaccept.accept_batch(k).out == accepts, label
        assert wsaccept.verify_batch(k, accepts).failed == 0, label
    for label, k in numpy_forms(SAMPLE_KEY):
        assert wsaccept.accept(k) == SAMPLE_ACCEPT, label


def test_batches_take_every_form():
    keys, accepts = wsaccept.generate(300, seed=9)
    for label, k in forms(keys):
        res = wsaccept.accept_batch(k)
        assert res.out == accepts and res.invalid == 0, label
        for label2, a in forms(accepts):
            assert wsaccept.verify_batch(k, a).failed == 0, (label, label2)
    key_list = [keys[24 * i:24 * i + 24] for i in range(300)]
    mixed = [form for i, key in enumerate(key_list) for j, (_, form) in enumerate(forms(key))
             if j == i % 8]
    assert wsaccept.accept_scattered(mixed).out == accepts
    assert wsaccept.accept_scattered(iter(key_list)).out == accepts  # any iterable


def test_lenient_keys_of_any_bytes():
    raw = bytes(range(1, 200))
    for label, key in forms(raw):
        assert wsaccept.accept(key, lenient=True) == oracle(raw), label


def test_into_forms_write_the_callers_buffers():
    keys, accepts = wsaccept.generate(500, seed=3)
    out = bytearray(len(accepts))
    status = bytearray(b"\x55" * 500)  # stale bytes: each must be overwritten
    assert wsaccept.accept_batch_into(keys, out, status) == 0
    assert out == accepts and status == bytes(500)
    bad = bytearray(keys)
    bad[24 * 7] = ord("!")
    out2 = memoryview(bytearray(len(accepts) + 10))[5:-5]
    assert wsaccept.accept_batch_into(bad, out2, threads=0) == 1
    assert out2[28 * 7:28 * 8] == bytes(28) and out2[:28 * 7] == accepts[:28 * 7]

    result = array.array("b", [9] * 500)
    assert wsaccept.verify_batch_into(keys, accepts, result) == 0
    assert set(result) == {1}
    assert wsaccept.verify_batch_into(bad, accepts) == 1

    gen_keys, gen_accepts = bytearray(24 * 1000), bytearray(28 * 1000)
    wsaccept.generate_into(gen_keys, gen_accepts, seed=42)
    assert (bytes(gen_keys), bytes(gen_accepts)) == wsaccept.generate(1000, seed=42)
    only_keys = bytearray(24 * 10)
    wsaccept.generate_into(only_keys, seed=42)
    assert only_keys == gen_keys[:240]


def test_into_forms_with_numpy():
    np = pytest.importorskip("numpy")
    keys, accepts = wsaccept.generate(64, seed=1)
    out = np.zeros(64 * 28, dtype=np.uint8)
    assert wsaccept.accept_batch_into(np.frombuffer(keys, dtype=np.uint8), out) == 0
    assert out.tobytes() == accepts
    k = np.zeros((64, 24), dtype=np.uint8)
    wsaccept.generate_into(k, seed=1)
    assert k.tobytes() == keys


@pytest.mark.parametrize("bad", [12, 1.5, None, [SAMPLE_KEY], object(), {"k": 1}])
def test_non_bytes_arguments_are_type_errors(bad):
    calls = [
        lambda: wsaccept.accept(bad),
        lambda: wsaccept.verify(bad, SAMPLE_ACCEPT),
        lambda: wsaccept.verify(SAMPLE_KEY, bad),
        lambda: wsaccept.response(bad),
        lambda: wsaccept.accept_batch(bad),
        lambda: wsaccept.verify_batch(SAMPLE_KEY, bad),
        lambda: wsaccept.accept_batch_into(SAMPLE_KEY, bad),
        lambda: wsaccept.generate_into(bad),
    ]
    if bad is not None:  # protocol=None: no protocol header
        calls.append(lambda: wsaccept.response(SAMPLE_KEY, bad))
    if not hasattr(bad, "__iter__"):  # an iterable of keys is a scattered batch
        calls.append(lambda: wsaccept.accept_scattered(bad))
    calls.append(lambda: wsaccept.accept_scattered([SAMPLE_KEY, bad]))
    for call in calls:
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value), "a TypeError must say why"


def test_type_errors_name_the_argument():
    with pytest.raises(TypeError, match="not int") as info:
        wsaccept.verify(SAMPLE_KEY, 12)  # type: ignore[arg-type]
    assert "accept_value" in "".join(getattr(info.value, "__notes__", []))
    with pytest.raises(TypeError) as info:
        wsaccept.accept_scattered([SAMPLE_KEY, SAMPLE_KEY, 3])  # type: ignore[list-item]
    assert "keys[2]" in "".join(getattr(info.value, "__notes__", []))


def test_unusable_buffers():
    with pytest.raises(TypeError, match="C-contiguous"):
        wsaccept.accept(memoryview(SAMPLE_KEY * 2)[::2])
    with pytest.raises(ValueError, match="ASCII"):
        wsaccept.accept("dGhlIHNhbXBsZSBub25jZQ=\u00e9")
    with pytest.raises(TypeError, match="writable"):
        wsaccept.accept_batch_into(SAMPLE_KEY, bytes(28))
    with pytest.raises(TypeError, match="writable"):
        wsaccept.generate_into(memoryview(bytearray(24)).toreadonly())
    with pytest.raises(ValueError, match="expected 28"):
        wsaccept.accept_batch_into(SAMPLE_KEY, bytearray(27))
    with pytest.raises(ValueError, match="status"):
        wsaccept.accept_batch_into(SAMPLE_KEY, bytearray(28), bytearray(2))
    with pytest.raises(ValueError, match="expected 1"):
        wsaccept.verify_batch_into(SAMPLE_KEY, SAMPLE_ACCEPT, bytearray(0))
    with pytest.raises(ValueError, match="multiple of 24"):
        wsaccept.generate_into(bytearray(25))
    with pytest.raises(ValueError, match="expected 28"):
        wsaccept.generate_into(bytearray(24), bytearray(24))
    with pytest.raises(ValueError, match="2 keys but 1 accepts"):
        wsaccept.verify_batch(SAMPLE_KEY * 2, SAMPLE_ACCEPT)


def test_overlapping_buffers_are_refused():
    keys, _ = wsaccept.generate(10, seed=1)
    shared = bytearray(keys + bytes(28 * 10))
    view = memoryview(shared)
    with pytest.raises(ValueError, match="overlaps"):
        wsaccept.accept_batch_into(view[:240], view[200:480])
    buf = bytearray(24 * 10 + 28 * 10)
    with pytest.raises(ValueError, match="overlaps"):
        wsaccept.generate_into(memoryview(buf)[:240], memoryview(buf)[100:380])
    out = bytearray(280)
    with pytest.raises(ValueError, match="overlaps"):
        wsaccept.accept_batch_into(keys, memoryview(out), memoryview(out)[:10])
    # Empty buffers overlap nothing; adjacent ones do not overlap.
    assert wsaccept.accept_batch_into(b"", bytearray(0), bytearray(0)) == 0
    wsaccept.generate_into(bytearray(0), bytearray(0))
    assert wsaccept.accept_batch_into(view[:240], view[240:]) == 0
    assert bytes(view[240:]) == wsaccept.generate(10, seed=1)[1]


def test_key_errors_say_which_byte():
    with pytest.raises(wsaccept.WsacceptError) as info:
        wsaccept.accept(b"dGhlIHNhbXBsZ!Bub25jZQ==")
    assert info.value.name == "WSACCEPT_KEY_ALPHABET"
    assert "'!'" in str(info.value) and "position 13" in str(info.value)
    with pytest.raises(wsaccept.WsacceptError, match="5 bytes long"):
        wsaccept.accept(b"short")


def test_error_constructed_by_hand_and_pickled():
    err = wsaccept.WsacceptError(wsaccept.WSACCEPT_KEY_LENGTH)
    assert err.status == -2 and err.name == "WSACCEPT_KEY_LENGTH"
    assert wsaccept.strerror(-2) in str(err)
    assert wsaccept.WsacceptError(-100).name == "WSACCEPT_UNKNOWN"
    try:
        wsaccept.accept(b"short")
    except wsaccept.WsacceptError as e:
        back = pickle.loads(pickle.dumps(e))
        assert (back.status, back.name, str(back)) == (e.status, e.name, str(e))


def test_integer_arguments_with_index():
    class Two:
        def __index__(self):
            return 2

    keys, accepts = wsaccept.generate(Two(), seed=Two())
    assert wsaccept.accept_batch(keys, threads=Two()).out == accepts
    np = pytest.importorskip("numpy")
    assert wsaccept.generate(np.int64(2), seed=np.uint64(2)) == (keys, accepts)


def test_results_are_named_tuples():
    keys, accepts = wsaccept.generate(3, seed=1)
    out, status, invalid = wsaccept.accept_batch(keys)
    assert (out, status, invalid) == (accepts, bytes(3), 0)
    result, failed = wsaccept.verify_batch(keys, accepts)
    assert (result, failed) == (b"\x01" * 3, 0)
    assert isinstance(wsaccept.accept_batch(keys), wsaccept.BatchResult)
    assert isinstance(wsaccept.verify_batch(keys, accepts), wsaccept.VerifyResult)


def test_every_function_has_a_docstring():
    for name in wsaccept.__all__:
        obj = getattr(wsaccept, name)
        if callable(obj):
            assert obj.__doc__ and len(obj.__doc__) > 20, name


def test_counts_too_large_for_a_bytes_object():
    # n * 28 fits a 64-bit size, n * 24 bytes does not fit a bytes object: OverflowError (once a
    # SystemError from CPython, "negative size"); smaller but unallocatable counts: MemoryError.
    with pytest.raises(OverflowError, match="larger than a bytes object"):
        wsaccept.generate(2**59)
    with pytest.raises(MemoryError):
        wsaccept.generate(2**50)

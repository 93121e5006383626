"""Threads, fork and size: 16 threads calling at once (checked against hashlib), a bytearray
resized by another thread during a batch, the GIL released while a batch runs, a forked child
calling after its parent did, and 10M keys in one call within a memory bound."""

import base64
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import List

import pytest

import wsaccept

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def oracle(key: bytes) -> bytes:
    return base64.b64encode(hashlib.sha1(key.strip(b" \t") + GUID).digest())


def random_keys(n: int, seed: int) -> List[bytes]:
    rng = random.Random(seed)
    return [base64.b64encode(rng.randbytes(16)) for _ in range(n)]


def test_sixteen_threads_at_once_agree_with_hashlib():
    barrier = threading.Barrier(16)
    errors = []

    def work(seed: int) -> None:
        keys = random_keys(300, seed)
        want = [oracle(k) for k in keys]
        flat = b"".join(keys)
        big_keys, big_accepts = wsaccept.generate(20_000, seed)
        barrier.wait()
        try:
            for _ in range(3):
                if [wsaccept.accept(k) for k in keys] != want:
                    errors.append((seed, "accept"))
                if not all(wsaccept.verify(k, a) for k, a in zip(keys, want)):
                    errors.append((seed, "verify"))
                if wsaccept.accept_batch(flat, threads=seed % 3).out != b"".join(want):
                    errors.append((seed, "accept_batch"))
                if wsaccept.accept_scattered(keys, threads=0).out != b"".join(want):
                    errors.append((seed, "accept_scattered"))
                # Large enough for the parallel path (threads=0: all cores).
                if wsaccept.accept_batch(big_keys, threads=0).out != big_accepts:
                    errors.append((seed, "accept_batch 20k"))
                if wsaccept.verify_batch(big_keys, big_accepts, threads=2).failed:
                    errors.append((seed, "verify_batch 20k"))
            sample = range(0, 20_000, 997)
            if any(big_accepts[28 * i:28 * i + 28] != oracle(big_keys[24 * i:24 * i + 24])
                   for i in sample):
                errors.append((seed, "generate vs hashlib"))
        except Exception as e:  # noqa: BLE001 - reported below with the thread's seed
            errors.append((seed, repr(e)))

    threads = [threading.Thread(target=work, args=(s,)) for s in range(1, 17)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    assert errors == []


def test_bytearray_resized_by_another_thread_during_batches():
    """The batch holds the bytearray's buffer export while it runs without the GIL, so a resize
    from another thread meanwhile raises BufferError there; between batches it succeeds. Every
    batch sees a whole buffer: its result is right for the keys it saw."""
    n = 200_000
    keys, accepts = wsaccept.generate(n, seed=11)
    extra_key, extra_accept = keys[:24], accepts[:28]
    buf = bytearray(keys)
    stop = threading.Event()
    counts = {"refused": 0, "resized": 0}

    def resizer() -> None:
        while not stop.is_set():
            try:
                buf.extend(extra_key)  # n + 1 keys, the last a copy of the first
                counts["resized"] += 1
                del buf[-24:]
            except BufferError:
                counts["refused"] += 1

    t = threading.Thread(target=resizer)
    t.start()
    try:
        deadline = time.monotonic() + 20
        rounds = 0
        while rounds < 30 or (counts["refused"] == 0 and time.monotonic() < deadline):
            res = wsaccept.accept_batch(buf, threads=rounds % 2)
            assert res.invalid == 0
            assert res.out[:28 * n] == accepts
            assert res.out[28 * n:] in (b"", extra_accept)
            rounds += 1
    finally:
        stop.set()
        t.join()
    assert counts["refused"] > 0, "no resize was ever refused: was the export held?"
    assert counts["resized"] > 0


def test_the_gil_is_released_while_a_batch_runs():
    keys, _ = wsaccept.generate(2_000_000, seed=2)
    span = {}

    def batch() -> None:
        span["start"] = time.perf_counter()
        wsaccept.accept_batch(keys)
        span["end"] = time.perf_counter()

    t = threading.Thread(target=batch)
    ticks = []
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
    t.join()
    start, end = span["start"], span["end"]
    inside = [x for x in ticks if start < x < end]
    # With the GIL held for the whole call, this thread could not run at all meanwhile.
    assert len(inside) > 10, f"{len(inside)} ticks during a {end - start:.3f} s batch"


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
# Forking a process that has threads (the parallel pool's) is the point; Python 3.12+ warns.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_forked_child_calls_after_the_parent_did():
    keys, accepts = wsaccept.generate(50_000, seed=4)
    # The parent uses the library first, parallel pool included.
    assert wsaccept.accept_batch(keys, threads=0).out == accepts
    assert wsaccept.accept(keys[:24]) == accepts[:28]
    pid = os.fork()
    if pid == 0:  # the child: any failure is its exit status
        ok = False
        try:
            ok = (wsaccept.accept_batch(keys, threads=0).out == accepts
                  and wsaccept.accept_batch(keys, threads=2).out == accepts
                  and wsaccept.verify_batch(keys, accepts, threads=0).failed == 0
                  and wsaccept.accept(keys[:24]) == accepts[:28]
                  and wsaccept.generate(5, seed=4)[0] == keys[:120])
        finally:
            os._exit(0 if ok else 1)
    deadline = time.monotonic() + 60
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked child hung")
        time.sleep(0.01)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status


def test_ten_million_keys_in_one_call_within_a_memory_bound():
    """In a fresh interpreter: the peak resident size while accept_batch runs on 10M keys grows
    by the two results it returns (280 MB of accepts, 10 MB of status) and little more: no copy
    of the keys, no per-key objects."""
    code = textwrap.dedent("""
        import resource, sys, wsaccept
        n = 10_000_000
        keys, accepts = wsaccept.generate(n, seed=7)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        res = wsaccept.accept_batch(keys, threads=0)
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        assert res.invalid == 0 and res.out == accepts
        assert wsaccept.verify_batch(keys, res.out, threads=0).failed == 0
        sys.stdout.write(f"{before} {after}")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    before, after = (int(x) * 1024 for x in out.stdout.split())  # ru_maxrss: KiB on Linux
    results = 10_000_000 * (28 + 1)
    grown = after - before
    assert grown <= results + 32 * 2**20, f"grew {grown / 2**20:.0f} MiB for a {results / 2**20:.0f} MiB result"

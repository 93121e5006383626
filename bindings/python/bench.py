"""How fast the extension is, against the standard library and against the Rust engine.

    python bench.py [--engine PATH/TO/wsaccept] [--pairs 301] [--rounds 21] [--keys 1000000]

One process. Single keys: ``wsaccept.accept(key)`` against
``base64.b64encode(hashlib.sha1(key + GUID).digest())`` and ``wsaccept.verify`` against that
line followed by ``==``, in interleaved rounds over the same keys (each round times both, so a
disturbance hits a pair, not one side); the ratio reported is the median of the rounds' own
ratios. Batches: ``accept_batch`` and ``generate`` (and their ``*_into`` forms, which reuse
the caller's buffers) on ``--keys`` keys (default 1M), one thread, interleaved rounds, the best
per-key time of each (the least disturbed, as the engine's figures are), compared with the
engine's figures from ``PATH/TO/wsaccept bench --threads 1`` (the CLI's "engine accept_batch"
and "engine generate + accept" rows: the Rust library on the same machine, reusing its
buffers), which this script runs before its own rounds when ``--engine`` is given. Run it from
any folder with the package installed (the source folder beside it has no extension).
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

# The installed package, not the source folder next to this script (which has no extension).
_here = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _here]

import wsaccept  # noqa: E402

GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def timed(fn: Callable[[], object]) -> float:
    start = time.perf_counter_ns()
    fn()
    return float(time.perf_counter_ns() - start)


def paired(rounds: int, per_round: int, ours: Callable[[], object],
           theirs: Callable[[], object]) -> Tuple[float, float, float]:
    """Median ns per call of each side and the median of the rounds' ratios (theirs / ours);
    the two sides alternate which goes first."""
    ours_ns: List[float] = []
    theirs_ns: List[float] = []
    for r in range(rounds):
        if r % 2:
            t, o = timed(theirs), timed(ours)
        else:
            o, t = timed(ours), timed(theirs)
        ours_ns.append(o / per_round)
        theirs_ns.append(t / per_round)
    ratios = [t / o for t, o in zip(theirs_ns, ours_ns)]
    return statistics.median(ours_ns), statistics.median(theirs_ns), statistics.median(ratios)


def engine_figures(path: str, keys: int) -> Dict[str, float]:
    """ns/key of the CLI bench's engine rows: {"accept_batch": ..., "generate": ...}."""
    out = subprocess.run([path, "bench", "--keys", str(keys), "--threads", "1"],
                         capture_output=True, text=True, check=True).stdout
    figures: Dict[str, float] = {}
    for line in out.splitlines():
        for label, name in (("engine accept_batch", "accept_batch"),
                            ("engine generate + accept", "generate")):
            if line.startswith(label):
                # implementation, keys/s, ns/key, ...
                figures[name] = float(line[len(label):].split()[1])
    if len(figures) != 2:
        raise SystemExit(f"could not read the engine rows from `{path} bench`:\n{out}")
    return figures


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--engine", help="path of the wsaccept command (target/release/wsaccept)")
    ap.add_argument("--rounds", type=int, default=21)
    ap.add_argument("--keys", type=int, default=1_000_000, help="keys per batch round")
    ap.add_argument("--single", type=int, default=2_000,
                    help="single-key calls per side of a pair (short: the pair's two sides see "
                         "the same machine load)")
    ap.add_argument("--pairs", type=int, default=301, help="paired rounds of single keys")
    args = ap.parse_args(argv)

    engine = engine_figures(args.engine, args.keys) if args.engine else None
    print(f"wsaccept {wsaccept.version()} (backend {wsaccept.backend()}), Python "
          f"{platform.python_version()}, {cpu_model()}, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")

    flat, accepts_flat = wsaccept.generate(args.single, seed=1)
    keys = [flat[24 * i:24 * i + 24] for i in range(args.single)]
    accepts = [accepts_flat[28 * i:28 * i + 28] for i in range(args.single)]
    pairs = list(zip(keys, accepts))
    accept, verify = wsaccept.accept, wsaccept.verify
    b64, sha1 = base64.b64encode, hashlib.sha1
    for k, a in pairs[:100]:
        assert accept(k) == a == b64(sha1(k + GUID).digest())

    def ours_accept() -> None:
        for k in keys:
            accept(k)

    def theirs_accept() -> None:
        for k in keys:
            b64(sha1(k + GUID).digest())

    def ours_verify() -> None:
        for k, a in pairs:
            verify(k, a)

    def theirs_verify() -> None:
        for k, a in pairs:
            b64(sha1(k + GUID).digest()) == a  # noqa: B015 - the comparison is the work

    rows = []
    o, t, ratio = paired(args.pairs, args.single, ours_accept, theirs_accept)
    rows.append(("accept(key)", o, "b64encode(sha1(key + GUID).digest())", t, ratio, 4.0))
    o, t, ratio = paired(args.pairs, args.single, ours_verify, theirs_verify)
    rows.append(("verify(key, accept)", o, "... == accept", t, ratio, 3.5))
    print(f"\nsingle keys: median of {args.pairs} paired rounds of {args.single} calls "
          "(loop included on both sides)")
    print(f"{'call':<22}{'ns/call':>9}   {'standard library':<38}{'ns/call':>9}{'speedup':>9}"
          f"{'target':>8}")
    for name, o, other, t, ratio, target in rows:
        print(f"{name:<22}{o:>9.1f}   {other:<38}{t:>9.1f}{ratio:>8.2f}x{target:>7.1f}x")

    n = args.keys
    batch_keys, batch_accepts = wsaccept.generate(n, seed=2)
    assert wsaccept.accept_batch(batch_keys).out == batch_accepts
    out, status = bytearray(28 * n), bytearray(n)
    gen_keys, gen_accepts = bytearray(24 * n), bytearray(28 * n)
    measures = {
        "accept_batch": lambda: wsaccept.accept_batch(batch_keys),
        "accept_batch_into": lambda: wsaccept.accept_batch_into(batch_keys, out, status),
        "generate": lambda: wsaccept.generate(n, seed=3),
        "generate_into": lambda: wsaccept.generate_into(gen_keys, gen_accepts, seed=3),
    }
    times: Dict[str, List[float]] = {name: [] for name in measures}
    for _ in range(args.rounds):
        for name, fn in measures.items():  # interleaved too
            times[name].append(timed(fn) / n)
    print(f"\nbatches of {n} keys, one thread: best of {args.rounds} rounds (as the engine's "
          "figures are: the least disturbed)")
    print(f"{'call':<22}{'ns/key':>9}{'engine ns/key':>15}{'ratio':>8}{'target':>8}")
    for name, engine_row, target in (("accept_batch", "accept_batch", 1.3),
                                     ("accept_batch_into", "accept_batch", None),
                                     ("generate", "generate", 1.3),
                                     ("generate_into", "generate", None)):
        ours = min(times[name])
        if engine:
            ref = engine[engine_row]
            tgt = f"{target:.1f}x" if target else "-"
            print(f"{name:<22}{ours:>9.2f}{ref:>15.2f}{ours / ref:>7.2f}x{tgt:>8}")
        else:
            print(f"{name:<22}{ours:>9.2f}{'-':>15}{'-':>8}{'-':>8}")
    if engine:
        print("engine: `wsaccept bench --threads 1` (run by this script just before, same "
              "machine; engine rows reuse their buffers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

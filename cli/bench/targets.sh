#!/usr/bin/env bash
# The command-line throughput targets of issue 13, measured in one run on the same 4M keys:
#   accept --threads 1 on a file: at most 2x the engine's one-thread batch cost per key;
#   verify --threads 1: at most 3x; gen --threads 1: at most 2x the engine's generate + accept;
#   --threads 0 at least 1.5x faster than --threads 1 for accept and verify.
# The file runs go through hyperfine (process start and reading the file count, output to
# /dev/null); the engine's costs come from `wsaccept bench` on the same machine, just before.
# Run it on a quiet machine: other work running at the same time makes every ratio meaningless.
#
# Usage: cli/bench/targets.sh [KEYS] [RUNS]   (defaults 4000000 and 20)
# Environment: WSACCEPT (the binary; default target/release/wsaccept, built if missing),
# TMPDIR (where the key files go: about 320 MB for 4M keys).
set -euo pipefail

keys=${1:-4000000}
runs=${2:-20}
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=${WSACCEPT:-$root/target/release/wsaccept}
if [ -z "${WSACCEPT:-}" ] && [ ! -x "$bin" ]; then
    (cd "$root" && cargo build --release -p wsaccept-cli)
fi
command -v hyperfine >/dev/null || { echo "targets.sh: hyperfine is needed" >&2; exit 2; }

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$bin" gen "$keys" --seed 1 --threads 1 > "$dir/pairs.txt"
cut -f1 "$dir/pairs.txt" > "$dir/keys.txt"

echo "== wsaccept bench --keys $keys --threads 1 (the engine's costs per key)"
"$bin" bench --keys "$keys" --rounds 5 --threads 1 | tee "$dir/bench.txt"
# The ns/key column of a bench row (rows are `NAME  keys/s  ns/key  cycles/key  speedup`).
ns_of() { grep -F "$1" "$dir/bench.txt" | awk '{print $(NF-2)}' | head -1; }
engine=$(ns_of "engine accept_batch")
engine_gen=$(ns_of "engine generate + accept")

echo
echo "== hyperfine: the commands on files of $keys keys, output to /dev/null"
hyperfine -N -w 3 -r "$runs" --output=null --export-csv "$dir/runs.csv" \
    -n accept1 "$bin accept --threads 1 $dir/keys.txt" \
    -n accept0 "$bin accept --threads 0 $dir/keys.txt" \
    -n verify1 "$bin verify --threads 1 $dir/pairs.txt" \
    -n verify0 "$bin verify --threads 0 $dir/pairs.txt" \
    -n gen1 "$bin gen $keys --seed 1 --threads 1"

# Mean seconds of a hyperfine row (CSV: command,mean,stddev,median,user,system,min,max).
mean_of() { awk -F, -v n="$1" '$1 == n {print $2}' "$dir/runs.csv"; }

echo
echo "== issue 13 targets"
awk -v keys="$keys" -v engine="$engine" -v engine_gen="$engine_gen" \
    -v a1="$(mean_of accept1)" -v a0="$(mean_of accept0)" \
    -v v1="$(mean_of verify1)" -v v0="$(mean_of verify0)" -v g1="$(mean_of gen1)" '
function verdict(ok) { return ok ? "PASS" : "FAIL" }
function per_key(label, secs, base, limit,   ns, r) {
    ns = secs * 1e9 / keys; r = ns / base
    printf "%-34s %7.2f ns/key = %.2fx the engine (%.2f ns), target <= %gx: %s\n",
        label, ns, r, base, limit, verdict(r <= limit)
    fails += r > limit
}
function speedup(label, one, all,   r) {
    r = one / all
    printf "%-34s %.2fx faster than --threads 1 (%.1f vs %.1f ms), target >= 1.5x: %s\n",
        label, r, all * 1e3, one * 1e3, verdict(r >= 1.5)
    fails += r < 1.5
}
BEGIN {
    per_key("accept --threads 1 (file)", a1, engine, 2)
    per_key("verify --threads 1 (file)", v1, engine, 3)
    per_key("gen --threads 1", g1, engine_gen, 2)
    speedup("accept --threads 0 (file)", a1, a0)
    speedup("verify --threads 0 (file)", v1, v0)
    exit fails > 0
}'

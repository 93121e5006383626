#!/usr/bin/env bash
# Instructions per key of `portable` and `avx2` batches, before (REV) and after (this tree),
# counted by valgrind's callgrind: timing cannot resolve a few percent on a shared VM, counts do
# not vary. valgrind's CPU has AVX2 but not AVX-512 (nor SHA-NI), so those are not counted.
# Each figure is the difference of two runs of different lengths, so setup cancels out.
#
# Usage: benches/icount/run.sh REV     (e.g. a09742b); needs valgrind.
set -euo pipefail
rev=${1:?usage: run.sh REV}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/before" 2>/dev/null || true; rm -rf "$work"' EXIT
git -C "$root" worktree add --detach "$work/before" "$rev" >/dev/null 2>&1
for side in before after; do
    tree=$root; [ "$side" = before ] && tree=$work/before
    mkdir -p "$work/$side-driver/src"
    cp "$root/benches/icount/src/main.rs" "$work/$side-driver/src/"
    sed "s|path = \"../..\"|path = \"$tree\"|" "$root/benches/icount/Cargo.toml" > "$work/$side-driver/Cargo.toml"
    cargo build --release --quiet --manifest-path "$work/$side-driver/Cargo.toml"
done
ir() { valgrind --tool=callgrind --callgrind-out-file=/dev/null "$@" 2>&1 | awk '/Collected/ {print $4}'; }
printf '%-8s %-9s %18s %18s\n' side backend "instr/16-key call" "instr/key (200k)"
for side in before after; do
    bin=$work/$side-driver/target/release/icount
    for backend in portable avx2; do
        a1=$(ir "$bin" "$backend" 16 1000); a2=$(ir "$bin" "$backend" 16 3000)
        c1=$(ir "$bin" "$backend" 200000 1); c2=$(ir "$bin" "$backend" 200000 2)
        printf '%-8s %-9s %18d %18d\n' "$side" "$backend" $(((a2 - a1) / 2000)) $(((c2 - c1) / 200000))
    done
done

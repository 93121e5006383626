#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (Python and Node
# WebSocket peers, pytest), builds the release library, then runs every Rust test (unit,
# integration, property, CLI, C/C++ ABI and example-peer tests) and the Python binding tests.
#
#   bash tests/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }

say "toolchain: $(cargo --version), $(cc --version | head -1)"
if [ -f tests/setup.sh ]; then
    bash tests/setup.sh
fi

say "build (release)"
cargo build --release --all-targets

say "Rust tests (release)"
cargo test --release

say "backends this CPU has, each checked against the reference (tests/backends.rs)"
./target/release/wsaccept backends
# A failing run stops here with its whole output; a passing one shows only what it skipped.
backends_out=$(cargo test --release --test backends -- --nocapture 2>&1) || {
    echo "$backends_out"
    exit 1
}
grep -E 'SKIPPED|^test result' <<<"$backends_out"

if [ -d bindings/python/tests ]; then
    say "Python binding tests"
    python3 -m pytest -q bindings/python
fi

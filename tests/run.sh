#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (Python and Node
# WebSocket peers, pytest, cargo-c), builds the release library, then runs every Rust test
# (unit, integration, property, CLI, C/C++ ABI, example-peer and dependency-tree tests), the
# C/C++ install test (cargo cinstall + pkg-config and CMake consumers) and the Python package's
# tests against a fresh `pip install` of it.
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

say "install: cargo cinstall into a temporary prefix, pkg-config and CMake consumers (tests/install.sh)"
# Its own cargo target directory, as the Python package's below: cargo-c re-runs host build
# scripts in target/release/build, which made every test binary there rebuild afterwards (a
# second full release build of the tests in .ci/run).
CARGO_TARGET_DIR="$PWD/target/cinstall" bash tests/install.sh

say "Python: pip install ./bindings/python into a fresh venv, pytest against the installed package"
venv=target/py-venv
rm -rf "$venv"
python3 -m venv "$venv"
"$venv/bin/python" -m pip install -q --upgrade pip
# Its own cargo target directory: the package builds the library with other features than the
# workspace build, and would otherwise make target/release rebuild.
CARGO_TARGET_DIR="$PWD/target/python" "$venv/bin/python" -m pip install -q ./bindings/python \
    -r bindings/python/requirements-test.txt
"$venv/bin/python" -m pytest -q bindings/python

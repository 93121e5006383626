#!/usr/bin/env bash
# The whole test suite, on a fresh machine: installs what the tests need (Python and Node
# WebSocket peers, pytest, cargo-c), builds the release library, then runs every Rust test
# (unit, integration, property, CLI, C/C++ ABI, example-peer and dependency-tree tests), the
# C/C++ install test (cargo cinstall + pkg-config and CMake consumers) and the Python extension
# module's tests against fresh installs of it (pip from the repository, and its sdist's wheel).
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

say "Python: the extension module built by pip and from its sdist, tested in fresh venvs (bindings/python/tests/ci.sh)"
# Its own cargo target directory (target/python): the package builds the library with other
# features than the workspace build, and would otherwise make target/release rebuild.
CARGO_TARGET_DIR="$PWD/target/python" bash bindings/python/tests/ci.sh

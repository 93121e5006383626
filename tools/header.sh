#!/usr/bin/env bash
# Regenerates the committed C header include/wsaccept.h from src/ffi/ with a pinned cbindgen
# (the library has no build-time cbindgen: a user's build never compiles it, and build.rs
# writes nothing into the source tree).
#
#   bash tools/header.sh           # rewrite include/wsaccept.h
#   bash tools/header.sh --check   # fail, with the diff, if the committed header is stale (CI)
#
# tests/setup.sh installs the pinned version where it is missing; a different cbindgen may
# format the header differently, so this refuses to run with one.
set -euo pipefail
cd "$(dirname "$0")/.."

CBINDGEN_VERSION=0.27.0
cbindgen=${CBINDGEN:-cbindgen}
if ! have=$("$cbindgen" --version 2>/dev/null); then
    echo "header.sh: cbindgen not found; install it: cargo install cbindgen --version $CBINDGEN_VERSION --locked" >&2
    exit 2
fi
if [ "$have" != "cbindgen $CBINDGEN_VERSION" ]; then
    echo "header.sh: found '$have', need cbindgen $CBINDGEN_VERSION (cargo install cbindgen --version $CBINDGEN_VERSION --locked --force)" >&2
    exit 2
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
"$cbindgen" --quiet --config cbindgen.toml --output "$tmp" src/ffi/mod.rs
case "${1:-}" in
    --check)
        if ! diff -u include/wsaccept.h "$tmp"; then
            echo "header.sh: include/wsaccept.h is stale: run 'bash tools/header.sh' and commit it" >&2
            exit 1
        fi
        echo "include/wsaccept.h is what cbindgen $CBINDGEN_VERSION generates from src/ffi/"
        ;;
    "")
        cp "$tmp" include/wsaccept.h
        echo "wrote include/wsaccept.h"
        ;;
    *)
        echo "usage: bash tools/header.sh [--check]" >&2
        exit 2
        ;;
esac

#!/usr/bin/env bash
# Rewrites the committed C header include/wsaccept.h with the one build.rs generates from
# src/ffi/ (the `capi` feature's build-dependency, a pinned cbindgen: nothing to install).
# tests/header.rs fails while the two differ.
#
#   bash tools/header.sh           # rewrite include/wsaccept.h
#   bash tools/header.sh --check   # fail, with the diff, if the committed header is stale
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
    "" | --check) ;;
    *)
        echo "usage: bash tools/header.sh [--check]" >&2
        exit 2
        ;;
esac

# The release profile, so a tree that was just built compiles nothing again.
out_dir=$(cargo build --release --quiet -p wsaccept --features capi --lib \
        --message-format=json-render-diagnostics \
    | grep '"reason":"build-script-executed"' \
    | grep '"package_id":"[^"]*#wsaccept@' \
    | sed -n 's/.*"out_dir":"\([^"]*\)".*/\1/p' | tail -1)
generated="$out_dir/wsaccept.h"
[ -f "$generated" ] || { echo "header.sh: the build made no $generated" >&2; exit 1; }

if [ "${1:-}" = --check ]; then
    if ! diff -u include/wsaccept.h "$generated"; then
        echo "header.sh: include/wsaccept.h is stale: run 'bash tools/header.sh' and commit it" >&2
        exit 1
    fi
    echo "include/wsaccept.h is the header build.rs generates from src/ffi/"
else
    cp "$generated" include/wsaccept.h
    echo "wrote include/wsaccept.h"
fi

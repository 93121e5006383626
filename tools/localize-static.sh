#!/usr/bin/env bash
# Makes a libwsaccept.a whose only global symbols are the C ABI's `wsaccept_*`: one relocatable
# object holding the library and the parts of std it uses (`ld -r`, starting from the exports),
# every other symbol made local and the COMDAT groups dissolved, so nothing in it can meet a
# symbol of another Rust static library, even under `-Wl,--whole-archive`. The archive cargo
# builds already links next to another Rust static library (each std object is taken once);
# this is for a program that takes whole archives, or that wants no Rust symbol exposed.
# Needs GNU binutils (ld, objcopy, ar, nm).
#
#   bash tools/localize-static.sh target/release/libwsaccept.a OUT.a
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: bash tools/localize-static.sh IN.a OUT.a" >&2; exit 2; }
in=$1
out=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The exports, as roots for the relocatable link (it takes only the members they need).
mapfile -t exports < <(nm -g --defined-only --format=posix "$in" 2>/dev/null \
    | awk '$1 ~ /^wsaccept_/ && $2 == "T" { print $1 }' | sort -u)
[ ${#exports[@]} -gt 0 ] || { echo "localize-static.sh: no wsaccept_* symbol in $in" >&2; exit 1; }
roots=()
for sym in "${exports[@]}"; do roots+=(-u "$sym"); done

ld -r "${roots[@]}" "$in" -o "$tmp/wsaccept.o"
# .llvmbc/.llvmcmd: std's embedded bitcode, meaningless once merged (and unreadable to a
# linker plugin); .group: the COMDAT groups, whose signature symbols would otherwise stay
# shared with another library's copies.
objcopy -R .llvmbc -R .llvmcmd -R .group --wildcard -G 'wsaccept_*' "$tmp/wsaccept.o" "$tmp/local.o"
rm -f "$out"
ar rcs "$out" "$tmp/local.o"
echo "wrote $out: ${#exports[@]} global symbols (wsaccept_*)"

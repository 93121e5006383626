#!/usr/bin/env bash
# The install a C or C++ user does, end to end: `cargo cinstall` (cargo-c) into a temporary
# prefix, then programs built only from what it installed:
#   - C through pkg-config, shared (needs libwsaccept.so.0 at run time) and static (needs no
#     libwsaccept.so: checked with readelf);
#   - a CMake project (tests/install/) through find_package(wsaccept CONFIG): a C and a C++
#     program against wsaccept::wsaccept and against wsaccept::wsaccept_static;
#   - the static library next to another Rust static library (tests/link/), in both orders.
# Every program runs and checks the RFC 6455 sample accept. Needs cargo-c (tests/setup.sh
# installs it), cmake, pkg-config and a C/C++ compiler.
#
#   bash tests/install.sh
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n==> %s\n' "$*"; }
fail() { echo "install.sh: $*" >&2; exit 1; }

command -v cargo-cinstall >/dev/null || fail "cargo-c missing: cargo install cargo-c --version 0.10.24 --locked (tests/setup.sh)"
for tool in cmake pkg-config readelf cc c++; do
    command -v "$tool" >/dev/null || fail "$tool missing (tests/setup.sh installs it)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/wsaccept-install.XXXXXX")
trap 'rm -rf "$work"' EXIT
prefix="$work/prefix"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)

say "cargo cinstall --release --prefix $prefix -p wsaccept"
cargo cinstall --release --prefix "$prefix" -p wsaccept

say "what it installed"
(cd "$prefix" && find . -type f -o -type l | sort)
pc=$(find "$prefix" -name wsaccept.pc)
[ -n "$pc" ] || fail "no wsaccept.pc installed"
libdir=$(dirname "$(dirname "$pc")")
for f in "$libdir/libwsaccept.a" "$libdir/libwsaccept.so" "$libdir/libwsaccept.so.0" \
         "$prefix/include/wsaccept.h" "$prefix/include/wsaccept.hpp" \
         "$prefix/lib/cmake/wsaccept/wsacceptConfig.cmake" \
         "$prefix/lib/cmake/wsaccept/wsacceptConfigVersion.cmake"; do
    [ -e "$f" ] || fail "missing: $f"
done
readelf -d "$libdir/libwsaccept.so" | grep -q 'SONAME.*\[libwsaccept\.so\.0\]' \
    || fail "libwsaccept.so has no soname libwsaccept.so.0"
grep -q "set(PACKAGE_VERSION \"$version\")" "$prefix/lib/cmake/wsaccept/wsacceptConfigVersion.cmake" \
    || fail "wsacceptConfigVersion.cmake does not say $version (Cargo.toml's version)"
# The CMake static target's native libraries are the ones cargo-c put in wsaccept.pc.
cmake_libs=$(sed -n 's/^set(_wsaccept_native_libs \(.*\))$/\1/p' "$prefix/lib/cmake/wsaccept/wsacceptConfig.cmake")
for lib in $(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --static --libs-only-l wsaccept); do
    [ "$lib" = -lwsaccept ] && continue
    [[ " $cmake_libs " == *" ${lib#-l} "* ]] || fail "wsaccept.pc needs $lib, wsacceptConfig.cmake does not link it"
done

# The loader must find the library through the rpath only, never through the environment.
unset LD_LIBRARY_PATH
export PKG_CONFIG_PATH="$libdir/pkgconfig"

needs_shared() { readelf -d "$1" | grep -q 'NEEDED.*\[libwsaccept\.so\.0\]'; }

say "C through pkg-config, shared"
# shellcheck disable=SC2046  # pkg-config's flags are meant to split
cc -std=c11 -Wall -Werror tests/install/app.c $(pkg-config --cflags --libs wsaccept) \
    -Wl,-rpath,"$(pkg-config --variable=libdir wsaccept)" -o "$work/c_shared"
needs_shared "$work/c_shared" || fail "c_shared does not load libwsaccept.so.0"
"$work/c_shared"

say "C through pkg-config, static"
# With both libraries installed, -lwsaccept picks the .so even with --static; -l:libwsaccept.a
# names the archive. --static adds the native libraries (Libs.private).
static_libs=$(pkg-config --static --libs-only-l wsaccept | sed 's/-lwsaccept\b//')
# shellcheck disable=SC2046,SC2086
cc -std=c11 -Wall -Werror tests/install/app.c $(pkg-config --cflags wsaccept) \
    $(pkg-config --libs-only-L wsaccept) -l:libwsaccept.a $static_libs -o "$work/c_static"
if needs_shared "$work/c_static" || readelf -d "$work/c_static" | grep -q 'NEEDED.*wsaccept'; then
    fail "c_static needs a shared libwsaccept"
fi
"$work/c_static"

say "the installed libwsaccept.a next to another Rust static library, in both orders"
# tests/link.rs does the same with the build tree's archive.
other="$work/other"
mkdir -p "$other/src"
cp tests/link/other.rs "$other/src/lib.rs"
printf '[package]\nname = "other"\nversion = "0.0.0"\nedition = "2021"\n\n[lib]\ncrate-type = ["staticlib"]\n\n[workspace]\n' \
    >"$other/Cargo.toml"
CARGO_TARGET_DIR="$work/other-target" cargo build --quiet --offline --release --manifest-path "$other/Cargo.toml"
other_a="$work/other-target/release/libother.a"
# shellcheck disable=SC2086
for order in "$libdir/libwsaccept.a $other_a" "$other_a $libdir/libwsaccept.a"; do
    cc -std=c11 -Wall -Werror -I"$prefix/include" tests/link/two_staticlibs.c $order $static_libs \
        -o "$work/two_staticlibs"
    "$work/two_staticlibs"
done

say "CMake: find_package(wsaccept $version CONFIG), C and C++ against each target"
cmake -S tests/install -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" \
    -DWSACCEPT_VERSION="$version" -DCMAKE_BUILD_TYPE=Release
cmake --build "$work/cmake" -j 2
for kind in shared static; do
    for lang in c cpp; do
        exe="$work/cmake/app_${lang}_${kind}"
        if [ "$kind" = shared ]; then
            needs_shared "$exe" || fail "$exe does not load libwsaccept.so.0"
        elif readelf -d "$exe" | grep -q 'NEEDED.*wsaccept'; then
            fail "$exe needs a shared libwsaccept"
        fi
        "$exe"
    done
done

say "install: pkg-config (shared, static) and CMake (C, C++ x shared, static) consumers passed"

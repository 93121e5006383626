#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, only where it is missing, so a second run
# costs nothing: a C/C++ toolchain with the sanitizer runtimes, Node.js and npm, the Python
# packages (pytest, websockets), the Node `ws` package for the peer tests, valgrind for the
# C ABI memcheck run, cmake, pkg-config and python3-venv for the install tests, qemu-user (the
# shani check and tests/aarch64.sh), the aarch64 rustup target and cross toolchain, and the
# pinned cargo-c (tests/install.sh). The header's cbindgen is a build-dependency, not a tool.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v cc >/dev/null && command -v c++ >/dev/null && command -v make >/dev/null \
    || apt_packages+=(build-essential)
command -v node >/dev/null && command -v npm >/dev/null || apt_packages+=(nodejs npm)
command -v valgrind >/dev/null || apt_packages+=(valgrind)
command -v cmake >/dev/null || apt_packages+=(cmake)
command -v pkg-config >/dev/null || apt_packages+=(pkg-config)
command -v python3 >/dev/null || apt_packages+=(python3 python3-pip)
python3 -m pip --version >/dev/null 2>&1 || apt_packages+=(python3-pip)
python3 -c 'import ensurepip, venv' >/dev/null 2>&1 || apt_packages+=(python3-venv)
if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "setup: apt-get install ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

die() {
    echo "setup: $*" >&2
    exit 1
}

# qemu-user, one install for both of its uses: qemu-x86_64 for .ci/run's check of the shani
# backend on CPUs without SHA-NI, qemu-aarch64 for tests/aarch64.sh. On Debian bookworm it comes
# from bookworm-backports (qemu 10: bookworm's own 7.2 does not emulate SHA-NI), and failing that
# this script fails; elsewhere the distribution's qemu-user. Never skipped in silence.
if ! command -v qemu-x86_64 >/dev/null || ! command -v qemu-aarch64 >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    # shellcheck disable=SC1091 # the system's file, not ours
    if [ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = bookworm ]; then
        if ! grep -rqs '^[^#]*bookworm-backports' /etc/apt/sources.list /etc/apt/sources.list.d/; then
            # The same mirror as the main suite's.
            mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources 2>/dev/null)
            echo "deb ${mirror:-http://deb.debian.org/debian} bookworm-backports main" \
                >/etc/apt/sources.list.d/bookworm-backports.list
        fi
        echo "setup: apt-get install -t bookworm-backports qemu-user"
        apt-get update -qq || die "apt-get update failed"
        apt-get install -y -qq -t bookworm-backports qemu-user >/dev/null \
            || die "could not install qemu-user from bookworm-backports (needed: qemu 10 emulates SHA-NI)"
    else
        echo "setup: apt-get install qemu-user"
        apt-get update -qq || die "apt-get update failed"
        apt-get install -y -qq qemu-user >/dev/null || die "could not install qemu-user"
    fi
fi

if ! python3 -c 'import pytest, websockets' 2>/dev/null; then
    echo "setup: pip install pytest websockets"
    reqs=(-r bindings/python/requirements-test.txt -r tests/peers/requirements.txt)
    python3 -m pip install -q "${reqs[@]}" 2>/dev/null \
        || python3 -m pip install -q --break-system-packages "${reqs[@]}"
fi

if [ ! -d tests/peers/node_modules/ws ]; then
    echo "setup: npm ci (tests/peers)"
    (cd tests/peers && npm ci --no-audit --no-fund --loglevel=error)
fi

# cargo-c, pinned and built from source once (~20 minutes on 2 cores). Newer releases need a
# newer rustc.
CARGO_C_VERSION=0.10.24
if ! cargo cinstall --version 2>/dev/null | grep -q "^cargo-c $CARGO_C_VERSION"; then
    echo "setup: cargo install cargo-c --version $CARGO_C_VERSION --locked"
    cargo install cargo-c --version "$CARGO_C_VERSION" --locked
fi

# ---- aarch64 under emulation (tests/aarch64.sh) --------------------------------------------------
# The rustup target and Debian's cross toolchain (C and C++ compilers, the arm64 C library);
# qemu-aarch64 comes with the qemu-user install above. Any failed install ends this script with a
# non-zero status: the aarch64 CI block is never skipped in silence.
aarch64_target=aarch64-unknown-linux-gnu
if ! rustup target list --installed | grep -qx "$aarch64_target"; then
    echo "setup: rustup target add $aarch64_target"
    rustup target add "$aarch64_target" || die "could not add the rustup target $aarch64_target"
fi
cross_packages=()
for pkg in gcc-aarch64-linux-gnu g++-aarch64-linux-gnu libc6-dev-arm64-cross; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' \
        || cross_packages+=("$pkg")
done
if [ ${#cross_packages[@]} -gt 0 ]; then
    echo "setup: apt-get install ${cross_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq || die "apt-get update failed"
    apt-get install -y -qq "${cross_packages[@]}" >/dev/null \
        || die "could not install ${cross_packages[*]}"
fi
for tool in aarch64-linux-gnu-gcc aarch64-linux-gnu-g++ qemu-aarch64 qemu-x86_64; do
    command -v "$tool" >/dev/null || die "$tool is still missing after the installs"
done
[ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ] || die "the arm64 C library is missing (libc6-dev-arm64-cross)"

#!/usr/bin/env bash
# Installs what the test suite needs beyond Rust, only where it is missing, so a second run
# costs nothing: a C/C++ toolchain with the sanitizer runtimes, Node.js and npm, the Python
# packages (pytest, websockets), the Node `ws` package for the peer tests, and valgrind for the
# C ABI memcheck run.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=()
command -v cc >/dev/null && command -v c++ >/dev/null && command -v make >/dev/null \
    || apt_packages+=(build-essential)
command -v node >/dev/null && command -v npm >/dev/null || apt_packages+=(nodejs npm)
command -v valgrind >/dev/null || apt_packages+=(valgrind)
command -v python3 >/dev/null || apt_packages+=(python3 python3-pip)
python3 -m pip --version >/dev/null 2>&1 || apt_packages+=(python3-pip)
if [ ${#apt_packages[@]} -gt 0 ]; then
    echo "setup: apt-get install ${apt_packages[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${apt_packages[@]}" >/dev/null
fi

# qemu-user (version 10, from bookworm-backports: it emulates SHA-NI) for .ci/run's check of
# the shani backend on CPUs without SHA-NI.
if ! command -v qemu-x86_64 >/dev/null; then
    echo "setup: apt-get install -t bookworm-backports qemu-user"
    export DEBIAN_FRONTEND=noninteractive
    if ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
        # The same mirror as the main suite's.
        mirror=$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)
        echo "deb $mirror bookworm-backports main" >/etc/apt/sources.list.d/bookworm-backports.list
    fi
    apt-get update -qq
    apt-get install -y -qq -t bookworm-backports qemu-user >/dev/null
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

#!/usr/bin/env bash
# The Python package, built and tested as a user gets it (tests/run.sh runs this):
#  1. `pip install ./bindings/python` into a fresh venv of the machine's python3, and the tests
#     against that installed copy;
#  2. `maturin sdist`: the sdist must carry the Rust sources it builds from (the extension crate
#     and the wsaccept crate it depends on); `pip wheel` builds it, into one cp311-abi3 wheel;
#  3. that wheel installed into a fresh venv of the newest CPython on the machine, and the tests
#     again, from there.
# Cargo builds into $CARGO_TARGET_DIR (default target/python: other features than the workspace
# build, which would otherwise rebuild); the venvs and the sdist go to target/py/.
set -euo pipefail
cd "$(dirname "$0")/../../.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$PWD/target/python}"
work=$PWD/target/py
rm -rf "$work"
mkdir -p "$work/dist"
say() { printf '\n==> %s\n' "$*"; }

py=python3
say "Python 1/3: pip install ./bindings/python into a fresh $($py --version) venv, pytest"
$py -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --upgrade pip
"$work/venv/bin/python" -m pip install -q ./bindings/python -r bindings/python/requirements-test.txt
"$work/venv/bin/python" -m pytest -q bindings/python/tests

say "Python 2/3: maturin sdist, its contents, and pip wheel from it"
"$work/venv/bin/python" -m pip install -q -r bindings/python/requirements-build.txt
"$work/venv/bin/maturin" sdist -m bindings/python/Cargo.toml -o "$work/dist"
sdist=$(ls "$work"/dist/wsaccept-*.tar.gz)
contents=$(tar -tzf "$sdist")
for f in pyproject.toml bindings/python/Cargo.toml bindings/python/src/lib.rs \
    wsaccept/__init__.py wsaccept/_libwsaccept.pyi \
    wsaccept/py.typed Cargo.toml Cargo.lock src/lib.rs src/backend/mod.rs; do
    grep -qx "wsaccept-[^/]*/$f" <<<"$contents" || {
        echo "the sdist lacks $f:"
        echo "$contents"
        exit 1
    }
done
echo "sdist $(basename "$sdist"): $(wc -l <<<"$contents") files, the Rust sources included"
"$work/venv/bin/python" -m pip wheel -q --no-deps "$sdist" -w "$work/dist"
wheel=$(ls "$work"/dist/wsaccept-*.whl)
case $(basename "$wheel") in
*-cp311-abi3-*.whl) echo "wheel from the sdist: $(basename "$wheel")" ;;
*) echo "not one cp311-abi3 wheel: $wheel" && exit 1 ;;
esac

# The newest CPython here: on PATH, or installed by pyenv (whose shims refuse versions that
# are not selected). None newer than python3 is a skip that says so, not a silent pass.
newest=
for v in 3.15 3.14 3.13 3.12; do
    for cand in "python$v" "$(pyenv root 2>/dev/null)/versions/$v"*/bin/"python$v"; do
        if "$cand" -c 'import ensurepip, venv' >/dev/null 2>&1; then
            newest=$cand
            break 2
        fi
    done
done
if [ -z "$newest" ]; then
    echo "SKIPPED Python 3/3: no CPython newer than $($py --version) on this machine"
    exit 0
fi
say "Python 3/3: the sdist's wheel into a fresh $("$newest" --version) venv, pytest"
"$newest" -m venv "$work/venv-newest"
"$work/venv-newest/bin/python" -m pip install -q --upgrade pip
"$work/venv-newest/bin/python" -m pip install -q "$wheel" -r bindings/python/requirements-test.txt
"$work/venv-newest/bin/python" -m pytest -q bindings/python/tests

#!/usr/bin/env bash
# The test suite for aarch64 on an x86-64 machine: cross-built for aarch64-unknown-linux-gnu and
# run under qemu-aarch64 (the cargo runner in .cargo/config.toml: `-cpu max` has the SHA1
# instructions), once with the backend detection picks (armsha1, checked) and once with
# WSACCEPT_BACKEND=portable (software SHA-1 everywhere, single keys included). Then the C ABI test
# program, cross-compiled and linked static and shared, under qemu with both backends, and the
# CLI's bench and the criterion benches run once each to show they work there (timings under an
# emulator mean nothing and are not recorded).
#
#   bash tests/aarch64.sh        (after tests/setup.sh, which installs the target, the cross
#                                 toolchain and qemu-user; a missing tool fails here, loudly)
#
# Kept within CI's budget (10 minutes on 2 cores, cold) by:
#  - one build, run twice: the test binaries are built once and run with each backend (cargo
#    does not rebuild for a changed WSACCEPT_BACKEND; only the two doc tests are recompiled);
#  - `-cpu max,pauth-impdef=on`: `max` emulates pointer authentication with the QARMA cipher,
#    which costs more than everything else the emulator does in code that signs return
#    addresses; the implementation-defined algorithm is cheap and the SHA1 instructions stay;
#  - clippy in the release profile, so that the build scripts and proc macros it compiles for
#    the host are the ones the release build below uses;
#  - the property tests (tests/props.rs) with 500 cases each instead of 2000 (PROPTEST_CASES),
#    twice over: once per backend;
#  - the release profile without LTO and with parallel codegen units for this build only
#    (CARGO_PROFILE_RELEASE_*): same opt-level, same code under test, a much shorter cross-build
#    of the ~20 test, bench and binary targets.
#
# Not run under emulation, and why (all are run natively by tests/run.sh and .ci/run):
#  - tests/examples.rs: it builds the C example server and load generator with the host's `make`
#    and `cc` and drives them with Node and Python WebSocket peers; the C ABI they use is
#    covered below, the peers add nothing architecture-specific, and it is the slowest test.
#  - tests/c_abi.rs: it compiles with the host's compilers under AddressSanitizer, UBSan and
#    valgrind and then spawns what it built; an emulated test cannot spawn an aarch64 program
#    (no binfmt_misc here). The same C test program runs below, cross-compiled, under ASan
#    and UBSan as there, but with LeakSanitizer off (it cannot run under qemu-user) and
#    without valgrind (which does not run aarch64 programs on this machine).
#  - tests/handshake_c_abi.rs: the server handshake's C and C++ tests, compiled with the host's
#    compilers and spawned, as tests/c_abi.rs (the Rust handshake tests do run here).
#  - tests/link.rs: it builds a Rust cdylib and C programs for the host with cargo and cc and
#    loads or spawns them, which an emulated aarch64 test process cannot; what it checks is
#    how the libraries link, not the code in them.
#  - cli/tests/memory.rs: ten million lines through the CLI against a peak-RSS bound, which
#    under qemu would measure the emulator and take many minutes.
#  - cli/tests/io_errors.rs, cli/tests/lines.rs: they spawn the CLI directly, which a cross-built
#    binary cannot be without binfmt_misc; what they check (write errors and closed pipes, line
#    splitting across read blocks) is the CLI's own portable code, and the kernels under the CLI
#    are checked here by the library's tests and cli/tests/cli.rs.
# cli/tests/cli.rs runs: WSACCEPT_TEST_RUNNER makes it spawn the aarch64 CLI through qemu.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

target=aarch64-unknown-linux-gnu
# The same command line as the cargo runner in .cargo/config.toml (the header says why `pauth-impdef`).
runner="qemu-aarch64 -cpu max,pauth-impdef=on -L /usr/aarch64-linux-gnu"
export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER=$runner
export CARGO_PROFILE_RELEASE_LTO=off CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
# Property tests: 500 cases each instead of 2000 (tests/props.rs), under each backend.
export PROPTEST_CASES=500
skipped_tests=(examples c_abi handshake_c_abi link)
skipped_cli_tests=(memory io_errors lines)
say() { printf '\n==> aarch64 (%s s): %s\n' "$((SECONDS - start))" "$*"; }
die() {
    echo "aarch64: FAILED: $*" >&2
    exit 1
}
start=$SECONDS

for tool in aarch64-linux-gnu-gcc qemu-aarch64; do
    command -v "$tool" >/dev/null || die "$tool is missing (tests/setup.sh installs it)"
done
rustup target list --installed | grep -qx "$target" \
    || die "the rustup target $target is missing (tests/setup.sh installs it)"
[ -f /usr/aarch64-linux-gnu/lib/libc.so.6 ] \
    || die "the arm64 C library is missing (tests/setup.sh installs libc6-dev-arm64-cross)"

# Every integration test but the skipped ones, so a new test file runs here without anyone
# remembering to add it.
tests_except() {
    local dir=$1 file name
    shift
    for file in "$dir"/*.rs; do
        name=$(basename "$file" .rs)
        if [[ " $* " != *" $name "* ]]; then
            printf '%s\n' "$name"
        fi
    done
}
mapfile -t lib_test_names < <(tests_except tests "${skipped_tests[@]}")
mapfile -t cli_test_names < <(tests_except cli/tests "${skipped_cli_tests[@]}")
lib_tests=()
for name in "${lib_test_names[@]}"; do lib_tests+=(--test "$name"); done
cli_tests=()
for name in "${cli_test_names[@]}"; do cli_tests+=(--test "$name"); done

# The armsha1 backend's code (and the CLI's aarch64 cycle counter) is compiled only for aarch64.
say "cargo clippy --release --target $target --all-targets -- -D warnings"
cargo clippy --release --target "$target" --all-targets --quiet -- -D warnings

say "build (release): library, C libraries, CLI, and every test and bench run below"
cargo build --release --target "$target"
cargo test --release --target "$target" -p wsaccept --features capi --lib "${lib_tests[@]}" --bench accept \
    --no-run --quiet
cargo test --release --target "$target" -p wsaccept-cli --bins "${cli_tests[@]}" --no-run --quiet
out_dir=${CARGO_TARGET_DIR:-target}/$target/release
bin=$out_dir/wsaccept
# shellcheck disable=SC2086 # the runner is a command line
$runner "$bin" backends
# shellcheck disable=SC2086
active=$($runner "$bin" backends | awk '$NF == "active" { print $1 }')
[ "$active" = armsha1 ] || die "detection picked '$active' under $runner, not armsha1"

for backend in armsha1 portable; do
    if [ "$backend" = portable ]; then
        export WSACCEPT_BACKEND=portable
    fi
    say "Rust tests with $backend: library unit tests, ${lib_test_names[*]}"
    # WSACCEPT_TEST_RUNNER: tests/backends.rs re-runs its own binary as a child, through qemu.
    WSACCEPT_TEST_RUNNER="$runner" cargo test --release --target "$target" -p wsaccept --features capi --lib \
        "${lib_tests[@]}" --quiet
    say "doc tests with $backend"
    cargo test --release --target "$target" -p wsaccept --features capi --doc --quiet
    say "CLI tests with $backend: unit tests, ${cli_test_names[*]} (the CLI spawned through qemu)"
    WSACCEPT_TEST_RUNNER="$runner" cargo test --release --target "$target" -p wsaccept-cli \
        --bins "${cli_tests[@]}" --quiet
done
unset WSACCEPT_BACKEND

# The C ABI test program against the libraries cargo just built, the way tests/c_abi.rs builds
# it natively: static with the native libraries, shared through the soname link and an rpath,
# under AddressSanitizer and UndefinedBehaviorSanitizer.
say "C ABI test program (tests/c/test_abi.c), cross-compiled"
libs=$(realpath "$out_dir")
work=$libs/c_abi_qemu
mkdir -p "$work/lib"
ln -sf "$libs/libwsaccept.so" "$work/lib/libwsaccept.so"
ln -sf "$libs/libwsaccept.so" "$work/lib/libwsaccept.so.0"
# shellcheck disable=SC2054 # the commas are -fsanitize=address,undefined
cflags=(-std=c11 -Wall -Wextra -Werror -Iinclude
    -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
aarch64-linux-gnu-gcc "${cflags[@]}" tests/c/test_abi.c -o "$work/test_abi_static" \
    "$libs/libwsaccept.a" -lgcc_s -lutil -lrt -lpthread -lm -ldl
aarch64-linux-gnu-gcc "${cflags[@]}" tests/c/test_abi.c -o "$work/test_abi_shared" \
    -L"$work/lib" -Wl,-rpath,"$work/lib" -lwsaccept -lpthread
for exe in test_abi_static test_abi_shared; do
    for backend in armsha1 portable; do
        # The program prints the backend it ran with; each run must have used the one asked for.
        # shellcheck disable=SC2086
        out=$(WSACCEPT_BACKEND=$backend ASAN_OPTIONS=detect_leaks=0:halt_on_error=1 \
            UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 $runner "$work/$exe")
        echo "$exe: $out"
        grep -q "backend $backend," <<<"$out" || die "$exe did not run with $backend"
    done
done

# The benchmarks build and run here (so anyone with an ARM machine gets the real table);
# the figures under an emulator are meaningless and go nowhere.
say "wsaccept bench runs (figures meaningless under emulation)"
# shellcheck disable=SC2086
$runner "$bin" bench --keys 20000 --rounds 1
say "criterion benches run once each (cargo test mode)"
cargo test --release --target "$target" -p wsaccept --features capi --bench accept --quiet

say "passed in $((SECONDS - start)) s"

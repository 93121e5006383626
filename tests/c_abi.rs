//! Builds the C and C++ ABI tests (`tests/c/test_abi.c`, `tests/cpp/test_abi.cpp`) with the
//! system compilers and runs them, each linked once against `libwsaccept.a` and once against
//! `libwsaccept.so`, under AddressSanitizer and UndefinedBehaviorSanitizer.
//!
//! The libraries are built from the current sources for this test run's profile
//! (`common::clibs`: `cargo build -p wsaccept-capi`, into `target/debug` or `target/release`). A missing compiler, a compile
//! error, a sanitizer report or a failed check fails the test; nothing is skipped.
//! `CC` and `CXX` override the compilers (`cc`, `c++`).
//!
//! The C test also runs once more without sanitizers under valgrind's memcheck (static link),
//! which sees what ASan cannot: reads of uninitialised memory inside the Rust library. Valgrind
//! does not emulate SHA-NI (nor AVX-512): its synthetic CPUID hides them, so under valgrind the
//! library detects and uses the portable backend; the test checks that this is what ran.

use std::path::PathBuf;
use std::process::Command;

/// Native libraries a static Rust library needs on Linux
/// (`cargo rustc --lib --crate-type staticlib -- --print native-static-libs`).
const NATIVE_STATIC_LIBS: &[&str] = &["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

const SANITIZE: &[&str] = &[
    "-g",
    "-O1",
    "-fsanitize=address,undefined",
    "-fno-sanitize-recover=all",
    "-fno-omit-frame-pointer",
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

mod common;

/// Where this test run's libraries are (built now from the current sources if needed).
fn lib_dir() -> PathBuf {
    common::clibs::c_library_dir().to_path_buf()
}

fn run(cmd: &mut Command, what: &str) {
    let shown = format!("{cmd:?}");
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not run {shown}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        output.status.success(),
        "{what} failed ({}): {shown}",
        output.status
    );
}

#[derive(Clone, Copy)]
enum Link {
    Static,
    Shared,
}

/// Compiles `tests/c/test_abi.c` with `extra` flags, linked against `libwsaccept.a`, into
/// `work/<name>`.
fn compile_c_static(extra: &[&str], work: &std::path::Path, name: &str) -> PathBuf {
    let root = root();
    let libs = lib_dir();
    std::fs::create_dir_all(work).expect("create the test build directory");
    let exe = work.join(name);
    let _ = std::fs::remove_file(&exe);
    let compiler = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let source = root.join("tests/c/test_abi.c");
    let mut cmd = Command::new(&compiler);
    cmd.arg("-std=c11")
        .args(["-Wall", "-Wextra", "-Werror"])
        .args(extra)
        .arg("-I")
        .arg(root.join("include"))
        .arg(&source)
        .arg("-o")
        .arg(&exe)
        .arg(libs.join("libwsaccept.a"))
        .args(NATIVE_STATIC_LIBS);
    run(&mut cmd, &format!("compiling {}", source.display()));
    exe
}

fn build_and_run(lang: &str, link: Link) {
    let root = root();
    let libs = lib_dir();
    let name = match link {
        Link::Static => "static",
        Link::Shared => "shared",
    };
    let work = libs.join("..").join("c_abi").join(format!("{lang}-{name}"));
    std::fs::create_dir_all(&work).expect("create the test build directory");

    let (compiler, source, std_flag) = match lang {
        "c" => (
            std::env::var("CC").unwrap_or_else(|_| "cc".into()),
            root.join("tests/c/test_abi.c"),
            "-std=c11",
        ),
        _ => (
            std::env::var("CXX").unwrap_or_else(|_| "c++".into()),
            root.join("tests/cpp/test_abi.cpp"),
            "-std=c++17",
        ),
    };
    let exe = work.join(format!("test_abi_{lang}"));
    let _ = std::fs::remove_file(&exe);

    let mut cmd = Command::new(&compiler);
    cmd.arg(std_flag)
        .args(["-Wall", "-Wextra", "-Werror"])
        .args(SANITIZE)
        .arg("-I")
        .arg(root.join("include"))
        .arg("-I")
        .arg(root.join("bindings/cpp"))
        .arg(&source)
        .arg("-o")
        .arg(&exe);
    match link {
        Link::Static => {
            cmd.arg(libs.join("libwsaccept.a")).args(NATIVE_STATIC_LIBS);
        }
        Link::Shared => {
            // The library's soname is libwsaccept.so.0, so the loader looks for that name:
            // provide it (and the link-time name) as links in a directory of our own.
            let libdir = work.join("lib");
            std::fs::create_dir_all(&libdir).expect("create lib dir");
            for link_name in ["libwsaccept.so", "libwsaccept.so.0"] {
                let path = libdir.join(link_name);
                let _ = std::fs::remove_file(&path);
                std::os::unix::fs::symlink(libs.join("libwsaccept.so"), &path)
                    .expect("symlink the shared library");
            }
            cmd.arg("-L")
                .arg(&libdir)
                .arg(format!("-Wl,-rpath,{}", libdir.display()))
                .args(["-lwsaccept", "-lpthread"]);
        }
    }
    run(
        &mut cmd,
        &format!("compiling {} ({name})", source.display()),
    );
    assert!(exe.is_file(), "the compiler produced no executable");

    run(
        Command::new(&exe)
            .env(
                "ASAN_OPTIONS",
                "detect_leaks=1:abort_on_error=0:halt_on_error=1",
            )
            .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        &format!("running {} ({name})", exe.display()),
    );
}

#[test]
fn c_static() {
    build_and_run("c", Link::Static);
}

#[test]
fn c_shared() {
    build_and_run("c", Link::Shared);
}

#[test]
fn cpp_static() {
    build_and_run("cpp", Link::Static);
}

#[test]
fn cpp_shared() {
    build_and_run("cpp", Link::Shared);
}

#[test]
fn c_static_under_valgrind() {
    if cfg!(debug_assertions) {
        // An unoptimised library under valgrind takes ~5 minutes for this test; the release
        // suite (`cargo test --release`, what tests/run.sh and CI run) takes ~3 s.
        eprintln!("SKIPPED valgrind run in a debug build: run `cargo test --release`");
        return;
    }
    let version = Command::new("valgrind").arg("--version").output();
    assert!(
        version.map(|o| o.status.success()).unwrap_or(false),
        "valgrind is required for this test (apt-get install -y valgrind; tests/setup.sh does it)"
    );
    let work = lib_dir().join("..").join("c_abi").join("c-valgrind");
    let exe = compile_c_static(&["-g", "-O1"], &work, "test_abi_c");
    let output = Command::new("valgrind")
        .args([
            "--tool=memcheck",
            "--error-exitcode=99",
            "--track-origins=yes",
            "--leak-check=full",
            // Thread-pool and once-initialised statics live until exit by design.
            "--errors-for-leak-kinds=definite",
            "--show-leak-kinds=definite",
            "--quiet",
            // test_fork's child: the parent's pool threads are not in it, so what they held
            // shows as definitely lost there. The child reports through a pipe instead.
            "--child-silent-after-fork=yes",
        ])
        .arg(&exe)
        .env("TEST_ABI_VALGRIND", "1")
        .output()
        .expect("run valgrind");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    print!("{stdout}");
    eprint!("{stderr}");
    assert!(
        output.status.success(),
        "test_abi.c under valgrind failed ({}): memcheck errors or failed checks above",
        output.status
    );
    assert!(stdout.contains(", 0 failed"), "{stdout}");
    // What valgrind's CPU offers decides the backend; say which one was checked.
    eprintln!("valgrind ran {}", stdout.lines().last().unwrap_or_default());
}

/// Compiles `source` (C++) with `std_flag`, syntax only, against the headers; returns whether
/// it compiled and what the compiler said.
fn cpp_syntax_check(name: &str, source: &str, std_flag: &str) -> (bool, String) {
    let root = root();
    let work = lib_dir().join("..").join("c_abi").join("cpp-header");
    std::fs::create_dir_all(&work).expect("create the test build directory");
    let path = work.join(name);
    std::fs::write(&path, source).expect("write the test program");
    let compiler = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    let output = Command::new(&compiler)
        .arg(std_flag)
        .args(["-Wall", "-Wextra", "-Werror", "-fsyntax-only"])
        .arg("-I")
        .arg(root.join("include"))
        .arg("-I")
        .arg(root.join("bindings/cpp"))
        .arg(&path)
        .output()
        .unwrap_or_else(|e| panic!("could not run {compiler}: {e}"));
    let said = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), said)
}

/// Below C++17 the wrapper stops at its first line with a message that says what to do,
/// instead of failing inside `std::string_view` uses.
#[test]
fn cpp_header_below_cpp17_says_why() {
    let program = "#include \"wsaccept.hpp\"\nint main() { return 0; }\n";
    let (ok, said) = cpp_syntax_check("cxx14.cpp", program, "-std=c++14");
    assert!(!ok, "wsaccept.hpp compiled as C++14");
    assert!(said.contains("wsaccept.hpp needs C++17 or later"), "{said}");
    // The #error is the only complaint: compilation stops before the C++17 code.
    assert_eq!(said.matches(": error:").count(), 1, "{said}");
    let (ok, said) = cpp_syntax_check("cxx17.cpp", program, "-std=c++17");
    assert!(ok, "{said}");
}

/// `using namespace wsaccept;` next to POSIX's `key_t` (<sys/types.h>) is unambiguous: the
/// wrapper's key slot is `key_array`.
#[test]
fn cpp_header_names_do_not_clash_with_posix() {
    let program = r#"#include <sys/types.h>
#include <sys/ipc.h>
#include "wsaccept.hpp"
using namespace wsaccept;
int main() {
    key_t ipc_key = ftok("/", 1);
    key_array slot{};
    accept_array out{};
    (void)ipc_key;
    return slot.size() == key_len && out.size() == accept_len ? 0 : 1;
}
"#;
    let (ok, said) = cpp_syntax_check("posix.cpp", program, "-std=c++17");
    assert!(ok, "{said}");
}

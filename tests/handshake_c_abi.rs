//! Builds the server handshake's C test (`tests/c/test_server.c`) and a C++ check of the
//! wrapper (`tests/cpp/test_server.cpp`) with the system compilers, links each against
//! `libwsaccept.a` and `libwsaccept.so`, and runs them under AddressSanitizer and
//! UndefinedBehaviorSanitizer, as tests/c_abi.rs does for the rest of the C ABI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

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

fn run(cmd: &mut Command, what: &str) {
    let shown = format!("{cmd:?}");
    let output = cmd
        .output()
        .unwrap_or_else(|e| panic!("{what}: could not run {shown}: {e}"));
    print!("{}", String::from_utf8_lossy(&output.stdout));
    eprint!("{}", String::from_utf8_lossy(&output.stderr));
    assert!(
        output.status.success(),
        "{what} failed ({}): {shown}",
        output.status
    );
}

fn build_and_run(lang: &str, shared: bool) {
    let libs: &Path = common::clibs::c_library_dir();
    let link = if shared { "shared" } else { "static" };
    let work = libs
        .join("..")
        .join("handshake_c_abi")
        .join(format!("{lang}-{link}"));
    std::fs::create_dir_all(&work).expect("create the test build directory");
    let (compiler, source, std_flag) = match lang {
        "c" => (
            std::env::var("CC").unwrap_or_else(|_| "cc".into()),
            root().join("tests/c/test_server.c"),
            "-std=c11",
        ),
        _ => (
            std::env::var("CXX").unwrap_or_else(|_| "c++".into()),
            root().join("tests/cpp/test_server.cpp"),
            "-std=c++17",
        ),
    };
    let exe = work.join(format!("test_server_{lang}"));
    let _ = std::fs::remove_file(&exe);
    let mut cmd = Command::new(&compiler);
    cmd.arg(std_flag)
        .args(["-Wall", "-Wextra", "-Werror"])
        .args(SANITIZE)
        .arg("-I")
        .arg(root().join("include"))
        .arg("-I")
        .arg(root().join("bindings/cpp"))
        .arg(&source)
        .arg("-o")
        .arg(&exe);
    if shared {
        let libdir = work.join("lib");
        std::fs::create_dir_all(&libdir).expect("create lib dir");
        for name in ["libwsaccept.so", "libwsaccept.so.0"] {
            let path = libdir.join(name);
            let _ = std::fs::remove_file(&path);
            std::os::unix::fs::symlink(libs.join("libwsaccept.so"), &path)
                .expect("symlink the shared library");
        }
        cmd.arg("-L")
            .arg(&libdir)
            .arg(format!("-Wl,-rpath,{}", libdir.display()))
            .args(["-lwsaccept", "-lpthread"]);
    } else {
        cmd.arg(libs.join("libwsaccept.a")).args(NATIVE_STATIC_LIBS);
    }
    run(
        &mut cmd,
        &format!("compiling {} ({link})", source.display()),
    );
    run(
        Command::new(&exe)
            .env("ASAN_OPTIONS", "detect_leaks=1:halt_on_error=1")
            .env("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1"),
        &format!("running {} ({link})", exe.display()),
    );
}

#[test]
fn c_static() {
    build_and_run("c", false);
}

#[test]
fn c_shared() {
    build_and_run("c", true);
}

#[test]
fn cpp_static() {
    build_and_run("cpp", false);
}

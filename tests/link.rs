//! How wsaccept links into other people's binaries, built as they would build them:
//! - a Rust cdylib whose tree holds two major versions of the crate links, exports no
//!   `wsaccept_*` symbol (the C ABI is the `capi` feature's, off for Rust users), and loads in
//!   one process next to libwsaccept.so, each answering through its own code;
//! - a C program links libwsaccept.a next to another Rust static library, in both orders;
//! - `tools/localize-static.sh` turns it into an archive whose only global symbols are the
//!   shared library's `wsaccept_*` exports, which links next to it even as whole archives.
//!
//! The small crates are built offline (every dependency is the workspace's, already fetched)
//! into one target directory under cargo's test scratch space, shared by both tests.

mod common;

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::{Path, PathBuf};
use std::process::Command;

use common::clibs::c_library_dir;

/// Native libraries a static Rust library needs on Linux (as in tests/c_abi.rs).
const NATIVE_STATIC_LIBS: &[&str] = &["-lgcc_s", "-lutil", "-lrt", "-lpthread", "-lm", "-ldl"];

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn work() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("link")
}

fn target_dir() -> PathBuf {
    work().join("target")
}

/// Writes a crate: `manifest`, and `lib_source` (a file under tests/link/) as its src/lib.rs.
fn write_crate(dir: &Path, manifest: &str, lib_source: &str) {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::copy(
        root().join("tests/link").join(lib_source),
        dir.join("src/lib.rs"),
    )
    .unwrap();
    // The workspace's versions of every dependency, so the offline build finds them fetched.
    std::fs::copy(root().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
}

fn cargo_build(dir: &Path, release: bool) {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "--offline", "--quiet", "--lib", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", target_dir());
    if release {
        cmd.arg("--release");
    }
    let out = cmd.output().expect("run cargo");
    assert!(
        out.status.success(),
        "cargo build of {} failed:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A copy of this crate under the next major version: its sources and a manifest with the
/// package's own sections only (no workspace, tests, benches or profiles).
fn next_major_copy() -> (PathBuf, String) {
    let major: u64 = env!("CARGO_PKG_VERSION_MAJOR").parse().unwrap();
    let minor: u64 = env!("CARGO_PKG_VERSION_MINOR").parse().unwrap();
    let next = if major == 0 {
        format!("0.{}.0", minor + 1)
    } else {
        format!("{}.0.0", major + 1)
    };
    let dir = work().join("wsaccept-next");
    let _ = std::fs::remove_dir_all(&dir);
    copy_tree(&root().join("src"), &dir.join("src"));
    std::fs::copy(root().join("build.rs"), dir.join("build.rs")).unwrap();

    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let mut kept = String::new();
    let mut keep = true;
    for line in manifest.lines() {
        if line.starts_with('[') {
            let dropped = [
                "[dev-dependencies]",
                "[[",
                "[workspace",
                "[profile",
                "[package.metadata",
            ];
            keep = !dropped.iter().any(|d| line.starts_with(d));
        }
        if keep {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    let this = format!("version = \"{}\"\n", env!("CARGO_PKG_VERSION"));
    assert!(kept.contains(&this), "no `{}` in Cargo.toml", this.trim());
    let kept = kept.replacen(&this, &format!("version = \"{next}\"\n"), 1);
    std::fs::write(dir.join("Cargo.toml"), kept).unwrap();
    (dir, next)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        if path.is_dir() {
            copy_tree(&path, &to.join(entry.file_name()));
        } else {
            std::fs::copy(&path, to.join(entry.file_name())).unwrap();
        }
    }
}

fn dynamic_symbols(lib: &Path) -> Vec<String> {
    let out = Command::new("nm")
        .args(["-D", "--defined-only", "--format=posix"])
        .arg(lib)
        .output()
        .expect("run nm");
    assert!(out.status.success(), "nm -D {}", lib.display());
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect()
}

fn dlerror() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string valid until the next dl call.
    let e = unsafe { libc::dlerror() };
    if e.is_null() {
        "no dlerror".into()
    } else {
        // SAFETY: non-NULL, NUL-terminated (above).
        unsafe { CStr::from_ptr(e) }.to_string_lossy().into_owned()
    }
}

/// dlopen with RTLD_GLOBAL: the mode in which an exported `wsaccept_*` would interpose.
fn open_global(lib: &Path) -> *mut c_void {
    let path = CString::new(lib.to_str().unwrap()).unwrap();
    // SAFETY: a NUL-terminated path; the library's initialisers are Rust's and ours.
    let handle = unsafe { libc::dlopen(path.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    assert!(!handle.is_null(), "dlopen {}: {}", lib.display(), dlerror());
    handle
}

fn symbol(handle: *mut c_void, name: &str) -> *mut c_void {
    let name = CString::new(name).unwrap();
    // SAFETY: a handle from dlopen (or RTLD_DEFAULT) and a NUL-terminated name.
    unsafe { libc::dlsym(handle, name.as_ptr()) }
}

#[test]
fn a_rust_cdylib_with_two_major_versions_has_no_c_symbols_and_loads_beside_libwsaccept() {
    let (next_dir, next_version) = next_major_copy();
    let probe = work().join("probe");
    write_crate(
        &probe,
        &format!(
            r#"[package]
name = "probe"
version = "0.0.0"
edition = "2021"

[lib]
crate-type = ["cdylib"]

[dependencies]
this_version = {{ package = "wsaccept", path = {root:?} }}
next_version = {{ package = "wsaccept", path = {next:?}, version = "{next_version}" }}

[workspace]
"#,
            root = root(),
            next = next_dir,
        ),
        "probe.rs",
    );
    cargo_build(&probe, false);
    let probe_so = target_dir().join("debug/libprobe.so");

    let exported = dynamic_symbols(&probe_so);
    assert!(
        exported.iter().any(|s| s == "probe_both_versions"),
        "{exported:?}"
    );
    let c_abi: Vec<_> = exported
        .iter()
        .filter(|s| s.starts_with("wsaccept_"))
        .collect();
    assert!(c_abi.is_empty(), "the cdylib exports {c_abi:?}");

    // Unoptimised builds of the libraries need more stack than a test thread's 2 MiB.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || load_both_and_call(&probe_so, &next_version))
        .unwrap()
        .join()
        .unwrap();
}

fn load_both_and_call(probe_so: &Path, next_version: &str) {
    // The plugin first, then the C library, both RTLD_GLOBAL: the order in which an exported
    // copy of the C ABI would take over the process's `wsaccept_*` names.
    let probe_handle = open_global(probe_so);
    let clib_handle = open_global(&c_library_dir().join("libwsaccept.so"));

    let probe_fn = symbol(probe_handle, "probe_both_versions");
    assert!(!probe_fn.is_null(), "{}", dlerror());
    // SAFETY: the symbol is `extern "C" fn() -> c_int` (tests/link/probe.rs).
    let probe_fn: extern "C" fn() -> c_int = unsafe { std::mem::transmute(probe_fn) };
    assert_eq!(probe_fn(), 1, "both versions in the cdylib compute accepts");

    assert!(symbol(probe_handle, "wsaccept_accept").is_null());
    let accept = symbol(clib_handle, "wsaccept_accept");
    assert!(!accept.is_null(), "{}", dlerror());
    assert_eq!(
        symbol(libc::RTLD_DEFAULT, "wsaccept_accept"),
        accept,
        "the process's wsaccept_accept is libwsaccept.so's"
    );
    // SAFETY: the header's signature of wsaccept_accept.
    let accept: unsafe extern "C" fn(*const c_char, usize, *mut c_char) -> c_int =
        unsafe { std::mem::transmute(accept) };
    let key = b"dGhlIHNhbXBsZSBub25jZQ==";
    let mut out = [0u8; 28];
    // SAFETY: 24 readable key bytes, 28 writable output bytes.
    let rc = unsafe { accept(key.as_ptr().cast(), key.len(), out.as_mut_ptr().cast()) };
    assert_eq!(rc, 0);
    assert_eq!(&out, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    let version = symbol(clib_handle, "wsaccept_version");
    // SAFETY: `const char *wsaccept_version(void)`.
    let version: extern "C" fn() -> *const c_char = unsafe { std::mem::transmute(version) };
    // SAFETY: a static NUL-terminated string.
    let version = unsafe { CStr::from_ptr(version()) };
    assert_eq!(version.to_str().unwrap(), env!("CARGO_PKG_VERSION"));
    assert_ne!(version.to_str().unwrap(), next_version);
}

/// Links tests/link/two_staticlibs.c with `libs` in that order (as whole archives if `whole`)
/// and runs it.
fn link_and_run(libs: &[&Path], whole: bool, name: &str) {
    let exe = work().join(name);
    let mut cc = Command::new("cc");
    cc.args(["-std=c11", "-O1", "-Wall", "-Werror", "-I"])
        .arg(root().join("include"))
        .arg(root().join("tests/link/two_staticlibs.c"));
    if whole {
        cc.arg("-Wl,--whole-archive");
    }
    cc.args(libs);
    if whole {
        cc.arg("-Wl,--no-whole-archive");
    }
    let out = cc
        .args(NATIVE_STATIC_LIBS)
        .arg("-o")
        .arg(&exe)
        .output()
        .expect("run cc");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "{name}: linking failed ({} multiple definitions):\n{}",
        stderr.matches("multiple definition").count(),
        stderr.lines().take(20).collect::<Vec<_>>().join("\n")
    );
    let run = Command::new(&exe).output().expect("run the C program");
    assert!(
        run.status.success(),
        "{name}: {}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
}

/// The other Rust static library (tests/link/other.rs), built once per test binary.
fn other_static_library() -> PathBuf {
    static BUILT: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    BUILT.get_or_init(build_other).clone()
}

fn build_other() -> PathBuf {
    let other = work().join("other");
    write_crate(
        &other,
        r#"[package]
name = "other"
version = "0.0.0"
edition = "2021"

[lib]
crate-type = ["staticlib"]

[workspace]
"#,
        "other.rs",
    );
    // A user's own library in its default release profile.
    cargo_build(&other, true);
    target_dir().join("release/libother.a")
}

#[test]
fn libwsaccept_a_links_next_to_another_rust_static_library_in_both_orders() {
    let other_a = other_static_library();
    let wsaccept_a = c_library_dir().join("libwsaccept.a");
    link_and_run(&[&wsaccept_a, &other_a], false, "wsaccept_first");
    link_and_run(&[&other_a, &wsaccept_a], false, "other_first");
}

fn global_symbols(archive: &Path) -> Vec<String> {
    let out = Command::new("nm")
        .args(["-g", "--defined-only", "--format=posix"])
        .arg(archive)
        .output()
        .expect("run nm");
    assert!(out.status.success(), "nm -g {}", archive.display());
    let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.ends_with(':') && !l.is_empty())
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn the_localized_archive_exposes_only_the_c_abi_and_links_as_a_whole_archive() {
    let other_a = other_static_library();
    let local_a = work().join("libwsaccept-local.a");
    let out = Command::new("bash")
        .arg(root().join("tools/localize-static.sh"))
        .arg(c_library_dir().join("libwsaccept.a"))
        .arg(&local_a)
        .output()
        .expect("run tools/localize-static.sh");
    assert!(
        out.status.success(),
        "localize-static.sh: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut exports: Vec<String> = dynamic_symbols(&c_library_dir().join("libwsaccept.so"))
        .into_iter()
        .filter(|s| s.starts_with("wsaccept_"))
        .collect();
    exports.sort();
    assert!(exports.len() >= 10, "{exports:?}");
    assert_eq!(global_symbols(&local_a), exports);
    for whole in [false, true] {
        link_and_run(&[&local_a, &other_a], whole, "local_first");
        link_and_run(&[&other_a, &local_a], whole, "local_last");
    }
}

//! The C libraries (`libwsaccept.so`, `libwsaccept.a`) for tests that link C programs.
//!
//! They come from the `wsaccept-capi` workspace crate, which `cargo test` does not build (no
//! Rust test can depend on a cdylib/staticlib), so the first caller in a test binary runs
//! `cargo build -p wsaccept-capi` for this test's profile: the libraries are always the current
//! sources, never a stale leftover. Cargo holds no lock while tests run, so this nested build
//! is safe; it is a no-op when the root `cargo build` already made them.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// The profile directory this test binary was built into (`target/release` under
/// `cargo test --release`), where the nested build puts the libraries.
pub fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test>-<hash>
    exe.parent()
        .and_then(Path::parent)
        .expect("test binary in target/<profile>/deps")
        .to_path_buf()
}

/// Builds the C libraries once per test binary and returns the directory holding
/// `libwsaccept.so` and `libwsaccept.a`; panics with cargo's output if the build fails.
pub fn c_library_dir() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.current_dir(env!("CARGO_MANIFEST_DIR")).args([
            "build",
            "--quiet",
            "-p",
            "wsaccept-capi",
        ]);
        if !cfg!(debug_assertions) {
            cmd.arg("--release");
        }
        let out = cmd
            .output()
            .map_err(|e| format!("could not run cargo: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "cargo build -p wsaccept-capi failed:\n{}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let dir = profile_dir();
        for lib in ["libwsaccept.a", "libwsaccept.so"] {
            if !dir.join(lib).is_file() {
                return Err(format!(
                    "{} missing after the build",
                    dir.join(lib).display()
                ));
            }
        }
        Ok(dir)
    });
    match built {
        Ok(dir) => dir,
        Err(msg) => panic!("{msg}"),
    }
}

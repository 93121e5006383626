//! The shared library's soname on Linux, and the `libwsaccept.so.0` link beside it.
//!
//! This crate exists only to build the C libraries in this repository's `cargo build` (it is
//! never a dependency), so the link lands in this repository's target directory only.

use std::path::Path;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwsaccept.so.0");
        link_soname_next_to_library();
    }
}

/// Programs linked with `-lwsaccept` record the soname `libwsaccept.so.0`; cargo writes only
/// `libwsaccept.so`. A `libwsaccept.so.0 -> libwsaccept.so` link beside it (what a system
/// install of any shared library has) lets programs run straight from the build tree with an
/// rpath or `LD_LIBRARY_PATH`. Best effort: the tests that need it make their own.
fn link_soname_next_to_library() {
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    // OUT_DIR is <target>/[<triple>/]<profile>/build/<package>-<hash>/out.
    let Some(profile_dir) = Path::new(&out_dir).ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join("libwsaccept.so.0");
    if std::fs::symlink_metadata(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("libwsaccept.so", &link);
    }
}

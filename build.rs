//! Generates the C header `include/wsaccept.h` from `src/ffi.rs` (cbindgen), and sets the
//! shared library's soname on Linux.
//!
//! The header is committed. It is rewritten only when its text changes, so a fresh checkout
//! builds without touching it, and `git diff --exit-code include/wsaccept.h` after a build
//! shows whether the committed header was stale.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=src/ffi.rs");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwsaccept.so.0");
        link_soname_next_to_library();
    }

    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml"))
        .expect("cbindgen.toml is not a valid cbindgen configuration");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi.rs"))
        .generate()
        .expect("cbindgen could not generate the C header from src/ffi.rs");

    let mut text = Vec::new();
    bindings.write(&mut text);
    let path = root.join("include/wsaccept.h");
    if std::fs::read(&path).ok().as_deref() != Some(text.as_slice()) {
        std::fs::create_dir_all(root.join("include")).expect("create include/");
        std::fs::write(&path, &text).expect("write include/wsaccept.h");
    }
}

/// Programs linked with `-lwsaccept` record the soname `libwsaccept.so.0`; cargo writes only
/// `libwsaccept.so`. A `libwsaccept.so.0 -> libwsaccept.so` link beside it (what a system
/// install of any shared library has) lets such programs run straight from the build tree
/// with an rpath or `LD_LIBRARY_PATH`. Best effort: the library itself does not depend on it.
fn link_soname_next_to_library() {
    let Some(out_dir) = std::env::var_os("OUT_DIR") else {
        return;
    };
    // OUT_DIR is <target>/<profile>/build/<package>-<hash>/out.
    let Some(profile_dir) = std::path::Path::new(&out_dir).ancestors().nth(3) else {
        return;
    };
    let link = profile_dir.join("libwsaccept.so.0");
    if std::fs::symlink_metadata(&link).is_err() {
        #[cfg(unix)]
        let _ = std::os::unix::fs::symlink("libwsaccept.so", &link);
    }
}

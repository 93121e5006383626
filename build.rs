//! With the `capi` feature: generates the C header from `src/ffi/` into `OUT_DIR/wsaccept.h`
//! (cbindgen, configured by `cbindgen.toml`). The committed `include/wsaccept.h` is a copy
//! that `tests/header.rs` holds equal to it and `bash tools/header.sh` rewrites; the build
//! writes nothing into the source tree. Without the feature this does nothing, and cbindgen
//! is not even compiled.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "capi")]
    header::generate();
}

#[cfg(feature = "capi")]
mod header {
    use std::path::PathBuf;

    pub fn generate() {
        let root = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
        let config_path = root.join("cbindgen.toml");
        // Everything cbindgen reads: the module's files, and the test declarations
        // `src/ffi/mod.rs` includes by path (parsed too, though nothing of them is emitted).
        for input in ["cbindgen.toml", "src/ffi", "tests/common/capi.rs"] {
            println!("cargo:rerun-if-changed={input}");
        }
        let config = cbindgen::Config::from_file(&config_path)
            .unwrap_or_else(|e| panic!("{}: {e}", config_path.display()));
        let bindings = cbindgen::Builder::new()
            .with_config(config)
            .with_src(root.join("src/ffi/mod.rs"))
            .generate()
            .unwrap_or_else(|e| panic!("cbindgen could not read src/ffi/: {e}"));
        bindings.write_to_file(out.join("wsaccept.h"));
    }
}

//! `libwsaccept.so` and `libwsaccept.a`: the wsaccept crate built with its `capi` feature, as
//! a shared and a static library. The `wsaccept_*` symbols are the library's own
//! (`src/ffi/`); linking the crate in is all this needs to do.
//!
//! cargo-c (`cargo cinstall`) does not use this crate: it builds the `wsaccept` package itself
//! with the `capi` feature (see `[package.metadata.capi]` in the root Cargo.toml). A
//! `cargo cinstall` without `-p wsaccept` selects this crate too (a default member), which
//! cargo-c cannot build (it turns the library into a C library without the Rust library this
//! crate links) and whose outputs would collide with the real ones: it stops here instead.

#[cfg(cargo_c)]
compile_error!(
    "cargo-c builds the C libraries from the `wsaccept` package: run \
     `cargo cinstall --release -p wsaccept --prefix <dir>` (or `cargo cbuild -p wsaccept`)"
);

#[cfg(not(cargo_c))]
extern crate wsaccept_rs;

//! `libwsaccept.so` and `libwsaccept.a`: the wsaccept crate built with its `capi` feature, as
//! a shared and a static library. The `wsaccept_*` symbols are the library's own
//! (`src/ffi/`); linking the crate in is all this needs to do.
//!
//! cargo-c (`cargo cinstall`) does not use this crate: it builds the `wsaccept` package itself
//! with the `capi` feature (see `[package.metadata.capi]` in the root Cargo.toml).

extern crate wsaccept_rs;

//! The C ABI (`include/wsaccept.h`) declared for Rust tests: the library's `ffi` module is
//! private (the C symbols are not a Rust API), so tests reach the exported `wsaccept_*`
//! symbols the way a C program does, through declarations.
//!
//! Shared by the integration tests (`common::capi`), the fuzz checks (`fuzz/checks.rs`, by
//! path) and the library's own unit tests (`src/ffi/mod.rs`), which prove every declaration here
//! has the exported function's exact signature and every constant its value, so a change on
//! either side fails to compile or fails that test instead of calling through a wrong type.
#![allow(dead_code, non_camel_case_types, clippy::enum_variant_names)]

use core::ffi::{c_char, c_int};

pub const WSACCEPT_KEY_LEN: usize = 24;
pub const WSACCEPT_ACCEPT_LEN: usize = 28;
pub const WSACCEPT_MAX_LENIENT_KEY_LEN: usize = 256;
pub const WSACCEPT_MAX_THREADS: usize = 256;
pub const WSACCEPT_RESPONSE_LEN: usize = 129;
pub const WSACCEPT_PROTOCOL_HEADER_OVERHEAD: usize = 26;
pub const WSACCEPT_RESPONSE_BUF_LEN: usize = 256;
pub const WSACCEPT_MODE_STRICT: c_int = 0;
pub const WSACCEPT_MODE_LENIENT: c_int = 1;
pub const WSACCEPT_MATCH: c_int = 1;
pub const WSACCEPT_MISMATCH: c_int = 0;

/// The header's `wsaccept_status`.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum wsaccept_status {
    WSACCEPT_OK = 0,
    WSACCEPT_NULL_POINTER = -1,
    WSACCEPT_KEY_LENGTH = -2,
    WSACCEPT_KEY_ALPHABET = -3,
    WSACCEPT_KEY_PADDING = -4,
    WSACCEPT_KEY_NONCANONICAL = -5,
    WSACCEPT_BAD_ARGUMENT = -6,
    WSACCEPT_BUFFER_TOO_SMALL = -7,
    WSACCEPT_INTERNAL_ERROR = -8,
    WSACCEPT_RANDOM_FAILURE = -9,
}

/// Every exported function's signature, written once: `$then!` receives the list. Here it
/// becomes the `extern "C"` block; `src/ffi/mod.rs`'s test turns the same list into type checks
/// against the definitions.
macro_rules! wsaccept_capi_functions {
    ($then:ident) => {
        $then! {
            fn wsaccept_version() -> *const c_char;
            fn wsaccept_backend() -> *const c_char;
            fn wsaccept_strerror(status: c_int) -> *const c_char;
            fn wsaccept_accept(key: *const c_char, key_len: usize, out: *mut c_char) -> c_int;
            fn wsaccept_accept_lenient(key: *const c_char, key_len: usize, out: *mut c_char) -> c_int;
            fn wsaccept_verify(
                key: *const c_char,
                key_len: usize,
                accept: *const c_char,
                accept_len: usize,
            ) -> c_int;
            fn wsaccept_accept_batch(
                keys: *const c_char,
                n: usize,
                out: *mut c_char,
                status: *mut i8,
                threads: usize,
            ) -> i64;
            fn wsaccept_verify_batch(
                keys: *const c_char,
                accepts: *const c_char,
                n: usize,
                result: *mut i8,
                threads: usize,
            ) -> i64;
            fn wsaccept_accept_scattered(
                keys: *const *const c_char,
                key_lens: *const usize,
                n: usize,
                outs: *const *mut c_char,
                status: *mut i8,
                mode: c_int,
                threads: usize,
            ) -> i64;
            fn wsaccept_generate(keys: *mut c_char, accepts: *mut c_char, n: usize, seed: u64) -> c_int;
            fn wsaccept_write_response(
                key: *const c_char,
                key_len: usize,
                protocol: *const c_char,
                protocol_len: usize,
                mode: c_int,
                buf: *mut c_char,
                buf_len: usize,
            ) -> i64;
        }
    };
}

macro_rules! wsaccept_capi_declare {
    ($(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {
        extern "C" {
            $(pub fn $name($($arg: $ty),*) -> $ret;)*
        }
    };
}

wsaccept_capi_functions!(wsaccept_capi_declare);

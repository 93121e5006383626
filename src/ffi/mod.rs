//! The C ABI: `wsaccept_*` functions and `WSACCEPT_*` constants, exported from `libwsaccept.so`
//! and `libwsaccept.a` and described by the generated header `include/wsaccept.h` (cbindgen
//! turns these doc comments into the header's comments).
//!
//! Rules every function follows:
//! - It returns `WSACCEPT_OK` (0) or a count/length (>= 0) on success and a negative
//!   `wsaccept_status` on failure; `wsaccept_strerror` turns any code into static text.
//! - No panic crosses the boundary: `ffi_guard!` runs every body under `catch_unwind` and
//!   turns a panic into `WSACCEPT_INTERNAL_ERROR`.
//! - A NULL pointer with a non-zero length is `WSACCEPT_NULL_POINTER`, never a crash; a NULL
//!   pointer with length 0 (or `n == 0`) is an empty buffer.
//! - Outputs are written only on success, except that batch calls zero the slots of invalid
//!   keys and report each item's status.
//! - No pointer is kept after a call returns, and every function may be called from any thread
//!   at the same time as any other (the library has no mutable global state beyond a
//!   once-initialised backend choice and the thread pool). A forked child gets a thread pool
//!   of its own instead of waiting on its parent's (see `crate::pool`).
//! - Input and output buffers of one call must not overlap.
#![allow(non_camel_case_types)]
#![deny(unsafe_op_in_unsafe_fn)]

use core::ffi::{c_char, c_int, CStr};
use core::ptr;
use core::slice;
use std::sync::OnceLock;

use crate::batch::Verdict;
use crate::key::{KeyError, KeyStatus, Mode, ACCEPT_LEN, KEY_LEN, MAX_LENIENT_KEY_LEN};
use crate::response::{PROTOCOL_HEADER_OVERHEAD, RESPONSE_LEN};
use crate::Backend;

/// Length of a strict client key (`Sec-WebSocket-Key`): base64 of 16 bytes.
pub const WSACCEPT_KEY_LEN: usize = 24;
/// Length of an accept value (`Sec-WebSocket-Accept`): base64 of a SHA-1 digest. Accepts are
/// written as exactly this many bytes, with no NUL terminator.
pub const WSACCEPT_ACCEPT_LEN: usize = 28;
/// Longest key (after trimming spaces and tabs) that lenient mode accepts.
pub const WSACCEPT_MAX_LENIENT_KEY_LEN: usize = 256;
/// Largest `threads` value batch calls accept (0 means all cores; 1 the calling thread only;
/// see `wsaccept_accept_batch` for threads and fork()).
/// Larger values are refused with `WSACCEPT_BAD_ARGUMENT`.
pub const WSACCEPT_MAX_THREADS: usize = 256;
/// Length of the response `wsaccept_write_response` writes without a protocol (129 bytes).
pub const WSACCEPT_RESPONSE_LEN: usize = 129;
/// Bytes a `Sec-WebSocket-Protocol` header adds to the response besides the value itself, so a
/// response with protocol `p` is `WSACCEPT_RESPONSE_LEN + WSACCEPT_PROTOCOL_HEADER_OVERHEAD +
/// strlen(p)` bytes long.
pub const WSACCEPT_PROTOCOL_HEADER_OVERHEAD: usize = 26;
/// A buffer always big enough for the response when the protocol value is at most 64 bytes.
pub const WSACCEPT_RESPONSE_BUF_LEN: usize = 256;

/// `mode` argument: RFC 6455 keys only (24 bytes of canonical base64, spaces/tabs trimmed).
pub const WSACCEPT_MODE_STRICT: c_int = 0;
/// `mode` argument: hash whatever non-empty key arrived (spaces/tabs trimmed, at most
/// `WSACCEPT_MAX_LENIENT_KEY_LEN` bytes), as many servers do.
pub const WSACCEPT_MODE_LENIENT: c_int = 1;

/// Verify result: the received accept is the right one.
pub const WSACCEPT_MATCH: c_int = 1;
/// Verify result: the key is valid but the received accept is not its accept.
pub const WSACCEPT_MISMATCH: c_int = 0;

/// Status codes. Every function returns `WSACCEPT_OK` (0) or a non-negative count on success
/// and one of the negative codes below on failure. The four key codes (-2..-5) are also the
/// per-item values in batch `status`/`result` arrays.
#[repr(C)]
#[allow(clippy::enum_variant_names)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum wsaccept_status {
    /// Success.
    WSACCEPT_OK = 0,
    /// A required pointer was NULL (or NULL with a non-zero length).
    WSACCEPT_NULL_POINTER = -1,
    /// The key has the wrong length: not 24 bytes (strict), or empty or longer than
    /// `WSACCEPT_MAX_LENIENT_KEY_LEN` (lenient). Spaces and tabs around it do not count.
    WSACCEPT_KEY_LENGTH = -2,
    /// The key has a byte outside the base64 alphabet.
    WSACCEPT_KEY_ALPHABET = -3,
    /// The key's `=` padding is missing or misplaced.
    WSACCEPT_KEY_PADDING = -4,
    /// The key's last data character has non-zero unused bits (not canonical base64).
    WSACCEPT_KEY_NONCANONICAL = -5,
    /// An argument is out of range: `threads` above `WSACCEPT_MAX_THREADS`, `n` so large the
    /// buffer size overflows, an unknown `mode`, or a protocol value with CR, LF or NUL.
    WSACCEPT_BAD_ARGUMENT = -6,
    /// The output buffer is too small; nothing was written.
    WSACCEPT_BUFFER_TOO_SMALL = -7,
    /// A bug inside the library (a caught Rust panic). Nothing useful was written.
    WSACCEPT_INTERNAL_ERROR = -8,
    /// The operating system's random source failed.
    WSACCEPT_RANDOM_FAILURE = -9,
}

use wsaccept_status::*;

// The C codes are the core's per-item codes; these fail to compile if either side drifts.
const _: () = {
    assert!(WSACCEPT_KEY_LEN == KEY_LEN && WSACCEPT_ACCEPT_LEN == ACCEPT_LEN);
    assert!(WSACCEPT_MAX_LENIENT_KEY_LEN == MAX_LENIENT_KEY_LEN);
    assert!(WSACCEPT_RESPONSE_LEN == RESPONSE_LEN);
    assert!(WSACCEPT_PROTOCOL_HEADER_OVERHEAD == PROTOCOL_HEADER_OVERHEAD);
    assert!(WSACCEPT_RESPONSE_BUF_LEN >= RESPONSE_LEN + PROTOCOL_HEADER_OVERHEAD + 64);
    assert!(KeyStatus::Ok as i32 == WSACCEPT_OK as i32);
    assert!(KeyStatus::Length as i32 == WSACCEPT_KEY_LENGTH as i32);
    assert!(KeyStatus::Alphabet as i32 == WSACCEPT_KEY_ALPHABET as i32);
    assert!(KeyStatus::Padding as i32 == WSACCEPT_KEY_PADDING as i32);
    assert!(KeyStatus::NonCanonical as i32 == WSACCEPT_KEY_NONCANONICAL as i32);
    assert!(Verdict::Match as c_int == WSACCEPT_MATCH);
    assert!(Verdict::Mismatch as c_int == WSACCEPT_MISMATCH);
    assert!(Verdict::InvalidLength as i32 == WSACCEPT_KEY_LENGTH as i32);
    assert!(Verdict::InvalidAlphabet as i32 == WSACCEPT_KEY_ALPHABET as i32);
    assert!(Verdict::InvalidPadding as i32 == WSACCEPT_KEY_PADDING as i32);
    assert!(Verdict::InvalidNonCanonical as i32 == WSACCEPT_KEY_NONCANONICAL as i32);
};

impl From<KeyStatus> for wsaccept_status {
    fn from(status: KeyStatus) -> Self {
        match status {
            KeyStatus::Ok => WSACCEPT_OK,
            KeyStatus::Length => WSACCEPT_KEY_LENGTH,
            KeyStatus::Alphabet => WSACCEPT_KEY_ALPHABET,
            KeyStatus::Padding => WSACCEPT_KEY_PADDING,
            KeyStatus::NonCanonical => WSACCEPT_KEY_NONCANONICAL,
        }
    }
}

impl From<KeyError> for wsaccept_status {
    fn from(err: KeyError) -> Self {
        err.status().into()
    }
}

/// What an exported function returns, built from a status code by the guard macros.
trait ffi_return {
    fn from_status(status: wsaccept_status) -> Self;
}

impl ffi_return for c_int {
    fn from_status(status: wsaccept_status) -> Self {
        status as c_int
    }
}

impl ffi_return for i64 {
    fn from_status(status: wsaccept_status) -> Self {
        status as i64
    }
}

impl ffi_return for *const c_char {
    fn from_status(status: wsaccept_status) -> Self {
        status_text(status as c_int).as_ptr()
    }
}

/// Runs an exported function's body under `catch_unwind`; a panic becomes
/// `WSACCEPT_INTERNAL_ERROR` (or its text, for functions returning strings).
macro_rules! ffi_guard {
    ($body:block) => {
        match ::std::panic::catch_unwind(::std::panic::AssertUnwindSafe(|| $body)) {
            Ok(ret) => ret,
            Err(_) => $crate::ffi::ffi_return::from_status(
                $crate::ffi::wsaccept_status::WSACCEPT_INTERNAL_ERROR,
            ),
        }
    };
}

/// Returns `WSACCEPT_NULL_POINTER` from the guarded body if any of the pointers is NULL.
macro_rules! check_null {
    ($($ptr:expr),+ $(,)?) => {
        $(
            if $ptr.is_null() {
                return $crate::ffi::ffi_return::from_status(
                    $crate::ffi::wsaccept_status::WSACCEPT_NULL_POINTER,
                );
            }
        )+
    };
}

/// Unwraps a `Result<T, wsaccept_status>` or returns the status from the guarded body.
macro_rules! ffi_try {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(status) => return $crate::ffi::ffi_return::from_status(status),
        }
    };
}

/// `n * size` as a buffer length, or `WSACCEPT_BAD_ARGUMENT` if it overflows or exceeds what a
/// Rust slice may span.
fn buffer_len(n: usize, size: usize) -> Result<usize, wsaccept_status> {
    n.checked_mul(size)
        .filter(|&len| len <= isize::MAX as usize)
        .ok_or(WSACCEPT_BAD_ARGUMENT)
}

fn check_threads(threads: usize) -> Result<(), wsaccept_status> {
    if threads > WSACCEPT_MAX_THREADS {
        Err(WSACCEPT_BAD_ARGUMENT)
    } else {
        Ok(())
    }
}

fn parse_mode(mode: c_int) -> Result<Mode, wsaccept_status> {
    match mode {
        WSACCEPT_MODE_STRICT => Ok(Mode::Strict),
        WSACCEPT_MODE_LENIENT => Ok(Mode::Lenient),
        _ => Err(WSACCEPT_BAD_ARGUMENT),
    }
}

/// Borrows `len` bytes at `ptr` as a slice: empty for `len == 0` (whatever `ptr` is),
/// `WSACCEPT_NULL_POINTER` for NULL with a non-zero length.
///
/// # Safety
/// If `len > 0` and `ptr` is not NULL, `ptr` must be valid for reads of `len` bytes that
/// nothing writes while the returned slice lives.
unsafe fn bytes_in<'a>(ptr: *const c_char, len: usize) -> Result<&'a [u8], wsaccept_status> {
    if len == 0 {
        return Ok(&[]);
    }
    if ptr.is_null() {
        return Err(WSACCEPT_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(WSACCEPT_BAD_ARGUMENT);
    }
    // SAFETY: non-NULL, u8 has alignment 1, and the caller vouches for `len` readable bytes
    // that are not written meanwhile; len <= isize::MAX was checked above.
    Ok(unsafe { slice::from_raw_parts(ptr.cast::<u8>(), len) })
}

/// Borrows `len` bytes at `ptr` as a writable slice, with the rules of [`bytes_in`].
///
/// # Safety
/// If `len > 0` and `ptr` is not NULL, `ptr` must be valid for reads and writes of `len` bytes
/// that nothing else accesses while the returned slice lives.
unsafe fn bytes_out<'a>(ptr: *mut c_char, len: usize) -> Result<&'a mut [u8], wsaccept_status> {
    if len == 0 {
        return Ok(&mut []);
    }
    if ptr.is_null() {
        return Err(WSACCEPT_NULL_POINTER);
    }
    if len > isize::MAX as usize {
        return Err(WSACCEPT_BAD_ARGUMENT);
    }
    // SAFETY: non-NULL, alignment 1, and the caller vouches for exclusive access to `len`
    // bytes; len <= isize::MAX was checked above.
    Ok(unsafe { slice::from_raw_parts_mut(ptr.cast::<u8>(), len) })
}

/// Zero-fills `n` per-item codes at `ptr` and views them as `T` (a `repr(i8)` enum whose value
/// 0 is valid); `None` for a NULL `ptr`.
///
/// # Safety
/// `T` must be a `repr(i8)` type for which the byte 0 is a valid value. If `ptr` is not NULL it
/// must be valid for writes of `n` bytes that nothing else accesses while the slice lives.
unsafe fn codes_out<'a, T>(ptr: *mut i8, n: usize) -> Option<&'a mut [T]> {
    debug_assert!(size_of::<T>() == 1 && align_of::<T>() == 1);
    if ptr.is_null() {
        return None;
    }
    if n == 0 {
        return Some(&mut []);
    }
    // SAFETY: the caller vouches for `n` writable bytes. The C buffer may hold any bytes, and
    // most are not valid `T` values, so every byte is first set to 0 (a valid `T`); only then
    // is the memory viewed as `[T]`. `T` has size and alignment 1, like `i8`.
    unsafe {
        ptr::write_bytes(ptr, 0, n);
        Some(slice::from_raw_parts_mut(ptr.cast::<T>(), n))
    }
}

/// Copies an accept into 28 bytes at `out`.
///
/// # Safety
/// `out` must be non-NULL and valid for writes of 28 bytes.
unsafe fn write_accept(out: *mut c_char, accept: &[u8; ACCEPT_LEN]) {
    // SAFETY: the caller vouches for 28 writable bytes at `out`; `accept` is a Rust-owned
    // array, so the two cannot overlap.
    unsafe { ptr::copy_nonoverlapping(accept.as_ptr(), out.cast::<u8>(), ACCEPT_LEN) }
}

fn status_text(status: c_int) -> &'static CStr {
    const CODES: [wsaccept_status; 10] = [
        WSACCEPT_OK,
        WSACCEPT_NULL_POINTER,
        WSACCEPT_KEY_LENGTH,
        WSACCEPT_KEY_ALPHABET,
        WSACCEPT_KEY_PADDING,
        WSACCEPT_KEY_NONCANONICAL,
        WSACCEPT_BAD_ARGUMENT,
        WSACCEPT_BUFFER_TOO_SMALL,
        WSACCEPT_INTERNAL_ERROR,
        WSACCEPT_RANDOM_FAILURE,
    ];
    match CODES.iter().find(|&&c| c as c_int == status) {
        Some(WSACCEPT_OK) => c"success",
        Some(WSACCEPT_NULL_POINTER) => c"a required pointer is NULL",
        Some(WSACCEPT_KEY_LENGTH) => c"key has the wrong length",
        Some(WSACCEPT_KEY_ALPHABET) => c"key has a byte outside the base64 alphabet",
        Some(WSACCEPT_KEY_PADDING) => c"key has missing or misplaced '=' padding",
        Some(WSACCEPT_KEY_NONCANONICAL) => c"key is not canonical base64 (non-zero unused bits)",
        Some(WSACCEPT_BAD_ARGUMENT) => c"an argument is out of range",
        Some(WSACCEPT_BUFFER_TOO_SMALL) => c"output buffer is too small",
        Some(WSACCEPT_INTERNAL_ERROR) => c"internal error in wsaccept (caught panic)",
        Some(WSACCEPT_RANDOM_FAILURE) => c"the operating system's random source failed",
        None => c"unknown wsaccept status code",
    }
}

// After the macros, so the exports can use them.
mod accept;

/// The library version, e.g. `"0.2.0"`: a static NUL-terminated string, never NULL.
///
/// # Safety
/// Always safe to call. The string must not be freed or written.
#[no_mangle]
pub extern "C" fn wsaccept_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version has an interior NUL"),
        };
    ffi_guard!({ VERSION.as_ptr() })
}

/// The name of the backend the batch calls use, e.g. `"portable"` or `"avx512"`: a static
/// NUL-terminated string, never NULL. Chosen once per process (the environment variable
/// `WSACCEPT_BACKEND` forces one). A `WSACCEPT_BACKEND` that names no backend, or one this CPU
/// cannot run, is ignored and the detected backend is used: this function then returns a name
/// other than the one asked for (the library prints nothing; `wsaccept backends` says why).
///
/// # Safety
/// Always safe to call. The string must not be freed or written.
#[no_mangle]
pub extern "C" fn wsaccept_backend() -> *const c_char {
    static NAME: OnceLock<std::ffi::CString> = OnceLock::new();
    ffi_guard!({
        NAME.get_or_init(|| std::ffi::CString::new(Backend::active().name()).unwrap_or_default())
            .as_ptr()
    })
}

/// A static, NUL-terminated English description of a status code; never NULL (unknown codes
/// get a generic text). Positive values (counts, `WSACCEPT_MATCH`) are not status codes.
///
/// # Safety
/// Always safe to call. The string must not be freed or written.
#[no_mangle]
pub extern "C" fn wsaccept_strerror(status: c_int) -> *const c_char {
    ffi_guard!({ status_text(status).as_ptr() })
}

/// The declarations the integration tests and fuzz checks call this ABI through (the module
/// is private: the C symbols are not Rust API); `declarations_match_the_exports` holds them to
/// the definitions in this module.
#[cfg(test)]
#[macro_use]
#[path = "../../tests/common/capi.rs"]
mod decls;

#[cfg(test)]
mod tests {
    use super::accept::*;
    use super::*;

    /// Each declaration in `tests/common/capi.rs` has its export's exact type (a difference is
    /// a compile error here) and each constant and status code its value.
    #[test]
    fn declarations_match_the_exports() {
        macro_rules! same_signature {
            ($(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {$(
                let _: unsafe extern "C" fn($($ty),*) -> $ret = $name;
                let _: unsafe extern "C" fn($($ty),*) -> $ret = super::decls::$name;
            )*};
        }
        wsaccept_capi_functions!(same_signature);

        use super::decls as d;
        let sizes = [
            (d::WSACCEPT_KEY_LEN, WSACCEPT_KEY_LEN),
            (d::WSACCEPT_ACCEPT_LEN, WSACCEPT_ACCEPT_LEN),
            (
                d::WSACCEPT_MAX_LENIENT_KEY_LEN,
                WSACCEPT_MAX_LENIENT_KEY_LEN,
            ),
            (d::WSACCEPT_MAX_THREADS, WSACCEPT_MAX_THREADS),
            (d::WSACCEPT_RESPONSE_LEN, WSACCEPT_RESPONSE_LEN),
            (
                d::WSACCEPT_PROTOCOL_HEADER_OVERHEAD,
                WSACCEPT_PROTOCOL_HEADER_OVERHEAD,
            ),
            (d::WSACCEPT_RESPONSE_BUF_LEN, WSACCEPT_RESPONSE_BUF_LEN),
        ];
        for (declared, defined) in sizes {
            assert_eq!(declared, defined);
        }
        let ints = [
            (d::WSACCEPT_MODE_STRICT, WSACCEPT_MODE_STRICT),
            (d::WSACCEPT_MODE_LENIENT, WSACCEPT_MODE_LENIENT),
            (d::WSACCEPT_MATCH, WSACCEPT_MATCH),
            (d::WSACCEPT_MISMATCH, WSACCEPT_MISMATCH),
        ];
        for (declared, defined) in ints {
            assert_eq!(declared, defined);
        }
        let statuses = [
            (d::wsaccept_status::WSACCEPT_OK, WSACCEPT_OK),
            (
                d::wsaccept_status::WSACCEPT_NULL_POINTER,
                WSACCEPT_NULL_POINTER,
            ),
            (d::wsaccept_status::WSACCEPT_KEY_LENGTH, WSACCEPT_KEY_LENGTH),
            (
                d::wsaccept_status::WSACCEPT_KEY_ALPHABET,
                WSACCEPT_KEY_ALPHABET,
            ),
            (
                d::wsaccept_status::WSACCEPT_KEY_PADDING,
                WSACCEPT_KEY_PADDING,
            ),
            (
                d::wsaccept_status::WSACCEPT_KEY_NONCANONICAL,
                WSACCEPT_KEY_NONCANONICAL,
            ),
            (
                d::wsaccept_status::WSACCEPT_BAD_ARGUMENT,
                WSACCEPT_BAD_ARGUMENT,
            ),
            (
                d::wsaccept_status::WSACCEPT_BUFFER_TOO_SMALL,
                WSACCEPT_BUFFER_TOO_SMALL,
            ),
            (
                d::wsaccept_status::WSACCEPT_INTERNAL_ERROR,
                WSACCEPT_INTERNAL_ERROR,
            ),
            (
                d::wsaccept_status::WSACCEPT_RANDOM_FAILURE,
                WSACCEPT_RANDOM_FAILURE,
            ),
        ];
        for (declared, defined) in statuses {
            assert_eq!(declared as c_int, defined as c_int, "{declared:?}");
        }
        // Every defined code is in the list: the codes run from 0 down without gaps.
        assert_eq!(
            status_text(-(statuses.len() as c_int)),
            c"unknown wsaccept status code"
        );
    }

    fn guarded_panic() -> c_int {
        ffi_guard!({
            if std::hint::black_box(true) {
                panic!("deliberate panic inside an exported body");
            }
            WSACCEPT_OK as c_int
        })
    }

    fn guarded_null(p: *const u8) -> i64 {
        ffi_guard!({
            check_null!(p);
            7
        })
    }

    #[test]
    fn panic_becomes_internal_error() {
        assert_eq!(guarded_panic(), WSACCEPT_INTERNAL_ERROR as c_int);
    }

    #[test]
    fn null_check_returns_null_code() {
        assert_eq!(guarded_null(ptr::null()), WSACCEPT_NULL_POINTER as i64);
        assert_eq!(guarded_null(b"x".as_ptr()), 7);
    }

    #[test]
    fn every_code_has_its_own_text() {
        let texts: Vec<&CStr> = (-9..=0).map(status_text).collect();
        for (i, a) in texts.iter().enumerate() {
            assert!(!a.is_empty());
            assert!(texts[i + 1..].iter().all(|b| a != b));
        }
        assert_eq!(status_text(-10), c"unknown wsaccept status code");
    }

    #[test]
    fn codes_out_zero_fills_before_viewing() {
        let mut raw = [0x55i8; 4];
        // SAFETY: KeyStatus is repr(i8) with 0 valid; `raw` is 4 writable bytes.
        let view = unsafe { codes_out::<KeyStatus>(raw.as_mut_ptr(), raw.len()) }.unwrap();
        assert!(view.iter().all(|s| *s == KeyStatus::Ok));
        // SAFETY: a NULL pointer is never dereferenced.
        assert!(unsafe { codes_out::<Verdict>(ptr::null_mut(), 3) }.is_none());
    }
}

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
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::OnceLock;

use crate::batch::{
    accept_batch, accept_scattered_io, verify_batch, BatchOptions, ScatterIo, Verdict,
};
use crate::key::{KeyError, KeyStatus, Mode, ACCEPT_LEN, KEY_LEN, MAX_LENIENT_KEY_LEN};
use crate::keygen::KeyGen;
use crate::response::{write_response, ResponseError, PROTOCOL_HEADER_OVERHEAD, RESPONSE_LEN};
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
        match catch_unwind(AssertUnwindSafe(|| $body)) {
            Ok(ret) => ret,
            Err(_) => ffi_return::from_status(WSACCEPT_INTERNAL_ERROR),
        }
    };
}

/// Returns `WSACCEPT_NULL_POINTER` from the guarded body if any of the pointers is NULL.
macro_rules! check_null {
    ($($ptr:expr),+ $(,)?) => {
        $(
            if $ptr.is_null() {
                return ffi_return::from_status(WSACCEPT_NULL_POINTER);
            }
        )+
    };
}

/// Unwraps a `Result<T, wsaccept_status>` or returns the status from the guarded body.
macro_rules! ffi_try {
    ($result:expr) => {
        match $result {
            Ok(value) => value,
            Err(status) => return ffi_return::from_status(status),
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

/// The library version, e.g. `"0.1.0"`: a static NUL-terminated string, never NULL.
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

/// Writes the accept for `key` (`key_len` bytes, spaces/tabs around it trimmed) into `out`:
/// exactly `WSACCEPT_ACCEPT_LEN` (28) bytes, no NUL. Strict RFC 6455 rules: the key must be 24
/// bytes of canonical base64. Returns `WSACCEPT_OK` or a negative code; `out` is written only
/// on success.
///
/// # Safety
/// `key` must point to `key_len` readable bytes (it may be NULL only if `key_len` is 0) and
/// `out` to 28 writable bytes that do not overlap `key`.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_accept(
    key: *const c_char,
    key_len: usize,
    out: *mut c_char,
) -> c_int {
    // SAFETY: the caller's guarantees are `accept_one`'s.
    unsafe { accept_one(key, key_len, out, Mode::Strict) }
}

/// Like `wsaccept_accept`, under the lenient rules: any non-empty key of at most
/// `WSACCEPT_MAX_LENIENT_KEY_LEN` bytes (after trimming spaces/tabs) is hashed as given.
///
/// # Safety
/// As for `wsaccept_accept`.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_accept_lenient(
    key: *const c_char,
    key_len: usize,
    out: *mut c_char,
) -> c_int {
    // SAFETY: the caller's guarantees are `accept_one`'s.
    unsafe { accept_one(key, key_len, out, Mode::Lenient) }
}

/// The body of `wsaccept_accept` and `wsaccept_accept_lenient`.
///
/// # Safety
/// As for `wsaccept_accept`.
unsafe fn accept_one(key: *const c_char, key_len: usize, out: *mut c_char, mode: Mode) -> c_int {
    ffi_guard!({
        check_null!(out);
        // SAFETY: the caller vouches for `key_len` readable bytes at `key`.
        let key = ffi_try!(unsafe { bytes_in(key, key_len) });
        let accept = ffi_try!(crate::accept_with_mode(key, mode).map_err(wsaccept_status::from));
        // SAFETY: `out` is non-NULL and the caller vouches for 28 writable bytes.
        unsafe { write_accept(out, accept.as_bytes()) };
        WSACCEPT_OK as c_int
    })
}

/// Client side: checks a received `Sec-WebSocket-Accept` value (`accept_len` bytes,
/// spaces/tabs around it ignored) against the key the client sent (strict rules). Returns
/// `WSACCEPT_MATCH` (1), `WSACCEPT_MISMATCH` (0), or a negative code for an invalid key or
/// argument. The comparison takes the same time wherever the first difference is.
///
/// # Safety
/// `key` must point to `key_len` readable bytes and `accept` to `accept_len` readable bytes;
/// either may be NULL only if its length is 0.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_verify(
    key: *const c_char,
    key_len: usize,
    accept: *const c_char,
    accept_len: usize,
) -> c_int {
    ffi_guard!({
        // SAFETY: the caller vouches for `key_len` readable bytes at `key`.
        let key = ffi_try!(unsafe { bytes_in(key, key_len) });
        // SAFETY: the caller vouches for `accept_len` readable bytes at `accept`.
        let received = ffi_try!(unsafe { bytes_in(accept, accept_len) });
        match crate::verify(key, received) {
            Ok(true) => WSACCEPT_MATCH,
            Ok(false) => WSACCEPT_MISMATCH,
            Err(e) => wsaccept_status::from(e) as c_int,
        }
    })
}

/// Accepts for `n` keys stored back to back in 24-byte slots (`keys`: `n * 24` bytes, no
/// padding or whitespace) into `out` (`n * 28` bytes). Strict rules.
///
/// `status`: NULL, or `n` entries that receive each key's code (`WSACCEPT_OK` or a negative key
/// code). An invalid key's 28 output bytes are zeroed.
///
/// `threads`: 1 runs on the calling thread only (what an event loop wants); 0 uses all cores;
/// N uses at most N parallel parts (at most `WSACCEPT_MAX_THREADS`). Batches under a few
/// thousand keys always stay on the calling thread.
///
/// fork() is safe at any time: the pool's threads do not survive a fork, so a child process
/// (and its children) that asks for parallel work gets a pool of its own, started by its first
/// parallel batch; if no thread can be started there, the batch runs on the calling thread.
/// It never waits for the parent's threads.
///
/// Returns how many keys were invalid (0..n), or a negative code (then nothing was written):
/// `WSACCEPT_BAD_ARGUMENT` if `threads` is too large or `n * 28` overflows,
/// `WSACCEPT_NULL_POINTER` if `keys` or `out` is NULL while `n > 0`. `n == 0` returns 0.
///
/// # Safety
/// `keys` must point to `n * 24` readable bytes, `out` to `n * 28` writable bytes and `status`
/// (if not NULL) to `n` writable bytes; none may overlap. Any alignment is fine.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_accept_batch(
    keys: *const c_char,
    n: usize,
    out: *mut c_char,
    status: *mut i8,
    threads: usize,
) -> i64 {
    ffi_guard!({
        ffi_try!(check_threads(threads));
        let keys_len = ffi_try!(buffer_len(n, KEY_LEN));
        let out_len = ffi_try!(buffer_len(n, ACCEPT_LEN));
        if n == 0 {
            return 0;
        }
        check_null!(keys, out);
        // SAFETY: the caller vouches for `n * 24` readable bytes at `keys`.
        let keys = ffi_try!(unsafe { bytes_in(keys, keys_len) });
        // SAFETY: the caller vouches for `n * 28` writable bytes at `out`, not overlapping.
        let out = ffi_try!(unsafe { bytes_out(out, out_len) });
        // SAFETY: KeyStatus is repr(i8) and 0 is `KeyStatus::Ok`; the caller vouches for `n`
        // writable bytes at `status` when it is not NULL.
        let status = unsafe { codes_out::<KeyStatus>(status, n) };
        let opts = BatchOptions::default().threads(threads);
        match accept_batch(keys, out, status, &opts) {
            Ok(invalid) => invalid as i64,
            Err(_) => WSACCEPT_INTERNAL_ERROR as i64,
        }
    })
}

/// Client side, for load generators: checks `n` received accepts (`accepts`: `n * 28` bytes
/// back to back) against the `n` keys that were sent (`keys`: `n * 24` bytes). Strict rules.
///
/// `result`: NULL, or `n` entries receiving `WSACCEPT_MATCH` (1), `WSACCEPT_MISMATCH` (0) or a
/// negative key code for an invalid key. `threads` as for `wsaccept_accept_batch`.
///
/// Returns how many items did not match (mismatches plus invalid keys), or a negative code
/// (then nothing was written).
///
/// # Safety
/// `keys` must point to `n * 24` readable bytes, `accepts` to `n * 28` readable bytes and
/// `result` (if not NULL) to `n` writable bytes that overlap neither.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_verify_batch(
    keys: *const c_char,
    accepts: *const c_char,
    n: usize,
    result: *mut i8,
    threads: usize,
) -> i64 {
    ffi_guard!({
        ffi_try!(check_threads(threads));
        let keys_len = ffi_try!(buffer_len(n, KEY_LEN));
        let accepts_len = ffi_try!(buffer_len(n, ACCEPT_LEN));
        if n == 0 {
            return 0;
        }
        check_null!(keys, accepts);
        // SAFETY: the caller vouches for `n * 24` readable bytes at `keys`.
        let keys = ffi_try!(unsafe { bytes_in(keys, keys_len) });
        // SAFETY: the caller vouches for `n * 28` readable bytes at `accepts`.
        let received = ffi_try!(unsafe { bytes_in(accepts, accepts_len) });
        // SAFETY: Verdict is repr(i8) and 0 is `Verdict::Mismatch`; the caller vouches for `n`
        // writable bytes at `result` when it is not NULL.
        let verdicts = unsafe { codes_out::<Verdict>(result, n) };
        let opts = BatchOptions::default().threads(threads);
        match verify_batch(keys, received, verdicts, &opts) {
            Ok(summary) => summary.failed() as i64,
            Err(_) => WSACCEPT_INTERNAL_ERROR as i64,
        }
    })
}

/// The C scattered layout: arrays of key pointers and lengths, and of output pointers. The
/// batch driver reads and writes through them directly, so the call allocates nothing.
struct CScatter<'a> {
    keys: &'a [*const c_char],
    lens: &'a [usize],
    outs: &'a [*mut c_char],
}

// SAFETY: the key bytes behind the pointers are only read, and each output pointer is written
// by the one part that owns its index (`split_at` partitions the indices); the caller of
// `wsaccept_accept_scattered` guarantees that outputs overlap neither each other nor any input,
// so parts on different threads never touch the same memory.
unsafe impl Send for CScatter<'_> {}

impl ScatterIo for CScatter<'_> {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn key(&self, i: usize) -> &[u8] {
        // SAFETY: the caller vouches for `lens[i]` readable bytes at `keys[i]`, and the call
        // checked every (pointer, length) pair with `bytes_in` before building this.
        unsafe { bytes_in(self.keys[i], self.lens[i]) }.unwrap_or(&[])
    }

    fn write(&mut self, i: usize, accept: &[u8; ACCEPT_LEN]) {
        // SAFETY: `outs[i]` was checked non-NULL and the caller vouches for 28 writable bytes
        // there that no other index shares.
        unsafe { write_accept(self.outs[i], accept) }
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k1, k2) = self.keys.split_at(mid);
        let (l1, l2) = self.lens.split_at(mid);
        let (o1, o2) = self.outs.split_at(mid);
        (
            CScatter {
                keys: k1,
                lens: l1,
                outs: o1,
            },
            CScatter {
                keys: k2,
                lens: l2,
                outs: o2,
            },
        )
    }
}

/// Server side: accepts for `n` keys that sit anywhere (e.g. inside each connection's request
/// buffer), written straight to where each belongs (e.g. each connection's response buffer).
///
/// `keys[i]` points to `key_lens[i]` bytes (spaces/tabs around the key are trimmed; a NULL
/// `keys[i]` is allowed only with length 0, which is an invalid, empty key). `outs[i]` points to
/// 28 writable bytes and must not be NULL. `status`: NULL or `n` entries for each key's code.
/// `mode`: `WSACCEPT_MODE_STRICT` or `WSACCEPT_MODE_LENIENT`. `threads` as for
/// `wsaccept_accept_batch`.
///
/// Allocates nothing: keys are read and accepts written through the caller's pointers.
///
/// Returns how many keys were invalid (their 28 output bytes are zeroed), or a negative code
/// (then nothing was written): `WSACCEPT_NULL_POINTER` if `keys`, `key_lens` or `outs` is NULL
/// while `n > 0`, or if any `outs[i]` is NULL, or any `keys[i]` is NULL with a non-zero length;
/// `WSACCEPT_BAD_ARGUMENT` for an unknown mode or too many threads.
///
/// # Safety
/// `keys`, `key_lens` and `outs` must point to `n` readable entries each; every `keys[i]` to
/// `key_lens[i]` readable bytes; every `outs[i]` to 28 writable bytes; `status` (if not NULL) to
/// `n` writable bytes. No output may overlap any input or another output.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_accept_scattered(
    keys: *const *const c_char,
    key_lens: *const usize,
    n: usize,
    outs: *const *mut c_char,
    status: *mut i8,
    mode: c_int,
    threads: usize,
) -> i64 {
    ffi_guard!({
        ffi_try!(check_threads(threads));
        let mode = ffi_try!(parse_mode(mode));
        ffi_try!(buffer_len(n, size_of::<*const c_char>()));
        if n == 0 {
            return 0;
        }
        check_null!(keys, key_lens, outs);
        // SAFETY: the caller vouches for `n` readable entries in each array; pointers and
        // usize are naturally aligned in C arrays; n * 8 <= isize::MAX was checked above.
        let (key_ptrs, lens, out_ptrs) = unsafe {
            (
                slice::from_raw_parts(keys, n),
                slice::from_raw_parts(key_lens, n),
                slice::from_raw_parts(outs, n),
            )
        };
        if out_ptrs.iter().any(|p| p.is_null()) {
            return WSACCEPT_NULL_POINTER as i64;
        }
        // Every key pointer is checked before anything is written.
        for (&p, &len) in key_ptrs.iter().zip(lens) {
            // SAFETY: the caller vouches for `len` readable bytes at each key pointer.
            ffi_try!(unsafe { bytes_in(p, len) });
        }
        // SAFETY: KeyStatus is repr(i8) and 0 is `KeyStatus::Ok`; the caller vouches for `n`
        // writable bytes at `status` when it is not NULL.
        let status = unsafe { codes_out::<KeyStatus>(status, n) };
        let opts = BatchOptions::default().mode(mode).threads(threads);
        let io = CScatter {
            keys: key_ptrs,
            lens,
            outs: out_ptrs,
        };
        let invalid = accept_scattered_io(io, status, &opts);
        invalid as i64
    })
}

/// Fills `keys` (`n * 24` bytes) with fresh valid client keys and `accepts` (`n * 28` bytes, or
/// NULL if not wanted) with their accepts. `seed` 0 draws from the operating system's random
/// source (what real clients must use); any other seed gives a reproducible stream: the same
/// seed gives the same keys on every platform, and a shorter call gives a prefix of a longer
/// one.
///
/// Returns `WSACCEPT_OK`, `WSACCEPT_RANDOM_FAILURE` (buffers zeroed), or another negative code
/// (nothing written).
///
/// # Safety
/// `keys` must point to `n * 24` writable bytes and `accepts` (if not NULL) to `n * 28`
/// writable bytes; they must not overlap.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_generate(
    keys: *mut c_char,
    accepts: *mut c_char,
    n: usize,
    seed: u64,
) -> c_int {
    ffi_guard!({
        let keys_len = ffi_try!(buffer_len(n, KEY_LEN));
        let accepts_len = ffi_try!(buffer_len(n, ACCEPT_LEN));
        if n == 0 {
            return WSACCEPT_OK as c_int;
        }
        check_null!(keys);
        // SAFETY: the caller vouches for `n * 24` writable bytes at `keys`.
        let keys_out = ffi_try!(unsafe { bytes_out(keys, keys_len) });
        // Not wanted (NULL) is an empty slice, which `KeyGen::try_fill_slots` takes as no
        // accepts (see there why not an `Option`).
        let accepts_out: &mut [u8] = if accepts.is_null() {
            &mut []
        } else {
            // SAFETY: the caller vouches for `n * 28` writable bytes at `accepts`, not
            // overlapping `keys`.
            ffi_try!(unsafe { bytes_out(accepts, accepts_len) })
        };
        // Whole 24- and 28-byte slots: the lengths are n * 24 and n * 28.
        let (key_slots, _) = keys_out.as_chunks_mut::<KEY_LEN>();
        let (accept_slots, _) = accepts_out.as_chunks_mut::<ACCEPT_LEN>();
        if KeyGen::from_seed_or_os(seed)
            .try_fill_slots(key_slots, accept_slots)
            .is_err()
        {
            // Both buffers were zeroed: the lengths match, so only the random source can fail.
            return WSACCEPT_RANDOM_FAILURE as c_int;
        }
        WSACCEPT_OK as c_int
    })
}

/// Server side: writes the complete handshake response for `key` into `buf`:
/// `HTTP/1.1 101 Switching Protocols`, `Upgrade: websocket`, `Connection: Upgrade`,
/// `Sec-WebSocket-Accept: <accept>`, then `Sec-WebSocket-Protocol: <protocol>` if `protocol_len`
/// is non-zero, each line ending in CRLF, and the final empty line. No NUL is appended.
///
/// `mode`: `WSACCEPT_MODE_STRICT` or `WSACCEPT_MODE_LENIENT` for the key. The protocol value
/// is copied as given and must not contain CR, LF or NUL.
///
/// Returns the response length (`WSACCEPT_RESPONSE_LEN`, plus
/// `WSACCEPT_PROTOCOL_HEADER_OVERHEAD + protocol_len` with a protocol), or a negative code with
/// `buf` untouched: a key code, `WSACCEPT_BAD_ARGUMENT` (bad protocol value or mode),
/// `WSACCEPT_BUFFER_TOO_SMALL` (`buf_len` is less than the length above; a NULL `buf` with
/// `buf_len` 0 gets this too), `WSACCEPT_NULL_POINTER`.
///
/// # Safety
/// `key` must point to `key_len` readable bytes, `protocol` to `protocol_len` readable bytes
/// (either may be NULL only with length 0), and `buf` to `buf_len` writable bytes overlapping
/// neither.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_write_response(
    key: *const c_char,
    key_len: usize,
    protocol: *const c_char,
    protocol_len: usize,
    mode: c_int,
    buf: *mut c_char,
    buf_len: usize,
) -> i64 {
    ffi_guard!({
        let mode = ffi_try!(parse_mode(mode));
        // SAFETY: the caller vouches for `key_len` readable bytes at `key`.
        let key = ffi_try!(unsafe { bytes_in(key, key_len) });
        // SAFETY: the caller vouches for `protocol_len` readable bytes at `protocol`.
        let protocol = ffi_try!(unsafe { bytes_in(protocol, protocol_len) });
        // SAFETY: the caller vouches for `buf_len` writable bytes at `buf`, overlapping neither
        // input.
        let buf = ffi_try!(unsafe { bytes_out(buf, buf_len) });
        let accept = ffi_try!(crate::accept_with_mode(key, mode).map_err(wsaccept_status::from));
        match write_response(&accept, Some(protocol), buf) {
            Ok(len) => len as i64,
            Err(ResponseError::BadProtocol { .. }) => WSACCEPT_BAD_ARGUMENT as i64,
            Err(ResponseError::BufferTooSmall { .. }) => WSACCEPT_BUFFER_TOO_SMALL as i64,
        }
    })
}

/// The declarations the integration tests and fuzz checks call this ABI through (the module
/// is private: the C symbols are not Rust API); `declarations_match_the_exports` holds them to
/// the definitions above.
#[cfg(test)]
#[macro_use]
#[path = "../tests/common/capi.rs"]
mod decls;

#[cfg(test)]
mod tests {
    use super::*;

    /// Each declaration in `tests/common/capi.rs` has its export's exact type (a difference is
    /// a compile error here) and each constant and status code its value.
    #[test]
    fn declarations_match_the_exports() {
        macro_rules! same_signature {
            ($(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)*) => {$(
                let _: unsafe extern "C" fn($($ty),*) -> $ret = super::$name;
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

    /// FNV-1a, to pin a long output in a test.
    fn fnv1a(bytes: &[u8]) -> u64 {
        bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
            (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
        })
    }

    /// A seed's keys and accepts are pinned: the generation loop may move or change its round
    /// size, never its output (load tests replay a seed across versions). 600 keys span several
    /// rounds and end in a partial one; shorter calls give prefixes.
    #[test]
    fn generate_output_is_pinned() {
        const N: usize = 600;
        let mut keys = vec![0u8; N * KEY_LEN];
        let mut accepts = vec![0u8; N * ACCEPT_LEN];
        // SAFETY: the buffers are N * 24 and N * 28 writable bytes and do not overlap.
        let rc = unsafe {
            wsaccept_generate(
                keys.as_mut_ptr().cast(),
                accepts.as_mut_ptr().cast(),
                N,
                0x5EED,
            )
        };
        assert_eq!(rc, WSACCEPT_OK as c_int);
        assert_eq!(&keys[..KEY_LEN], b"O+LbENtl0Jm4A/gEBn5p5Q==");
        assert_eq!(fnv1a(&keys), 0xffe2_44d9_5a6e_3ea2);
        assert_eq!(fnv1a(&accepts), 0x0716_cd7f_0fdd_7a17);
        for n in [1, 255, 256, 257, 513] {
            let mut short = vec![0u8; n * KEY_LEN];
            // SAFETY: `short` is n * 24 writable bytes; accepts not wanted.
            let rc =
                unsafe { wsaccept_generate(short.as_mut_ptr().cast(), ptr::null_mut(), n, 0x5EED) };
            assert_eq!(rc, WSACCEPT_OK as c_int);
            assert_eq!(short, keys[..n * KEY_LEN], "n = {n}");
        }
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

//! # wsaccept
//!
//! Computes WebSocket `Sec-WebSocket-Accept` values (RFC 6455 §4.2.2): base64 of the SHA-1 of
//! the client key followed by the GUID `258EAFA5-E914-47DA-95CA-C5AB0DC85B11`, for one key or
//! for millions.
//!
//! ```
//! let accept = wsaccept::accept("dGhlIHNhbXBsZSBub25jZQ==").unwrap();
//! assert_eq!(accept, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
//! assert!(wsaccept::verify("dGhlIHNhbXBsZSBub25jZQ==", " s3pPLMBiTxaQ9kYGzzhZRbK+xOo=").unwrap());
//! ```
//!
//! Modules, one concern each:
//! - [`key`]: the key rules (strict and lenient), errors and per-item statuses;
//! - [`mod@accept`]: the 28-byte accept value;
//! - `compute`: SHA-1 of one key over the two precomputed padded blocks;
//! - [`mod@backend`]: interchangeable engines for blocks of keys, chosen at run time;
//! - [`batch`]: the batch driver (contiguous, scattered, verify; one thread or many);
//! - [`keygen`]: random and seeded key generation;
//! - [`response`]: the server's `101 Switching Protocols` response;
//! - [`ffi`]: the C ABI (`include/wsaccept.h`).

pub mod accept;
pub mod backend;
pub mod batch;
mod compute;
pub mod ffi;
pub mod key;
pub mod keygen;
pub mod response;

pub use accept::Accept;
pub use backend::{Backend, BackendEnvError, BackendKind};
pub use batch::{
    accept_batch, accept_keys, accept_scattered, verify_batch, BatchError, BatchOptions, Verdict,
    VerifySummary, PARALLEL_CUTOFF,
};
pub use key::{
    check_strict, parse_lenient, parse_strict, trim_ows, Key, KeyError, KeyStatus, Mode,
    ACCEPT_LEN, GUID, KEY_LEN, MAX_LENIENT_KEY_LEN,
};
pub use keygen::{GenerateError, KeyGen};
pub use response::{response_len, write_response, ResponseError};

/// The accept for one key under the strict rules (OWS around the key is trimmed).
#[inline]
pub fn accept(key: impl AsRef<[u8]>) -> Result<Accept, KeyError> {
    let key = parse_strict(key.as_ref())?;
    let mut out = Accept::ZEROED;
    compute::accept_24(key, &mut out.0);
    Ok(out)
}

/// The accept for one key under the lenient rules: the trimmed bytes are hashed as given.
pub fn accept_lenient(key: impl AsRef<[u8]>) -> Result<Accept, KeyError> {
    let key = parse_lenient(key.as_ref())?;
    let mut out = Accept::ZEROED;
    compute::accept_any(key, &mut out.0);
    Ok(out)
}

/// The accept for one key under `mode`.
pub fn accept_with_mode(key: impl AsRef<[u8]>, mode: Mode) -> Result<Accept, KeyError> {
    match mode {
        Mode::Strict => accept(key),
        Mode::Lenient => accept_lenient(key),
    }
}

/// Client side: whether `received` (a `Sec-WebSocket-Accept` header value, OWS allowed) is the
/// right answer to `key`. An invalid key is an error, not a `false`.
pub fn verify(key: impl AsRef<[u8]>, received: impl AsRef<[u8]>) -> Result<bool, KeyError> {
    Ok(accept(key)?.matches(received.as_ref()))
}

/// [`verify`] under `mode`.
pub fn verify_with_mode(
    key: impl AsRef<[u8]>,
    received: impl AsRef<[u8]>,
    mode: Mode,
) -> Result<bool, KeyError> {
    Ok(accept_with_mode(key, mode)?.matches(received.as_ref()))
}

/// The name of the backend batch calls use by default (see [`Backend::active`]).
pub fn backend() -> &'static str {
    Backend::active().name()
}

/// The README's Rust examples, compiled and run as doctests so the README stays true.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

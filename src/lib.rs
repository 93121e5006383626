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
//! ## What to call
//!
//! - **One key** (a server's handshake, a client's check): [`accept`], [`accept_lenient`],
//!   [`accept_with_mode`] return an [`Accept`]; [`verify`], [`verify_with_mode`] compare one;
//!   failures are a [`KeyError`].
//! - **Many keys**: [`accept_batch`] (keys back to back), [`accept_keys`] (24-byte arrays),
//!   [`accept_scattered`] (keys anywhere, any length), [`verify_batch`] (a load generator's
//!   check), all steered by [`BatchOptions`] (threads, [`Mode`], backend) and reporting one
//!   [`KeyStatus`] per key, a [`BatchError`] for unusable buffers, a [`Verdict`] or
//!   [`VerifySummary`] when verifying.
//! - **Keys to send**: [`KeyGen`] (OS randomness or a reproducible seed) fills [`Key`]s, and
//!   their accepts with them; [`GenerateError`] when it cannot. [`MaskGen`] makes the fresh
//!   masking key every frame a client sends needs (RFC 6455 §5.3), in bulk.
//! - **The whole response**: [`write_response`] writes `101 Switching Protocols` into a
//!   caller's buffer ([`response_len`] says how much it needs; [`ResponseError`]).
//! - **The server's opening handshake** (RFC 6455 §4.2), sans-I/O, no allocation:
//!   [`ServerConfig::handshake`] takes the bytes a connection has read and writes the 101 or
//!   the right refusal ([`Outcome`], [`Reason`]); [`ServerHandshake::parse`] with
//!   [`write_accept`] / [`write_refusal`] for a server that decides itself;
//!   [`ServerConfig::handshake_batch`] for many connections at once. The head scanner
//!   ([`HeadScanner`]) and the list readers ([`has_token`], [`extension_offers`],
//!   [`DeflateParams`]) are public too.
//! - **Key rules alone**: [`parse_strict`], [`parse_lenient`], [`check_strict`], [`trim_ows`],
//!   and the sizes [`KEY_LEN`], [`ACCEPT_LEN`], [`MAX_LENIENT_KEY_LEN`], [`GUID`].
//! - **Backends** (the engine batches run on, chosen from the CPU once per process):
//!   [`backend`] names the one in use; [`Backend`] and [`BackendKind`] list, detect and pick
//!   them; batches below [`PARALLEL_CUTOFF`] keys stay on the calling thread.
//!
//! Every item lives at the crate root; the modules behind them are private.
//!
//! ## Features
//!
//! - `rayon` (default): batches with `threads != 1` and at least [`PARALLEL_CUTOFF`] keys run
//!   in parallel on rayon's pool. Without it every batch runs on the calling thread and the
//!   thread option is ignored.
//! - `capi` (off by default): the C ABI, the `wsaccept_*` symbols of `libwsaccept.so`/`.a`
//!   declared in `include/wsaccept.h` (documented there, not here: it is not a Rust API), and
//!   the build script that generates that header with cbindgen. Off, a Rust program's build
//!   carries no C symbol, so two versions of the crate can sit in one cdylib and none interposes
//!   on a `libwsaccept.so` in the same process. The repository's `capi/` crate and cargo-c turn
//!   it on to build the C libraries.

mod accept;
mod backend;
mod batch;
#[cfg(feature = "capi")]
mod ffi;
mod handshake;
mod key;
mod keygen;
mod mask;
#[cfg(feature = "rayon")]
mod pool;
mod response;

pub use accept::Accept;
pub use backend::{Backend, BackendEnvError, BackendKind};
pub use batch::{
    accept_batch, accept_keys, accept_scattered, verify_batch, BatchError, BatchOptions, Verdict,
    VerifySummary, PARALLEL_CUTOFF,
};
pub use handshake::head::{
    HeadError, HeadErrorKind, HeadKind, HeadScanner, HeaderSlot, HttpVersion, Scan, Span,
    StartLine, DEFAULT_MAX_HEAD,
};
pub use handshake::server::{
    write_accept, write_refusal, write_switching, AnswerError, ConfigError, HandshakeJob,
    Negotiated, Outcome, Parsed, Reason, Request, RequestInfo, ServerConfig, ServerHandshake,
    Status, DEFAULT_MAX_HEADERS, MAX_REFUSAL_LEN,
};
pub use handshake::tokens::{
    extension_offers, has_token, is_token, DeflateParams, ExtensionOffer, ExtensionParam,
    DEFLATE_RESPONSE_MAX, PERMESSAGE_DEFLATE, WINDOW_BITS_ANY,
};
pub use key::{
    check_strict, parse_lenient, parse_strict, trim_ows, Key, KeyError, KeyStatus, Mode,
    ACCEPT_LEN, GUID, KEY_LEN, MAX_LENIENT_KEY_LEN,
};
pub use keygen::{GenerateError, KeyGen};
pub use mask::{MaskGen, MASK_LEN};
pub use response::{response_len, write_response, ResponseError};

/// The accept for one key under the strict rules (OWS around the key is trimmed).
#[inline]
pub fn accept(key: impl AsRef<[u8]>) -> Result<Accept, KeyError> {
    let mut out = Accept::ZEROED;
    accept_into(key.as_ref(), Mode::Strict, &mut out.0)?;
    Ok(out)
}

/// The accept for one key under the lenient rules: the trimmed bytes are hashed as given.
pub fn accept_lenient(key: impl AsRef<[u8]>) -> Result<Accept, KeyError> {
    let mut out = Accept::ZEROED;
    accept_into(key.as_ref(), Mode::Lenient, &mut out.0)?;
    Ok(out)
}

/// The single-key calls' one body (the Rust functions' and the C ABI's): the accept for `raw`
/// under `mode` into `out`, which holds the hash of whatever the key is on an error (callers
/// discard it then).
#[inline(always)]
pub(crate) fn accept_into(
    raw: &[u8],
    mode: Mode,
    out: &mut [u8; ACCEPT_LEN],
) -> Result<(), KeyError> {
    match mode {
        Mode::Strict => {
            // `parse_strict`'s rules, with the key check done beside the hash (the first
            // problem by position is worked out only for a key the quick check flags).
            let trimmed = trim_ows(raw);
            let key: &[u8; KEY_LEN] = trimmed
                .try_into()
                .map_err(|_| KeyError::Length { len: trimmed.len() })?;
            backend::accept_strict(key, out)
        }
        Mode::Lenient => {
            backend::accept_any(parse_lenient(raw)?, out);
            Ok(())
        }
    }
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

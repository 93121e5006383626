//! The checking logic of the fuzz targets, shared with the corpus replay test.
//!
//! Each public function takes arbitrary bytes, drives one family of entry points with them and
//! panics on any crash, disagreement with an independent model, or broken promise. The fuzz
//! targets (`fuzz/fuzz_targets/<name>.rs`) call them from libFuzzer; `tests/fuzz_corpus.rs`
//! replays every committed `fuzz/corpus/<name>/*` file through them under plain `cargo test`
//! (and under miri), so what the fuzzers found stays fixed.
//!
//! The model is independent of the library: the `base64` crate (not base64-simd) decides what a
//! valid strict key is and encodes accepts, the `sha1` Digest API (not `sha1::compress`) hashes,
//! and OWS trimming, strict error positions and the 101 response layout are written out again
//! here from RFC 6455 and RFC 9110.
#![allow(dead_code)]

use core::ffi::{c_char, c_int, CStr};
use core::ptr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ffi::wsaccept_status;
use sha1::{Digest, Sha1};
use wsaccept::{Backend, BatchOptions, KeyError, KeyStatus, Mode, Verdict};

/// The C ABI, declared as a C program sees it (the library's own `ffi` module is private).
#[path = "../tests/common/capi.rs"]
mod ffi;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const GUID: &[u8] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const SAMPLE_KEY: &[u8] = b"dGhlIHNhbXBsZSBub25jZQ==";
const SAMPLE_ACCEPT: &[u8] = b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";
const MAX_LENIENT: usize = 256;
/// What output buffers are filled with before a call, to see what it wrote.
const SENTINEL: u8 = 0xA5;

// ------------------------------------------------------------------------------ the model

/// base64(SHA-1(key ‖ GUID)) by the `sha1` Digest API and the `base64` crate.
pub fn oracle(key: &[u8]) -> [u8; 28] {
    let mut h = Sha1::new();
    h.update(key);
    h.update(GUID);
    let text = STANDARD.encode(h.finalize());
    text.as_bytes()
        .try_into()
        .expect("base64 of 20 bytes is 28 bytes")
}

/// RFC 9110 OWS (space, tab) removed from both ends.
pub fn model_trim(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

/// Whether `t` (already trimmed) is a strict key: canonical base64 of exactly 16 bytes, as the
/// `base64` crate's standard engine (canonical padding, no trailing bits) decides.
pub fn model_is_strict_key(t: &[u8]) -> bool {
    matches!(STANDARD.decode(t), Ok(d) if d.len() == 16)
}

/// The first problem, by position, of a trimmed key that is not a strict key.
fn model_strict_error(t: &[u8]) -> KeyError {
    if t.len() != 24 {
        return KeyError::Length { len: t.len() };
    }
    for (pos, &byte) in t[..22].iter().enumerate() {
        if !ALPHABET.contains(&byte) {
            return if byte == b'=' {
                KeyError::Padding { pos, byte }
            } else {
                KeyError::Alphabet { pos, byte }
            };
        }
    }
    for (pos, &byte) in t.iter().enumerate().skip(22) {
        if byte != b'=' {
            return KeyError::Padding { pos, byte };
        }
    }
    KeyError::NonCanonical {
        pos: 21,
        byte: t[21],
    }
}

/// The model's answer for one key under `mode`: the accept or the error.
fn model_accept(raw: &[u8], mode: Mode) -> Result<[u8; 28], KeyError> {
    let t = model_trim(raw);
    match mode {
        Mode::Strict if model_is_strict_key(t) => Ok(oracle(t)),
        Mode::Strict => Err(model_strict_error(t)),
        Mode::Lenient if t.is_empty() => Err(KeyError::Empty),
        Mode::Lenient if t.len() > MAX_LENIENT => Err(KeyError::TooLong { len: t.len() }),
        Mode::Lenient => Ok(oracle(t)),
    }
}

/// The model for one 24-byte slot of a contiguous batch under strict rules. Slots hold keys
/// exactly: unlike single keys, they are not trimmed, so OWS in a slot is an alphabet error.
fn model_slot(key: &[u8; 24]) -> Result<[u8; 28], KeyStatus> {
    if model_is_strict_key(key) {
        Ok(oracle(key))
    } else {
        Err(model_strict_error(key).status())
    }
}

/// The 101 response, spelled out from RFC 6455 §4.2.2.
fn model_response(accept: &[u8; 28], protocol: &[u8]) -> Vec<u8> {
    let mut r =
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
                  Sec-WebSocket-Accept: "
            .to_vec();
    r.extend_from_slice(accept);
    r.extend_from_slice(b"\r\n");
    if !protocol.is_empty() {
        r.extend_from_slice(b"Sec-WebSocket-Protocol: ");
        r.extend_from_slice(protocol);
        r.extend_from_slice(b"\r\n");
    }
    r.extend_from_slice(b"\r\n");
    r
}

// ---------------------------------------------------------------------- reading the input

/// Reads parameters off the front of the fuzz input; past its end every read gives zeros.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }

    fn u64(&mut self) -> u64 {
        let mut b = [0u8; 8];
        b.iter_mut().for_each(|x| *x = self.byte());
        u64::from_le_bytes(b)
    }

    fn take(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// One 24-byte key slot made from a control byte and up to 24 input bytes: raw bytes, a valid
/// key, a valid key with one byte replaced, or a valid key with another last data character
/// (mostly non-canonical). Mixes valid and invalid keys in every batch.
fn key_slot(inp: &mut Input) -> [u8; 24] {
    let ctrl = inp.byte();
    let mut raw = [0u8; 24];
    let src = inp.take(24);
    raw[..src.len()].copy_from_slice(src);
    if ctrl.is_multiple_of(4) {
        return raw;
    }
    let mut key: [u8; 24] = STANDARD
        .encode(&raw[..16])
        .as_bytes()
        .try_into()
        .expect("24");
    match ctrl % 4 {
        2 => key[raw[16] as usize % 24] = raw[17],
        3 => key[21] = ALPHABET[raw[18] as usize % 64],
        _ => {}
    }
    key
}

fn key_slots(inp: &mut Input, max: usize) -> Vec<[u8; 24]> {
    let mut keys = Vec::new();
    while !inp.is_empty() && keys.len() < max {
        keys.push(key_slot(inp));
    }
    keys
}

/// The `N`-byte slots of `buf` from byte `off` on, so slices start at every address.
fn misaligned<const N: usize>(buf: &mut [u8], off: usize) -> &mut [[u8; N]] {
    buf[off..].as_chunks_mut::<N>().0
}

// ------------------------------------------------------------------------ target: key_parse

/// Strict and lenient parsing, the single-key accept and verify, on arbitrary bytes.
pub fn key_parse(data: &[u8]) {
    let t = model_trim(data);
    assert_eq!(wsaccept::trim_ows(data), t, "trim_ows");

    // Strict: valid exactly when the base64 crate decodes the trimmed bytes to 16 bytes.
    let valid = model_is_strict_key(t);
    match wsaccept::parse_strict(data) {
        Ok(key) => {
            assert!(
                valid,
                "strict parser accepted {t:?}, the base64 crate does not"
            );
            assert_eq!(&key[..], t);
            assert_eq!(
                wsaccept::Key::parse(data).expect("Key::parse").as_bytes(),
                key
            );
            let want = oracle(t);
            let accept = wsaccept::accept(data).expect("accept of a valid key");
            assert_eq!(accept.as_bytes(), &want, "accept of {t:?}");
            assert_eq!(accept.as_str().as_bytes(), &want);
            assert!(wsaccept::verify(data, want).unwrap());
            assert!(wsaccept::verify(data, [&b" "[..], &want[..], &b"\t "[..]].concat()).unwrap());
            // No proper prefix, no extension and no one-byte change of the accept passes.
            for n in 0..28 {
                assert!(!wsaccept::verify(data, &want[..n]).unwrap(), "prefix {n}");
                let mut changed = want;
                changed[n] ^= 0x01;
                assert!(!wsaccept::verify(data, changed).unwrap(), "changed at {n}");
            }
            assert!(!wsaccept::verify(data, [&want[..], &b"A"[..]].concat()).unwrap());
        }
        Err(e) => {
            assert!(!valid, "strict parser refused {t:?} ({e}), a valid key");
            assert_eq!(e, model_strict_error(t), "first error in {t:?}");
            assert!(!e.to_string().is_empty());
            assert_eq!(wsaccept::accept(data), Err(e));
            assert_eq!(wsaccept::verify(data, SAMPLE_ACCEPT), Err(e));
        }
    }

    // Lenient: non-empty and at most 256 bytes after trimming; hashes exactly those bytes.
    let lenient = wsaccept::accept_lenient(data).map(|a| *a.as_bytes());
    assert_eq!(lenient, model_accept(data, Mode::Lenient), "lenient {t:?}");
    if let Err(e) = lenient {
        assert!(!e.to_string().is_empty());
    }
    for mode in [Mode::Strict, Mode::Lenient] {
        assert_eq!(
            wsaccept::accept_with_mode(data, mode).map(|a| *a.as_bytes()),
            model_accept(data, mode)
        );
    }

    // The same bytes as a received accept value: only the exact right accept (OWS aside) passes.
    assert_eq!(
        wsaccept::verify(SAMPLE_KEY, data).unwrap(),
        t == SAMPLE_ACCEPT,
        "verify(sample, {t:?})"
    );
}

// ------------------------------------------------------------------------- target: backends

/// Every available backend (both `accept_keys` and its bare kernel) and the batch API on it,
/// against the portable backend and the model, on mixed batches in misaligned buffers.
pub fn backends(data: &[u8]) {
    let mut inp = Input(data);
    let flags = inp.byte();
    let repeat = inp.byte() as usize;
    let key_off = (flags & 7) as usize;
    let out_off = ((flags >> 3) & 7) as usize;
    let mut keys = key_slots(&mut inp, 512);
    // Grow the batch by cycling through it, so short inputs reach multi-group batches.
    if !keys.is_empty() {
        let base = keys.len();
        for i in 0..repeat {
            keys.push(keys[i % base]);
        }
    }
    let n = keys.len();

    let mut key_buf = vec![0u8; key_off + n * 24];
    key_buf[key_off..].copy_from_slice(keys.as_flattened());
    let key_bytes = &key_buf[key_off..];
    let key_slots: &[[u8; 24]] = key_bytes.as_chunks::<24>().0;

    for strict in [true, false] {
        let mode = if strict { Mode::Strict } else { Mode::Lenient };
        // The reference, checked key by key against the model.
        let mut want_out = vec![[0u8; 28]; n];
        let mut want_status = vec![KeyStatus::Padding; n];
        let want_invalid =
            Backend::portable().accept_keys(key_slots, &mut want_out, &mut want_status, strict);
        for (i, key) in keys.iter().enumerate() {
            // Slots hold keys exactly (no trimming), so the model sees the 24 bytes as they are.
            let model = if strict {
                model_slot(key)
            } else {
                Ok(oracle(key))
            };
            match model {
                Ok(acc) => {
                    assert_eq!(want_status[i], KeyStatus::Ok, "portable status {i} {key:?}");
                    assert_eq!(want_out[i], acc, "portable accept {i}");
                }
                Err(st) => {
                    assert_eq!(want_status[i], st, "portable status {i} {key:?}");
                    assert_eq!(want_out[i], [0; 28], "invalid slot {i} zeroed");
                }
            }
        }
        assert_eq!(
            want_invalid,
            want_status.iter().filter(|s| !s.is_ok()).count()
        );

        for backend in Backend::available() {
            for kernel in [false, true] {
                let mut out_buf = vec![SENTINEL; out_off + n * 28];
                let out = misaligned::<28>(&mut out_buf, out_off);
                let mut status = vec![KeyStatus::Padding; n];
                let invalid = if kernel {
                    backend.accept_keys_kernel(key_slots, out, &mut status, strict)
                } else {
                    backend.accept_keys(key_slots, out, &mut status, strict)
                };
                let what = format!("{} kernel={kernel} strict={strict} n={n}", backend.name());
                assert_eq!(invalid, want_invalid, "{what}: invalid count");
                assert_eq!(status, want_status, "{what}: statuses");
                assert_eq!(out, &want_out[..], "{what}: accepts");
                assert!(out_buf[..out_off].iter().all(|&b| b == SENTINEL), "{what}");
            }

            // The batch API on this backend, contiguous and verify.
            let opts = BatchOptions::default()
                .mode(mode)
                .threads(1)
                .backend(backend);
            let mut out_buf = vec![SENTINEL; out_off + n * 28];
            let mut status = vec![KeyStatus::Padding; n];
            let invalid = wsaccept::accept_batch(
                key_bytes,
                &mut out_buf[out_off..],
                Some(&mut status),
                &opts,
            )
            .expect("well-formed batch");
            assert_eq!(invalid, want_invalid);
            assert_eq!(status, want_status);
            assert_eq!(&out_buf[out_off..], want_out.as_flattened());
            let mut plain = vec![SENTINEL; n * 28];
            assert_eq!(
                wsaccept::accept_batch(key_bytes, &mut plain, None, &opts),
                Ok(want_invalid)
            );
            assert_eq!(plain, want_out.as_flattened());

            // Received accepts: the right ones, except every third is corrupted.
            let mut received = want_out.clone();
            for (i, r) in received.iter_mut().enumerate() {
                if i % 3 == 1 {
                    r[(i + flags as usize) % 28] ^= 0x20;
                }
            }
            let mut verdicts = vec![Verdict::Match; n];
            let summary = wsaccept::verify_batch(
                key_bytes,
                received.as_flattened(),
                Some(&mut verdicts),
                &opts,
            )
            .expect("well-formed verify batch");
            for i in 0..n {
                let want = if !want_status[i].is_ok() {
                    match want_status[i] {
                        KeyStatus::Length => Verdict::InvalidLength,
                        KeyStatus::Alphabet => Verdict::InvalidAlphabet,
                        KeyStatus::Padding => Verdict::InvalidPadding,
                        _ => Verdict::InvalidNonCanonical,
                    }
                } else if i % 3 == 1 {
                    Verdict::Mismatch
                } else {
                    Verdict::Match
                };
                assert_eq!(verdicts[i], want, "verdict {i}");
            }
            assert_eq!(summary.invalid, want_invalid);
            assert_eq!(summary.matched + summary.failed(), n);
        }
    }
}

// ------------------------------------------------------------------------------ target: ffi

fn code(s: wsaccept_status) -> i64 {
    s as i64
}

/// A pointer to `buf`, or NULL.
fn ptr_in(buf: &[u8], null: bool) -> *const c_char {
    if null {
        ptr::null()
    } else {
        buf.as_ptr().cast()
    }
}

fn ptr_out(buf: &mut [u8], null: bool) -> *mut c_char {
    if null {
        ptr::null_mut()
    } else {
        buf.as_mut_ptr().cast()
    }
}

/// Thread counts, including out-of-range ones.
fn threads_from(b: u8) -> usize {
    match b % 8 {
        0 => 0,
        2 => 2,
        3 => ffi::WSACCEPT_MAX_THREADS,
        4 => ffi::WSACCEPT_MAX_THREADS + 1,
        5 => usize::MAX,
        _ => 1,
    }
}

/// A mode argument, including unknown values.
fn mode_from(b: u8) -> (c_int, Option<Mode>) {
    match b % 4 {
        0 | 2 => (ffi::WSACCEPT_MODE_STRICT, Some(Mode::Strict)),
        1 => (ffi::WSACCEPT_MODE_LENIENT, Some(Mode::Lenient)),
        _ => ([2, -1, c_int::MAX, c_int::MIN][(b >> 2) as usize % 4], None),
    }
}

/// Batch sizes whose buffers cannot exist: each must be refused before any pointer is read.
/// (Every `n` here has `n * 28 > isize::MAX`, so the library can tell without touching memory.)
const HUGE_N: [usize; 5] = [
    isize::MAX as usize / 28 + 1,
    usize::MAX / 28,
    usize::MAX / 28 + 1,
    usize::MAX / 24 + 1,
    usize::MAX,
];

/// Every C ABI entry point through its Rust signature: arbitrary lengths, NULLs where the
/// contract allows them (length 0) and where it promises `WSACCEPT_NULL_POINTER`, thread counts
/// and modes in and out of range. Results must equal the model; on failure nothing is written.
pub fn ffi(data: &[u8]) {
    let mut inp = Input(data);
    let mut ops = 0;
    while !inp.is_empty() && ops < 16 {
        ops += 1;
        match inp.byte() % 8 {
            0 => ffi_accept(&mut inp),
            1 => ffi_verify(&mut inp),
            2 => ffi_accept_batch(&mut inp),
            3 => ffi_verify_batch(&mut inp),
            4 => ffi_scattered(&mut inp),
            5 => ffi_write_response(&mut inp),
            6 => ffi_strings(&mut inp),
            _ => ffi_generate(&mut inp),
        }
    }
}

fn ffi_accept(inp: &mut Input) {
    let flags = inp.byte();
    let len = inp.byte() as usize + if flags & 8 != 0 { 200 } else { 0 };
    let mut key = inp.take(len).to_vec();
    key.resize(len, b'A');
    let key_null = flags & 1 != 0 && (len == 0 || flags & 2 != 0);
    let out_null = flags & 4 != 0;
    let lenient = flags & 16 != 0;
    let mut out = [SENTINEL; 36];
    // SAFETY: `key` holds `len` readable bytes (or is NULL); `out` holds 36 >= 28 writable
    // bytes (or is NULL); they are distinct buffers.
    let rc = unsafe {
        let k = ptr_in(&key, key_null);
        let o = ptr_out(&mut out, out_null);
        if lenient {
            ffi::wsaccept_accept_lenient(k, len, o)
        } else {
            ffi::wsaccept_accept(k, len, o)
        }
    };
    let mode = if lenient { Mode::Lenient } else { Mode::Strict };
    let want = if out_null || (key_null && len > 0) {
        Err(code(wsaccept_status::WSACCEPT_NULL_POINTER))
    } else {
        model_accept(&key, mode).map_err(|e| e.status().code() as i64)
    };
    match want {
        Ok(acc) => {
            assert_eq!(rc, 0, "accept({key:?}) lenient={lenient}");
            assert_eq!(&out[..28], &acc);
        }
        Err(c) => {
            assert_eq!(rc as i64, c, "accept({key:?}) lenient={lenient}");
            assert!(out[..28].iter().all(|&b| b == SENTINEL), "written on error");
        }
    }
    assert!(
        out[28..].iter().all(|&b| b == SENTINEL),
        "written past 28 bytes"
    );
}

fn ffi_verify(inp: &mut Input) {
    let flags = inp.byte();
    let key_len = inp.byte() as usize % 40;
    let mut key = inp.take(key_len).to_vec();
    key.resize(key_len, b'=');
    if flags & 16 != 0 && key_len >= 24 {
        // A valid key, so the accept side gets exercised.
        key[..24].copy_from_slice(SAMPLE_KEY);
        key.truncate(24);
    }
    let key_len = key.len();
    let acc_len = inp.byte() as usize % 40;
    let mut received = inp.take(acc_len).to_vec();
    if flags & 32 != 0 {
        let right = oracle(model_trim(&key));
        let n = acc_len.min(28);
        received = right[..n].to_vec(); // the right accept, or a prefix of it
        if flags & 64 != 0 {
            received.splice(0..0, *b" ");
        }
    }
    let acc_len = received.len();
    let key_null = flags & 1 != 0 && (key_len == 0 || flags & 2 != 0);
    let acc_null = flags & 4 != 0 && (acc_len == 0 || flags & 8 != 0);
    // SAFETY: each pointer is NULL or points to a live buffer of exactly the given length.
    let rc = unsafe {
        ffi::wsaccept_verify(
            ptr_in(&key, key_null),
            key_len,
            ptr_in(&received, acc_null),
            acc_len,
        )
    };
    let want = if (key_null && key_len > 0) || (acc_null && acc_len > 0) {
        code(wsaccept_status::WSACCEPT_NULL_POINTER)
    } else {
        match model_accept(&key, Mode::Strict) {
            Ok(acc) => (model_trim(&received) == acc) as i64,
            Err(e) => e.status().code() as i64,
        }
    };
    assert_eq!(rc as i64, want, "verify({key:?}, {received:?})");
}

fn ffi_accept_batch(inp: &mut Input) {
    let flags = inp.byte();
    let threads = threads_from(inp.byte());
    let n_keys = inp.byte() as usize % 24;
    let off = (flags >> 4) as usize % 8;
    let keys = {
        let mut sub = Input(inp.take(n_keys * 25));
        key_slots(&mut sub, n_keys)
    };
    let huge = flags & 8 != 0;
    let n = if huge {
        HUGE_N[(flags >> 4) as usize % HUGE_N.len()]
    } else {
        keys.len()
    };
    let mut key_buf = vec![0u8; off + keys.len() * 24];
    key_buf[off..].copy_from_slice(keys.as_flattened());
    let mut out = vec![SENTINEL; off + keys.len() * 28 + 8];
    let mut status = vec![SENTINEL; keys.len() + 8];
    let keys_null = flags & 1 != 0;
    let out_null = flags & 2 != 0;
    let status_null = flags & 4 != 0;
    // SAFETY: unless `huge`, each buffer holds what `n` keys need (plus slack), at offset `off`;
    // a huge `n` is refused from its value alone (HUGE_N), before any pointer is read.
    let rc = unsafe {
        ffi::wsaccept_accept_batch(
            ptr_in(&key_buf[off..], keys_null),
            n,
            ptr_out(&mut out[off..], out_null),
            if status_null {
                ptr::null_mut()
            } else {
                status.as_mut_ptr().cast()
            },
            threads,
        )
    };
    let want: Result<(), i64> = if threads > ffi::WSACCEPT_MAX_THREADS || huge {
        Err(code(wsaccept_status::WSACCEPT_BAD_ARGUMENT))
    } else if n > 0 && (keys_null || out_null) {
        Err(code(wsaccept_status::WSACCEPT_NULL_POINTER))
    } else {
        Ok(())
    };
    match want {
        Err(c) => {
            assert_eq!(rc, c, "accept_batch n={n} threads={threads}");
            assert!(
                out.iter().all(|&b| b == SENTINEL),
                "output written on error"
            );
            assert!(
                status.iter().all(|&b| b == SENTINEL),
                "status written on error"
            );
        }
        Ok(()) => {
            let mut invalid = 0;
            for (i, key) in keys.iter().enumerate() {
                let st = model_slot(key).err().unwrap_or(KeyStatus::Ok);
                let slot = &out[off + i * 28..off + (i + 1) * 28];
                if st.is_ok() {
                    assert_eq!(slot, &oracle(key));
                } else {
                    invalid += 1;
                    assert_eq!(slot, &[0u8; 28]);
                }
                if !status_null {
                    assert_eq!(status[i] as i8, st.code(), "status {i}");
                }
            }
            assert_eq!(rc, invalid);
            assert!(out[off + n * 28..].iter().all(|&b| b == SENTINEL));
            assert!(out[..off].iter().all(|&b| b == SENTINEL));
            assert!(status[n..].iter().all(|&b| b == SENTINEL));
        }
    }
}

fn ffi_verify_batch(inp: &mut Input) {
    let flags = inp.byte();
    let threads = threads_from(inp.byte());
    let n_keys = inp.byte() as usize % 24;
    let keys = {
        let mut sub = Input(inp.take(n_keys * 25));
        key_slots(&mut sub, n_keys)
    };
    let huge = flags & 8 != 0;
    let n = if huge {
        HUGE_N[(flags >> 4) as usize % HUGE_N.len()]
    } else {
        keys.len()
    };
    let received: Vec<[u8; 28]> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| {
            let mut r = oracle(k);
            if (i + flags as usize).is_multiple_of(4) {
                r[i % 28] = b'.';
            }
            r
        })
        .collect();
    let mut result = vec![SENTINEL; keys.len() + 8];
    let keys_null = flags & 1 != 0;
    let acc_null = flags & 2 != 0;
    let result_null = flags & 4 != 0;
    // SAFETY: unless `huge`, the buffers hold exactly what `n` items need (result has slack); a
    // huge `n` is refused from its value alone, before any pointer is read.
    let rc = unsafe {
        ffi::wsaccept_verify_batch(
            ptr_in(keys.as_flattened(), keys_null),
            ptr_in(received.as_flattened(), acc_null),
            n,
            if result_null {
                ptr::null_mut()
            } else {
                result.as_mut_ptr().cast()
            },
            threads,
        )
    };
    if threads > ffi::WSACCEPT_MAX_THREADS || huge {
        assert_eq!(rc, code(wsaccept_status::WSACCEPT_BAD_ARGUMENT));
    } else if n > 0 && (keys_null || acc_null) {
        assert_eq!(rc, code(wsaccept_status::WSACCEPT_NULL_POINTER));
    } else {
        let mut failed = 0;
        for (i, key) in keys.iter().enumerate() {
            let want = match model_slot(key) {
                Ok(acc) if acc == received[i] => 1,
                Ok(_) => 0,
                Err(st) => st.code(),
            };
            failed += (want != 1) as i64;
            if !result_null {
                assert_eq!(result[i] as i8, want, "verdict {i}");
            }
        }
        assert_eq!(rc, failed);
        assert!(result[n..].iter().all(|&b| b == SENTINEL));
        return;
    }
    assert!(result.iter().all(|&b| b == SENTINEL), "written on error");
}

fn ffi_scattered(inp: &mut Input) {
    let flags = inp.byte();
    let threads = threads_from(inp.byte());
    let (mode_arg, mode) = mode_from(inp.byte());
    let n = inp.byte() as usize % 12;
    let mut keys: Vec<Vec<u8>> = Vec::with_capacity(n);
    let mut key_null = Vec::with_capacity(n);
    for _ in 0..n {
        let kf = inp.byte();
        let len = match kf % 4 {
            0 => 24 + (kf as usize >> 2) % 4, // around a strict key, with OWS
            1 => (kf as usize >> 2) % 8,
            2 => 250 + (kf as usize >> 2) % 12, // around the lenient bound
            _ => 24,
        };
        let mut k = inp.take(len).to_vec();
        k.resize(len, b' ');
        if kf % 4 == 3 {
            k.copy_from_slice(SAMPLE_KEY);
        }
        key_null.push(len == 0 && kf & 0x80 != 0);
        keys.push(k);
    }
    // One key NULL with a length, or one output NULL: both must be refused as NULL_POINTER.
    let bad_key = (flags & 1 != 0 && n > 0).then(|| flags as usize % n);
    let bad_out = (flags & 2 != 0 && n > 0).then(|| (flags >> 2) as usize % n);
    let arrays_null = flags & 4 != 0;
    let status_null = flags & 8 != 0;
    let mut key_ptrs: Vec<*const c_char> = keys
        .iter()
        .zip(&key_null)
        .map(|(k, &null)| ptr_in(k, null))
        .collect();
    let lens: Vec<usize> = keys.iter().map(Vec::len).collect();
    if let Some(i) = bad_key {
        if lens[i] > 0 {
            key_ptrs[i] = ptr::null();
        }
    }
    let mut outs = vec![[SENTINEL; 28]; n];
    let mut out_ptrs: Vec<*mut c_char> = outs.iter_mut().map(|o| o.as_mut_ptr().cast()).collect();
    if let Some(i) = bad_out {
        out_ptrs[i] = ptr::null_mut();
    }
    let mut status = vec![SENTINEL; n + 4];
    // SAFETY: the three arrays hold `n` entries (or are NULL); each key pointer is NULL or
    // points to `lens[i]` bytes; each output pointer is NULL or points to its own 28 bytes.
    let rc = unsafe {
        ffi::wsaccept_accept_scattered(
            if arrays_null {
                ptr::null()
            } else {
                key_ptrs.as_ptr()
            },
            if arrays_null {
                ptr::null()
            } else {
                lens.as_ptr()
            },
            n,
            if arrays_null {
                ptr::null()
            } else {
                out_ptrs.as_ptr()
            },
            if status_null {
                ptr::null_mut()
            } else {
                status.as_mut_ptr().cast()
            },
            mode_arg,
            threads,
        )
    };
    let key_ptr_null = key_ptrs
        .iter()
        .zip(&lens)
        .any(|(p, &l)| p.is_null() && l > 0);
    let want_err = if threads > ffi::WSACCEPT_MAX_THREADS || mode.is_none() {
        Some(wsaccept_status::WSACCEPT_BAD_ARGUMENT)
    } else if n == 0 {
        None
    } else if arrays_null || bad_out.is_some() || key_ptr_null {
        Some(wsaccept_status::WSACCEPT_NULL_POINTER)
    } else {
        None
    };
    if let Some(e) = want_err {
        assert_eq!(rc, code(e), "scattered n={n}");
        assert!(outs.as_flattened().iter().all(|&b| b == SENTINEL));
        assert!(status.iter().all(|&b| b == SENTINEL));
        return;
    }
    let mode = mode.expect("checked");
    let mut invalid = 0;
    for (i, key) in keys.iter().enumerate() {
        match model_accept(key, mode) {
            Ok(acc) => {
                assert_eq!(outs[i], acc, "scattered {i}: {key:?}");
                if !status_null {
                    assert_eq!(status[i], 0);
                }
            }
            Err(e) => {
                invalid += 1;
                assert_eq!(outs[i], [0; 28]);
                if !status_null {
                    assert_eq!(status[i] as i8, e.status().code());
                }
            }
        }
    }
    assert_eq!(rc, invalid);
    assert!(status[n..].iter().all(|&b| b == SENTINEL));
}

fn ffi_write_response(inp: &mut Input) {
    let flags = inp.byte();
    let (mode_arg, mode) = mode_from(inp.byte());
    let buf_len = inp.u16() as usize % 400;
    let key_len = inp.byte() as usize % 40;
    let mut key = inp.take(key_len).to_vec();
    if flags & 1 != 0 {
        key = SAMPLE_KEY.to_vec();
    }
    let proto_len = inp.byte() as usize;
    let protocol = inp.take(proto_len).to_vec();
    response_case(&key, mode_arg, mode, &protocol, buf_len, flags);
}

/// The response writer through the Rust API and the C ABI, against the model.
fn response_case(
    key: &[u8],
    mode_arg: c_int,
    mode: Option<Mode>,
    protocol: &[u8],
    buf_len: usize,
    flags: u8,
) {
    let key_null = key.is_empty() && flags & 2 != 0;
    let proto_null = protocol.is_empty() && flags & 4 != 0;
    let buf_null = flags & 8 != 0 && (buf_len == 0 || flags & 16 != 0);
    let mut buf = vec![SENTINEL; buf_len + 16];
    // SAFETY: key and protocol are NULL only with length 0 (else live buffers of exactly their
    // length); `buf` is NULL or holds buf_len + 16 writable bytes.
    let rc = unsafe {
        ffi::wsaccept_write_response(
            ptr_in(key, key_null),
            key.len(),
            ptr_in(protocol, proto_null),
            protocol.len(),
            mode_arg,
            ptr_out(&mut buf, buf_null),
            buf_len,
        )
    };
    let bad_proto = protocol.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0));
    let accept = mode.map(|m| model_accept(key, m));
    let want: Result<Vec<u8>, i64> = match accept {
        None => Err(code(wsaccept_status::WSACCEPT_BAD_ARGUMENT)),
        Some(_) if buf_null && buf_len > 0 => Err(code(wsaccept_status::WSACCEPT_NULL_POINTER)),
        Some(Err(e)) => Err(e.status().code() as i64),
        Some(Ok(_)) if bad_proto => Err(code(wsaccept_status::WSACCEPT_BAD_ARGUMENT)),
        Some(Ok(acc)) => {
            let r = model_response(&acc, protocol);
            if r.len() > buf_len {
                Err(code(wsaccept_status::WSACCEPT_BUFFER_TOO_SMALL))
            } else {
                Ok(r)
            }
        }
    };
    match &want {
        Ok(r) => {
            assert_eq!(rc, r.len() as i64, "write_response length");
            assert_eq!(&buf[..r.len()], &r[..], "write_response bytes");
            assert!(
                buf[r.len()..].iter().all(|&b| b == SENTINEL),
                "past the end"
            );
        }
        Err(c) => {
            assert_eq!(rc, *c, "write_response key={key:?} protocol={protocol:?}");
            assert!(buf.iter().all(|&b| b == SENTINEL), "written on error");
        }
    }

    // The Rust API with the same arguments.
    let Some(Ok(acc)) = accept else { return };
    let accept = wsaccept::accept_with_mode(key, mode.expect("some")).expect("model agrees");
    let mut rbuf = vec![SENTINEL; buf_len];
    let proto = (flags & 32 == 0).then_some(protocol);
    let r = wsaccept::write_response(&accept, proto, &mut rbuf);
    let effective: &[u8] = proto.unwrap_or(&[]);
    let bad = effective.iter().any(|&b| matches!(b, b'\r' | b'\n' | 0));
    let model = model_response(&acc, effective);
    assert_eq!(wsaccept::response_len(proto), model.len());
    match r {
        Ok(len) => {
            assert!(!bad && model.len() <= buf_len);
            assert_eq!(&rbuf[..len], &model[..]);
            assert!(rbuf[len..].iter().all(|&b| b == SENTINEL));
            // Exactly one blank line, at the end: the protocol cannot inject headers.
            let head = &rbuf[..len];
            let blank = head.windows(4).position(|w| w == b"\r\n\r\n");
            assert_eq!(blank, Some(len - 4));
        }
        Err(wsaccept::ResponseError::BadProtocol { pos }) => {
            assert!(bad);
            assert!(matches!(effective[pos], b'\r' | b'\n' | 0));
            assert!(effective[..pos]
                .iter()
                .all(|&b| !matches!(b, b'\r' | b'\n' | 0)));
            assert!(rbuf.iter().all(|&b| b == SENTINEL));
        }
        Err(wsaccept::ResponseError::BufferTooSmall { needed }) => {
            assert!(!bad);
            assert_eq!(needed, model.len());
            assert!(needed > buf_len);
            assert!(rbuf.iter().all(|&b| b == SENTINEL));
        }
    }
}

fn ffi_strings(inp: &mut Input) {
    let status = i32::from_le_bytes([inp.byte(), inp.byte(), inp.byte(), inp.byte()]);
    // SAFETY: these take no pointers; any `int` is a valid argument to wsaccept_strerror.
    let strings = unsafe {
        [
            ffi::wsaccept_strerror(status),
            ffi::wsaccept_version(),
            ffi::wsaccept_backend(),
        ]
    };
    for p in strings {
        assert!(!p.is_null());
        // SAFETY: the library promises a static NUL-terminated string.
        let s = unsafe { CStr::from_ptr(p) };
        assert!(!s.is_empty() && s.to_bytes().len() < 128);
    }
}

fn ffi_generate(inp: &mut Input) {
    let n = inp.byte() as usize % 40;
    let seed = if inp.byte().is_multiple_of(4) {
        0
    } else {
        inp.u64()
    };
    let with_accepts = inp.byte().is_multiple_of(2);
    let mut keys = vec![SENTINEL; n * 24 + 4];
    let mut accepts = vec![SENTINEL; n * 28 + 4];
    // SAFETY: `keys` holds n * 24 writable bytes, `accepts` n * 28 (or is NULL); distinct.
    let rc = unsafe {
        ffi::wsaccept_generate(
            keys.as_mut_ptr().cast(),
            ptr_out(&mut accepts, !with_accepts),
            n,
            seed,
        )
    };
    assert_eq!(rc, 0, "generate n={n}");
    for (i, k) in keys[..n * 24].chunks(24).enumerate() {
        assert!(model_is_strict_key(k), "generated key {i} {k:?}");
        if with_accepts {
            assert_eq!(&accepts[i * 28..(i + 1) * 28], &oracle(k));
        }
    }
    assert!(keys[n * 24..].iter().all(|&b| b == SENTINEL));
    let untouched = if with_accepts { n * 28 } else { 0 };
    assert!(accepts[untouched..].iter().all(|&b| b == SENTINEL));
    if seed != 0 && n > 0 {
        // Reproducible, and a shorter call gives a prefix.
        let mut again = vec![0u8; (n / 2) * 24];
        // SAFETY: `again` holds (n / 2) * 24 writable bytes; accepts are not wanted.
        let rc = unsafe {
            ffi::wsaccept_generate(again.as_mut_ptr().cast(), ptr::null_mut(), n / 2, seed)
        };
        assert_eq!(rc, 0);
        assert_eq!(&again[..], &keys[..again.len()]);
    }
}

// ------------------------------------------------------------------------- target: response

/// The 101 response writer: arbitrary key, mode, protocol bytes and buffer sizes, through the
/// Rust API and the C ABI.
pub fn response(data: &[u8]) {
    let mut inp = Input(data);
    let flags = inp.byte();
    let (mode_arg, mode) = mode_from(inp.byte());
    let buf_len = inp.u16() as usize % 1024;
    let key = if flags & 1 != 0 {
        SAMPLE_KEY.to_vec()
    } else {
        let n = inp.byte() as usize % 300;
        inp.take(n).to_vec()
    };
    let protocol = inp.0.to_vec();
    response_case(&key, mode_arg, mode, &protocol, buf_len, flags);
}

//! The key exports: one accept or verify, the batches, key generation and the complete
//! response, under the rules in the module above.

use super::*;
use crate::batch::{accept_batch, accept_scattered_io, verify_batch, BatchOptions, ScatterIo};
use crate::keygen::KeyGen;
use crate::response::{write_response, ResponseError};

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

/// The body of `wsaccept_accept` and `wsaccept_accept_lenient`, inlined into each so that the
/// mode is a constant there: the same Rust body as `wsaccept::accept` (`crate::accept_into`),
/// into a local slot copied out only on success.
///
/// # Safety
/// As for `wsaccept_accept`.
#[inline(always)]
unsafe fn accept_one(key: *const c_char, key_len: usize, out: *mut c_char, mode: Mode) -> c_int {
    ffi_guard!({
        check_null!(out);
        // SAFETY: the caller vouches for `key_len` readable bytes at `key`.
        let key = ffi_try!(unsafe { bytes_in(key, key_len) });
        let mut accept = [0u8; ACCEPT_LEN];
        ffi_try!(crate::accept_into(key, mode, &mut accept).map_err(wsaccept_status::from));
        // SAFETY: `out` is non-NULL and the caller vouches for 28 writable bytes.
        unsafe { write_accept(out, &accept) };
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

#[cfg(test)]
mod tests {
    use super::*;

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
}

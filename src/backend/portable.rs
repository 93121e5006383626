//! The reference backend and the scalar path: `sha1::compress` over the padded message (software
//! SHA-1 where the `sha1` crate has no intrinsics, aarch64 among them) and a straight-line base64
//! encoder. Every other backend is tested against it, and it is the fallback everywhere.

use sha1::digest::generic_array::GenericArray;

use super::message::{BLOCK1_TEMPLATE, BLOCK2, SHA1_IV};
use super::Row;
use crate::key::{
    check_strict, is_valid_strict, KeyStatus, ACCEPT_LEN, GUID, KEY_LEN, MAX_LENIENT_KEY_LEN,
};

pub(super) const ROW: Row = Row {
    lanes: 1,
    min_keys: 1,
    min_keys_beside_sha: 1,
    features: &[],
    entry: accept_keys,
    one: Some(accept_one),
};

/// The standard base64 alphabet.
const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Writes base64 of a 20-byte digest into a 28-byte slot.
///
/// Hand-written because for exactly 20 bytes a straight-line scalar encoder beats a general
/// SIMD encoder's dispatch and tail handling.
#[inline]
pub(crate) fn encode_digest(digest: &[u8; 20], out: &mut [u8; ACCEPT_LEN]) {
    // Six groups of 3 bytes -> 24 characters, then 2 bytes -> 3 characters and one '='.
    for g in 0..6 {
        let v = u32::from_be_bytes([0, digest[3 * g], digest[3 * g + 1], digest[3 * g + 2]]);
        out[4 * g] = BASE64_ALPHABET[(v >> 18) as usize & 63];
        out[4 * g + 1] = BASE64_ALPHABET[(v >> 12) as usize & 63];
        out[4 * g + 2] = BASE64_ALPHABET[(v >> 6) as usize & 63];
        out[4 * g + 3] = BASE64_ALPHABET[v as usize & 63];
    }
    let v = u32::from_be_bytes([0, digest[18], digest[19], 0]);
    out[24] = BASE64_ALPHABET[(v >> 18) as usize & 63];
    out[25] = BASE64_ALPHABET[(v >> 12) as usize & 63];
    out[26] = BASE64_ALPHABET[(v >> 6) as usize & 63];
    out[27] = b'=';
}

/// Serialises the SHA-1 state as the big-endian digest.
#[inline]
fn state_to_digest(state: &[u32; 5]) -> [u8; 20] {
    let mut digest = [0u8; 20];
    for (chunk, word) in digest.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    digest
}

/// The accept of a 24-byte key, with no validation: its two blocks straight to
/// `sha1::compress`, skipping the hasher's buffering.
#[inline]
pub(crate) fn accept_24(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) {
    let mut blocks = [
        GenericArray::from(BLOCK1_TEMPLATE),
        GenericArray::from(BLOCK2),
    ];
    blocks[0][..KEY_LEN].copy_from_slice(key);
    let mut state = SHA1_IV;
    sha1::compress(&mut state, &blocks);
    encode_digest(&state_to_digest(&state), out);
}

/// The single-key entry (`backend::OneKey`): the accept, and whether the key breaks the strict
/// rules.
fn accept_one(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) -> bool {
    accept_24(key, out);
    !is_valid_strict(key)
}

/// The accept of a key of any length up to [`MAX_LENIENT_KEY_LEN`] (lenient mode), padded by
/// hand into a stack buffer so that it never allocates.
///
/// # Panics
/// If the key is longer than [`MAX_LENIENT_KEY_LEN`] (the callers check it first).
pub(crate) fn accept_any(key: &[u8], out: &mut [u8; ACCEPT_LEN]) {
    assert!(
        key.len() <= MAX_LENIENT_KEY_LEN,
        "lenient key over the bound"
    );
    const MAX_BLOCKS: usize = (MAX_LENIENT_KEY_LEN + GUID.len() + 9).div_ceil(64);
    let mut buf = [GenericArray::from([0u8; 64]); MAX_BLOCKS];
    let msg_len = key.len() + GUID.len();
    let n_blocks = (msg_len + 9).div_ceil(64);
    {
        // View the blocks as one flat byte buffer to lay out message, marker and length.
        let flat: &mut [u8] = buf_flat(&mut buf[..n_blocks]);
        flat[..key.len()].copy_from_slice(key);
        flat[key.len()..msg_len].copy_from_slice(GUID);
        flat[msg_len] = 0x80;
        let end = flat.len();
        flat[end - 8..].copy_from_slice(&((msg_len as u64) * 8).to_be_bytes());
    }
    let mut state = SHA1_IV;
    sha1::compress(&mut state, &buf[..n_blocks]);
    encode_digest(&state_to_digest(&state), out);
}

type Block = GenericArray<u8, sha1::digest::consts::U64>;

fn buf_flat(blocks: &mut [Block]) -> &mut [u8] {
    let len = blocks.len() * 64;
    // SAFETY: GenericArray<u8, U64> is a plain [u8; 64] (repr(transparent) over the array), so
    // a slice of them is `len` contiguous, initialised bytes, borrowed mutably for as long as
    // `blocks` is.
    unsafe { core::slice::from_raw_parts_mut(blocks.as_mut_ptr().cast::<u8>(), len) }
}

/// The backend contract (see `backend` module docs), one key at a time.
#[inline]
pub(crate) fn accept_keys(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize {
    let mut invalid = 0;
    for ((key, slot), st) in keys.iter().zip(out.iter_mut()).zip(status.iter_mut()) {
        match if strict { check_strict(key) } else { Ok(()) } {
            Ok(()) => {
                accept_24(key, slot);
                *st = KeyStatus::Ok;
            }
            Err(err) => {
                *slot = [0; ACCEPT_LEN];
                *st = err.status();
                invalid += 1;
            }
        }
    }
    invalid
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example() {
        let mut out = [0u8; ACCEPT_LEN];
        accept_24(b"dGhlIHNhbXBsZSBub25jZQ==", &mut out);
        assert_eq!(&out, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }

    #[test]
    fn any_length_matches_24_byte_path() {
        let mut a = [0u8; ACCEPT_LEN];
        let mut b = [0u8; ACCEPT_LEN];
        accept_24(b"dGhlIHNhbXBsZSBub25jZQ==", &mut a);
        accept_any(b"dGhlIHNhbXBsZSBub25jZQ==", &mut b);
        assert_eq!(a, b);
    }
}

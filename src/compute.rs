//! The accept computation for one key: SHA-1 over key ‖ GUID, then base64.
//!
//! A strict key is 24 bytes, so key ‖ GUID is 60 bytes and its padded message is exactly two
//! blocks: block one is the key, the GUID, `0x80` and three zeros; block two is zeros and the
//! bit length (480), the same for every key. Feeding those two blocks straight to
//! `sha1::compress` skips the hasher's buffering, and the crate uses SHA-NI when the CPU has it.

use sha1::digest::generic_array::GenericArray;

use crate::key::{ACCEPT_LEN, GUID, KEY_LEN, MAX_LENIENT_KEY_LEN};

/// SHA-1's initial state.
pub(crate) const SHA1_IV: [u32; 5] = [
    0x6745_2301,
    0xEFCD_AB89,
    0x98BA_DCFE,
    0x1032_5476,
    0xC3D2_E1F0,
];

/// Block one with the key bytes still zero: GUID at 24..60, the `0x80` end marker at 60.
pub(crate) const BLOCK1_TEMPLATE: [u8; 64] = {
    let mut block = [0u8; 64];
    let mut i = 0;
    while i < GUID.len() {
        block[KEY_LEN + i] = GUID[i];
        i += 1;
    }
    block[KEY_LEN + GUID.len()] = 0x80;
    block
};

/// Block two: all padding, ending in the message length in bits (60 * 8 = 480), big-endian.
pub(crate) const BLOCK2: [u8; 64] = {
    let mut block = [0u8; 64];
    let bits = ((KEY_LEN + GUID.len()) * 8) as u64;
    let be = bits.to_be_bytes();
    let mut i = 0;
    while i < 8 {
        block[56 + i] = be[i];
        i += 1;
    }
    block
};

/// The standard base64 alphabet.
const BASE64_ALPHABET: &[u8; 64] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Writes base64 of a 20-byte digest into a 28-byte slot.
///
/// Hand-written because for exactly 20 bytes a straight-line scalar encoder beats a general
/// SIMD encoder's dispatch and tail handling (measured: see README, "single-key path").
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

/// The accept for a 24-byte key, with no validation: the caller decides what is acceptable.
///
/// On aarch64 with the SHA1 instructions (the `armsha1` backend in use) one stream of them;
/// elsewhere, or with `WSACCEPT_BACKEND=portable`, [`accept_24_portable`].
#[inline]
pub(crate) fn accept_24(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) {
    #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
    if crate::backend::armsha1_in_use() {
        // SAFETY: `armsha1_in_use` holds only when the backend in use is `armsha1`, which
        // `Backend::new` built after detecting the SHA1 instructions on this CPU.
        return unsafe { crate::backend::armsha1_accept_one(key, out) };
    }
    accept_24_portable(key, out)
}

/// [`accept_24`] by `sha1::compress`: the reference (`portable`) path, software SHA-1 where the
/// `sha1` crate has no intrinsics (it uses SHA-NI on x86-64 CPUs that have it).
#[inline]
pub(crate) fn accept_24_portable(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) {
    let mut blocks = [
        GenericArray::from(BLOCK1_TEMPLATE),
        GenericArray::from(BLOCK2),
    ];
    blocks[0][..KEY_LEN].copy_from_slice(key);
    let mut state = SHA1_IV;
    sha1::compress(&mut state, &blocks);
    encode_digest(&state_to_digest(&state), out);
}

/// The accept for a key of any length up to [`MAX_LENIENT_KEY_LEN`] (lenient mode), padded by
/// hand into a stack buffer so that it never allocates.
pub(crate) fn accept_any(key: &[u8], out: &mut [u8; ACCEPT_LEN]) {
    if let Ok(key24) = <&[u8; KEY_LEN]>::try_from(key) {
        return accept_24(key24, out);
    }
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

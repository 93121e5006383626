//! The message SHA-1 hashes for a strict key, defined once for every path that hashes it.
//!
//! A strict key is 24 bytes, so key ‖ GUID is 60 bytes and its padded message is exactly two
//! 64-byte blocks. Block one is the key (words W0..W5), the GUID and the `0x80` end marker
//! (W6..W15, the same for every key); block two is zeros and the bit length, 480, the same for
//! every key, so its whole schedule is a constant. The scalar reference feeds the two blocks to
//! `sha1::compress`; the SIMD backends fold the constant words into their rounds from the word
//! tables below.

use crate::key::{GUID, KEY_LEN};

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

// The message as 32-bit words, for the backends that fold the constant words into their rounds.
simd_targets! {
    /// SHA-1's round constants, one per group of twenty rounds.
    pub(crate) const K: [u32; 4] = [0x5A82_7999, 0x6ED9_EBA1, 0x8F1B_BCDC, 0xCA62_C1D6];

    /// Big-endian word `i` of a 64-byte block (SHA-1 reads its message as big-endian words).
    pub(crate) const fn be_word(block: &[u8; 64], i: usize) -> u32 {
        u32::from_be_bytes([
            block[4 * i],
            block[4 * i + 1],
            block[4 * i + 2],
            block[4 * i + 3],
        ])
    }

    /// A 64-byte block as its sixteen big-endian words.
    const fn be_words(block: &[u8; 64]) -> [u32; 16] {
        let mut w = [0u32; 16];
        let mut i = 0;
        while i < 16 {
            w[i] = be_word(block, i);
            i += 1;
        }
        w
    }

    /// Block one's message words with the key still zero: 0..6 are zero (the key goes there),
    /// 6..16 the GUID and the end marker, the same for every key.
    pub(crate) const BLOCK1_WORDS: [u32; 16] = be_words(&BLOCK1_TEMPLATE);

    /// The first of block one's words that does not depend on the key.
    pub(crate) const BLOCK1_FIRST_CONST: usize = KEY_LEN / 4;

    /// Block two's whole message schedule W0..W79: the block is the same for every key, so is its
    /// schedule. (SHA-NI adds the round constants itself and takes this table.)
    pub(crate) const BLOCK2_W: [u32; 80] = {
        let head = be_words(&BLOCK2);
        let mut w = [0u32; 80];
        let mut t = 0;
        while t < 80 {
            w[t] = if t < 16 {
                head[t]
            } else {
                (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1)
            };
            t += 1;
        }
        w
    };

    /// Block two's `W[t] + K[t / 20]` for every round: what a software round adds.
    pub(crate) const BLOCK2_WK: [u32; 80] = {
        let mut wk = [0u32; 80];
        let mut t = 0;
        while t < 80 {
            wk[t] = BLOCK2_W[t].wrapping_add(K[t / 20]);
            t += 1;
        }
        wk
    };

    /// A valid strict key (RFC 6455's example) that fills the unused lanes of a short last group:
    /// hashing it is as cheap as anything else and it never flags a lane as invalid.
    pub(crate) const FILLER_KEY: [u8; KEY_LEN] = *b"dGhlIHNhbXBsZSBub25jZQ==";

    #[cfg(test)]
    mod tests {
        use super::*;
        use crate::key::{check_strict, GUID};
        use sha1::Digest;

        /// One SHA-1 compression in plain scalar code, given the round's `W + K` for each `t`.
        fn rounds(state: [u32; 5], wk: impl Fn(usize) -> u32) -> [u32; 5] {
            let [mut a, mut b, mut c, mut d, mut e] = state;
            for t in 0..80 {
                let f = match t / 20 {
                    0 => (b & c) | (!b & d),
                    2 => (b & c) | (b & d) | (c & d),
                    _ => b ^ c ^ d,
                };
                let next = a
                    .rotate_left(5)
                    .wrapping_add(f)
                    .wrapping_add(e)
                    .wrapping_add(wk(t));
                (e, d, c, b, a) = (d, c, b.rotate_left(30), a, next);
            }
            [a, b, c, d, e]
        }

        /// SHA-1 of key ‖ GUID the way the backends do it: the key's six words over
        /// [`BLOCK1_WORDS`], then block two from [`BLOCK2_WK`] alone.
        fn folded_sha1(key: &[u8; KEY_LEN]) -> [u8; 20] {
            let mut w = [0u32; 80];
            w[..16].copy_from_slice(&BLOCK1_WORDS);
            for (j, word) in w.iter_mut().enumerate().take(BLOCK1_FIRST_CONST) {
                *word = u32::from_be_bytes(key[4 * j..4 * j + 4].try_into().unwrap());
            }
            for t in 16..80 {
                w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
            }
            let add = |x: [u32; 5], y: [u32; 5]| core::array::from_fn(|i| x[i].wrapping_add(y[i]));
            let h1 = add(SHA1_IV, rounds(SHA1_IV, |t| w[t].wrapping_add(K[t / 20])));
            let h2 = add(h1, rounds(h1, |t| BLOCK2_WK[t]));
            let mut digest = [0u8; 20];
            for (chunk, word) in digest.chunks_exact_mut(4).zip(h2) {
                chunk.copy_from_slice(&word.to_be_bytes());
            }
            digest
        }

        /// The tables, used as the backends use them, give the `sha1` crate's digest: K, block
        /// one's constant words and block two's schedule are all right.
        #[test]
        fn folded_tables_give_sha1() {
            let mut key = FILLER_KEY;
            for i in 0..64u8 {
                key[(i as usize * 7) % KEY_LEN] = b'A' + (i % 26);
                let mut h = sha1::Sha1::new();
                h.update(key);
                h.update(GUID);
                assert_eq!(folded_sha1(&key), <[u8; 20]>::from(h.finalize()), "{key:?}");
            }
        }

        /// Block one's key words are zero in the template and everything after them is constant.
        #[test]
        fn block1_layout() {
            assert_eq!(&BLOCK1_WORDS[..BLOCK1_FIRST_CONST], &[0; 6]);
            assert_eq!(
                BLOCK1_WORDS[6],
                u32::from_be_bytes(GUID[..4].try_into().unwrap())
            );
            assert_eq!(
                BLOCK1_WORDS[14],
                u32::from_be_bytes(GUID[32..].try_into().unwrap())
            );
            assert_eq!(BLOCK1_WORDS[15], 0x8000_0000);
        }

        /// The filler is a valid strict key, so it never flags a padding lane.
        #[test]
        fn filler_is_valid() {
            assert_eq!(check_strict(&FILLER_KEY), Ok(()));
        }
    }
}

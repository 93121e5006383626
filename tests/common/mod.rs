//! Helpers shared by the integration tests: an independent oracle and key makers.
#![allow(dead_code)]

pub mod capi;
pub mod clibs;

use base64::Engine as _;
use sha1::{Digest, Sha1};

/// The accept computed the slow, obviously-right way: the `sha1` Digest API over key ‖ GUID and
/// the `base64` crate (not base64-simd, which the library uses).
pub fn oracle(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(key);
    h.update(wsaccept::GUID);
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// A tiny deterministic generator (SplitMix64) so test inputs are reproducible.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A valid strict key, encoded by the `base64` crate from 16 random bytes.
    pub fn valid_key(&mut self) -> [u8; 24] {
        let mut nonce = [0u8; 16];
        nonce[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        nonce[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        let s = base64::engine::general_purpose::STANDARD.encode(nonce);
        s.as_bytes().try_into().unwrap()
    }

    /// A key broken in one of the ways the strict rules catch, with the status it must get.
    pub fn invalid_key(&mut self) -> ([u8; 24], wsaccept::KeyStatus) {
        use wsaccept::KeyStatus;
        let mut key = self.valid_key();
        match self.below(4) {
            0 => {
                // A byte outside the alphabet at any of the 24 positions.
                const BAD: &[u8] = b"-_.!~ \t\0\x7f\x80\xff:@[`{";
                let pos = self.below(24);
                key[pos] = BAD[self.below(BAD.len())];
                (
                    key,
                    if pos >= 22 {
                        KeyStatus::Padding
                    } else {
                        KeyStatus::Alphabet
                    },
                )
            }
            1 => {
                // '=' inside the data.
                key[self.below(22)] = b'=';
                (key, KeyStatus::Padding)
            }
            2 => {
                // A data character where padding belongs.
                key[22 + self.below(2)] = b'A' + self.below(26) as u8;
                (key, KeyStatus::Padding)
            }
            _ => {
                // Non-zero unused bits in the last data character.
                const NONCANON: &[u8] =
                    b"BCDEFGHIJKLMNOPRSTUVWXYZabcdefhijklmnopqrstuvxyz0123456789+/";
                key[21] = NONCANON[self.below(NONCANON.len())];
                (key, KeyStatus::NonCanonical)
            }
        }
    }
}

//! Masking keys for the frames a client sends (RFC 6455 §5.3): four bytes per frame, fresh and
//! unpredictable, so a sender cannot steer the bytes a proxy sees. Made in bulk, like keys.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// Bytes of one masking key.
pub const MASK_LEN: usize = 4;

/// The ChaCha stream a seeded [`MaskGen`] draws from. [`crate::KeyGen`] draws keys from stream
/// 0 of the same seed; another stream keeps masks independent of the keys of that seed.
const MASK_STREAM: u64 = 1;

/// A source of frame masking keys: the operating system's CSPRNG, or a reproducible ChaCha8
/// stream from a 64-bit seed (the same masks for a seed on every platform).
pub struct MaskGen {
    seeded: Option<ChaCha8Rng>,
}

impl MaskGen {
    /// Masks from the operating system's random source (what RFC 6455 asks of real clients).
    pub fn from_os() -> MaskGen {
        MaskGen { seeded: None }
    }

    /// A reproducible stream of masks: equal seeds give equal streams, unrelated to the keys
    /// [`crate::KeyGen::from_seed`] gives for the same seed.
    pub fn from_seed(seed: u64) -> MaskGen {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        rng.set_stream(MASK_STREAM);
        MaskGen { seeded: Some(rng) }
    }

    /// The C ABI's convention: seed 0 means the OS, anything else is a seed.
    pub fn from_seed_or_os(seed: u64) -> MaskGen {
        if seed == 0 {
            MaskGen::from_os()
        } else {
            MaskGen::from_seed(seed)
        }
    }

    /// Fills `masks` with fresh masking keys, one system call (or one ChaCha run) for all.
    pub fn try_fill(&mut self, masks: &mut [[u8; MASK_LEN]]) -> Result<(), getrandom::Error> {
        self.try_fill_bytes(masks.as_flattened_mut())
    }

    /// [`try_fill`](Self::try_fill) over a flat buffer (the C ABI's form); on failure the
    /// buffer is zeroed, so no caller sends half-stale masks.
    pub(crate) fn try_fill_bytes(&mut self, bytes: &mut [u8]) -> Result<(), getrandom::Error> {
        let result = match &mut self.seeded {
            None => getrandom::getrandom(bytes),
            Some(rng) => {
                rng.fill_bytes(bytes);
                Ok(())
            }
        };
        if result.is_err() {
            bytes.fill(0);
        }
        result
    }

    /// The next masking key.
    ///
    /// # Panics
    /// If the OS random source fails (see [`try_fill`](Self::try_fill) to handle that).
    pub fn next_mask(&mut self) -> [u8; MASK_LEN] {
        let mut mask = [[0u8; MASK_LEN]];
        self.try_fill(&mut mask).expect("OS random source failed");
        mask[0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::KeyGen;

    #[test]
    fn a_seed_reproduces_its_masks_and_bulk_equals_one_at_a_time() {
        let mut bulk = [[0u8; MASK_LEN]; 100];
        MaskGen::from_seed(42).try_fill(&mut bulk).unwrap();
        let mut one = MaskGen::from_seed(42);
        for m in bulk {
            assert_eq!(one.next_mask(), m);
        }
        let mut other = [[0u8; MASK_LEN]; 100];
        MaskGen::from_seed(43).try_fill(&mut other).unwrap();
        assert_ne!(bulk, other);
    }

    #[test]
    fn seeded_masks_are_not_the_key_stream_of_the_same_seed() {
        let mut masks = [[0u8; MASK_LEN]; 4];
        MaskGen::from_seed(7).try_fill(&mut masks).unwrap();
        // KeyGen's first key is base64 of the first 16 bytes of stream 0.
        let mut stream0 = ChaCha8Rng::seed_from_u64(7);
        let mut first = [0u8; 16];
        stream0.fill_bytes(&mut first);
        assert_ne!(masks.as_flattened(), &first[..]);
        let key = KeyGen::from_seed(7).next_key();
        assert_eq!(key, crate::Key::from_nonce(&first));
    }

    #[test]
    fn os_masks_differ_between_calls_and_are_spread() {
        let mut a = [[0u8; MASK_LEN]; 4096];
        let mut b = [[0u8; MASK_LEN]; 4096];
        let mut gen = MaskGen::from_os();
        gen.try_fill(&mut a).unwrap();
        gen.try_fill(&mut b).unwrap();
        assert_ne!(a, b);
        // 32 Ki random bytes: each byte value is expected 128 times; a source stuck on few
        // values (or zeros) is far outside 32..=256.
        let mut counts = [0usize; 256];
        for byte in a.as_flattened().iter().chain(b.as_flattened()) {
            counts[*byte as usize] += 1;
        }
        assert!(
            counts.iter().all(|&c| (32..=256).contains(&c)),
            "{counts:?}"
        );
    }
}

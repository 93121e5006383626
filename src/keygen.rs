//! Key generation for clients and load generators: fresh keys from the OS, or a reproducible
//! stream from a 64-bit seed so a load test can be replayed key for key.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::accept::Accept;
use crate::batch::{accept_keys, BatchOptions};
use crate::key::{Key, KEY_LEN};

/// A source of valid client keys. Kept on the stack (no allocation), so the C ABI's
/// `wsaccept_generate` allocates nothing either.
pub struct KeyGen {
    /// `None`: the operating system's CSPRNG (`getrandom`), what RFC 6455 asks of real
    /// clients. `Some`: ChaCha8 seeded from a u64, the same keys for a seed on every platform.
    seeded: Option<ChaCha8Rng>,
}

/// Nonces drawn from the OS per refill, so a large batch costs few system calls.
const OS_REFILL_NONCES: usize = 256;

impl KeyGen {
    /// Keys from the operating system's random source.
    pub fn from_os() -> KeyGen {
        KeyGen { seeded: None }
    }

    /// A reproducible stream of keys: equal seeds give equal streams.
    pub fn from_seed(seed: u64) -> KeyGen {
        KeyGen {
            seeded: Some(ChaCha8Rng::seed_from_u64(seed)),
        }
    }

    /// The C ABI's convention: seed 0 means the OS, anything else is a seed.
    pub fn from_seed_or_os(seed: u64) -> KeyGen {
        if seed == 0 {
            KeyGen::from_os()
        } else {
            KeyGen::from_seed(seed)
        }
    }

    fn fill_nonces(&mut self, bytes: &mut [u8]) -> Result<(), getrandom::Error> {
        match &mut self.seeded {
            None => getrandom::getrandom(bytes),
            Some(rng) => {
                rng.fill_bytes(bytes);
                Ok(())
            }
        }
    }

    /// The next key.
    ///
    /// # Panics
    /// If the OS random source fails (see [`try_fill`](Self::try_fill) to handle that).
    pub fn next_key(&mut self) -> Key {
        let mut key = [Key::from_nonce(&[0; 16])];
        self.try_fill(&mut key).expect("OS random source failed");
        key[0]
    }

    /// Fills `keys` with fresh keys.
    pub fn try_fill(&mut self, keys: &mut [Key]) -> Result<(), getrandom::Error> {
        let mut nonces = [[0u8; 16]; OS_REFILL_NONCES];
        for chunk in keys.chunks_mut(OS_REFILL_NONCES) {
            let nonces = &mut nonces[..chunk.len()];
            self.fill_nonces(nonces.as_flattened_mut())?;
            for (key, nonce) in chunk.iter_mut().zip(nonces.iter()) {
                *key = Key::from_nonce(nonce);
            }
        }
        Ok(())
    }

    /// Fills `keys` with fresh keys and `accepts` with their accepts (equal lengths).
    pub fn try_fill_with_accepts(
        &mut self,
        keys: &mut [Key],
        accepts: &mut [Accept],
        opts: &BatchOptions,
    ) -> Result<(), GenerateError> {
        if keys.len() != accepts.len() {
            return Err(GenerateError::Length {
                keys: keys.len(),
                accepts: accepts.len(),
            });
        }
        self.try_fill(keys).map_err(GenerateError::Random)?;
        let slots = Key::as_slots(keys);
        let invalid = accept_keys(slots, accepts, None, opts).expect("lengths checked above");
        debug_assert_eq!(invalid, 0, "generated keys are valid by construction");
        Ok(())
    }
}

/// Why key generation failed.
#[derive(Debug)]
pub enum GenerateError {
    /// The OS random source failed.
    Random(getrandom::Error),
    /// Key and accept buffers differ in length.
    Length { keys: usize, accepts: usize },
}

impl core::fmt::Display for GenerateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            GenerateError::Random(e) => write!(f, "OS random source failed: {e}"),
            GenerateError::Length { keys, accepts } => {
                write!(f, "{keys} key slots but {accepts} accept slots")
            }
        }
    }
}

impl std::error::Error for GenerateError {}

impl Key {
    /// Views keys as raw 24-byte slots for the batch calls.
    pub fn as_slots(keys: &[Key]) -> &[[u8; KEY_LEN]] {
        // SAFETY: Key is repr(transparent) over [u8; 24], so a slice of Keys has the layout of
        // a slice of [u8; 24]; the borrow is shared, so no invalid Key can be written through it.
        unsafe { &*(keys as *const [Key] as *const [[u8; KEY_LEN]]) }
    }
}

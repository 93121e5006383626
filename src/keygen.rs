//! Key generation for clients and load generators: fresh keys from the OS, or a reproducible
//! stream from a 64-bit seed so a load test can be replayed key for key.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

use crate::accept::Accept;
use crate::batch::{accept_slots, BatchOptions};
use crate::key::{Key, ACCEPT_LEN, KEY_LEN};

/// A source of valid client keys. Kept on the stack (no allocation), so the C ABI's
/// `wsaccept_generate` allocates nothing either.
pub struct KeyGen {
    /// `None`: the operating system's CSPRNG (`getrandom`), what RFC 6455 asks of real
    /// clients. `Some`: ChaCha8 seeded from a u64, the same keys for a seed on every platform.
    seeded: Option<ChaCha8Rng>,
}

/// Nonces drawn from the OS per refill, so a large batch costs few system calls.
const OS_REFILL_NONCES: usize = 256;

/// Keys generated per round of [`KeyGen::try_fill_slots`], in buffers on the stack.
#[cfg_attr(not(feature = "capi"), allow(dead_code))] // the C ABI's `wsaccept_generate`
const SLOT_ROUND: usize = 256;

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
        write_accepts(keys, Accept::slots_mut(accepts), opts);
        Ok(())
    }

    /// Fills raw 24-byte slots with fresh keys and `accepts` with their accepts, one slot per
    /// key, or nothing if `accepts` is empty (not wanted): the C ABI's `wsaccept_generate`.
    /// The keys are those [`try_fill`](Self::try_fill) would give for the same length, so a
    /// shorter call gives a prefix of a longer one. It works in rounds of [`SLOT_ROUND`] keys
    /// in a buffer on the stack, so it allocates nothing whatever the length. If the random
    /// source fails, every slot of both is zeroed, so a failure never leaves keys without
    /// their accepts or half a buffer of stale bytes; a length mismatch writes nothing.
    ///
    /// "Not wanted" is an empty slice rather than `None`, so that no branch ever reads an
    /// uninitialised length word (an `Option<&mut [T]>` that is `None` has one, and LLVM may
    /// test it before the `None`): the C ABI test runs this under valgrind's memcheck.
    #[cfg_attr(not(feature = "capi"), allow(dead_code))] // the C ABI's `wsaccept_generate`
    pub(crate) fn try_fill_slots(
        &mut self,
        keys: &mut [[u8; KEY_LEN]],
        accepts: &mut [[u8; ACCEPT_LEN]],
    ) -> Result<(), GenerateError> {
        fill_slots_with(keys, accepts, |round| self.try_fill(round))
    }
}

/// [`KeyGen::try_fill_slots`] with its key source as a parameter (`fill` fills one round's
/// keys), so that a test can make the source fail part-way.
#[cfg_attr(not(feature = "capi"), allow(dead_code))] // the C ABI's `wsaccept_generate`
fn fill_slots_with(
    keys: &mut [[u8; KEY_LEN]],
    accepts: &mut [[u8; ACCEPT_LEN]],
    fill: impl FnMut(&mut [Key]) -> Result<(), getrandom::Error>,
) -> Result<(), GenerateError> {
    if !accepts.is_empty() && accepts.len() != keys.len() {
        return Err(GenerateError::Length {
            keys: keys.len(),
            accepts: accepts.len(),
        });
    }
    let result = fill_slot_rounds(keys, accepts, fill);
    if result.is_err() {
        keys.fill([0; KEY_LEN]);
        accepts.fill([0; ACCEPT_LEN]);
    }
    result.map_err(GenerateError::Random)
}

/// [`fill_slots_with`]'s rounds (lengths already checked): keys into a buffer on the stack,
/// then copied out; accepts computed from that buffer straight into their slots.
#[cfg_attr(not(feature = "capi"), allow(dead_code))] // the C ABI's `wsaccept_generate`
fn fill_slot_rounds(
    keys: &mut [[u8; KEY_LEN]],
    accepts: &mut [[u8; ACCEPT_LEN]],
    mut fill: impl FnMut(&mut [Key]) -> Result<(), getrandom::Error>,
) -> Result<(), getrandom::Error> {
    let opts = BatchOptions::default();
    let mut key_buf = [Key::from_nonce(&[0; 16]); SLOT_ROUND];
    for (round, key_chunk) in keys.chunks_mut(SLOT_ROUND).enumerate() {
        let key_buf = &mut key_buf[..key_chunk.len()];
        fill(key_buf)?;
        key_chunk.copy_from_slice(Key::as_slots(key_buf));
        if !accepts.is_empty() {
            let start = round * SLOT_ROUND;
            write_accepts(key_buf, &mut accepts[start..start + key_buf.len()], &opts);
        }
    }
    Ok(())
}

/// Writes the accepts of generated `keys` into `out` (equal lengths).
fn write_accepts(keys: &[Key], out: &mut [[u8; ACCEPT_LEN]], opts: &BatchOptions) {
    let invalid = accept_slots(Key::as_slots(keys), out, None, opts).expect("equal lengths");
    debug_assert_eq!(invalid, 0, "generated keys are valid by construction");
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

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` keys from `KeyGen::try_fill_slots` with seed 7, with their accepts if `with_accepts`.
    fn slots(n: usize, with_accepts: bool) -> (Vec<[u8; KEY_LEN]>, Vec<[u8; ACCEPT_LEN]>) {
        let mut keys = vec![[0xAA; KEY_LEN]; n];
        let mut accepts = vec![[0xAA; ACCEPT_LEN]; if with_accepts { n } else { 0 }];
        KeyGen::from_seed(7)
            .try_fill_slots(&mut keys, &mut accepts)
            .unwrap();
        (keys, accepts)
    }

    /// The slots hold `try_fill`'s keys and their accepts, with or without accepts wanted,
    /// across round boundaries: a keys-only call (empty accepts) is never a length mismatch.
    #[test]
    fn slots_are_try_fills_keys_and_their_accepts() {
        for n in [
            0,
            1,
            2,
            SLOT_ROUND - 1,
            SLOT_ROUND,
            SLOT_ROUND + 1,
            2 * SLOT_ROUND + 88,
        ] {
            let mut want = vec![Key::from_nonce(&[0; 16]); n];
            KeyGen::from_seed(7).try_fill(&mut want).unwrap();
            let want_keys = Key::as_slots(&want);
            let (keys_only, no_accepts) = slots(n, false);
            assert_eq!(keys_only, want_keys, "n = {n}");
            assert!(no_accepts.is_empty());
            let (keys, accepts) = slots(n, true);
            assert_eq!(keys, want_keys, "n = {n}");
            for (key, acc) in keys.iter().zip(&accepts) {
                assert_eq!(acc, crate::accept(key).unwrap().as_bytes(), "n = {n}");
            }
        }
    }

    #[test]
    fn length_mismatch_writes_nothing() {
        let mut keys = vec![[0xAA; KEY_LEN]; 3];
        let mut accepts = vec![[0xAA; ACCEPT_LEN]; 2];
        let err = KeyGen::from_seed(7)
            .try_fill_slots(&mut keys, &mut accepts)
            .unwrap_err();
        assert!(matches!(
            err,
            GenerateError::Length {
                keys: 3,
                accepts: 2
            }
        ));
        assert!(keys.iter().all(|k| *k == [0xAA; KEY_LEN]));
        assert!(accepts.iter().all(|a| *a == [0xAA; ACCEPT_LEN]));
    }

    /// A random source that fails in a later round leaves both buffers all zeros, the rounds
    /// already written included.
    #[test]
    fn random_failure_zeroes_both_buffers() {
        let n = 2 * SLOT_ROUND + 5;
        for with_accepts in [false, true] {
            let mut keys = vec![[0xAA; KEY_LEN]; n];
            let mut accepts = vec![[0xAA; ACCEPT_LEN]; if with_accepts { n } else { 0 }];
            let mut gen = KeyGen::from_seed(7);
            let mut rounds = 0;
            let err = fill_slots_with(&mut keys, &mut accepts, |round| {
                rounds += 1;
                if rounds == 3 {
                    return Err(getrandom::Error::UNSUPPORTED);
                }
                gen.try_fill(round)
            })
            .unwrap_err();
            assert!(matches!(err, GenerateError::Random(_)));
            assert_eq!(rounds, 3);
            assert!(keys.iter().all(|k| *k == [0; KEY_LEN]));
            assert!(accepts.iter().all(|a| *a == [0; ACCEPT_LEN]));
        }
    }
}

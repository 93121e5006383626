//! The kernel of the backends built on four-round SHA-1 instructions (`shani` on x86-64,
//! `armsha1` on aarch64), written once over [`Isa`]: what differs between them is the ISA's
//! rounds, loads and stores.
//!
//! One key's SHA-1 on these instructions is latency-bound: each block is a chain of 20 dependent
//! four-round instructions. Hashing `STREAMS` independent keys with their instruction sequences
//! interleaved in one function body lets the core overlap the chains, up to the throughput of
//! the unit that runs them. The same kernel at one stream is the single-key path, and at two and
//! three streams it takes the tails (never padded: fewer streams cost less, there is no register
//! width to fill).

use super::driver;
use crate::key::{ACCEPT_LEN, KEY_LEN};

/// An ISA's part of the kernel. A value of an implementing type is the witness that the CPU has
/// the instructions: each backend makes one only inside its `#[target_feature]` entry points,
/// which is what lets these safe methods use them.
pub(crate) trait Isa: Copy {
    /// A key's bytes as loaded (bytes 0..16 and 8..24).
    type Loads: Copy;
    /// Four message words, in the ISA's lane order.
    type Msg: Copy;
    /// One key's final state as the rounds leave it.
    type Digest: Copy;

    fn load(self, key: &[u8; KEY_LEN]) -> Self::Loads;
    /// Whether the key may break the strict rules (never `false` for a key that does).
    fn key_invalid(self, loads: Self::Loads) -> bool;
    /// Block one's first two message vectors: W0..W3 and W4..W7 (W6, W7 constant).
    fn message(self, loads: Self::Loads) -> (Self::Msg, Self::Msg);
    /// SHA-1 of `STREAMS` keys (block one from their two message vectors, block two the
    /// constant one), the instruction sequences interleaved.
    fn hash<const STREAMS: usize>(
        self,
        m0: [Self::Msg; STREAMS],
        m1: [Self::Msg; STREAMS],
    ) -> [Self::Digest; STREAMS];
    /// Writes the accepts of `STREAMS` digests into their slots.
    fn encode<const STREAMS: usize>(
        self,
        digests: &[Self::Digest; STREAMS],
        out: &mut [[u8; ACCEPT_LEN]; STREAMS],
    );
}

/// One group of `STREAMS` keys: check, hash, encode. Returns the lanes the check flagged (0
/// unless `strict`).
#[inline(always)]
pub(crate) fn group<I: Isa, const STREAMS: usize>(
    isa: I,
    keys: &[[u8; KEY_LEN]; STREAMS],
    out: &mut [[u8; ACCEPT_LEN]; STREAMS],
    strict: bool,
) -> u32 {
    let loads: [I::Loads; STREAMS] = core::array::from_fn(|s| isa.load(&keys[s]));
    let mut bad = 0u32;
    if strict {
        for (s, &l) in loads.iter().enumerate() {
            bad |= u32::from(isa.key_invalid(l)) << s;
        }
    }
    let messages = loads.map(|l| isa.message(l));
    let digests = isa.hash(messages.map(|m| m.0), messages.map(|m| m.1));
    isa.encode(&digests, out);
    bad
}

/// The accept of one key by a single stream, and whether the key may break the strict rules:
/// the backend's single-key entry.
#[inline(always)]
pub(crate) fn one<I: Isa>(isa: I, key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) -> bool {
    group::<I, 1>(
        isa,
        core::array::from_ref(key),
        core::array::from_mut(out),
        true,
    ) != 0
}

/// The kernel for the shared driver: groups of `STREAMS` keys, and tails in narrower
/// interleaves.
pub(crate) struct Kernel<I> {
    pub(crate) isa: I,
    pub(crate) strict: bool,
}

impl<I: Isa, const STREAMS: usize> driver::Kernel<STREAMS> for Kernel<I> {
    #[inline(always)]
    fn groups<const G: usize>(
        &self,
        keys: &[[[u8; KEY_LEN]; STREAMS]; G],
        out: &mut [[[u8; ACCEPT_LEN]; STREAMS]; G],
    ) -> [u32; G] {
        let mut flagged = [0; G];
        for g in 0..G {
            flagged[g] = group(self.isa, &keys[g], &mut out[g], self.strict);
        }
        flagged
    }

    /// Not padded: the tail goes through interleaves of 3, 2 and 1 streams, widest first.
    #[inline(always)]
    fn tail(&self, keys: &[[u8; KEY_LEN]], out: &mut [[u8; ACCEPT_LEN]]) -> u32 {
        let mut done = 0;
        let mut flagged = 0;
        macro_rules! narrow {
            ($streams:literal) => {
                while keys.len() - done >= $streams {
                    let k = keys[done..done + $streams].try_into().unwrap();
                    let o = (&mut out[done..done + $streams]).try_into().unwrap();
                    flagged |= group::<I, $streams>(self.isa, k, o, self.strict) << done;
                    done += $streams;
                }
            };
        }
        narrow!(3);
        narrow!(2);
        narrow!(1);
        flagged
    }
}

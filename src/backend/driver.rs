//! The loop every SIMD backend runs over a batch, written once.
//!
//! A backend's kernel computes whole groups of `L` keys (one register's lanes, or `L`
//! interleaved instruction streams); [`run`] splits a batch into steps of `G` groups (the
//! interleave the backend measured fastest), the groups left after the last full step, and a
//! tail of fewer than `L` keys, which [`Kernel::tail`] pads to a group with
//! [`FILLER_KEY`](super::message) unless the backend has a cheaper way. After each
//! step the flagged lanes get their exact status from `check_strict` (`settle_flagged`).
//!
//! Inlining: `run` and the kernels' trait methods are `#[inline(always)]` and carry no
//! `#[target_feature]`; each backend calls `run` from its `#[target_feature]` entry point, so
//! the whole loop, and the kernel functions it calls (compiled for the same features), are
//! compiled into that one function: no call per group through a frame without the features.

use super::message::FILLER_KEY;
use super::{assert_same_lengths, settle_flagged};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

/// A backend's kernel as the driver sees it: groups of `L` keys in, accepts and flagged lanes
/// out.
///
/// A value of an implementing type only exists inside the backend's `#[target_feature]` entry
/// point (its constructor is private to the backend), which is what lets the methods call the
/// backend's `#[target_feature]` functions.
pub(crate) trait Kernel<const L: usize> {
    /// Writes the accepts of `G` groups of `L` keys, computed together, into `out`; returns
    /// per group the lanes (bit `i` = key `i`) whose key may break the strict rules (always 0
    /// when the kernel does not check). Flagged lanes are hashed too.
    fn groups<const G: usize>(
        &self,
        keys: &[[[u8; KEY_LEN]; L]; G],
        out: &mut [[[u8; ACCEPT_LEN]; L]; G],
    ) -> [u32; G];

    /// The last `keys.len() < L` keys of a batch, as [`groups`](Self::groups) for one group.
    /// By default the group is padded with a valid key: one more step costs less than any
    /// per-key path, and only the real lanes are copied out and flagged.
    #[inline(always)]
    fn tail(&self, keys: &[[u8; KEY_LEN]], out: &mut [[u8; ACCEPT_LEN]]) -> u32 {
        let n = keys.len();
        debug_assert!(n < L && n == out.len());
        let mut k = [FILLER_KEY; L];
        k[..n].copy_from_slice(keys);
        let mut o = [[0u8; ACCEPT_LEN]; L];
        let [flagged] = self.groups::<1>(core::array::from_ref(&k), core::array::from_mut(&mut o));
        out.copy_from_slice(&o[..n]);
        flagged & ((1 << n) - 1)
    }
}

/// The backend contract (module docs of `backend`) over any number of keys: steps of `G`
/// groups of `L` keys, then the groups left one at a time, then the tail.
///
/// # Panics
/// If the slices differ in length (the dispatcher checked already; the entry points are also
/// reachable from the tests).
#[inline(always)]
pub(crate) fn run<const L: usize, const G: usize, K: Kernel<L>>(
    kernel: &K,
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
) -> usize {
    assert_same_lengths(keys, out, status);
    let (key_groups, key_tail) = keys.as_chunks::<L>();
    let (out_groups, out_tail) = out.as_chunks_mut::<L>();
    let (st_groups, st_tail) = status.as_chunks_mut::<L>();
    let (step_k, rest_k) = key_groups.as_chunks::<G>();
    let (step_o, rest_o) = out_groups.as_chunks_mut::<G>();
    let (step_s, rest_s) = st_groups.as_chunks_mut::<G>();
    let mut invalid = 0;
    for ((k, o), s) in step_k.iter().zip(step_o).zip(step_s) {
        let flagged = kernel.groups::<G>(k, o);
        for g in 0..G {
            invalid += settle_flagged(&k[g], &mut o[g], &mut s[g], flagged[g]);
        }
    }
    for ((k, o), s) in rest_k.iter().zip(rest_o).zip(rest_s) {
        let [flagged] = kernel.groups::<1>(core::array::from_ref(k), core::array::from_mut(o));
        invalid += settle_flagged(k, o, s, flagged);
    }
    if !key_tail.is_empty() {
        let flagged = kernel.tail(key_tail, out_tail);
        invalid += settle_flagged(key_tail, out_tail, st_tail, flagged);
    }
    invalid
}

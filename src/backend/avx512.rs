//! AVX-512 backend: 16 keys per step, one key per 32-bit lane of a `zmm` register.
//!
//! One step loads 16 keys (384 contiguous bytes), byte-swaps and transposes them into the six
//! variable SHA-1 words W0..W5, checks all 16 keys against the strict rules in the same
//! registers, runs both SHA-1 blocks with everything that is the same for every key folded into
//! constants, encodes the 16 digests to base64 in lanes and transposes them back into the 16
//! output slots. No per-key scalar work happens unless a key is invalid (then `check_strict`
//! names the error for that key only).
//!
//! The check, the SHA-1 rounds (constants folded, see [`multibuffer`]) and the encoder are the shared
//! ones over [`Avx512`], which brings AVX-512's native rotate and ternary-logic op and a fence
//! that keeps each round's sum grouped as written; this file is the glue: the loads and
//! transposes in and out.
//!
//! Latency: a SHA-1 round depends on the previous one through a rotate and an add (2 cycles
//! each on the Zen 5 this was tuned on), so one group alone leaves the vector units idle. Runs
//! of 32 keys interleave two groups in every operation (three or four groups spill and are
//! slower). The last partial group is padded to 16 keys ([`driver`]).

use core::arch::x86_64::*;

use super::multibuffer::{self, Group};
use super::vector::Avx512;
use super::{base64, driver, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

cpu_features!("avx512f", "avx512bw", "avx512vl");

/// Keys handled at once.
pub(crate) const LANES: usize = 16;

pub(super) const ROW: super::Row = super::Row {
    lanes: LANES,
    // A padded group of 16 costs as much whatever it holds: one or two keys cost less by the
    // reference, up to four by shani's interleaves (`batch_small`).
    min_keys: 3,
    min_keys_beside_sha: 5,
    features: FEATURES,
    entry: accept_keys,
    one: None,
};

/// A vector constant from 16 dwords.
const fn dwords(a: [i32; 16]) -> __m512i {
    // SAFETY: `[i32; 16]` and `__m512i` are both 64 bytes of plain integer data; every bit
    // pattern is a valid value of either.
    unsafe { core::mem::transmute::<[i32; 16], __m512i>(a) }
}

/// A vector constant from 16 bytes repeated in each 128-bit lane (for `vpshufb`).
const fn lanes128(a: [u8; 16]) -> __m512i {
    let mut b = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        b[i] = a[i % 16];
        i += 1;
    }
    // SAFETY: `[u8; 64]` and `__m512i` are both 64 bytes of plain integer data; every bit
    // pattern is a valid value of either.
    unsafe { core::mem::transmute::<[u8; 64], __m512i>(b) }
}

/// `vpshufb` control reversing the bytes of every dword (little-endian load -> SHA-1 word).
const BSWAP32: __m512i = lanes128([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);

/// Input transpose: key `i`'s word `j` is dword `6i + j` of the 16 keys' 96 dwords, which sit
/// in three register pairs of 32 dwords. Per word `j`: the index within a pair, and the lanes
/// whose dword lies in the second and in the third pair.
struct InTranspose {
    idx: [__m512i; 6],
    pair1: [u16; 6],
    pair2: [u16; 6],
}

const IN_T: InTranspose = {
    let mut t = InTranspose {
        idx: [dwords([0; 16]); 6],
        pair1: [0; 6],
        pair2: [0; 6],
    };
    let mut j = 0;
    while j < 6 {
        let mut idx = [0i32; 16];
        let mut i = 0;
        while i < 16 {
            let d = 6 * i + j;
            idx[i] = (d % 32) as i32;
            if d / 32 == 1 {
                t.pair1[j] |= 1 << i;
            } else if d / 32 == 2 {
                t.pair2[j] |= 1 << i;
            }
            i += 1;
        }
        t.idx[j] = dwords(idx);
        j += 1;
    }
    t
};

/// Output transpose: output dword `7i + m` (key `i`, chars `4m..4m+4`) comes from lane `i` of
/// encoded vector `m`. Per output register: the lane index (+16 for odd `m`, which selects the
/// second table of a `vpermt2d` over vectors `2p, 2p+1`) and masks of lanes with `m / 2 == p`.
struct OutTranspose {
    idx: [__m512i; 7],
    pair: [[u16; 3]; 7],
}

const OUT_T: OutTranspose = {
    let mut t = OutTranspose {
        idx: [dwords([0; 16]); 7],
        pair: [[0; 3]; 7],
    };
    let mut r = 0;
    while r < 7 {
        let mut idx = [0i32; 16];
        let mut q = 0;
        while q < 16 {
            let d = 16 * r + q;
            let (i, m) = (d / 7, d % 7);
            idx[q] = (i + 16 * (m % 2)) as i32;
            if m / 2 > 0 {
                t.pair[r][m / 2 - 1] |= 1 << q;
            }
            q += 1;
        }
        t.idx[r] = dwords(idx);
        r += 1;
    }
    t
};

target_features! {
    /// Loads 16 keys and returns their big-endian words W0..W5, one key per lane.
    #[inline]
    fn load_words(keys: &[[u8; KEY_LEN]; LANES]) -> [__m512i; 6] {
        let src = keys.as_ptr().cast::<__m512i>();
        let mut raw = [_mm512_setzero_si512(); 6];
        for (r, v) in raw.iter_mut().enumerate() {
            // SAFETY: `keys` is 16 * 24 = 384 = 6 * 64 readable bytes, `r < 6`, and `loadu` has
            // no alignment requirement.
            let loaded = unsafe { _mm512_loadu_si512(src.add(r)) };
            *v = _mm512_shuffle_epi8(loaded, BSWAP32);
        }
        let mut words = [_mm512_setzero_si512(); 6];
        for (j, word) in words.iter_mut().enumerate() {
            let t0 = _mm512_permutex2var_epi32(raw[0], IN_T.idx[j], raw[1]);
            let t1 = _mm512_permutex2var_epi32(raw[2], IN_T.idx[j], raw[3]);
            let t2 = _mm512_permutex2var_epi32(raw[4], IN_T.idx[j], raw[5]);
            let t = _mm512_mask_blend_epi32(IN_T.pair1[j], t0, t1);
            *word = _mm512_mask_blend_epi32(IN_T.pair2[j], t, t2);
        }
        words
    }

    /// Transposes 16 encoded accepts (see [`base64::encode`]) into their output slots.
    #[inline]
    fn store_accepts(enc: &[__m512i; 7], out: &mut [[u8; ACCEPT_LEN]; LANES]) {
        let dst = out.as_mut_ptr().cast::<__m512i>();
        for r in 0..7 {
            let idx = OUT_T.idx[r];
            let [k1, k2, k3] = OUT_T.pair[r];
            let t01 = _mm512_permutex2var_epi32(enc[0], idx, enc[1]);
            let t23 = _mm512_permutex2var_epi32(enc[2], idx, enc[3]);
            let t45 = _mm512_permutex2var_epi32(enc[4], idx, enc[5]);
            let t6 = _mm512_permutexvar_epi32(idx, enc[6]);
            let v = _mm512_mask_blend_epi32(k1, t01, t23);
            let v = _mm512_mask_blend_epi32(k2, v, t45);
            let v = _mm512_mask_blend_epi32(k3, v, t6);
            // SAFETY: `out` is 16 * 28 = 448 = 7 * 64 writable bytes, `r < 7`, and `storeu` has no
            // alignment requirement.
            unsafe { _mm512_storeu_si512(dst.add(r), v) };
        }
    }

    /// Accepts for `G` groups of 16 keys into `out`; returns per group the lanes whose key fails
    /// the strict rules (0 when not `strict`). Every lane is hashed; the caller fixes up flagged
    /// lanes.
    #[inline]
    fn groups<const G: usize>(
        keys: &[[[u8; KEY_LEN]; LANES]; G],
        out: &mut [[[u8; ACCEPT_LEN]; LANES]; G],
        strict: bool,
    ) -> [u16; G] {
        let loaded = keys.each_ref().map(|k| load_words(k).map(Avx512));
        let mut invalid = [0u16; G];
        if strict {
            for (bad, w) in invalid.iter_mut().zip(&loaded) {
                *bad = strict::invalid_lanes(w) as u16;
            }
        }
        let words = core::array::from_fn(|j| Group(core::array::from_fn(|g| loaded[g][j])));
        let h = multibuffer::two_blocks::<Group<Avx512, G>>(words);
        for (g, out) in out.iter_mut().enumerate() {
            let enc = base64::encode(h.map(|w| w.0[g]));
            store_accepts(&enc.map(|v| v.0), out);
        }
        invalid
    }
}

/// The kernel for the shared driver. Only made in [`accept_keys`], after AVX-512 F, BW and VL
/// were detected.
struct Kernel {
    strict: bool,
}

impl driver::Kernel<LANES> for Kernel {
    #[inline(always)]
    fn groups<const G: usize>(
        &self,
        keys: &[[[u8; KEY_LEN]; LANES]; G],
        out: &mut [[[u8; ACCEPT_LEN]; LANES]; G],
    ) -> [u32; G] {
        // SAFETY: a `Kernel` exists only inside `accept_keys`, which runs where AVX-512 F, BW
        // and VL were detected.
        unsafe { groups::<G>(keys, out, self.strict) }.map(u32::from)
    }
}

target_features! {
    /// The backend contract (see `backend` module docs), 16 keys at a time: the shared driver,
    /// two groups per step while there are 32 keys.
    ///
    /// # Safety
    /// The CPU must support AVX-512 F, BW and VL; [`super::Backend`] only dispatches here after
    /// detecting them.
    pub(crate) unsafe fn accept_keys(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        driver::run::<LANES, 2, _>(&Kernel { strict }, keys, out, status)
    }
}

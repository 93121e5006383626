//! The AVX2 backend: eight keys per step, one key per 32-bit lane, for x86-64 CPUs without
//! AVX-512.
//!
//! One step loads eight keys, transposes them into the six message words W0..W5 (lane `i` of
//! word `j` is bytes `4j..4j+4` of key `i`), validates all eight in the same pass, runs the two
//! SHA-1 blocks on all lanes at once and base64-encodes the eight digests in registers before
//! transposing them back into the output slots.
//!
//! The check, the SHA-1 rounds (with the constant words folded) and the encoder are the shared
//! ones ([`strict`], [`multibuffer`], [`base64`]) over [`Avx2`]; this file is the AVX2 glue: loads,
//! transposes, stores, and the fence that keeps two groups interleaved.
//!
//! SHA-1's rounds are one long serial chain (rotate, add, next round) and vector integer ops
//! take two cycles on recent AMD cores, so the main loop runs two groups of eight at once
//! (sixteen keys per step, a [`Group`] of two) and pins them together round by round
//! ([`Avx2`]'s `fence_group`); a last odd group and the padded tail take the single-group path
//! ([`driver`]).

use core::arch::x86_64::*;

use super::multibuffer::{self, Group};
use super::vector::Avx2;
use super::{base64, driver, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

cpu_features!("avx2");

/// Keys handled at once.
pub(crate) const LANES: usize = 8;

pub(super) const ROW: super::Row = super::Row {
    lanes: LANES,
    // A padded group of 8 costs as much whatever it holds: four keys or fewer go to the
    // single-key backend.
    min_keys: 5,
    min_keys_beside_sha: 5,
    features: FEATURES,
    entry: accept_keys,
    one: None,
};

type V = __m256i;

/// Groups of eight interleaved in the main loop: two measured fastest (three spill the state
/// out of the sixteen registers).
const G: usize = 2;

target_features! {
    /// 4×4 transpose of 32-bit elements inside each 128-bit half.
    #[inline]
    fn transpose4(r: [V; 4]) -> [V; 4] {
        let t0 = _mm256_unpacklo_epi32(r[0], r[1]);
        let t1 = _mm256_unpackhi_epi32(r[0], r[1]);
        let t2 = _mm256_unpacklo_epi32(r[2], r[3]);
        let t3 = _mm256_unpackhi_epi32(r[2], r[3]);
        [
            _mm256_unpacklo_epi64(t0, t2),
            _mm256_unpackhi_epi64(t0, t2),
            _mm256_unpacklo_epi64(t1, t3),
            _mm256_unpackhi_epi64(t1, t3),
        ]
    }

    /// Loads eight keys as their six words, still as ASCII bytes (lane `i` = key `i`).
    #[inline]
    fn load_words(keys: &[[u8; KEY_LEN]; LANES]) -> [V; 6] {
        let p = keys.as_ptr().cast::<u8>();
        // Bytes 0..16 and 8..24 of key `k` in the low half, of key `k + 4` in the high half.
        let pair = |k: usize, off: usize| {
            // SAFETY: `keys` is 8 × 24 contiguous bytes; both 16-byte reads start at
            // `24 * k + off` with `k + 4 < 8` and `off <= 8`, so they end by byte 192. Unaligned
            // loads have no alignment requirement.
            unsafe {
                let lo = _mm_loadu_si128(p.add(KEY_LEN * k + off).cast());
                let hi = _mm_loadu_si128(p.add(KEY_LEN * (k + 4) + off).cast());
                _mm256_inserti128_si256::<1>(_mm256_castsi128_si256(lo), hi)
            }
        };
        let [w0, w1, w2, w3] = transpose4([pair(0, 0), pair(1, 0), pair(2, 0), pair(3, 0)]);
        // Words 2..6 from the second load; only 4 and 5 are needed.
        let [_, _, w4, w5] = transpose4([pair(0, 8), pair(1, 8), pair(2, 8), pair(3, 8)]);
        [w0, w1, w2, w3, w4, w5]
    }

    /// Base64 of eight digests straight into eight output slots.
    #[inline]
    fn encode_store(h: [V; 5], out: &mut [[u8; ACCEPT_LEN]; LANES]) {
        let [c0, c1, c2, c3, c4, c5, c6] = base64::encode(h.map(Avx2)).map(|v| v.0);
        let r = transpose4([c0, c1, c2, c3]);
        let s = transpose4([c4, c5, c6, c6]);
        let mut rows = [_mm256_setzero_si256(); LANES];
        for k in 0..4 {
            rows[k] = _mm256_permute2x128_si256::<0x20>(r[k], s[k]);
            rows[k + 4] = _mm256_permute2x128_si256::<0x31>(r[k], s[k]);
        }
        let p = out.as_mut_ptr().cast::<u8>();
        // SAFETY: `out` is 8 × 28 contiguous writable bytes. Rows 0..=6 store 32 bytes at 28k,
        // ending by byte 28 * 6 + 32 = 200 < 224; the 4 bytes past each slot land in the next slot,
        // which the next (later) store rewrites. Row 7 is stored as 16 bytes at 196 and 16 bytes at
        // 208, ending at 224. Unaligned stores have no alignment requirement.
        unsafe {
            for (k, row) in rows.iter().enumerate().take(7) {
                _mm256_storeu_si256(p.add(ACCEPT_LEN * k).cast(), *row);
            }
            let lo = _mm256_castsi256_si128(rows[7]);
            let hi = _mm256_extracti128_si256::<1>(rows[7]);
            _mm_storeu_si128(p.add(ACCEPT_LEN * 7).cast(), lo);
            _mm_storeu_si128(
                p.add(ACCEPT_LEN * 7 + 12).cast(),
                _mm_alignr_epi8::<12>(hi, lo),
            );
        }
    }

    /// Byte-swaps each lane: the message words are big-endian.
    #[inline]
    fn bswap(v: V) -> V {
        let order = _mm256_setr_epi8(
            3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12, //
            3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12,
        );
        _mm256_shuffle_epi8(v, order)
    }

    /// Eight accepts; returns the invalid-lane mask (always 0 unless `STRICT`). Invalid lanes get
    /// the hash of whatever bytes they hold; the caller zeroes them.
    #[inline]
    fn kernel8<const STRICT: bool>(
        keys: &[[u8; KEY_LEN]; LANES],
        out: &mut [[u8; ACCEPT_LEN]; LANES],
    ) -> u32 {
        let m = load_words(keys).map(|v| bswap(v));
        let invalid = if STRICT {
            strict::invalid_lanes(&m.map(Avx2))
        } else {
            0
        };
        encode_store(multibuffer::two_blocks(m.map(Avx2)).map(|v| v.0), out);
        invalid
    }

    /// `G` groups of eight interleaved; returns the invalid-lane masks.
    #[inline]
    fn kernel_multi<const STRICT: bool, const G: usize>(
        keys: &[[[u8; KEY_LEN]; LANES]; G],
        out: &mut [[[u8; ACCEPT_LEN]; LANES]; G],
    ) -> [u32; G] {
        let words = keys.each_ref().map(|k| load_words(k).map(|v| bswap(v)));
        let invalid = if STRICT {
            words.map(|w| strict::invalid_lanes(&w.map(Avx2)))
        } else {
            [0; G]
        };
        let m = core::array::from_fn(|j| Group(core::array::from_fn(|g| Avx2(words[g][j]))));
        let h = multibuffer::two_blocks::<Group<Avx2, G>>(m);
        for (g, o) in out.iter_mut().enumerate() {
            encode_store(h.map(|p| p.0[g].0), o);
        }
        invalid
    }
}

/// The kernel for the shared driver. Only made in [`accept_keys`], after AVX2 was detected.
struct Kernel<const STRICT: bool>(());

impl<const STRICT: bool> driver::Kernel<LANES> for Kernel<STRICT> {
    #[inline(always)]
    fn groups<const N: usize>(
        &self,
        keys: &[[[u8; KEY_LEN]; LANES]; N],
        out: &mut [[[u8; ACCEPT_LEN]; LANES]; N],
    ) -> [u32; N] {
        // SAFETY: a `Kernel` exists only inside `accept_keys`, which runs where AVX2 was
        // detected.
        unsafe {
            if N == 1 {
                // One group needs no interleaving fence.
                let bad = kernel8::<STRICT>(&keys[0], &mut out[0]);
                [bad; N]
            } else {
                kernel_multi::<STRICT, N>(keys, out)
            }
        }
    }
}

target_features! {
    /// The backend contract (see `backend` module docs), eight keys at a time: the shared driver
    /// over pairs of groups.
    ///
    /// # Safety
    /// The CPU must support AVX2; [`super::Backend`] only dispatches here after detecting it.
    pub(crate) unsafe fn accept_keys(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        if strict {
            driver::run::<LANES, G, _>(&Kernel::<true>(()), keys, out, status)
        } else {
            driver::run::<LANES, G, _>(&Kernel::<false>(()), keys, out, status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example_in_every_lane() {
        if !crate::BackendKind::Avx2.is_available() {
            return;
        }
        // A pair of groups, a single group and a tail of three.
        let keys = [*b"dGhlIHNhbXBsZSBub25jZQ=="; 27];
        let mut out = [[0u8; ACCEPT_LEN]; 27];
        let mut st = [KeyStatus::Length; 27];
        // SAFETY: AVX2 was detected above.
        let invalid = unsafe { accept_keys(&keys, &mut out, &mut st, true) };
        assert_eq!(invalid, 0);
        for o in out {
            assert_eq!(&o, b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
        }
    }
}

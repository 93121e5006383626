//! The AVX2 backend: eight keys per step, one key per 32-bit lane, for x86-64 CPUs without
//! AVX-512.
//!
//! One step loads eight keys, transposes them into the six message words W0..W5 (lane `i` of
//! word `j` is bytes `4j..4j+4` of key `i`), validates all eight in the same pass, runs the two
//! SHA-1 blocks on all lanes at once and base64-encodes the eight digests in registers before
//! transposing them back into the output slots.
//!
//! What makes it cheap besides the width: the message is key ‖ GUID, so in block one only W0..W5
//! vary. Rounds 6..15 add precomputed `W + K` constants and the early schedule XORs fold the
//! constant words together. Block two is all padding, so its whole `W + K` table is computed at
//! compile time (`W2K`).
//!
//! SHA-1's rounds are one long serial chain (rotate, add, next round) and vector integer ops
//! take two cycles on recent AMD cores, so the main loop runs two groups of eight at once
//! (sixteen keys per step, module `x2`) and pins them together round by round; a last odd
//! group and the padded tail take the single-group path.

use core::arch::x86_64::*;

use super::constants::{
    BLOCK1_FIRST_CONST, BLOCK1_WORDS, BLOCK2_WK as W2K, FILLER_KEY, K, SHA1_IV,
};
use super::vector::Vector;
use super::{base64, settle_flagged, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

/// Keys handled at once.
pub const LANES: usize = 8;

/// Block one's words; only 6..16 (GUID and padding) are used, 0..6 are the key.
const B1: [u32; 16] = BLOCK1_WORDS;

/// For rounds 16..32 of block one: the XOR of the recurrence terms
/// `W[t-3] ^ W[t-8] ^ W[t-14] ^ W[t-16]` that are constant words (6..16). Index `t`.
const B1_FOLD: [u32; 32] = {
    let mut c = [0u32; 32];
    let mut t = 16;
    while t < 32 {
        let terms = [t - 3, t - 8, t - 14, t - 16];
        let mut i = 0;
        while i < 4 {
            if terms[i] >= BLOCK1_FIRST_CONST && terms[i] < 16 {
                c[t] ^= B1[terms[i]];
            }
            i += 1;
        }
        t += 1;
    }
    c
};

type V = __m256i;

/// A 256-bit register for the shared algorithms ([`Vector`]). Only made inside this module's
/// `#[target_feature(enable = "avx2")]` functions, which run after AVX2 was detected.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Avx2(__m256i);

/// An AVX2 intrinsic on `Avx2` values.
macro_rules! avx2 {
    ($e:expr) => {
        // SAFETY: an `Avx2` value exists only where the CPU has AVX2 (see `Avx2`).
        unsafe { $e }
    };
}

// SAFETY: `Avx2`'s field is private and set only in this module's AVX2 functions, so a value
// exists only on a CPU with AVX2, which is every instruction the methods use.
unsafe impl Vector for Avx2 {
    #[inline(always)]
    fn splat32(self, x: u32) -> Self {
        avx2!(Avx2(_mm256_set1_epi32(x as i32)))
    }
    #[inline(always)]
    fn splat8(self, x: u8) -> Self {
        avx2!(Avx2(_mm256_set1_epi8(x as i8)))
    }
    #[inline(always)]
    fn table16(self, t: [u8; 16]) -> Self {
        avx2!(Avx2(_mm256_broadcastsi128_si256(_mm_loadu_si128(
            t.as_ptr().cast()
        ))))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_and_si256(self.0, o.0)))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_or_si256(self.0, o.0)))
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_xor_si256(self.0, o.0)))
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_andnot_si256(self.0, o.0)))
    }
    #[inline(always)]
    fn shl32<const N: i32>(self) -> Self {
        avx2!(Avx2(_mm256_slli_epi32::<N>(self.0)))
    }
    #[inline(always)]
    fn shr32<const N: i32>(self) -> Self {
        avx2!(Avx2(_mm256_srli_epi32::<N>(self.0)))
    }
    #[inline(always)]
    fn shuffle8(self, idx: Self) -> Self {
        avx2!(Avx2(_mm256_shuffle_epi8(self.0, idx.0)))
    }
    #[inline(always)]
    fn eq8(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_cmpeq_epi8(self.0, o.0)))
    }
    #[inline(always)]
    fn lt8(self, n: u8) -> Self {
        // Signed compare: the trait's contract keeps both sides below 0x80.
        avx2!(Avx2(_mm256_cmpgt_epi8(_mm256_set1_epi8(n as i8), self.0)))
    }
    #[inline(always)]
    fn sub_sat8(self, n: u8) -> Self {
        avx2!(Avx2(_mm256_subs_epu8(self.0, _mm256_set1_epi8(n as i8))))
    }
    #[inline(always)]
    fn add8(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_add_epi8(self.0, o.0)))
    }
    #[inline(always)]
    fn mulhi16(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_mulhi_epu16(self.0, o.0)))
    }
    #[inline(always)]
    fn mullo16(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_mullo_epi16(self.0, o.0)))
    }
    #[inline(always)]
    fn nonzero_lanes(self) -> u32 {
        avx2!({
            let zero = _mm256_cmpeq_epi32(self.0, _mm256_setzero_si256());
            !(_mm256_movemask_ps(_mm256_castsi256_ps(zero)) as u32) & 0xFF
        })
    }
}

#[inline]
#[target_feature(enable = "avx2")]
fn splat(x: u32) -> V {
    _mm256_set1_epi32(x as i32)
}

#[inline]
#[target_feature(enable = "avx2")]
fn add(a: V, b: V) -> V {
    _mm256_add_epi32(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn xor(a: V, b: V) -> V {
    _mm256_xor_si256(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn and(a: V, b: V) -> V {
    _mm256_and_si256(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn or(a: V, b: V) -> V {
    _mm256_or_si256(a, b)
}

#[inline]
#[target_feature(enable = "avx2")]
fn shl<const N: i32>(x: V) -> V {
    _mm256_slli_epi32::<N>(x)
}

#[inline]
#[target_feature(enable = "avx2")]
fn shr<const N: i32>(x: V) -> V {
    _mm256_srli_epi32::<N>(x)
}

/// A single group has nothing to keep interleaved (see `x2::fence`).
#[inline]
fn fence(x: V) -> V {
    x
}

/// One round; `e` becomes the new `a` and the names rotate in [`five!`].
macro_rules! step {
    ($f:ident, $wk:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        // Add the terms that do not depend on the newest `a` first: shortest dependency chain.
        // `fence` keeps interleaved groups in step (see `x2::fence`).
        $e = fence(add(add(add($e, $wk), $f($b, $c, $d)), rotl5($a)));
        $b = fence(rotl30($b));
    };
}

/// Five rounds, after which the names are back in their roles.
macro_rules! five {
    ($f:ident, $wk:ident, $t:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        step!($f, $wk!($t), $a, $b, $c, $d, $e);
        step!($f, $wk!($t + 1), $e, $a, $b, $c, $d);
        step!($f, $wk!($t + 2), $d, $e, $a, $b, $c);
        step!($f, $wk!($t + 3), $c, $d, $e, $a, $b);
        step!($f, $wk!($t + 4), $b, $c, $d, $e, $a);
    };
}

/// All eighty rounds; `$wk!(t)` gives `W[t] + K[t / 20]`.
macro_rules! eighty {
    ($wk:ident, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        five!(ch, $wk, 0, $a, $b, $c, $d, $e);
        five!(ch, $wk, 5, $a, $b, $c, $d, $e);
        five!(ch, $wk, 10, $a, $b, $c, $d, $e);
        five!(ch, $wk, 15, $a, $b, $c, $d, $e);
        five!(parity, $wk, 20, $a, $b, $c, $d, $e);
        five!(parity, $wk, 25, $a, $b, $c, $d, $e);
        five!(parity, $wk, 30, $a, $b, $c, $d, $e);
        five!(parity, $wk, 35, $a, $b, $c, $d, $e);
        five!(maj, $wk, 40, $a, $b, $c, $d, $e);
        five!(maj, $wk, 45, $a, $b, $c, $d, $e);
        five!(maj, $wk, 50, $a, $b, $c, $d, $e);
        five!(maj, $wk, 55, $a, $b, $c, $d, $e);
        five!(parity, $wk, 60, $a, $b, $c, $d, $e);
        five!(parity, $wk, 65, $a, $b, $c, $d, $e);
        five!(parity, $wk, 70, $a, $b, $c, $d, $e);
        five!(parity, $wk, 75, $a, $b, $c, $d, $e);
    };
}

/// The SHA-1 code, written once over whatever `V`, `splat`, `add`, `xor`, `and`, `or`, `shl`
/// and `shr` mean where it is expanded: one group of eight lanes, or two interleaved.
macro_rules! sha1_core {
    () => {
        /// Rotate left by one. `x + x` instead of a shift: shifts share two ports on most cores,
        /// adds have three or four.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn rotl1(x: V) -> V {
            or(add(x, x), shr::<31>(x))
        }

        /// AVX2 has no rotate: shift left | shift right.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn rotl5(x: V) -> V {
            or(shl::<5>(x), shr::<27>(x))
        }

        #[inline]
        #[target_feature(enable = "avx2")]
        fn rotl30(x: V) -> V {
            or(shl::<30>(x), shr::<2>(x))
        }

        /// Rounds 0..20: `(b & c) | (!b & d)`, as `d ^ (b & (c ^ d))`.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn ch(b: V, c: V, d: V) -> V {
            xor(d, and(b, xor(c, d)))
        }

        /// Rounds 20..40 and 60..80.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn parity(b: V, c: V, d: V) -> V {
            xor(xor(b, c), d)
        }

        /// Rounds 40..60: majority.
        #[inline]
        #[target_feature(enable = "avx2")]
        fn maj(b: V, c: V, d: V) -> V {
            or(and(b, c), and(d, or(b, c)))
        }

        /// SHA-1 of key ‖ GUID for a group of keys (one per 32-bit lane), given their words
        /// W0..W5 as native-endian values. Returns the five digest words per lane.
        #[inline]
        #[target_feature(enable = "avx2")]
        pub(super) fn sha1_two_blocks(m: [V; 6]) -> [V; 5] {
            // Block one's schedule. Words 6..16 are constants; rounds 16..32 XOR only the terms
            // that vary, plus one folded constant (`B1_FOLD`).
            let mut w = [splat(0); 80];
            w[..6].copy_from_slice(&m);
            let x3 = |a: V, b: V, c: V| xor(xor(a, b), c);
            w[16] = rotl1(x3(w[0], w[2], splat(B1_FOLD[16])));
            w[17] = rotl1(x3(w[1], w[3], splat(B1_FOLD[17])));
            w[18] = rotl1(x3(w[2], w[4], splat(B1_FOLD[18])));
            w[19] = rotl1(xor(x3(w[16], w[5], w[3]), splat(B1_FOLD[19])));
            w[20] = rotl1(x3(w[17], w[4], splat(B1_FOLD[20])));
            w[21] = rotl1(x3(w[18], w[5], splat(B1_FOLD[21])));
            w[22] = rotl1(xor(w[19], splat(B1_FOLD[22])));
            w[23] = rotl1(xor(w[20], splat(B1_FOLD[23])));
            let mut t = 24;
            while t < 30 {
                w[t] = rotl1(x3(w[t - 3], w[t - 8], splat(B1_FOLD[t])));
                t += 1;
            }
            w[30] = rotl1(xor(x3(w[27], w[22], w[16]), splat(B1_FOLD[30])));
            w[31] = rotl1(xor(x3(w[28], w[23], w[17]), splat(B1_FOLD[31])));
            let mut t = 32;
            while t < 80 {
                w[t] = rotl1(xor(xor(w[t - 3], w[t - 8]), xor(w[t - 14], w[t - 16])));
                t += 1;
            }

            // Rounds 6..16 take a precomputed constant. (`% 16` only keeps the index of the
            // branch not taken in bounds; both branches are resolved at compile time.)
            macro_rules! wk1 {
                ($t:expr) => {
                    if $t >= BLOCK1_FIRST_CONST && $t < 16 {
                        splat(B1[$t % 16].wrapping_add(K[0]))
                    } else {
                        add(w[$t], splat(K[$t / 20]))
                    }
                };
            }
            macro_rules! wk2 {
                ($t:expr) => {
                    splat(W2K[$t])
                };
            }

            let [mut a, mut b, mut c, mut d, mut e] = SHA1_IV.map(|x| splat(x));
            eighty!(wk1, a, b, c, d, e);
            let h = [
                add(a, splat(SHA1_IV[0])),
                add(b, splat(SHA1_IV[1])),
                add(c, splat(SHA1_IV[2])),
                add(d, splat(SHA1_IV[3])),
                add(e, splat(SHA1_IV[4])),
            ];
            [a, b, c, d, e] = h;
            eighty!(wk2, a, b, c, d, e);
            [
                add(a, h[0]),
                add(b, h[1]),
                add(c, h[2]),
                add(d, h[3]),
                add(e, h[4]),
            ]
        }
    };
}

sha1_core!();

/// Two groups of eight keys interleaved, so that two independent dependency chains fill the
/// pipeline (each round's `a` → rotate → add chain is long and serial).
mod x2 {
    use super::{B1, B1_FOLD, BLOCK1_FIRST_CONST, K, SHA1_IV, W2K};
    use core::arch::x86_64::*;

    /// Groups interleaved: two measured fastest (three spill the state out of the sixteen
    /// registers). `fence` is written for two.
    pub(super) const G: usize = 2;
    pub(super) type V = [__m256i; G];

    macro_rules! lift {
        ($name:ident, $op:ident) => {
            #[inline]
            #[target_feature(enable = "avx2")]
            fn $name(a: V, b: V) -> V {
                core::array::from_fn(|i| $op(a[i], b[i]))
            }
        };
    }
    lift!(add, _mm256_add_epi32);
    lift!(xor, _mm256_xor_si256);
    lift!(and, _mm256_and_si256);
    lift!(or, _mm256_or_si256);

    #[inline]
    #[target_feature(enable = "avx2")]
    fn splat(x: u32) -> V {
        [_mm256_set1_epi32(x as i32); G]
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn shl<const N: i32>(x: V) -> V {
        x.map(|v| _mm256_slli_epi32::<N>(v))
    }

    #[inline]
    #[target_feature(enable = "avx2")]
    fn shr<const N: i32>(x: V) -> V {
        x.map(|v| _mm256_srli_epi32::<N>(v))
    }

    /// Makes both groups' copy of a state word exist at the same point of each round, so that
    /// the compiler cannot schedule the groups one after the other (left alone it does, to
    /// save registers, which leaves the out-of-order core a single serial chain; pinned, the
    /// step measured ~1.3x faster). Emits no instruction.
    #[inline]
    #[target_feature(enable = "avx2")]
    fn fence(x: V) -> V {
        let [mut p, mut q] = x;
        // SAFETY: the template is empty: it only pins both values into registers at this
        // point; it reads and writes no memory, stack or flags.
        unsafe {
            core::arch::asm!("/* {0} {1} */", inout(ymm_reg) p, inout(ymm_reg) q,
                options(pure, nomem, nostack, preserves_flags));
        }
        [p, q]
    }

    sha1_core!();
}

/// 4×4 transpose of 32-bit elements inside each 128-bit half.
#[inline]
#[target_feature(enable = "avx2")]
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
#[target_feature(enable = "avx2")]
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
#[target_feature(enable = "avx2")]
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
#[target_feature(enable = "avx2")]
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
#[target_feature(enable = "avx2")]
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
    encode_store(sha1_two_blocks(m), out);
    invalid
}

/// `x2::G` groups of eight interleaved; returns the invalid-lane masks.
#[inline]
#[target_feature(enable = "avx2")]
fn kernel_multi<const STRICT: bool>(
    keys: &[[[u8; KEY_LEN]; LANES]; x2::G],
    out: &mut [[[u8; ACCEPT_LEN]; LANES]; x2::G],
) -> [u32; x2::G] {
    let words = keys.each_ref().map(|k| load_words(k).map(|v| bswap(v)));
    let invalid = if STRICT {
        words.map(|w| strict::invalid_lanes(&w.map(Avx2)))
    } else {
        [0; x2::G]
    };
    let m: [x2::V; 6] = core::array::from_fn(|j| core::array::from_fn(|g| words[g][j]));
    let h = x2::sha1_two_blocks(m);
    for (g, o) in out.iter_mut().enumerate() {
        encode_store(h.map(|p| p[g]), o);
    }
    invalid
}

/// The contract over any number of keys: pairs of groups, at most one single group, then the
/// tail padded to a group.
#[inline]
#[target_feature(enable = "avx2")]
fn run<const STRICT: bool>(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
) -> usize {
    let (key_groups, key_tail) = keys.as_chunks::<LANES>();
    let (out_groups, out_tail) = out.as_chunks_mut::<LANES>();
    let (st_groups, st_tail) = status.as_chunks_mut::<LANES>();
    let mut invalid = 0;
    let (pair_k, rest_k) = key_groups.as_chunks::<{ x2::G }>();
    let (pair_o, rest_o) = out_groups.as_chunks_mut::<{ x2::G }>();
    let (pair_s, rest_s) = st_groups.as_chunks_mut::<{ x2::G }>();
    for ((k, o), s) in pair_k.iter().zip(pair_o.iter_mut()).zip(pair_s.iter_mut()) {
        let bad = kernel_multi::<STRICT>(k, o);
        for g in 0..x2::G {
            invalid += settle_flagged(&k[g], &mut o[g], &mut s[g], bad[g]);
        }
    }
    for ((k, o), s) in rest_k.iter().zip(rest_o.iter_mut()).zip(rest_s.iter_mut()) {
        let bad = kernel8::<STRICT>(k, o);
        invalid += settle_flagged(k, o, s, bad);
    }
    let n = key_tail.len();
    if n > 0 {
        // Pad the last group with a valid key rather than take a slower per-key path.
        let mut k = [FILLER_KEY; LANES];
        k[..n].copy_from_slice(key_tail);
        let mut o = [[0u8; ACCEPT_LEN]; LANES];
        let bad = kernel8::<STRICT>(&k, &mut o) & ((1 << n) - 1);
        out_tail.copy_from_slice(&o[..n]);
        invalid += settle_flagged(key_tail, out_tail, st_tail, bad);
    }
    invalid
}

/// The backend contract (see `backend` module docs), eight keys at a time.
///
/// # Safety
/// The CPU must support AVX2 (calling from code not itself compiled for AVX2 is `unsafe`);
/// [`super::Backend`] only dispatches here after detecting it.
#[target_feature(enable = "avx2")]
pub fn accept_keys(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize {
    if strict {
        run::<true>(keys, out, status)
    } else {
        run::<false>(keys, out, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_example_in_every_lane() {
        if !is_x86_feature_detected!("avx2") {
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

//! Multi-stream SHA-NI backend, for CPUs with the SHA extensions but no AVX-512.
//!
//! One SHA-NI stream is latency-bound: each block is a chain of 20 dependent `sha1rnds4`.
//! Hashing [`LANES`] independent keys with their round sequences interleaved in one function
//! body lets the CPU overlap the chains and run close to the instruction's throughput limit.
//!
//! What the fixed message shape buys us (see `crate::compute`):
//! - block one: only W0..W5 (the key) vary; the vectors for W8..W15 and the GUID half of
//!   W4..W7 are constants, so per key we load the 24 key bytes and nothing else;
//! - block two is the same for every key, so its whole 80-word schedule is computed at compile
//!   time (`BLOCK2_W`) and no `sha1msg1`/`sha1msg2` runs for it. Its first vector is folded
//!   with the IV's E so that one `sha1nexte` both finishes block one and starts block two.
//!
//! Strict validation runs on the same two loads as the hash (the shared check, [`strict`], at
//! 128 bits); only keys that fail it go through [`check_strict`](crate::key::check_strict) for
//! the exact status. Digests are base64-encoded in registers by the shared encoder
//! ([`base64`]), four keys to a register.

use core::arch::x86_64::*;

use super::constants::{BLOCK1_WORDS, BLOCK2_W as BLOCK2_SCHEDULE, SHA1_IV};
use super::vector::Vector;
use super::{base64, driver, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

cpu_features!("sha", "sse2", "ssse3", "sse4.1");

/// Keys hashed at once (interleaved SHA-NI streams).
///
/// Measured (AMD EPYC with SHA-NI, ~2.9 GHz, busy 2-core VM; 100k keys through 128-key chunks
/// like the batch driver, best of 40 by thread CPU time, all widths in one run), ns per key:
/// K=1 55.6, K=2 38.6, K=3 32.4, K=4 28.3, K=5 27.1, K=6 27.6. Four is ~82 cycles per key,
/// near the `sha1rnds4` throughput floor of 40 per key; five gains ~4% on long runs but pads
/// power-of-two batches (16 keys, the driver's 128-key chunks) with wasted keys, so four.
pub(crate) const LANES: usize = 4;

/// A 128-bit register for the shared algorithms ([`Vector`]). Only made inside this module's
/// `#[target_feature]` functions (SSE2, SSSE3, SSE4.1), which run after detection.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Sse(__m128i);

/// An SSE intrinsic on `Sse` values.
macro_rules! sse {
    ($e:expr) => {
        // SAFETY: an `Sse` value exists only where the CPU has SSE2, SSSE3 and SSE4.1 (see
        // `Sse`).
        unsafe { $e }
    };
}

// SAFETY: `Sse`'s field is private and set only in this module's functions compiled for SSE2,
// SSSE3 and SSE4.1, so a value exists only on a CPU with every instruction the methods use.
unsafe impl Vector for Sse {
    const LANES: usize = 4;

    #[inline(always)]
    fn splat32(self, x: u32) -> Self {
        sse!(Sse(_mm_set1_epi32(x as i32)))
    }
    #[inline(always)]
    fn splat8(self, x: u8) -> Self {
        sse!(Sse(_mm_set1_epi8(x as i8)))
    }
    #[inline(always)]
    fn table16(self, t: [u8; 16]) -> Self {
        sse!(Sse(_mm_loadu_si128(t.as_ptr().cast())))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        sse!(Sse(_mm_and_si128(self.0, o.0)))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        sse!(Sse(_mm_or_si128(self.0, o.0)))
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        sse!(Sse(_mm_xor_si128(self.0, o.0)))
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        sse!(Sse(_mm_andnot_si128(self.0, o.0)))
    }
    #[inline(always)]
    fn add32(self, o: Self) -> Self {
        sse!(Sse(_mm_add_epi32(self.0, o.0)))
    }
    #[inline(always)]
    fn shl32<const N: i32>(self) -> Self {
        sse!(Sse(_mm_slli_epi32::<N>(self.0)))
    }
    #[inline(always)]
    fn rotl32<const N: i32>(self) -> Self {
        sse!(Sse(_mm_or_si128(
            _mm_sll_epi32(self.0, _mm_cvtsi32_si128(N)),
            _mm_srl_epi32(self.0, _mm_cvtsi32_si128(32 - N))
        )))
    }
    #[inline(always)]
    fn shr32<const N: i32>(self) -> Self {
        sse!(Sse(_mm_srli_epi32::<N>(self.0)))
    }
    #[inline(always)]
    fn shuffle8(self, idx: Self) -> Self {
        sse!(Sse(_mm_shuffle_epi8(self.0, idx.0)))
    }
    #[inline(always)]
    fn eq8(self, o: Self) -> Self {
        sse!(Sse(_mm_cmpeq_epi8(self.0, o.0)))
    }
    #[inline(always)]
    fn lt8(self, n: u8) -> Self {
        // Signed compare: the trait's contract keeps both sides below 0x80.
        sse!(Sse(_mm_cmpgt_epi8(_mm_set1_epi8(n as i8), self.0)))
    }
    #[inline(always)]
    fn sub_sat8(self, n: u8) -> Self {
        sse!(Sse(_mm_subs_epu8(self.0, _mm_set1_epi8(n as i8))))
    }
    #[inline(always)]
    fn add8(self, o: Self) -> Self {
        sse!(Sse(_mm_add_epi8(self.0, o.0)))
    }
    #[inline(always)]
    fn mulhi16(self, o: Self) -> Self {
        sse!(Sse(_mm_mulhi_epu16(self.0, o.0)))
    }
    #[inline(always)]
    fn mullo16(self, o: Self) -> Self {
        sse!(Sse(_mm_mullo_epi16(self.0, o.0)))
    }
    #[inline(always)]
    fn nonzero_lanes(self) -> u32 {
        sse!({
            let zero = _mm_cmpeq_epi32(self.0, _mm_setzero_si128());
            !(_mm_movemask_ps(_mm_castsi128_ps(zero)) as u32) & 0xF
        })
    }
}

/// Words `4i..4i+4` in SHA-NI lane order (lane 3 = first word), as memory order lane 0..3.
const fn lanes_of(w: &[u32], i: usize) -> [u32; 4] {
    [w[4 * i + 3], w[4 * i + 2], w[4 * i + 1], w[4 * i]]
}

/// Sixteen bytes we can load as a vector without alignment worries.
#[repr(C, align(16))]
struct Vecs<const N: usize>([[u32; 4]; N]);

/// Block one's constant message vectors: index 0 = W6,W7 in lanes 1,0 (lanes 3,2 zero, filled
/// from the key), index 1 = W8..W11, index 2 = W12..W15.
static BLOCK1_CONST: Vecs<3> = {
    let w = &BLOCK1_WORDS;
    let v1 = lanes_of(w, 1);
    Vecs([[v1[0], v1[1], 0, 0], lanes_of(w, 2), lanes_of(w, 3)])
};

/// Block two's full message schedule W0..W79, four words per `sha1rnds4`, in lane order.
/// Vector 0 has the IV's E added to lane 3 (see [`hash_group`]).
static BLOCK2_W: Vecs<20> = {
    let mut v = [[0u32; 4]; 20];
    let mut i = 0;
    while i < 20 {
        v[i] = lanes_of(&BLOCK2_SCHEDULE, i);
        i += 1;
    }
    v[0][3] = v[0][3].wrapping_add(SHA1_IV[4]);
    Vecs(v)
};

target_features! {
    /// Loads vector `i` of a constant table.
    #[inline]
    fn load_const<const N: usize>(table: &'static Vecs<N>, i: usize) -> __m128i {
        let v: &[u32; 4] = &table.0[i];
        // SAFETY: `v` is 16 readable bytes, 16-byte aligned by `Vecs`' repr.
        unsafe { _mm_load_si128(v.as_ptr().cast()) }
    }

    /// SHA-1 of `K` keys (block one from `m0`, `m1`, block two constant), interleaved.
    /// `m0` = W0..W3, `m1` = W4,W5 (lanes 3, 2; lanes 1, 0 zero) per key, in SHA-NI lane order.
    /// Returns each key's final ABCD vector and E (in lane 3).
    #[inline]
    fn hash_group<const K: usize>(m0: [__m128i; K], m1: [__m128i; K]) -> ([__m128i; K], [__m128i; K]) {
        let iv_abcd = _mm_set_epi32(
            SHA1_IV[0] as i32,
            SHA1_IV[1] as i32,
            SHA1_IV[2] as i32,
            SHA1_IV[3] as i32,
        );
        let iv_e = _mm_set_epi32(SHA1_IV[4] as i32, 0, 0, 0);
        let c1 = load_const(&BLOCK1_CONST, 0);
        let c2 = load_const(&BLOCK1_CONST, 1);
        let c3 = load_const(&BLOCK1_CONST, 2);
        let zero = _mm_setzero_si128();

        let mut w0 = m0;
        let mut w1 = [zero; K];
        let mut w2 = [c2; K];
        let mut w3 = [c3; K];
        let mut w4 = [zero; K];
        let mut h0 = [iv_abcd; K];
        let mut h1 = [zero; K];
        for s in 0..K {
            w1[s] = _mm_or_si128(m1[s], c1);
            h1[s] = _mm_add_epi32(iv_e, w0[s]);
        }

        // `b = rnds4(a, nexte(b, w))` for every stream: four rounds, E taken from the old `b`.
        macro_rules! r4 {
            ($a:ident, $b:ident, $w:ident, $f:literal) => {
                for s in 0..K {
                    $b[s] = _mm_sha1rnds4_epu32::<$f>($a[s], _mm_sha1nexte_epu32($b[s], $w[s]));
                }
            };
        }
        // Next schedule vector `v4` from the previous four, then four rounds with it.
        macro_rules! sr4 {
            ($a:ident, $b:ident, $v0:ident, $v1:ident, $v2:ident, $v3:ident, $v4:ident, $f:literal) => {
                for s in 0..K {
                    $v4[s] = _mm_sha1msg2_epu32(
                        _mm_xor_si128(_mm_sha1msg1_epu32($v0[s], $v1[s]), $v2[s]),
                        $v3[s],
                    );
                    $b[s] = _mm_sha1rnds4_epu32::<$f>($a[s], _mm_sha1nexte_epu32($b[s], $v4[s]));
                }
            };
        }

        // Block one.
        for s in 0..K {
            h1[s] = _mm_sha1rnds4_epu32::<0>(h0[s], h1[s]);
        }
        r4!(h1, h0, w1, 0);
        r4!(h0, h1, w2, 0);
        r4!(h1, h0, w3, 0);
        sr4!(h0, h1, w0, w1, w2, w3, w4, 0);
        sr4!(h1, h0, w1, w2, w3, w4, w0, 1);
        sr4!(h0, h1, w2, w3, w4, w0, w1, 1);
        sr4!(h1, h0, w3, w4, w0, w1, w2, 1);
        sr4!(h0, h1, w4, w0, w1, w2, w3, 1);
        sr4!(h1, h0, w0, w1, w2, w3, w4, 1);
        sr4!(h0, h1, w1, w2, w3, w4, w0, 2);
        sr4!(h1, h0, w2, w3, w4, w0, w1, 2);
        sr4!(h0, h1, w3, w4, w0, w1, w2, 2);
        sr4!(h1, h0, w4, w0, w1, w2, w3, 2);
        sr4!(h0, h1, w0, w1, w2, w3, w4, 2);
        sr4!(h1, h0, w1, w2, w3, w4, w0, 3);
        sr4!(h0, h1, w2, w3, w4, w0, w1, 3);
        sr4!(h1, h0, w3, w4, w0, w1, w2, 3);
        sr4!(h0, h1, w4, w0, w1, w2, w3, 3);
        sr4!(h1, h0, w0, w1, w2, w3, w4, 3);

        // Between blocks: state = IV + block one; block two starts from it with E + W0 folded
        // into one nexte (BLOCK2_W[0] already carries the IV's E).
        let w2_0 = load_const(&BLOCK2_W, 0);
        let mut abcd1 = [zero; K];
        let mut e1 = [zero; K];
        for s in 0..K {
            abcd1[s] = _mm_add_epi32(iv_abcd, h0[s]);
            e1[s] = _mm_sha1nexte_epu32(h1[s], iv_e);
            h1[s] = _mm_sha1nexte_epu32(h1[s], w2_0);
            h0[s] = abcd1[s];
        }

        // Block two: constant schedule, no msg1/msg2.
        macro_rules! c4 {
            ($a:ident, $b:ident, $i:literal, $f:literal) => {
                let w = load_const(&BLOCK2_W, $i);
                for s in 0..K {
                    $b[s] = _mm_sha1rnds4_epu32::<$f>($a[s], _mm_sha1nexte_epu32($b[s], w));
                }
            };
        }
        for s in 0..K {
            h1[s] = _mm_sha1rnds4_epu32::<0>(h0[s], h1[s]);
        }
        c4!(h1, h0, 1, 0);
        c4!(h0, h1, 2, 0);
        c4!(h1, h0, 3, 0);
        c4!(h0, h1, 4, 0);
        c4!(h1, h0, 5, 1);
        c4!(h0, h1, 6, 1);
        c4!(h1, h0, 7, 1);
        c4!(h0, h1, 8, 1);
        c4!(h1, h0, 9, 1);
        c4!(h0, h1, 10, 2);
        c4!(h1, h0, 11, 2);
        c4!(h0, h1, 12, 2);
        c4!(h1, h0, 13, 2);
        c4!(h0, h1, 14, 2);
        c4!(h1, h0, 15, 3);
        c4!(h0, h1, 16, 3);
        c4!(h1, h0, 17, 3);
        c4!(h0, h1, 18, 3);
        c4!(h1, h0, 19, 3);

        let mut e = [zero; K];
        for s in 0..K {
            h0[s] = _mm_add_epi32(abcd1[s], h0[s]);
            e[s] = _mm_sha1nexte_epu32(h1[s], e1[s]);
        }
        (h0, e)
    }

    /// 4×4 transpose of 32-bit lanes: lane `j` of result `i` is lane `i` of `r[j]`.
    #[inline]
    fn transpose4(r: [__m128i; 4]) -> [__m128i; 4] {
        let t0 = _mm_unpacklo_epi32(r[0], r[1]);
        let t1 = _mm_unpackhi_epi32(r[0], r[1]);
        let t2 = _mm_unpacklo_epi32(r[2], r[3]);
        let t3 = _mm_unpackhi_epi32(r[2], r[3]);
        [
            _mm_unpacklo_epi64(t0, t2),
            _mm_unpackhi_epi64(t0, t2),
            _mm_unpacklo_epi64(t1, t3),
            _mm_unpackhi_epi64(t1, t3),
        ]
    }

    /// Writes the accepts of `K` streams' digests (ABCD, and E in lane 3) into their slots: four
    /// streams at a time are transposed to one key per lane, encoded by the shared
    /// [`base64::encode`] and transposed back.
    #[inline]
    fn encode_store<const K: usize>(
        abcd: &[__m128i; K],
        e: &[__m128i; K],
        out: &mut [[u8; ACCEPT_LEN]; K],
    ) {
        let zero = _mm_setzero_si128();
        let mut base = 0;
        while base < K {
            // Streams past `K` (a group width that is not a multiple of four) encode zeros.
            let pick = |v: &[__m128i; K], i: usize| if base + i < K { v[base + i] } else { zero };
            // ABCD holds A in lane 3 ... D in lane 0.
            let [d, c, b, a] = transpose4([0, 1, 2, 3].map(|i| pick(abcd, i)));
            let e = _mm_unpackhi_epi64(
                _mm_unpackhi_epi32(pick(e, 0), pick(e, 1)),
                _mm_unpackhi_epi32(pick(e, 2), pick(e, 3)),
            );
            let [c0, c1, c2, c3, c4, c5, c6] = base64::encode([a, b, c, d, e].map(Sse)).map(|v| v.0);
            let head = transpose4([c0, c1, c2, c3]);
            let tail = transpose4([c4, c5, c6, c6]);
            for i in 0..4.min(K - base) {
                let p = out[base + i].as_mut_ptr();
                // Characters 12..28: the last four of the head, then the tail's first twelve.
                let last = _mm_alignr_epi8::<12>(tail[i], head[i]);
                // SAFETY: a slot is 28 writable bytes; the stores cover 0..16 and 12..28, unaligned.
                unsafe {
                    _mm_storeu_si128(p.cast(), head[i]);
                    _mm_storeu_si128(p.add(12).cast(), last);
                }
            }
            base += 4;
        }
    }

    /// One group of `K` keys: check, hash, encode. Returns the lanes the check flagged.
    #[inline]
    fn group<const K: usize>(
        keys: &[[u8; KEY_LEN]; K],
        out: &mut [[u8; ACCEPT_LEN]; K],
        strict: bool,
    ) -> u32 {
        let rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        // Key bytes 16..24 (at 8..16 of the second load) to W4, W5 in lanes 3, 2.
        let hi8 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, 15, 14, 13, 12, 11, 10, 9, 8);
        let zero = _mm_setzero_si128();
        let mut m0 = [zero; K];
        let mut m1 = [zero; K];
        let mut bad = 0u32;
        for s in 0..K {
            let p = keys[s].as_ptr();
            // SAFETY: a key is 24 readable bytes; the loads read 0..16 and 8..24, unaligned.
            let (v0, v1) = unsafe { (_mm_loadu_si128(p.cast()), _mm_loadu_si128(p.add(8).cast())) };
            m0[s] = _mm_shuffle_epi8(v0, rev);
            m1[s] = _mm_shuffle_epi8(v1, hi8);
            if strict {
                bad |= u32::from(strict::key_invalid(Sse(v0), Sse(v1))) << s;
            }
        }
        let (abcd, e) = hash_group(m0, m1);
        encode_store(&abcd, &e, out);
        bad
    }
}

/// The kernel for the shared driver: groups of `K` streams. Only made in [`accept_keys_k`],
/// which runs where SHA-NI, SSE2, SSSE3 and SSE4.1 were detected.
struct Kernel {
    strict: bool,
}

impl<const K: usize> driver::Kernel<K> for Kernel {
    #[inline(always)]
    fn groups<const G: usize>(
        &self,
        keys: &[[[u8; KEY_LEN]; K]; G],
        out: &mut [[[u8; ACCEPT_LEN]; K]; G],
    ) -> [u32; G] {
        let mut flagged = [0; G];
        for g in 0..G {
            // SAFETY: a `Kernel` exists only inside `accept_keys_k`, which runs where the
            // features were detected.
            flagged[g] = unsafe { group(&keys[g], &mut out[g], self.strict) };
        }
        flagged
    }
}

target_features! {
    /// The backend contract (see `backend` module docs), [`LANES`] keys at a time.
    ///
    /// # Safety
    /// The CPU must support `sha`, `sse2`, `ssse3` and `sse4.1`; [`super::Backend`] only dispatches
    /// here after detecting them.
    pub(crate) unsafe fn accept_keys(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        accept_keys_k::<LANES>(keys, out, status, strict)
    }

    /// [`accept_keys`] for any group width (lets the measurements compare widths): the shared
    /// driver, one group per step.
    fn accept_keys_k<const K: usize>(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        driver::run::<K, 1, _>(&Kernel { strict }, keys, out, status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::check_strict;

    fn have() -> bool {
        crate::BackendKind::ShaNi.is_available()
    }

    /// The quick strict check agrees with `check_strict` on every byte at every position.
    #[test]
    fn quick_check_matches_check_strict() {
        if !have() {
            return;
        }
        let base = *b"dGhlIHNhbXBsZSBub25jZQ==";
        for pos in 0..KEY_LEN {
            for byte in 0..=255u8 {
                let mut key = base;
                key[pos] = byte;
                // SAFETY: features checked above; loads read 0..16 and 8..24 of the key.
                let ok = unsafe {
                    let p = key.as_ptr();
                    !strict::key_invalid(
                        Sse(_mm_loadu_si128(p.cast())),
                        Sse(_mm_loadu_si128(p.add(8).cast())),
                    )
                };
                assert_eq!(ok, check_strict(&key).is_ok(), "pos {pos} byte {byte:#x}");
            }
        }
    }

    /// The lane-ordered tables are the message words they were before the constants were
    /// shared: rebuilt here from the padded blocks' bytes.
    #[test]
    fn tables_are_the_padded_blocks() {
        use crate::compute::{BLOCK1_TEMPLATE, BLOCK2};
        let word =
            |b: &[u8; 64], t: usize| u32::from_be_bytes(b[4 * t..4 * t + 4].try_into().unwrap());
        let b1 = |t| word(&BLOCK1_TEMPLATE, t);
        assert_eq!(BLOCK1_CONST.0[0], [b1(7), b1(6), 0, 0]);
        assert_eq!(BLOCK1_CONST.0[1], [b1(11), b1(10), b1(9), b1(8)]);
        assert_eq!(BLOCK1_CONST.0[2], [b1(15), b1(14), b1(13), b1(12)]);
        let mut w = [0u32; 80];
        for t in 0..80 {
            w[t] = if t < 16 {
                word(&BLOCK2, t)
            } else {
                (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1)
            };
        }
        for i in 0..20 {
            let mut v = [w[4 * i + 3], w[4 * i + 2], w[4 * i + 1], w[4 * i]];
            if i == 0 {
                v[3] = v[3].wrapping_add(SHA1_IV[4]);
            }
            assert_eq!(BLOCK2_W.0[i], v, "vector {i}");
        }
    }

    /// Every group width gives the reference's bytes, including padded tails.
    #[test]
    fn widths_match_portable() {
        if !have() {
            return;
        }
        let mut keys = Vec::new();
        let mut x = 7u32;
        for _ in 0..37 {
            let mut nonce = [0u8; 16];
            for b in &mut nonce {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *b = (x >> 24) as u8;
            }
            keys.push(*crate::Key::from_nonce(&nonce).as_bytes());
        }
        keys[5][3] = b'-';
        let n = keys.len();
        let mut want = vec![[0u8; ACCEPT_LEN]; n];
        let mut want_st = vec![KeyStatus::Ok; n];
        let want_bad = super::super::portable::accept_keys(&keys, &mut want, &mut want_st, true);
        macro_rules! check {
            ($k:literal) => {
                let mut got = vec![[1u8; ACCEPT_LEN]; n];
                let mut got_st = vec![KeyStatus::Length; n];
                // SAFETY: features checked above.
                let bad = unsafe { accept_keys_k::<$k>(&keys, &mut got, &mut got_st, true) };
                assert_eq!(
                    (bad, &got, &got_st),
                    (want_bad, &want, &want_st),
                    "K = {}",
                    $k
                );
            };
        }
        check!(1);
        check!(2);
        check!(3);
        check!(4);
        check!(5);
    }
}

//! `shani`: several keys' SHA-1 on the x86 SHA extensions, interleaved (the shared kernel in
//! `interleave`), and the single-key path on CPUs that have them.
//!
//! What the fixed message shape buys (`message`):
//! - block one: only W0..W5 (the key) vary; the vectors for W8..W15 and the GUID half of
//!   W4..W7 are constants, so per key we load the 24 key bytes and nothing else;
//! - block two is the same for every key, so its whole 80-word schedule is computed at compile
//!   time and no `sha1msg1`/`sha1msg2` runs for it. Its first vector is folded with the IV's E so
//!   that one `sha1nexte` both finishes block one and starts block two.
//!
//! Strict validation runs on the same two loads as the hash (the shared check, [`strict`], at
//! 128 bits); only keys that fail it go through [`check_strict`](crate::key::check_strict) for
//! the exact status. Digests are base64-encoded in registers by the shared encoder ([`base64`]):
//! four keys to a register in a group, one key's two halves alone.

use core::arch::x86_64::*;

use super::interleave::{self, Isa};
use super::message::{BLOCK1_WORDS, BLOCK2_W as BLOCK2_SCHEDULE, SHA1_IV};
use super::vector::Sse;
use super::{base64, driver, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

cpu_features!("sha", "sse2", "ssse3", "sse4.1");

/// Keys hashed at once (interleaved SHA-NI streams).
///
/// Measured (AMD EPYC with SHA-NI, ~2.9 GHz, busy 2-core VM; 100k keys through 128-key chunks
/// like the batch driver, best of 40 by thread CPU time, all widths in one run), ns per key:
/// 1 stream 55.6, 2 38.6, 3 32.4, 4 28.3, 5 27.1, 6 27.6. Four is ~82 cycles per key, near the
/// `sha1rnds4` throughput floor of 40 per key; five gains ~4% on long runs but pads
/// power-of-two batches (16 keys, the driver's 128-key chunks) with wasted keys, so four.
pub(crate) const LANES: usize = 4;

pub(super) const ROW: super::Row = super::Row {
    lanes: LANES,
    // Tails go through narrower interleaves (3, 2 or 1 streams) in the kernel itself.
    min_keys: 1,
    min_keys_beside_sha: 1,
    features: FEATURES,
    entry: accept_keys,
    one: Some(accept_one),
};

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

    /// SHA-1 of `STREAMS` keys (block one from `m0`, `m1`, block two constant), interleaved.
    /// `m0` = W0..W3, `m1` = W4,W5 (lanes 3, 2; lanes 1, 0 zero) per key, in SHA-NI lane order.
    /// Returns each key's final ABCD vector and E (in lane 3).
    #[inline]
    fn hash_group<const STREAMS: usize>(m0: [__m128i; STREAMS], m1: [__m128i; STREAMS]) -> ([__m128i; STREAMS], [__m128i; STREAMS]) {
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
        let mut w1 = [zero; STREAMS];
        let mut w2 = [c2; STREAMS];
        let mut w3 = [c3; STREAMS];
        let mut w4 = [zero; STREAMS];
        let mut h0 = [iv_abcd; STREAMS];
        let mut h1 = [zero; STREAMS];
        for s in 0..STREAMS {
            w1[s] = _mm_or_si128(m1[s], c1);
            h1[s] = _mm_add_epi32(iv_e, w0[s]);
        }

        // `b = rnds4(a, nexte(b, w))` for every stream: four rounds, E taken from the old `b`.
        macro_rules! r4 {
            ($a:ident, $b:ident, $w:ident, $f:literal) => {
                for s in 0..STREAMS {
                    $b[s] = _mm_sha1rnds4_epu32::<$f>($a[s], _mm_sha1nexte_epu32($b[s], $w[s]));
                }
            };
        }
        // Next schedule vector `v4` from the previous four, then four rounds with it.
        macro_rules! sr4 {
            ($a:ident, $b:ident, $v0:ident, $v1:ident, $v2:ident, $v3:ident, $v4:ident, $f:literal) => {
                for s in 0..STREAMS {
                    $v4[s] = _mm_sha1msg2_epu32(
                        _mm_xor_si128(_mm_sha1msg1_epu32($v0[s], $v1[s]), $v2[s]),
                        $v3[s],
                    );
                    $b[s] = _mm_sha1rnds4_epu32::<$f>($a[s], _mm_sha1nexte_epu32($b[s], $v4[s]));
                }
            };
        }

        // Block one.
        for s in 0..STREAMS {
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
        let mut abcd1 = [zero; STREAMS];
        let mut e1 = [zero; STREAMS];
        for s in 0..STREAMS {
            abcd1[s] = _mm_add_epi32(iv_abcd, h0[s]);
            e1[s] = _mm_sha1nexte_epu32(h1[s], iv_e);
            h1[s] = _mm_sha1nexte_epu32(h1[s], w2_0);
            h0[s] = abcd1[s];
        }

        // Block two: constant schedule, no msg1/msg2.
        macro_rules! c4 {
            ($a:ident, $b:ident, $i:literal, $f:literal) => {
                let w = load_const(&BLOCK2_W, $i);
                for s in 0..STREAMS {
                    $b[s] = _mm_sha1rnds4_epu32::<$f>($a[s], _mm_sha1nexte_epu32($b[s], w));
                }
            };
        }
        for s in 0..STREAMS {
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

        let mut e = [zero; STREAMS];
        for s in 0..STREAMS {
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

    /// Writes the accepts of `STREAMS` streams' digests (ABCD, and E in lane 3) into their slots: four
    /// streams at a time are transposed to one key per lane, encoded by the shared
    /// [`base64::encode`] and transposed back.
    #[inline]
    fn encode_store<const STREAMS: usize>(
        abcd: &[__m128i; STREAMS],
        e: &[__m128i; STREAMS],
        out: &mut [[u8; ACCEPT_LEN]; STREAMS],
    ) {
        let zero = _mm_setzero_si128();
        let mut base = 0;
        while base < STREAMS {
            // Streams past `STREAMS` (a group width that is not a multiple of four) encode zeros.
            let pick = |v: &[__m128i; STREAMS], i: usize| if base + i < STREAMS { v[base + i] } else { zero };
            // ABCD holds A in lane 3 ... D in lane 0.
            let [d, c, b, a] = transpose4([0, 1, 2, 3].map(|i| pick(abcd, i)));
            let e = _mm_unpackhi_epi64(
                _mm_unpackhi_epi32(pick(e, 0), pick(e, 1)),
                _mm_unpackhi_epi32(pick(e, 2), pick(e, 3)),
            );
            let [c0, c1, c2, c3, c4, c5, c6] = base64::encode([a, b, c, d, e].map(Sse)).map(|v| v.0);
            let head = transpose4([c0, c1, c2, c3]);
            let tail = transpose4([c4, c5, c6, c6]);
            for i in 0..4.min(STREAMS - base) {
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

    /// A key's two loads: bytes 0..16 and 8..24 (unaligned).
    #[inline]
    fn load(key: &[u8; KEY_LEN]) -> (__m128i, __m128i) {
        let p = key.as_ptr();
        // SAFETY: a key is 24 readable bytes; the loads read 0..16 and 8..24, unaligned.
        unsafe { (_mm_loadu_si128(p.cast()), _mm_loadu_si128(p.add(8).cast())) }
    }

    /// Block one's first two message vectors in SHA-NI lane order: W0..W3, and W4, W5 (key bytes
    /// 16..24, at 8..16 of the second load) in lanes 3, 2 with lanes 1, 0 zero.
    #[inline]
    fn message(v0: __m128i, v1: __m128i) -> (__m128i, __m128i) {
        let rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
        let hi8 = _mm_setr_epi8(-1, -1, -1, -1, -1, -1, -1, -1, 15, 14, 13, 12, 11, 10, 9, 8);
        (_mm_shuffle_epi8(v0, rev), _mm_shuffle_epi8(v1, hi8))
    }

    /// Writes the accept of one digest (ABCD, and E in lane 3) into its slot, encoded in two
    /// halves: digest bytes 0..12 from ABCD, 12..20 from D and E.
    #[inline]
    fn encode_one(abcd: __m128i, e: __m128i, out: &mut [u8; ACCEPT_LEN]) {
        // ABCD holds digest byte `i` (< 16) at byte `15 - i`; E's bytes 15..12 are digest bytes
        // 16..20. The blend puts D (bytes 3..0) and E (bytes 15..12) in one register.
        let de = _mm_blend_epi16::<0xC0>(abcd, e);
        let lo = _mm_shuffle_epi8(abcd, load_bytes(&ONE_KEY_SPREAD.0[0]));
        let hi = _mm_shuffle_epi8(de, load_bytes(&ONE_KEY_SPREAD.0[1]));
        let lo = base64::encode_spread(Sse(lo)).0;
        // Characters 16..28; the 12th encodes only the zero fill: the `=` pad.
        let hi = _mm_insert_epi8::<11>(base64::encode_spread(Sse(hi)).0, i32::from(b'='));
        // Characters 12..28: the last four of the first half, then the second's first twelve.
        let tail = _mm_alignr_epi8::<12>(hi, lo);
        let p = out.as_mut_ptr();
        // SAFETY: a slot is 28 writable bytes; the stores cover 0..16 and 12..28, unaligned.
        unsafe {
            _mm_storeu_si128(p.cast(), lo);
            _mm_storeu_si128(p.add(12).cast(), tail);
        }
    }

    /// Loads one 16-byte table.
    #[inline]
    fn load_bytes(t: &[u8; 16]) -> __m128i {
        // SAFETY: `t` is 16 readable bytes (alignment not needed).
        unsafe { _mm_loadu_si128(t.as_ptr().cast()) }
    }
}

/// `pshufb` indices from one key's ABCD register (for `encode_one`'s first half) and from the
/// D-and-E blend (second half) to the digest bytes in base64's spread order, each 3-byte group
/// `b0 b1 b2` of the half as `[b1, b0, b2, b1]` in a 32-bit lane; 0x80 writes a zero.
static ONE_KEY_SPREAD: Vecs16<2> = {
    // Byte `i` of a 3-byte group spread over four bytes, by output position.
    const SPREAD: [usize; 16] = [1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10];
    let mut t = [[0u8; 16]; 2];
    let mut j = 0;
    while j < 16 {
        // Half one: digest bytes 0..12, at byte `15 - i` of ABCD.
        t[0][j] = 15 - SPREAD[j] as u8;
        // Half two: digest bytes 12..20 then zeros: D at bytes 3..0, E at bytes 15..12.
        let i = SPREAD[j];
        t[1][j] = if i < 4 {
            3 - i as u8
        } else if i < 8 {
            15 - (i - 4) as u8
        } else {
            0x80
        };
        j += 1;
    }
    Vecs16(t)
};

/// Sixteen-byte tables, 16-byte aligned.
#[repr(C, align(16))]
struct Vecs16<const N: usize>([[u8; 16]; N]);

/// The witness that the CPU has SHA-NI, SSE2, SSSE3 and SSE4.1 (see [`Isa`]): only made in this
/// module's `#[target_feature]` entry points, which run after detection.
#[derive(Clone, Copy)]
struct ShaNi(());

impl Isa for ShaNi {
    type Loads = (__m128i, __m128i);
    type Msg = __m128i;
    type Digest = (__m128i, __m128i);

    #[inline(always)]
    fn load(self, key: &[u8; KEY_LEN]) -> Self::Loads {
        // SAFETY: a `ShaNi` exists only where the features were detected.
        unsafe { load(key) }
    }
    #[inline(always)]
    fn key_invalid(self, (v0, v1): Self::Loads) -> bool {
        strict::key_invalid(Sse(v0), Sse(v1))
    }
    #[inline(always)]
    fn message(self, (v0, v1): Self::Loads) -> (__m128i, __m128i) {
        // SAFETY: as in `load`.
        unsafe { message(v0, v1) }
    }
    #[inline(always)]
    fn hash<const STREAMS: usize>(
        self,
        m0: [__m128i; STREAMS],
        m1: [__m128i; STREAMS],
    ) -> [Self::Digest; STREAMS] {
        // SAFETY: as in `load`.
        let (abcd, e) = unsafe { hash_group(m0, m1) };
        core::array::from_fn(|s| (abcd[s], e[s]))
    }
    #[inline(always)]
    fn encode<const STREAMS: usize>(
        self,
        digests: &[Self::Digest; STREAMS],
        out: &mut [[u8; ACCEPT_LEN]; STREAMS],
    ) {
        if STREAMS == 1 {
            let (abcd, e) = digests[0];
            // SAFETY: as in `load`.
            unsafe { encode_one(abcd, e, &mut out[0]) }
        } else {
            // SAFETY: as in `load`.
            unsafe { encode_store(&digests.map(|d| d.0), &digests.map(|d| d.1), out) }
        }
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
        accept_keys_streams::<LANES>(keys, out, status, strict)
    }

    /// [`accept_keys`] for any interleave width (lets the measurements compare widths): the
    /// shared driver, one group per step, the tail in groups of 3, 2 and 1.
    fn accept_keys_streams<const STREAMS: usize>(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        let kernel = interleave::Kernel { isa: ShaNi(()), strict };
        driver::run::<STREAMS, 1, _>(&kernel, keys, out, status)
    }

    /// The single-key entry (`backend::OneKey`): one SHA-NI stream.
    ///
    /// # Safety
    /// As for [`accept_keys`].
    unsafe fn accept_one(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) -> bool {
        interleave::one(ShaNi(()), key, out)
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

    /// The lane-ordered tables hold the padded blocks' message words (block two's whole
    /// schedule, its first vector carrying the IV's E), rebuilt here from the blocks' bytes.
    #[test]
    fn tables_are_the_padded_blocks() {
        use super::super::message::{BLOCK1_TEMPLATE, BLOCK2};
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
                let bad = unsafe { accept_keys_streams::<$k>(&keys, &mut got, &mut got_st, true) };
                assert_eq!(
                    (bad, &got, &got_st),
                    (want_bad, &want, &want_st),
                    "streams = {}",
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

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
//! Strict validation runs on the same two loads as the hash (nibble-table alphabet check in
//! SSSE3, plus a table for the last data character); only keys that fail it go through
//! [`check_strict`](crate::key::check_strict) for the exact status. Digests are base64-encoded in registers.

use core::arch::x86_64::*;

use super::constants::{BLOCK1_WORDS, BLOCK2_W as BLOCK2_SCHEDULE, FILLER_KEY, SHA1_IV};
use super::settle_flagged;
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

/// Keys hashed at once (interleaved SHA-NI streams).
///
/// Measured (AMD EPYC with SHA-NI, ~2.9 GHz, busy 2-core VM; 100k keys through 128-key chunks
/// like the batch driver, best of 40 by thread CPU time, all widths in one run), ns per key:
/// K=1 55.6, K=2 38.6, K=3 32.4, K=4 28.3, K=5 27.1, K=6 27.6. Four is ~82 cycles per key,
/// near the `sha1rnds4` throughput floor of 40 per key; five gains ~4% on long runs but pads
/// power-of-two batches (16 keys, the driver's 128-key chunks) with wasted keys, so four.
pub const LANES: usize = 4;

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

/// `LAST_OK[b]`: `b` may be the last data character (index 21) of a strict key, i.e. a base64
/// character whose low four bits are zero (`A`, `Q`, `g`, `w`).
static LAST_OK: [bool; 256] = {
    // Values 0, 16, 32, 48; the unit test checks this against `check_strict`.
    let mut t = [false; 256];
    t[b'A' as usize] = true;
    t[b'Q' as usize] = true;
    t[b'g' as usize] = true;
    t[b'w' as usize] = true;
    t
};

/// Loads vector `i` of a constant table.
#[inline]
#[target_feature(enable = "sse2")]
fn load_const<const N: usize>(table: &'static Vecs<N>, i: usize) -> __m128i {
    let v: &[u32; 4] = &table.0[i];
    // SAFETY: `v` is 16 readable bytes, 16-byte aligned by `Vecs`' repr.
    unsafe { _mm_load_si128(v.as_ptr().cast()) }
}

/// Lane mask (0xFF per byte) of the bytes in the base64 alphabet `A-Za-z0-9+/`.
///
/// Nibble classification: a byte is bad iff `LO[low nibble] & HI[high nibble] != 0`.
/// Bits: 1 = high nibble 2 (only `+` 0x2B and `/` 0x2F good), 2 = high 3 (digits, low <= 9),
/// 4 = high 4 or 6 (low 0 is `@`/`` ` ``), 8 = high 5 or 7 (low > 0xA bad), 16 = any other
/// high nibble (always bad).
#[inline]
#[target_feature(enable = "sse2,ssse3")]
fn alphabet_mask(v: __m128i) -> __m128i {
    let lo_lut = _mm_setr_epi8(
        0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, //
        0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
    );
    let hi_lut = _mm_setr_epi8(
        0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, //
        0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
    );
    let nib = _mm_set1_epi8(0x0f);
    let lo = _mm_and_si128(v, nib);
    let hi = _mm_and_si128(_mm_srli_epi16::<4>(v), nib);
    let bad = _mm_and_si128(_mm_shuffle_epi8(lo_lut, lo), _mm_shuffle_epi8(hi_lut, hi));
    _mm_cmpeq_epi8(bad, _mm_setzero_si128())
}

/// Whether a key passes the strict rules, from its two loads `v0` = bytes 0..16 and
/// `v1` = bytes 8..24. Agrees with [`check_strict`](crate::key::check_strict) being `Ok` (tested against it).
#[inline]
#[target_feature(enable = "sse2,ssse3")]
fn strict_ok(key: &[u8; KEY_LEN], v0: __m128i, v1: __m128i) -> bool {
    let a0 = _mm_movemask_epi8(alphabet_mask(v0)) as u32;
    let a1 = _mm_movemask_epi8(alphabet_mask(v1)) as u32;
    let pad = _mm_movemask_epi8(_mm_cmpeq_epi8(v1, _mm_set1_epi8(b'=' as i8))) as u32;
    // v1 lanes 0..13 are key bytes 8..21 (21 is covered by LAST_OK), lanes 14, 15 the padding.
    let m1 = (a1 & 0x1FFF) | (pad & 0xC000);
    (a0 == 0xFFFF) & (m1 == 0xDFFF) & LAST_OK[key[21] as usize]
}

/// SHA-1 of `K` keys (block one from `m0`, `m1`, block two constant), interleaved.
/// `m0` = W0..W3, `m1` = W4,W5 (lanes 3, 2; lanes 1, 0 zero) per key, in SHA-NI lane order.
/// Returns each key's final ABCD vector and E (in lane 3).
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
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

/// Base64 of 12 bytes already spread by the standard SSSE3 reshuffle (bytes `1,0,2,1` of each
/// 3-byte group in each 32-bit lane): 16 characters.
#[inline]
#[target_feature(enable = "sse2,ssse3")]
fn base64_16(spread: __m128i) -> __m128i {
    // 6-bit indices via multiplies (Muła's method).
    let t0 = _mm_and_si128(spread, _mm_set1_epi32(0x0fc0_fc00));
    let t1 = _mm_mulhi_epu16(t0, _mm_set1_epi32(0x0400_0040));
    let t2 = _mm_and_si128(spread, _mm_set1_epi32(0x003f_03f0));
    let t3 = _mm_mullo_epi16(t2, _mm_set1_epi32(0x0100_0010));
    let idx = _mm_or_si128(t1, t3);
    // Index -> ASCII offset: 0..25 -> 'A', 26..51 -> 'a'-26, 52..61 -> '0'-52, 62 '+', 63 '/'.
    let mut sel = _mm_subs_epu8(idx, _mm_set1_epi8(51));
    let lt26 = _mm_cmpgt_epi8(_mm_set1_epi8(26), idx);
    sel = _mm_or_si128(sel, _mm_and_si128(lt26, _mm_set1_epi8(13)));
    let offsets = _mm_setr_epi8(
        (b'a' as i8).wrapping_sub(26),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'0' as i8).wrapping_sub(52),
        (b'+' as i8).wrapping_sub(62),
        (b'/' as i8).wrapping_sub(63),
        b'A' as i8,
        0,
        0,
    );
    _mm_add_epi8(_mm_shuffle_epi8(offsets, sel), idx)
}

/// Per output lane, the input byte of the base64 reshuffle (3-byte groups to 32-bit lanes).
const SPREAD: [u8; 16] = [1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10];

/// Shuffle from the ABCD register to digest bytes 0..12, spread for [`base64_16`].
/// Digest byte `i` (< 16) is byte `15 - i` of ABCD (lane 3 = A, each word little-endian).
const SHUF_A: [u8; 16] = {
    let mut m = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        m[j] = 15 - SPREAD[j];
        j += 1;
    }
    m
};

/// Shuffle from `blend(ABCD lanes 0..2, E lane 3)` to digest bytes 12..20 then zeros, spread.
/// Digest byte `12 + i`: D (lane 0) byte `3 - i` for i < 4, E (lane 3) byte `19 - i` for
/// i < 8, else zero (0x80 makes pshufb write zero).
const SHUF_B: [u8; 16] = {
    let mut m = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        let i = SPREAD[j];
        m[j] = if i < 4 {
            3 - i
        } else if i < 8 {
            19 - i
        } else {
            0x80
        };
        j += 1;
    }
    m
};

/// Writes base64 of the digest (ABCD, E in lane 3) into a 28-byte slot.
///
/// In-register encoder, kept over `crate::compute::encode_digest` (base64-simd, digest stored
/// to memory first): same run as the [`LANES`] numbers, ns per key, K=4: 28.3 in-register vs
/// 32.1 base64-simd; K=3: 32.4 vs 34.8.
#[inline]
#[target_feature(enable = "sse2,ssse3,sse4.1")]
fn encode(abcd: __m128i, e: __m128i, out: &mut [u8; ACCEPT_LEN]) {
    // SAFETY: `SHUF_A` is 16 readable bytes; unaligned load.
    let shuf_a = unsafe { _mm_loadu_si128(SHUF_A.as_ptr().cast()) };
    // SAFETY: `SHUF_B` is 16 readable bytes; unaligned load.
    let shuf_b = unsafe { _mm_loadu_si128(SHUF_B.as_ptr().cast()) };
    let lo = base64_16(_mm_shuffle_epi8(abcd, shuf_a));
    let de = _mm_blend_epi16::<0xC0>(abcd, e);
    let hi = base64_16(_mm_shuffle_epi8(de, shuf_b));
    // Characters 16..28: the 12th (index 11 of `hi`) encodes only zero fill: padding.
    let hi = _mm_insert_epi8::<11>(hi, b'=' as i32);
    let tail = _mm_alignr_epi8::<12>(hi, lo); // characters 12..28
    let p = out.as_mut_ptr();
    // SAFETY: `out` is 28 writable bytes; the stores cover 0..16 and 12..28, unaligned.
    unsafe {
        _mm_storeu_si128(p.cast(), lo);
        _mm_storeu_si128(p.add(12).cast(), tail);
    }
}

/// One group of `K` keys: hash, encode, statuses. Returns the number of invalid keys.
#[inline]
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn group<const K: usize>(
    keys: &[[u8; KEY_LEN]; K],
    out: &mut [[u8; ACCEPT_LEN]; K],
    status: &mut [KeyStatus; K],
    strict: bool,
) -> usize {
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
            bad |= u32::from(!strict_ok(&keys[s], v0, v1)) << s;
        }
    }
    let (abcd, e) = hash_group(m0, m1);
    for s in 0..K {
        encode(abcd[s], e[s], &mut out[s]);
    }
    settle_flagged(keys, out, status, bad)
}

/// The backend contract (see `backend` module docs), [`LANES`] keys at a time.
///
/// # Safety
/// The CPU must support `sha`, `sse2`, `ssse3` and `sse4.1` (`BackendKind::ShaNi` checks).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
pub unsafe fn accept_keys(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize {
    accept_keys_k::<LANES>(keys, out, status, strict)
}

/// [`accept_keys`] for any group width (lets the measurements compare widths).
#[target_feature(enable = "sha,sse2,ssse3,sse4.1")]
fn accept_keys_k<const K: usize>(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize {
    let (key_groups, key_tail) = keys.as_chunks::<K>();
    let (out_groups, out_tail) = out.as_chunks_mut::<K>();
    let (st_groups, st_tail) = status.as_chunks_mut::<K>();
    let mut invalid = 0;
    for ((k, o), st) in key_groups.iter().zip(out_groups).zip(st_groups) {
        invalid += group(k, o, st, strict);
    }
    let r = key_tail.len();
    if r > 0 {
        // Pad the tail to a full group with a valid key: one more group, never a slower path.
        let mut k = [FILLER_KEY; K];
        k[..r].copy_from_slice(key_tail);
        let mut o = [[0u8; ACCEPT_LEN]; K];
        let mut st = [KeyStatus::Ok; K];
        invalid += group(&k, &mut o, &mut st, strict);
        out_tail.copy_from_slice(&o[..r]);
        st_tail.copy_from_slice(&st[..r]);
    }
    invalid
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::check_strict;

    fn have() -> bool {
        is_x86_feature_detected!("sha")
            && is_x86_feature_detected!("sse2")
            && is_x86_feature_detected!("ssse3")
            && is_x86_feature_detected!("sse4.1")
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
                    strict_ok(
                        &key,
                        _mm_loadu_si128(p.cast()),
                        _mm_loadu_si128(p.add(8).cast()),
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

//! The strict key check and the base64 encoder of the `armsha1` backend, in NEON registers.
//!
//! Both are the SSSE3 algorithms of `shani.rs`, operation for operation, so that they can become
//! instantiations of one 128-bit vector algorithm:
//! - the alphabet check is the same nibble classification (two 16-entry tables, `tbl` where
//!   SSSE3 has `pshufb`: both give the table entry for an index below 16);
//! - NEON has no `movemask`: "every lane as expected" is an unsigned minimum across the vector
//!   (`uminv`), with the expected polarity chosen per lane by a bit select (`bsl`);
//! - the base64 encoder is Muła's method: spread 3-byte groups over 32-bit lanes, cut the 6-bit
//!   indices out with masks and per-lane shifts (SSSE3 multiplies by powers of two with
//!   `pmulhuw`/`pmullw`; NEON shifts each 16-bit lane by its own count, `ushl`), then the
//!   index-to-ASCII offset table.
//!
//! What differs from SSE is the SHA state's lane order: the ARM SHA1 instructions keep A in lane
//! 0 (SHA-NI: lane 3) and E in a scalar register, hence the `encode` shuffles.
//!
//! Not yet shared: this is the 128-bit algorithm of `strict.rs` and `base64.rs` (written once
//! over the `vector::Vector` trait for x86) written out again for NEON. It is to become a
//! `Vector` instance (NEON lanes, with `uminv`/`bsl` behind the trait's hooks) so that `armsha1`
//! uses the shared check and encoder and this file shrinks to the ISA glue.

use core::arch::aarch64::*;
use core::mem::transmute;

use crate::key::{ACCEPT_LEN, KEY_LEN};

/// Sixteen bytes as a vector constant, lane `i` = `a[i]`.
const fn u8x16(a: [u8; 16]) -> uint8x16_t {
    // SAFETY: `uint8x16_t` is 16 bytes with no invalid bit patterns, laid out lane 0 first, like
    // the array (this module is only built for little-endian aarch64).
    unsafe { transmute(a) }
}

/// Eight 16-bit lanes as a vector constant, lane `i` = `a[i]`.
const fn i16x8(a: [i16; 8]) -> int16x8_t {
    // SAFETY: as for `u8x16`: 16 bytes, every bit pattern valid, same lane order.
    unsafe { transmute(a) }
}

/// Alphabet classes by low nibble and by high nibble: a byte is outside `A-Za-z0-9+/` iff
/// `LO[low nibble] & HI[high nibble] != 0`. Bits: 1 = high nibble 2 (only `+` 0x2B and `/` 0x2F
/// good), 2 = high 3 (digits, low <= 9), 4 = high 4 or 6 (low 0 is `@`/`` ` ``), 8 = high 5 or 7
/// (low > 0xA bad), 16 = any other high nibble (always bad). The tables of `shani.rs`.
const ALPHABET_LO: uint8x16_t = u8x16([
    0x15, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, //
    0x11, 0x11, 0x13, 0x1A, 0x1B, 0x1B, 0x1B, 0x1A,
]);
const ALPHABET_HI: uint8x16_t = u8x16([
    0x10, 0x10, 0x01, 0x02, 0x04, 0x08, 0x04, 0x08, //
    0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
]);

/// Lane mask (0xFF per byte) of the bytes in the base64 alphabet `A-Za-z0-9+/`.
#[inline]
#[target_feature(enable = "neon")]
pub(super) fn alphabet_mask(v: uint8x16_t) -> uint8x16_t {
    let lo = vandq_u8(v, vdupq_n_u8(0x0f));
    let hi = vshrq_n_u8::<4>(v);
    let bad = vandq_u8(vqtbl1q_u8(ALPHABET_LO, lo), vqtbl1q_u8(ALPHABET_HI, hi));
    vceqzq_u8(bad)
}

/// `LAST_OK[b]`: `b` may be the last data character (index 21) of a strict key, i.e. a base64
/// character whose low four bits are zero (`A`, `Q`, `g`, `w`). The table of `shani.rs`.
static LAST_OK: [bool; 256] = {
    // Values 0, 16, 32, 48; the unit test checks this against `check_strict`.
    let mut t = [false; 256];
    t[b'A' as usize] = true;
    t[b'Q' as usize] = true;
    t[b'g' as usize] = true;
    t[b'w' as usize] = true;
    t
};

/// Lanes of the second load (key bytes 8..24) that must be padding: 14 and 15 (bytes 22, 23).
const PAD_LANES: uint8x16_t = u8x16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]);
/// Lane 13 of the second load (key byte 21), which [`LAST_OK`] checks instead.
const LANE_21: uint8x16_t = u8x16([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0]);

/// Whether a key passes the strict rules, from its two loads `v0` = bytes 0..16 and
/// `v1` = bytes 8..24. Agrees with [`check_strict`](crate::key::check_strict) being `Ok`
/// (tested against it on every byte at every position).
#[inline]
#[target_feature(enable = "neon")]
pub(super) fn strict_ok(key: &[u8; KEY_LEN], v0: uint8x16_t, v1: uint8x16_t) -> bool {
    let ok0 = alphabet_mask(v0);
    let pad = vceqq_u8(v1, vdupq_n_u8(b'='));
    // v1 lanes 0..13 are key bytes 8..21 (21 is covered by LAST_OK), lanes 14, 15 the padding.
    let ok1 = vbslq_u8(PAD_LANES, pad, vorrq_u8(alphabet_mask(v1), LANE_21));
    (vminvq_u8(vandq_u8(ok0, ok1)) == 0xFF) & LAST_OK[key[21] as usize]
}

/// Index -> ASCII offset, selected by `sel` (see [`base64_16`]): 0..25 -> 'A', 26..51 ->
/// 'a' - 26, 52..61 -> '0' - 52, 62 '+', 63 '/'. The table of `shani.rs`.
const OFFSETS: uint8x16_t = {
    let digits = b'0'.wrapping_sub(52);
    u8x16([
        b'a'.wrapping_sub(26),
        digits,
        digits,
        digits,
        digits,
        digits,
        digits,
        digits,
        digits,
        digits,
        digits,
        b'+'.wrapping_sub(62),
        b'/'.wrapping_sub(63),
        b'A',
        0,
        0,
    ])
};

/// Per-lane shift counts of Muła's method, 16-bit lanes alternating low half / high half of a
/// 32-bit lane: right by 10 and 6 (SSSE3: `pmulhuw` by 0x0040 and 0x0400), left by 4 and 8
/// (SSSE3: `pmullw` by 0x0010 and 0x0100).
const SHIFT_HI_BITS: int16x8_t = i16x8([-10, -6, -10, -6, -10, -6, -10, -6]);
const SHIFT_LO_BITS: int16x8_t = i16x8([4, 8, 4, 8, 4, 8, 4, 8]);

/// Base64 of 12 bytes already spread as the SSSE3 encoder spreads them (bytes `1,0,2,1` of each
/// 3-byte group in each 32-bit lane): 16 characters.
#[inline]
#[target_feature(enable = "neon")]
pub(super) fn base64_16(spread: uint8x16_t) -> uint8x16_t {
    let s = vreinterpretq_u16_u8(spread);
    // 6-bit indices (Muła's method, with shifts for the power-of-two multiplies).
    let t0 = vandq_u16(s, vreinterpretq_u16_u32(vdupq_n_u32(0x0fc0_fc00)));
    let t1 = vshlq_u16(t0, SHIFT_HI_BITS);
    let t2 = vandq_u16(s, vreinterpretq_u16_u32(vdupq_n_u32(0x003f_03f0)));
    let t3 = vshlq_u16(t2, SHIFT_LO_BITS);
    let idx = vreinterpretq_u8_u16(vorrq_u16(t1, t3));
    // Index -> offset-table entry: 0 for 26..51, 1..12 for 52..63, 13 for 0..25.
    let mut sel = vqsubq_u8(idx, vdupq_n_u8(51));
    let lt26 = vcltq_u8(idx, vdupq_n_u8(26));
    sel = vorrq_u8(sel, vandq_u8(lt26, vdupq_n_u8(13)));
    vaddq_u8(vqtbl1q_u8(OFFSETS, sel), idx)
}

/// Per output lane, the input byte of the base64 reshuffle (3-byte groups to 32-bit lanes).
const SPREAD: [u8; 16] = [1, 0, 2, 1, 4, 3, 5, 4, 7, 6, 8, 7, 10, 9, 11, 10];

/// Digest byte `i` (< 16) is byte `4 * (i / 4) + 3 - i % 4` of the ABCD register: A in lane 0,
/// each word little-endian in its lane.
const fn abcd_byte(i: u8) -> u8 {
    (i & !3) + 3 - (i & 3)
}

/// `tbl` indices from the ABCD register to digest bytes 0..12, spread for [`base64_16`].
const SHUF_A: uint8x16_t = {
    let mut m = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        m[j] = abcd_byte(SPREAD[j]);
        j += 1;
    }
    u8x16(m)
};

/// `tbl` indices from `[E, B, C, D]` (ABCD with E put in lane 0) to digest bytes 12..20 then
/// zeros, spread for [`base64_16`]. Digest byte `12 + i`: D (lane 3) byte `15 - i` for i < 4,
/// E (lane 0) byte `7 - i` for i < 8, else zero (`tbl` writes zero for an index over 15).
const SHUF_B: uint8x16_t = {
    let mut m = [0u8; 16];
    let mut j = 0;
    while j < 16 {
        let i = SPREAD[j];
        m[j] = if i < 4 {
            15 - i
        } else if i < 8 {
            7 - i
        } else {
            0xFF
        };
        j += 1;
    }
    u8x16(m)
};

/// Writes base64 of the digest (state `abcd` with A in lane 0, and `e`) into a 28-byte slot.
#[inline]
#[target_feature(enable = "neon")]
pub(super) fn encode(abcd: uint32x4_t, e: u32, out: &mut [u8; ACCEPT_LEN]) {
    let abcd = vreinterpretq_u8_u32(abcd);
    let lo = base64_16(vqtbl1q_u8(abcd, SHUF_A));
    let ebcd = vsetq_lane_u32::<0>(e, vreinterpretq_u32_u8(abcd));
    let hi = base64_16(vqtbl1q_u8(vreinterpretq_u8_u32(ebcd), SHUF_B));
    // Characters 16..28: the 12th (index 11 of `hi`) encodes only zero fill: padding.
    let hi = vsetq_lane_u8::<11>(b'=', hi);
    let tail = vextq_u8::<12>(lo, hi); // characters 12..28
    let p = out.as_mut_ptr();
    // SAFETY: `out` is 28 writable bytes; the stores cover 0..16 and 12..28, unaligned (`st1`
    // has no alignment requirement).
    unsafe {
        vst1q_u8(p, lo);
        vst1q_u8(p.add(12), tail);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::check_strict;

    /// The quick strict check agrees with `check_strict` on every byte at every position.
    #[test]
    fn quick_check_matches_check_strict() {
        let base = *b"dGhlIHNhbXBsZSBub25jZQ==";
        for pos in 0..KEY_LEN {
            for byte in 0..=255u8 {
                let mut key = base;
                key[pos] = byte;
                let p = key.as_ptr();
                // SAFETY: NEON is part of the aarch64 baseline; the loads read 0..16 and 8..24
                // of the 24-byte key.
                let ok = unsafe { strict_ok(&key, vld1q_u8(p), vld1q_u8(p.add(8))) };
                assert_eq!(ok, check_strict(&key).is_ok(), "pos {pos} byte {byte:#x}");
            }
        }
    }

    /// The in-register encoder agrees with the scalar one on digests that put every value in
    /// every 6-bit index position, and on random ones.
    #[test]
    fn encode_matches_scalar_encoder() {
        let mut x = 0x1234_5678u32;
        for round in 0..20_000u32 {
            let mut digest = [0u8; 20];
            for (i, b) in digest.iter_mut().enumerate() {
                x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                // The first 256 rounds: byte value `round` everywhere, then random bytes.
                *b = if round < 256 {
                    round as u8 ^ i as u8
                } else {
                    (x >> 24) as u8
                };
            }
            let word = |i: usize| u32::from_be_bytes(digest[4 * i..4 * i + 4].try_into().unwrap());
            let abcd = [word(0), word(1), word(2), word(3)];
            let mut want = [0u8; ACCEPT_LEN];
            crate::compute::encode_digest(&digest, &mut want);
            let mut got = [0xA5u8; ACCEPT_LEN];
            // SAFETY: NEON is part of the aarch64 baseline; `abcd` is 16 readable bytes.
            unsafe { encode(vld1q_u32(abcd.as_ptr()), word(4), &mut got) };
            assert_eq!(got, want, "digest {digest:02x?}");
        }
    }
}

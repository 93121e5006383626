//! NEON for the `armsha1` backend: the [`Vector`] instance that makes the shared strict check
//! (`strict.rs`) and base64 encoder (`base64.rs`) run in NEON registers, and the glue that is
//! NEON's own: one key's digest from the SHA1 instructions' state into the encoder, and the
//! stores.
//!
//! Where NEON differs from SSE behind the trait: `tbl` is the byte shuffle (`pshufb`); there is
//! no `movemask`, so lanes that are not zero are found with `cmtst` and an add across the
//! vector; the 16-bit high multiply is two widening multiplies and an unzip. The SHA state's lane
//! order differs too: the ARM SHA1 instructions keep A in lane 0 (SHA-NI: lane 3) and E in a
//! scalar register, hence the `encode` shuffles.

use core::arch::aarch64::*;
use core::mem::transmute;

use super::base64;
use super::strict;
use super::vector::Vector;
use crate::key::ACCEPT_LEN;

/// Sixteen bytes as a vector constant, lane `i` = `a[i]`.
const fn u8x16(a: [u8; 16]) -> uint8x16_t {
    // SAFETY: `uint8x16_t` is 16 bytes with no invalid bit patterns, laid out lane 0 first, like
    // the array (this module is only built for little-endian aarch64).
    unsafe { transmute(a) }
}

/// A 128-bit NEON register for the shared algorithms ([`Vector`]).
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(super) struct Neon(pub(super) uint8x16_t);

/// A NEON intrinsic on `Neon` values.
macro_rules! neon {
    ($e:expr) => {
        // SAFETY: NEON is part of the baseline of the aarch64 targets this module is built for
        // (`target_feature = "neon"` is on for all of them), so its instructions always exist.
        unsafe { $e }
    };
}

impl Neon {
    #[inline(always)]
    fn u32(self) -> uint32x4_t {
        neon!(vreinterpretq_u32_u8(self.0))
    }
    #[inline(always)]
    fn u16(self) -> uint16x8_t {
        neon!(vreinterpretq_u16_u8(self.0))
    }
    #[inline(always)]
    fn from_u32(v: uint32x4_t) -> Self {
        neon!(Neon(vreinterpretq_u8_u32(v)))
    }
    #[inline(always)]
    fn from_u16(v: uint16x8_t) -> Self {
        neon!(Neon(vreinterpretq_u8_u16(v)))
    }
}

// SAFETY: every method uses NEON instructions only, which every CPU this module is built for has
// (see `neon!`), so a `Neon` value may exist anywhere.
unsafe impl Vector for Neon {
    const LANES: usize = 4;

    #[inline(always)]
    fn splat32(self, x: u32) -> Self {
        Neon::from_u32(neon!(vdupq_n_u32(x)))
    }
    #[inline(always)]
    fn splat8(self, x: u8) -> Self {
        neon!(Neon(vdupq_n_u8(x)))
    }
    #[inline(always)]
    fn table16(self, t: [u8; 16]) -> Self {
        Neon(u8x16(t))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        neon!(Neon(vandq_u8(self.0, o.0)))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        neon!(Neon(vorrq_u8(self.0, o.0)))
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        neon!(Neon(veorq_u8(self.0, o.0)))
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        // `bic a, b` is `a & !b`.
        neon!(Neon(vbicq_u8(o.0, self.0)))
    }
    #[inline(always)]
    fn shl32<const N: i32>(self) -> Self {
        Neon::from_u32(neon!(vshlq_n_u32::<N>(self.u32())))
    }
    #[inline(always)]
    fn shr32<const N: i32>(self) -> Self {
        Neon::from_u32(neon!(vshrq_n_u32::<N>(self.u32())))
    }
    #[inline(always)]
    fn shuffle8(self, idx: Self) -> Self {
        // `tbl` gives the indexed byte for an index below 16 (all the trait allows), as `pshufb`.
        neon!(Neon(vqtbl1q_u8(self.0, idx.0)))
    }
    #[inline(always)]
    fn eq8(self, o: Self) -> Self {
        neon!(Neon(vceqq_u8(self.0, o.0)))
    }
    #[inline(always)]
    fn lt8(self, n: u8) -> Self {
        neon!(Neon(vcltq_u8(self.0, vdupq_n_u8(n))))
    }
    #[inline(always)]
    fn sub_sat8(self, n: u8) -> Self {
        neon!(Neon(vqsubq_u8(self.0, vdupq_n_u8(n))))
    }
    #[inline(always)]
    fn add8(self, o: Self) -> Self {
        neon!(Neon(vaddq_u8(self.0, o.0)))
    }
    #[inline(always)]
    fn mulhi16(self, o: Self) -> Self {
        let (a, b) = (self.u16(), o.u16());
        neon!({
            let lo = vmull_u16(vget_low_u16(a), vget_low_u16(b));
            let hi = vmull_high_u16(a, b);
            // The high halves of the 32-bit products are their odd 16-bit lanes.
            Neon::from_u16(vuzp2q_u16(
                vreinterpretq_u16_u32(lo),
                vreinterpretq_u16_u32(hi),
            ))
        })
    }
    #[inline(always)]
    fn mullo16(self, o: Self) -> Self {
        Neon::from_u16(neon!(vmulq_u16(self.u16(), o.u16())))
    }
    #[inline(always)]
    fn any_nonzero(self) -> bool {
        neon!(vmaxvq_u32(self.u32()) != 0)
    }
    #[inline(always)]
    fn six_bit_fields(self) -> Self {
        // The default's multiplies by 2^6 and 2^10 (high half) and 2^4 and 2^8 (low half) as
        // per-lane shifts, one `ushl` each (a negative count shifts right).
        const RIGHT: [i16; 8] = [-10, -6, -10, -6, -10, -6, -10, -6];
        const LEFT: [i16; 8] = [4, 8, 4, 8, 4, 8, 4, 8];
        let hi = self.and(self.splat32(0x0FC0_FC00)).u16();
        let lo = self.and(self.splat32(0x003F_03F0)).u16();
        neon!({
            let hi = vshlq_u16(hi, vld1q_s16(RIGHT.as_ptr()));
            let lo = vshlq_u16(lo, vld1q_s16(LEFT.as_ptr()));
            Neon::from_u16(vorrq_u16(hi, lo))
        })
    }
    #[inline(always)]
    fn nonzero_lanes(self) -> u32 {
        const BITS: [u32; 4] = [1, 2, 4, 8];
        neon!({
            let v = self.u32();
            vaddvq_u32(vandq_u32(vtstq_u32(v, v), vld1q_u32(BITS.as_ptr())))
        })
    }}

/// Whether one key breaks the strict rules, from its two loads `v0` = bytes 0..16 and `v1` =
/// bytes 8..24: the shared [`strict::key_invalid`] in NEON registers.
#[inline(always)]
pub(super) fn key_invalid(v0: uint8x16_t, v1: uint8x16_t) -> bool {
    strict::key_invalid(Neon(v0), Neon(v1))
}

/// Base64 of 12 bytes spread as [`base64::encode_spread`] takes them (bytes `1,0,2,1` of each
/// 3-byte group in each 32-bit lane): 16 characters.
#[inline(always)]
fn base64_16(spread: uint8x16_t) -> uint8x16_t {
    base64::encode_spread(Neon(spread)).0
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
    use crate::key::{check_strict, KEY_LEN};

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
                let ok = unsafe { !key_invalid(vld1q_u8(p), vld1q_u8(p.add(8))) };
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
            super::super::portable::encode_digest(&digest, &mut want);
            let mut got = [0xA5u8; ACCEPT_LEN];
            // SAFETY: NEON is part of the aarch64 baseline; `abcd` is 16 readable bytes.
            unsafe { encode(vld1q_u32(abcd.as_ptr()), word(4), &mut got) };
            assert_eq!(got, want, "digest {digest:02x?}");
        }
    }
}

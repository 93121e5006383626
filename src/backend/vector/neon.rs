//! [`Vector`] in NEON registers: the `armsha1` backend's key check and encoder.
//!
//! Where NEON differs from SSE behind the trait: `tbl` is the byte shuffle (`pshufb`); there is
//! no `movemask`, so lanes that are not zero are found with `cmtst` and an add across the
//! vector; the 16-bit high multiply is two widening multiplies and an unzip. The SHA state's lane
//! order differs too: the ARM SHA1 instructions keep A in lane 0 (SHA-NI: lane 3) and E in a
//! scalar register, hence the `encode` shuffles.

use core::arch::aarch64::*;
use core::mem::transmute;

use super::Vector;

/// Sixteen bytes as a vector constant, lane `i` = `a[i]`.
pub(crate) const fn u8x16(a: [u8; 16]) -> uint8x16_t {
    // SAFETY: `uint8x16_t` is 16 bytes with no invalid bit patterns, laid out lane 0 first, like
    // the array (this module is only built for little-endian aarch64).
    unsafe { transmute(a) }
}

/// A 128-bit NEON register for the shared algorithms ([`Vector`]).
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Neon(pub(crate) uint8x16_t);

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


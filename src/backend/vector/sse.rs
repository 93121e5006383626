//! [`Vector`] in SSE registers (SSE2, SSSE3, SSE4.1): the `shani` backend's key check and
//! encoder.

use core::arch::x86_64::*;

use super::Vector;

/// A 128-bit register for the shared algorithms ([`Vector`]). Only made inside the `shani`
/// backend's `#[target_feature]` functions (SSE2, SSSE3, SSE4.1 among their features), which run
/// after detection.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Sse(pub(crate) __m128i);

/// An SSE intrinsic on `Sse` values.
macro_rules! sse {
    ($e:expr) => {
        // SAFETY: an `Sse` value exists only where the CPU has SSE2, SSSE3 and SSE4.1 (see
        // `Sse`).
        unsafe { $e }
    };
}

// SAFETY: an `Sse` is only made in functions compiled for SSE2, SSSE3 and SSE4.1 (see `Sse`), so
// a value exists only on a CPU with every instruction the methods use.
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
    fn shl32<const N: i32>(self) -> Self {
        sse!(Sse(_mm_slli_epi32::<N>(self.0)))
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

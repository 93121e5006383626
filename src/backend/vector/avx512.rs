//! [`Vector`] and the multi-buffer rounds' [`RoundOps`] in AVX-512 registers: the `avx512`
//! backend's, with the native rotate and ternary logic.

use core::arch::x86_64::*;

use super::Vector;
use crate::backend::multibuffer::RoundOps;

/// A 512-bit register for the shared algorithms ([`Vector`]). Only made inside the `avx512`
/// backend's `#[target_feature]` functions (AVX-512 F, BW and VL), which run after detection.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Avx512(pub(crate) __m512i);

/// An AVX-512 intrinsic on `Avx512` values.
macro_rules! avx512 {
    ($e:expr) => {
        // SAFETY: an `Avx512` value exists only where the CPU has AVX-512 F and BW (see
        // `Avx512`).
        unsafe { $e }
    };
}

// SAFETY: an `Avx512` is only made in functions compiled for AVX-512 F and BW (see `Avx512`), so
// a value exists only on a CPU with every instruction the methods use.
unsafe impl Vector for Avx512 {
    const LANES: usize = 16;

    #[inline(always)]
    fn splat32(self, x: u32) -> Self {
        avx512!(Avx512(_mm512_set1_epi32(x as i32)))
    }
    #[inline(always)]
    fn splat8(self, x: u8) -> Self {
        avx512!(Avx512(_mm512_set1_epi8(x as i8)))
    }
    #[inline(always)]
    fn table16(self, t: [u8; 16]) -> Self {
        avx512!(Avx512(_mm512_broadcast_i32x4(_mm_loadu_si128(
            t.as_ptr().cast()
        ))))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_and_si512(self.0, o.0)))
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_or_si512(self.0, o.0)))
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_xor_si512(self.0, o.0)))
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_andnot_si512(self.0, o.0)))
    }
    #[inline(always)]
    fn shl32<const N: i32>(self) -> Self {
        // The immediate form takes a `u32` count; a constant count folds to it.
        avx512!(Avx512(_mm512_sll_epi32(self.0, _mm_cvtsi32_si128(N))))
    }
    #[inline(always)]
    fn shr32<const N: i32>(self) -> Self {
        avx512!(Avx512(_mm512_srl_epi32(self.0, _mm_cvtsi32_si128(N))))
    }
    #[inline(always)]
    fn shuffle8(self, idx: Self) -> Self {
        avx512!(Avx512(_mm512_shuffle_epi8(self.0, idx.0)))
    }
    #[inline(always)]
    fn eq8(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_movm_epi8(_mm512_cmpeq_epi8_mask(
            self.0, o.0
        ))))
    }
    #[inline(always)]
    fn lt8(self, n: u8) -> Self {
        avx512!(Avx512(_mm512_movm_epi8(_mm512_cmplt_epu8_mask(
            self.0,
            _mm512_set1_epi8(n as i8)
        ))))
    }
    #[inline(always)]
    fn sub_sat8(self, n: u8) -> Self {
        avx512!(Avx512(_mm512_subs_epu8(self.0, _mm512_set1_epi8(n as i8))))
    }
    #[inline(always)]
    fn add8(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_add_epi8(self.0, o.0)))
    }
    #[inline(always)]
    fn mulhi16(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_mulhi_epu16(self.0, o.0)))
    }
    #[inline(always)]
    fn mullo16(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_mullo_epi16(self.0, o.0)))
    }
    #[inline(always)]
    fn nonzero_lanes(self) -> u32 {
        avx512!(u32::from(_mm512_test_epi32_mask(self.0, self.0)))
    }}

// SAFETY: as for the `Vector` impl: AVX-512 F instructions only.
unsafe impl RoundOps for Avx512 {
    #[inline(always)]
    fn add32(self, o: Self) -> Self {
        avx512!(Avx512(_mm512_add_epi32(self.0, o.0)))
    }
    #[inline(always)]
    fn rotl32<const N: i32>(self) -> Self {
        avx512!(Avx512(_mm512_rol_epi32::<N>(self.0)))
    }
    #[inline(always)]
    fn ternary<const IMM: i32>(self, b: Self, c: Self) -> Self {
        avx512!(Avx512(_mm512_ternarylogic_epi32::<IMM>(self.0, b.0, c.0)))
    }
    /// Measured: left alone, LLVM adds `wk` to `rotl5(a)` and lengthens the round-to-round
    /// chain by an add.
    #[inline(always)]
    fn fence_sum(self) -> Self {
        avx512!(Avx512(opaque(self.0)))
    }
}

/// `a`, unchanged, but opaque to LLVM: stops it re-associating a sum across this point.
#[inline]
#[target_feature(enable = "avx512f", enable = "avx512bw", enable = "avx512vl")]
fn opaque(mut x: __m512i) -> __m512i {
    // SAFETY: an empty asm block that only names the register; it reads and writes no memory,
    // stack or flags, and leaves the value as it was.
    unsafe {
        core::arch::asm!(
            "/* {0} */",
            inout(zmm_reg) x,
            options(pure, nomem, nostack, preserves_flags)
        );
    }
    x
}

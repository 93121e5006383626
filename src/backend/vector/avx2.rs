//! [`Vector`] and the multi-buffer rounds' [`RoundOps`] in AVX2 registers: the `avx2` backend's.

use core::arch::x86_64::*;

use super::Vector;
use crate::backend::multibuffer::RoundOps;

/// A 256-bit register for the shared algorithms ([`Vector`]). Only made inside the `avx2`
/// backend's `#[target_feature(enable = "avx2")]` functions, which run after AVX2 was detected.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Avx2(pub(crate) __m256i);

/// An AVX2 intrinsic on `Avx2` values.
macro_rules! avx2 {
    ($e:expr) => {
        // SAFETY: an `Avx2` value exists only where the CPU has AVX2 (see `Avx2`).
        unsafe { $e }
    };
}

// SAFETY: an `Avx2` is only made in functions compiled for AVX2 (see `Avx2`), so a value exists
// only on a CPU with AVX2, which is every instruction the methods use.
unsafe impl Vector for Avx2 {
    const LANES: usize = 8;

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
    }}

// SAFETY: as for the `Vector` impl: AVX2 instructions only.
unsafe impl RoundOps for Avx2 {
    #[inline(always)]
    fn add32(self, o: Self) -> Self {
        avx2!(Avx2(_mm256_add_epi32(self.0, o.0)))
    }
    /// AVX2 has no rotate: shift left | shift right (by a constant count, which compiles to
    /// the immediate forms). By one, `x + x` instead of the left shift: shifts share two ports
    /// on most cores, adds have three or four.
    #[inline(always)]
    fn rotl32<const N: i32>(self) -> Self {
        avx2!({
            let x = self.0;
            let left = if N == 1 {
                _mm256_add_epi32(x, x)
            } else {
                _mm256_sll_epi32(x, _mm_cvtsi32_si128(N))
            };
            Avx2(_mm256_or_si256(
                left,
                _mm256_srl_epi32(x, _mm_cvtsi32_si128(32 - N)),
            ))
        })
    }
    /// Two registers: both copies pinned together (see [`pin2`]).
    #[inline(always)]
    fn fence_group<const G: usize>(mut g: [Self; G]) -> [Self; G] {
        if G == 2 {
            let (p, q) = avx2!(pin2(g[0].0, g[1].0));
            g[0] = Avx2(p);
            g[1] = Avx2(q);
        }
        g
    }
}

/// Makes both interleaved groups' copy of a state word exist at the same point of each round,
/// so that the compiler cannot schedule the groups one after the other (left alone it does, to
/// save registers, which leaves the out-of-order core a single serial chain; pinned, the step
/// is faster). Emits no instruction.
#[inline]
#[target_feature(enable = "avx2")]
fn pin2(mut p: __m256i, mut q: __m256i) -> (__m256i, __m256i) {
    // SAFETY: the template is empty: it only pins both values into registers at this point;
    // it reads and writes no memory, stack or flags.
    unsafe {
        core::arch::asm!("/* {0} {1} */", inout(ymm_reg) p, inout(ymm_reg) q,
            options(pure, nomem, nostack, preserves_flags));
    }
    (p, q)
}

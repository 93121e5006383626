//! The small vector trait the shared algorithms (the strict check in [`super::strict`], the
//! base64 encoder in [`super::base64`], the multi-buffer rounds) are written over, as memchr
//! writes its searches once over a `Vector`, and its instances, one module per register type
//! (128, 256 or 512 bits of integer lanes); the backends keep only their ISA glue (loads,
//! transposes, stores).
//!
//! Lanes: `*32` operations work on 32-bit lanes (one key per lane in the multi-key layouts),
//! `*8` and [`Vector::shuffle8`] on bytes, `*16` on 16-bit halves. Byte shuffles act within
//! each 128-bit block with indices below 16 only, which every target has (x86 `pshufb`, Arm
//! `tbl`).
//!
//! Soundness: the methods are safe, so a value of an implementing type must only exist where
//! the CPU has that type's instructions. An implementation keeps its constructor private to
//! code that runs only after detection (a `#[target_feature]` function), which is why the
//! trait is `unsafe` to implement; the methods that make a vector from constants take `self`
//! as the witness that the instructions are there.

/// A SIMD register of 32-bit lanes, as the shared algorithms need it.
///
/// # Safety
/// Implementors promise that a value of the type only exists on a CPU that has every
/// instruction its methods use (so that calling them is sound from any code).
pub(crate) unsafe trait Vector: Copy {
    /// 32-bit lanes per register (the lane-per-key layout: x86 backends only).
    #[cfg(target_arch = "x86_64")]
    const LANES: usize;

    /// `x` in every 32-bit lane (`self` only witnesses the instructions).
    fn splat32(self, x: u32) -> Self;
    /// `x` in every byte.
    fn splat8(self, x: u8) -> Self;
    /// The 16 bytes `t` in every 128-bit block (shuffle tables, byte patterns).
    fn table16(self, t: [u8; 16]) -> Self;

    fn and(self, o: Self) -> Self;
    fn or(self, o: Self) -> Self;
    fn xor(self, o: Self) -> Self;
    /// `!self & o`.
    fn andnot(self, o: Self) -> Self;
    /// (Used by the lane-per-key layout's encoder: x86 backends only.)
    #[cfg(target_arch = "x86_64")]
    fn shl32<const N: i32>(self) -> Self;
    fn shr32<const N: i32>(self) -> Self;

    /// Bytes of `self` picked by the indices in `idx` (each below 16), within each 128-bit
    /// block.
    fn shuffle8(self, idx: Self) -> Self;
    /// 0xFF where the bytes are equal, else 0.
    fn eq8(self, o: Self) -> Self;
    /// 0xFF where the byte is below `n`, else 0; both below 0x80 (6-bit values here).
    fn lt8(self, n: u8) -> Self;
    /// Byte-wise `max(self - n, 0)` (unsigned saturating subtraction).
    fn sub_sat8(self, n: u8) -> Self;
    fn add8(self, o: Self) -> Self;

    /// Unsigned 16-bit multiply, high half of each product.
    fn mulhi16(self, o: Self) -> Self;
    /// 16-bit multiply, low half of each product.
    fn mullo16(self, o: Self) -> Self;

    /// Base64's four 6-bit values of each 32-bit lane laid out `[b1, b0, b2, b1]` (the 3-byte
    /// group `b0 b1 b2`), each moved to the bottom of one byte, first value in the lowest byte.
    /// The default is Muła's: a mask and a 16-bit multiply by powers of two for each pair of
    /// values; a target with per-lane shifts (NEON's `ushl`) overrides it with them.
    #[inline(always)]
    fn six_bit_fields(self) -> Self {
        let hi = self
            .and(self.splat32(0x0FC0_FC00))
            .mulhi16(self.splat32(0x0400_0040));
        let lo = self
            .and(self.splat32(0x003F_03F0))
            .mullo16(self.splat32(0x0100_0010));
        hi.or(lo)
    }

    /// Bit `i` set when 32-bit lane `i` is not zero.
    fn nonzero_lanes(self) -> u32;

    /// Whether any bit is set. The default asks [`nonzero_lanes`](Self::nonzero_lanes); a target
    /// with a reduction across the register (NEON's `umaxv`) overrides it.
    #[inline(always)]
    fn any_nonzero(self) -> bool {
        self.nonzero_lanes() != 0
    }}

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(target_arch = "x86_64")]
mod sse;
#[cfg(target_arch = "x86_64")]
pub(crate) use {avx2::Avx2, avx512::Avx512, sse::Sse};
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
mod neon;
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
pub(crate) use neon::{u8x16, Neon};

//! The base64 encoding of SHA-1 digests in SIMD registers, written once over [`Vector`].
//!
//! Input: the five digest words of one key per 32-bit lane. Output: the 28 characters of each
//! key's accept as seven registers, register `m` lane `i` holding key `i`'s characters
//! `4m..4m + 4` (first character in the lowest byte); the backend transposes them into the
//! output slots. Method: Muła's. A byte shuffle spreads each 3-byte group over a lane, two
//! 16-bit multiplies move its four 6-bit values to the bottom of four bytes, and a 16-entry
//! offset table indexed by a saturating subtraction turns values into characters (no table
//! of 64).

use super::vector::Vector;

/// Per lane, `[b1, b0, b2, b1]` from the lane's top three bytes `b0 b1 b2` (most significant
/// first): the order the multiplies split.
#[cfg(target_arch = "x86_64")] // the lane-per-key layout: x86 backends only
const TOP3: [u8; 16] = [2, 3, 1, 2, 6, 7, 5, 6, 10, 11, 9, 10, 14, 15, 13, 14];
/// The same from the lane's low three bytes.
#[cfg(target_arch = "x86_64")] // the lane-per-key layout: x86 backends only
const LOW3: [u8; 16] = [1, 2, 0, 1, 5, 6, 4, 5, 9, 10, 8, 9, 13, 14, 12, 13];

/// Offset to add to a 6-bit value, indexed by its class (see [`to_ascii`]): 0 for `a`..`z`
/// (26..=51), 1..=10 digits, 11 `+`, 12 `/`, 13 `A`..`Z`.
const OFFSETS: [u8; 16] = [
    (b'a' - 26),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'0'.wrapping_sub(52)),
    (b'+'.wrapping_sub(62)),
    (b'/'.wrapping_sub(63)),
    b'A',
    0,
    0,
];

/// Base64 characters from 6-bit values, one per byte.
#[inline(always)]
fn to_ascii<V: Vector>(idx: V) -> V {
    // Class: saturating `idx - 51` (0 for letters from 26, 1..=12 for the rest), then 13 for
    // the capitals below 26.
    let class = idx.sub_sat8(51).or(idx.lt8(26).and(idx.splat8(13)));
    idx.table16(OFFSETS).shuffle8(class).add8(idx)
}

/// Four characters per lane from three bytes per lane, picked by `order` (`TOP3` or `LOW3`).
#[cfg(target_arch = "x86_64")] // the lane-per-key layout: x86 backends only
#[inline(always)]
fn encode_group<V: Vector>(y: V, order: V) -> V {
    encode_spread(y.shuffle8(order))
}

/// Four characters per 32-bit lane from a lane laid out `[b1, b0, b2, b1]` (the 3-byte group
/// `b0 b1 b2` spread for the multiplies). The shared core of [`encode`]; a backend that keeps one
/// key's digest in a register (bytes in digest order) spreads its groups with its own shuffle and
/// calls this.
#[inline(always)]
pub(crate) fn encode_spread<V: Vector>(v: V) -> V {
    to_ascii(v.six_bit_fields())
}

/// The accepts of the digests `h` (H0..H4 per lane), as described in the module docs.
#[cfg(target_arch = "x86_64")] // the lane-per-key layout: x86 backends only
#[inline(always)]
pub(crate) fn encode<V: Vector>(h: [V; 5]) -> [V; 7] {
    let top3 = h[0].table16(TOP3);
    let low3 = h[0].table16(LOW3);
    // Group j is digest bytes 3j..3j + 3; groups that straddle two words are shifted together.
    let y1 = h[0].shl32::<24>().or(h[1].shr32::<8>());
    let y2 = h[1].shl32::<16>().or(h[2].shr32::<16>());
    let y5 = h[3].shl32::<24>().or(h[4].shr32::<8>());
    let y6 = h[4].shl32::<16>();
    // Character 27 is the `=` pad (the last group holds only two bytes).
    let c6 = encode_group(y6, top3)
        .and(y6.splat32(0x00FF_FFFF))
        .or(y6.splat32(0x3D00_0000));
    [
        encode_group(h[0], top3),
        encode_group(y1, top3),
        encode_group(y2, top3),
        encode_group(h[2], low3),
        encode_group(h[3], top3),
        encode_group(y5, top3),
        c6,
    ]
}

//! The strict key check in SIMD registers, written once over [`Vector`].
//!
//! A strict key (`crate::key::check_strict`) is 24 bytes: 21 of the base64 alphabet
//! `A-Z a-z 0-9 + /`, then a 22nd whose value has its low four bits zero (`A`, `Q`, `g`, `w`:
//! the 16-byte nonce ends there), then `==`. The primitives below mark broken bytes; a
//! backend combines them for the layout its registers hold. The check only says *whether* a
//! key is invalid: which rule broke first is left to `check_strict`, for the flagged keys only.

use super::vector::Vector;

/// Nibble classes (Muła): a byte is outside the alphabet iff `LO[low] & HI[high] != 0`.
/// Bit 0: high nibble 2 (only `+` 0x2B and `/` 0x2F are good); bit 1: high 3 (digits, low
/// nibble up to 9); bit 2: high 4 and 6 (low 0 is `@` or `` ` ``); bit 3: high 5 and 7 (low
/// nibble above 0xA); bit 4: every other high nibble, never good.
const LO: [u8; 16] = {
    let mut t = [0x10u8; 16];
    let mut l = 0;
    while l < 16 {
        if l != 0xB && l != 0xF {
            t[l] |= 1;
        }
        if l >= 10 {
            t[l] |= 2;
        }
        if l == 0 {
            t[l] |= 4;
        }
        if l >= 11 {
            t[l] |= 8;
        }
        l += 1;
    }
    t
};
const HI: [u8; 16] = [
    0x10, 0x10, 1, 2, 4, 8, 4, 8, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x10,
];

/// Non-zero in every byte of `v` outside the base64 alphabet, zero in the others.
#[inline(always)]
pub(crate) fn alphabet_bad<V: Vector>(v: V) -> V {
    let nib = v.splat8(0x0F);
    let lo = v.table16(LO).shuffle8(v.and(nib));
    let hi = v.table16(HI).shuffle8(v.shr32::<4>().and(nib));
    lo.and(hi)
}

/// 0xFF in every byte of `v` that may be a strict key's last data character (`A`, `Q`, `g`,
/// `w`), zero in the others. Clearing bit 4 maps the four onto `A` and `g`.
#[inline(always)]
pub(crate) fn last_char_ok<V: Vector>(v: V) -> V {
    let folded = v.and(v.splat8(0xEF));
    folded.eq8(v.splat8(b'A')).or(folded.eq8(v.splat8(b'g')))
}

/// Bit `i` set when key `i` breaks the strict rules, for keys laid out one per 32-bit lane as
/// SHA-1 message words: `words[j]` lane `i` is key `i`'s bytes `4j..4j + 4` read big-endian
/// (what the SHA-1 rounds take).
#[cfg(target_arch = "x86_64")] // the lane-per-key layout: x86 backends only
#[inline(always)]
pub(crate) fn invalid_lanes<V: Vector>(words: &[V; 6]) -> u32 {
    let w5 = words[5];
    let mut bad = alphabet_bad(words[0]).or(alphabet_bad(words[1]));
    bad = bad.or(alphabet_bad(words[2]).or(alphabet_bad(words[3])));
    bad = bad.or(alphabet_bad(words[4]));
    // Word 5 is key bytes 20 (most significant), 21, then the two `=`.
    bad = bad.or(alphabet_bad(w5).and(w5.splat32(0xFF00_0000)));
    bad = bad.or(w5.xor(w5.splat32(0x3D3D)).and(w5.splat32(0xFFFF)));
    bad = bad.or(last_char_ok(w5).andnot(w5.splat32(0x00FF_0000)));
    bad.nonzero_lanes()
}

/// Whether one key, held as its bytes `0..16` in `v0` and `8..24` in `v1` (one key per 128-bit
/// register, bytes in memory order), breaks the strict rules. `V` is 128 bits wide.
#[inline(always)]
pub(crate) fn key_invalid<V: Vector>(v0: V, v1: V) -> bool {
    // v1 bytes 0..13 are key bytes 8..21, byte 13 is key byte 21, bytes 14 and 15 the `=`.
    const ALPHA: [u8; 16] = [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0,
    ];
    const LAST: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0, 0];
    const PAD: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b'=', b'='];
    const PAD_ROLE: [u8; 16] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF];
    let mut bad = alphabet_bad(v0).or(alphabet_bad(v1).and(v1.table16(ALPHA)));
    bad = bad.or(last_char_ok(v1).andnot(v1.table16(LAST)));
    bad = bad.or(v1.xor(v1.table16(PAD)).and(v1.table16(PAD_ROLE)));
    bad.any_nonzero()
}

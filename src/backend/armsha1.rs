//! `armsha1`: several keys' SHA-1 on the ARMv8 SHA1 instructions, interleaved, for aarch64 CPUs
//! with the cryptographic extension (AWS Graviton 2-4, Ampere Altra, Apple silicon).
//!
//! Named after the instructions it stands on, as `shani` is: `SHA1C`/`SHA1P`/`SHA1M` (four rounds
//! each), `SHA1H` (the rotate of E) and `SHA1SU0`/`SHA1SU1` (the message schedule), which Rust
//! enables and detects as the `sha2` target feature. NEON alone (`vector/neon.rs`) only checks
//! keys and encodes digests here; a NEON-only multi-buffer SHA-1 would need some 490 vector
//! operations a key against the 112 below.
//!
//! The kernel is the shared one (`interleave`). One stream is latency-bound: each block is a chain
//! of 20 dependent four-round instructions of 4 cycles each (Neoverse N1, V1), about 160 cycles a
//! key. [`LANES`] interleaved streams let the core overlap the chains, until the one vector pipe that runs the SHA instructions (V0 on N1 and V1) is full. Per key that
//! pipe gets 40 four-round instructions and 32 schedule instructions; the 40 `SHA1H` rotates
//! would add 40 more, so the interleaved kernel does them with plain NEON shifts (`ushr` + `sli`),
//! which other pipes run. A single stream keeps `SHA1H` (2 cycles, against 4 for the two
//! shifts): there the rotate is on the critical path's margin, not on a full pipe. The README
//! gives the per-core bounds.
//!
//! What the fixed message shape buys (`message`), as in `shani.rs`:
//! - block one: only W0..W5 (the key) vary. W6..W15 are constants, and so are the W+K of rounds
//!   8..15, so per key we load the 24 key bytes and nothing else;
//! - block two is the same for every key: its whole W+K (`BLOCK2_WK`) is computed at compile
//!   time, so no schedule instruction and no add runs for it, and the IV's E is folded into its
//!   first word (the four-round instructions add E to the first word, so block two starts from
//!   block one's E without waiting for the add).
//!
//! Tails: a batch's last `n % LANES` keys go through narrower interleaves (3, 2, 1 streams), never
//! through padding or the software path, so `min_keys` is 1.

use core::arch::aarch64::*;
use core::mem::transmute;

use super::driver;
use super::interleave::{self, Isa};
use super::message::{
    BLOCK1_FIRST_CONST, BLOCK1_WORDS as BLOCK1_W, BLOCK2_WK as BLOCK2_WK_WORDS, K, SHA1_IV,
};
use super::vector::{u8x16, Neon};
use super::{base64, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

cpu_features!("sha2", "neon");

/// Keys hashed at once (interleaved streams). Three already fill the SHA pipe by op count (3 x 72
/// instructions against a 160-cycle chain); the fourth gives the scheduler slack, costs no
/// padding (tails use narrower interleaves) and keeps the lane count a power of two. Four streams'
/// state (ABCD, four schedule vectors each) fits the 32 vector registers without spilling.
pub const LANES: usize = 4;

pub(super) const ROW: super::Row = super::Row {
    lanes: LANES,
    // Tails go through narrower interleaves (3, 2 or 1 streams) in the kernel itself.
    min_keys: 1,
    min_keys_beside_sha: 1,
    // `sha2` is how Rust names (and detects) the SHA1 instructions; NEON for the key check and
    // base64.
    features: FEATURES,
    entry: accept_keys,
    one: Some(accept_one),
};

/// Four 32-bit lanes as a vector constant, lane `i` = `a[i]`.
const fn u32x4(a: [u32; 4]) -> uint32x4_t {
    // SAFETY: `uint32x4_t` is 16 bytes with no invalid bit patterns, laid out lane 0 first, like
    // the array (this module is only built for little-endian aarch64).
    unsafe { transmute(a) }
}

/// Words `4i..4i+4` of `w` plus `k`, in the SHA1 instructions' lane order (lane 0 = first word).
const fn words_plus(w: &[u32], i: usize, k: u32) -> [u32; 4] {
    [
        w[4 * i].wrapping_add(k),
        w[4 * i + 1].wrapping_add(k),
        w[4 * i + 2].wrapping_add(k),
        w[4 * i + 3].wrapping_add(k),
    ]
}

/// W6, W7: the upper half of block one's second message vector (W4, W5 are key words).
const W6_7: uint32x2_t = {
    // SAFETY: `uint32x2_t` is 8 bytes with no invalid bit patterns, lane 0 first.
    unsafe {
        transmute::<[u32; 2], uint32x2_t>([
            BLOCK1_W[BLOCK1_FIRST_CONST],
            BLOCK1_W[BLOCK1_FIRST_CONST + 1],
        ])
    }
};
/// W8..W11 and W12..W15 of block one, the same for every key (the schedule reads them).
const W8_11: uint32x4_t = u32x4(words_plus(&BLOCK1_W, 2, 0));
const W12_15: uint32x4_t = u32x4(words_plus(&BLOCK1_W, 3, 0));
/// Their W+K, the inputs of block one's rounds 8..15.
const WK8_11: uint32x4_t = u32x4(words_plus(&BLOCK1_W, 2, K[0]));
const WK12_15: uint32x4_t = u32x4(words_plus(&BLOCK1_W, 3, K[0]));

/// Block two's W+K ([`BLOCK2_WK_WORDS`]) as the inputs of its 20 groups of four rounds; word 0
/// also carries the IV's E.
const BLOCK2_WK: [uint32x4_t; 20] = {
    let mut v = [[0u32; 4]; 20];
    let mut i = 0;
    while i < 20 {
        v[i] = words_plus(&BLOCK2_WK_WORDS, i, 0);
        i += 1;
    }
    v[0][0] = v[0][0].wrapping_add(SHA1_IV[4]);
    // SAFETY: twenty 16-byte vectors, every bit pattern valid, laid out as the arrays.
    unsafe { transmute::<[[u32; 4]; 20], [uint32x4_t; 20]>(v) }
};

/// The IV as the ABCD register.
const IV_ABCD: uint32x4_t = u32x4([SHA1_IV[0], SHA1_IV[1], SHA1_IV[2], SHA1_IV[3]]);

/// The E of block one's second group: the IV's A rotated.
const IV_A_ROL30: u32 = SHA1_IV[0].rotate_left(30);

target_features! {
    /// A rotated left by 30 (lane 0 of `abcd`): the E of the group after the next one.
    ///
    /// One stream (`STREAMS == 1`) is latency-bound and uses `SHA1H` (2 cycles). Several streams are
    /// bound by the one pipe that runs the SHA instructions, so they rotate with two plain NEON
    /// shifts that other pipes run (4 cycles, still within the 4-cycle round that hides them).
    #[inline]
    fn rol30<const STREAMS: usize>(abcd: uint32x4_t) -> u32 {
        if STREAMS == 1 {
            vsha1h_u32(vgetq_lane_u32::<0>(abcd))
        } else {
            vgetq_lane_u32::<0>(vsliq_n_u32::<30>(vshrq_n_u32::<2>(abcd), abcd))
        }
    }

    /// SHA-1 of `STREAMS` keys (block one from `m0` = W0..W3 and `m1` = W4..W7, block two constant),
    /// their instruction sequences interleaved. Returns each key's final ABCD (A in lane 0) and E.
    #[inline]
    fn hash_group<const STREAMS: usize>(
        m0: [uint32x4_t; STREAMS],
        m1: [uint32x4_t; STREAMS],
    ) -> ([uint32x4_t; STREAMS], [u32; STREAMS]) {
        let k0 = vdupq_n_u32(K[0]);
        let k1 = vdupq_n_u32(K[1]);
        let k2 = vdupq_n_u32(K[2]);
        let k3 = vdupq_n_u32(K[3]);
        let mut w0 = m0;
        let mut w1 = m1;
        let mut w2 = [W8_11; STREAMS];
        let mut w3 = [W12_15; STREAMS];
        let mut abcd = [IV_ABCD; STREAMS];
        // Group 1's E: the IV's A rotated, known before any key is.
        let mut e = [IV_A_ROL30; STREAMS];

        // Four rounds of every stream (`$op`: SHA1C, SHA1P or SHA1M) with W+K `$wk`; the E for the
        // next group is the rotate of A before these rounds.
        macro_rules! r4 {
            ($s:ident, $op:ident, $wk:expr) => {
                for $s in 0..STREAMS {
                    let next = rol30::<STREAMS>(abcd[$s]);
                    abcd[$s] = $op(abcd[$s], e[$s], $wk);
                    e[$s] = next;
                }
            };
        }
        // The message words four groups ahead, in place of `$a`'s, from the last sixteen.
        macro_rules! sched {
            ($a:ident, $b:ident, $c:ident, $d:ident) => {
                for s in 0..STREAMS {
                    $a[s] = vsha1su1q_u32(vsha1su0q_u32($a[s], $b[s], $c[s]), $d[s]);
                }
            };
        }

        // Block one. Group 0 starts from the IV, whose E and rotated A are constants.
        for s in 0..STREAMS {
            abcd[s] = vsha1cq_u32(IV_ABCD, SHA1_IV[4], vaddq_u32(w0[s], k0));
        }
        sched!(w0, w1, w2, w3);
        r4!(s, vsha1cq_u32, vaddq_u32(w1[s], k0));
        sched!(w1, w2, w3, w0);
        r4!(s, vsha1cq_u32, WK8_11);
        sched!(w2, w3, w0, w1);
        r4!(s, vsha1cq_u32, WK12_15);
        sched!(w3, w0, w1, w2);
        r4!(s, vsha1cq_u32, vaddq_u32(w0[s], k0));
        sched!(w0, w1, w2, w3);
        r4!(s, vsha1pq_u32, vaddq_u32(w1[s], k1));
        sched!(w1, w2, w3, w0);
        r4!(s, vsha1pq_u32, vaddq_u32(w2[s], k1));
        sched!(w2, w3, w0, w1);
        r4!(s, vsha1pq_u32, vaddq_u32(w3[s], k1));
        sched!(w3, w0, w1, w2);
        r4!(s, vsha1pq_u32, vaddq_u32(w0[s], k1));
        sched!(w0, w1, w2, w3);
        r4!(s, vsha1pq_u32, vaddq_u32(w1[s], k1));
        sched!(w1, w2, w3, w0);
        r4!(s, vsha1mq_u32, vaddq_u32(w2[s], k2));
        sched!(w2, w3, w0, w1);
        r4!(s, vsha1mq_u32, vaddq_u32(w3[s], k2));
        sched!(w3, w0, w1, w2);
        r4!(s, vsha1mq_u32, vaddq_u32(w0[s], k2));
        sched!(w0, w1, w2, w3);
        r4!(s, vsha1mq_u32, vaddq_u32(w1[s], k2));
        sched!(w1, w2, w3, w0);
        r4!(s, vsha1mq_u32, vaddq_u32(w2[s], k2));
        sched!(w2, w3, w0, w1);
        r4!(s, vsha1pq_u32, vaddq_u32(w3[s], k3));
        sched!(w3, w0, w1, w2);
        r4!(s, vsha1pq_u32, vaddq_u32(w0[s], k3));
        r4!(s, vsha1pq_u32, vaddq_u32(w1[s], k3));
        r4!(s, vsha1pq_u32, vaddq_u32(w2[s], k3));
        r4!(s, vsha1pq_u32, vaddq_u32(w3[s], k3));

        // Between blocks: ABCD = IV + block one's; E stays block one's (BLOCK2_WK[0] carries the
        // IV's E), so block two starts without waiting for an add.
        let mut mid = [IV_ABCD; STREAMS];
        for s in 0..STREAMS {
            mid[s] = vaddq_u32(IV_ABCD, abcd[s]);
            abcd[s] = mid[s];
        }
        let e1 = e;

        // Block two: constant W+K, no schedule.
        r4!(s, vsha1cq_u32, BLOCK2_WK[0]);
        r4!(s, vsha1cq_u32, BLOCK2_WK[1]);
        r4!(s, vsha1cq_u32, BLOCK2_WK[2]);
        r4!(s, vsha1cq_u32, BLOCK2_WK[3]);
        r4!(s, vsha1cq_u32, BLOCK2_WK[4]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[5]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[6]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[7]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[8]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[9]);
        r4!(s, vsha1mq_u32, BLOCK2_WK[10]);
        r4!(s, vsha1mq_u32, BLOCK2_WK[11]);
        r4!(s, vsha1mq_u32, BLOCK2_WK[12]);
        r4!(s, vsha1mq_u32, BLOCK2_WK[13]);
        r4!(s, vsha1mq_u32, BLOCK2_WK[14]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[15]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[16]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[17]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[18]);
        r4!(s, vsha1pq_u32, BLOCK2_WK[19]);

        let mut e_out = [0u32; STREAMS];
        for s in 0..STREAMS {
            abcd[s] = vaddq_u32(mid[s], abcd[s]);
            e_out[s] = e1[s].wrapping_add(SHA1_IV[4]).wrapping_add(e[s]);
        }
        (abcd, e_out)
    }

    /// A key's two loads: bytes 0..16 and 8..24 (unaligned).
    #[inline]
    fn load(key: &[u8; KEY_LEN]) -> (uint8x16_t, uint8x16_t) {
        let p = key.as_ptr();
        // SAFETY: a key is 24 readable bytes; the loads read 0..16 and 8..24; `ld1` has no
        // alignment requirement.
        unsafe { (vld1q_u8(p), vld1q_u8(p.add(8))) }
    }

    /// Block one's first two message vectors from a key's loads: W0..W3, and W4, W5 (key bytes
    /// 16..24, lanes 2 and 3 of the second load's words) beside the constant W6, W7.
    #[inline]
    fn message(v0: uint8x16_t, v1: uint8x16_t) -> (uint32x4_t, uint32x4_t) {
        let m0 = vreinterpretq_u32_u8(vrev32q_u8(v0));
        let w4_5 = vget_high_u32(vreinterpretq_u32_u8(vrev32q_u8(v1)));
        (m0, vcombine_u32(w4_5, W6_7))
    }

}

// NEON glue: the key check on a key's two loads, and one digest from the SHA1 instructions'
// state (A in lane 0, E in a scalar register; SHA-NI keeps A in lane 3) into the encoder.

/// Whether one key breaks the strict rules, from its two loads `v0` = bytes 0..16 and `v1` =
/// bytes 8..24: the shared [`strict::key_invalid`] in NEON registers.
#[inline(always)]
fn key_invalid(v0: uint8x16_t, v1: uint8x16_t) -> bool {
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
fn encode(abcd: uint32x4_t, e: u32, out: &mut [u8; ACCEPT_LEN]) {
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

/// The witness that the CPU has the SHA1 instructions and NEON (see [`Isa`]): only made in this
/// module's `#[target_feature]` entry points, which run after detection.
#[derive(Clone, Copy)]
struct ArmSha1(());

impl Isa for ArmSha1 {
    type Loads = (uint8x16_t, uint8x16_t);
    type Msg = uint32x4_t;
    type Digest = (uint32x4_t, u32);

    #[inline(always)]
    fn load(self, key: &[u8; KEY_LEN]) -> Self::Loads {
        // SAFETY: an `ArmSha1` exists only where the features were detected.
        unsafe { load(key) }
    }
    #[inline(always)]
    fn key_invalid(self, (v0, v1): Self::Loads) -> bool {
        key_invalid(v0, v1)
    }
    #[inline(always)]
    fn message(self, (v0, v1): Self::Loads) -> (uint32x4_t, uint32x4_t) {
        // SAFETY: as in `load`.
        unsafe { message(v0, v1) }
    }
    #[inline(always)]
    fn hash<const STREAMS: usize>(
        self,
        m0: [uint32x4_t; STREAMS],
        m1: [uint32x4_t; STREAMS],
    ) -> [Self::Digest; STREAMS] {
        // SAFETY: as in `load`.
        let (abcd, e) = unsafe { hash_group(m0, m1) };
        core::array::from_fn(|s| (abcd[s], e[s]))
    }
    #[inline(always)]
    fn encode<const STREAMS: usize>(
        self,
        digests: &[Self::Digest; STREAMS],
        out: &mut [[u8; ACCEPT_LEN]; STREAMS],
    ) {
        for (&(abcd, e), slot) in digests.iter().zip(out) {
            // SAFETY: as in `load`.
            unsafe { encode(abcd, e, slot) }
        }
    }
}

target_features! {
    /// The backend contract (see `backend` module docs), [`LANES`] keys at a time.
    ///
    /// # Safety
    /// The CPU must have the SHA1 instructions (Rust's `sha2` feature) and NEON; [`super::Backend`]
    /// only dispatches here after detecting them.
    pub(super) unsafe fn accept_keys(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        accept_keys_streams::<LANES>(keys, out, status, strict)
    }

    /// [`accept_keys`] for any interleave width (lets the tests compare widths): the shared
    /// driver, one group per step, the tail in groups of 3, 2 and 1.
    fn accept_keys_streams<const STREAMS: usize>(
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        let kernel = interleave::Kernel { isa: ArmSha1(()), strict };
        driver::run::<STREAMS, 1, _>(&kernel, keys, out, status)
    }

    /// The single-key entry (`backend::OneKey`): one stream of the SHA1 instructions.
    ///
    /// # Safety
    /// As for [`accept_keys`].
    unsafe fn accept_one(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) -> bool {
        interleave::one(ArmSha1(()), key, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::check_strict;
    use crate::BackendKind;
    use super::super::message::BLOCK2;
    use super::super::portable::accept_24 as accept_24_portable;

    fn have() -> bool {
        BackendKind::ArmSha1.is_available()
    }

    fn keys(n: usize, seed: u32) -> Vec<[u8; KEY_LEN]> {
        let mut x = seed;
        (0..n)
            .map(|_| {
                let mut nonce = [0u8; 16];
                for b in &mut nonce {
                    x = x.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                    *b = (x >> 24) as u8;
                }
                *crate::Key::from_nonce(&nonce).as_bytes()
            })
            .collect()
    }

    /// The constant tables are what SHA-1 of the template blocks needs: block one's constant
    /// words and block two's W+K against a plain scalar schedule.
    #[test]
    fn constant_tables() {
        let lanes = |v: uint32x4_t| -> [u32; 4] {
            // SAFETY: same size, every bit pattern valid.
            unsafe { transmute(v) }
        };
        assert_eq!(
            lanes(W8_11),
            [BLOCK1_W[8], BLOCK1_W[9], BLOCK1_W[10], BLOCK1_W[11]]
        );
        assert_eq!(lanes(WK12_15)[3], BLOCK1_W[15].wrapping_add(K[0]));
        let mut w = [0u32; 80];
        for (t, word) in BLOCK2.chunks(4).enumerate() {
            w[t] = u32::from_be_bytes(word.try_into().unwrap());
        }
        for t in 16..80 {
            w[t] = (w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16]).rotate_left(1);
        }
        for (g, &v) in BLOCK2_WK.iter().enumerate() {
            for (j, &got) in lanes(v).iter().enumerate() {
                let t = 4 * g + j;
                let want =
                    w[t].wrapping_add(K[t / 20])
                        .wrapping_add(if t == 0 { SHA1_IV[4] } else { 0 });
                assert_eq!(got, want, "block two W+K {t}");
            }
        }
    }

    /// Every interleave width gives the reference's bytes and statuses, tails of every length
    /// included, strict and lenient, with invalid keys in several lanes.
    #[test]
    fn widths_match_portable() {
        if !have() {
            return;
        }
        let mut keys = keys(41, 7);
        keys[5][3] = b'-';
        keys[6][21] = b'B';
        keys[12][23] = b'A';
        let n = keys.len();
        for strict in [true, false] {
            for len in 0..=n {
                let keys = &keys[..len];
                let mut want = vec![[0u8; ACCEPT_LEN]; len];
                let mut want_st = vec![KeyStatus::Ok; len];
                let want_bad =
                    super::super::portable::accept_keys(keys, &mut want, &mut want_st, strict);
                macro_rules! check {
                    ($n:literal) => {
                        let mut got = vec![[1u8; ACCEPT_LEN]; len];
                        let mut got_st = vec![KeyStatus::Length; len];
                        let bad =
                            // SAFETY: `have()` saw the SHA1 instructions.
                            unsafe { accept_keys_streams::<$n>(keys, &mut got, &mut got_st, strict) };
                        assert_eq!(
                            (bad, &got, &got_st),
                            (want_bad, &want, &want_st),
                            "streams = {}, len = {len}, strict = {strict}",
                            $n
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
    }

    /// The single-stream path agrees with the software path.
    #[test]
    fn single_stream_matches_portable() {
        if !have() {
            return;
        }
        for key in keys(10_000, 11) {
            let mut want = [0u8; ACCEPT_LEN];
            accept_24_portable(&key, &mut want);
            let mut got = [0u8; ACCEPT_LEN];
            // SAFETY: `have()` saw the SHA1 instructions.
            unsafe { accept_one(&key, &mut got) };
            assert_eq!(got, want);
        }
    }

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

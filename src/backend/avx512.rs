//! AVX-512 backend: 16 keys per step, one key per 32-bit lane of a `zmm` register.
//!
//! One step loads 16 keys (384 contiguous bytes), byte-swaps and transposes them into the six
//! variable SHA-1 words W0..W5, checks all 16 keys against the strict rules in the same
//! registers, runs both SHA-1 blocks with everything that is the same for every key folded into
//! constants, encodes the 16 digests to base64 in lanes and transposes them back into the 16
//! output slots. No per-key scalar work happens unless a key is invalid (then `check_strict`
//! names the error for that key only).
//!
//! Constant folding: block one's words W6..W15 (GUID and padding) and the IV are constants, and
//! block two is entirely constant. The rounds are written over `Word`, a value that is either
//! a compile-time `u32` or a vector; every operation on two constants is done in `u32`
//! arithmetic, which LLVM evaluates at compile time because the rounds are fully unrolled. So
//! rounds 6..15 of block one add a precomputed W+K, the early schedule words only XOR in the
//! part that varies, and block two adds W+K from `BLOCK2_WK`, a table computed by a const fn.
//!
//! Latency: a SHA-1 round depends on the previous one through a rotate and an add (2 cycles
//! each on the Zen 5 this was tuned on), so one group alone leaves the vector units idle. Runs
//! of 32 keys interleave two groups in every operation (measured ~20% faster than one group;
//! three or four groups spill and are slower). The last partial group is padded to 16 keys.

use core::arch::x86_64::*;

use super::constants::{BLOCK1_FIRST_CONST, BLOCK1_WORDS, BLOCK2_WK, FILLER_KEY, K, SHA1_IV};
use super::vector::Vector;
use super::{base64, settle_flagged, strict};
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

/// Keys handled at once.
pub const LANES: usize = 16;

/// A vector constant from 16 dwords.
const fn dwords(a: [i32; 16]) -> __m512i {
    // SAFETY: `[i32; 16]` and `__m512i` are both 64 bytes of plain integer data; every bit
    // pattern is a valid value of either.
    unsafe { core::mem::transmute::<[i32; 16], __m512i>(a) }
}

/// A vector constant from 16 bytes repeated in each 128-bit lane (for `vpshufb`).
const fn lanes128(a: [u8; 16]) -> __m512i {
    let mut b = [0u8; 64];
    let mut i = 0;
    while i < 64 {
        b[i] = a[i % 16];
        i += 1;
    }
    // SAFETY: `[u8; 64]` and `__m512i` are both 64 bytes of plain integer data; every bit
    // pattern is a valid value of either.
    unsafe { core::mem::transmute::<[u8; 64], __m512i>(b) }
}

/// A 512-bit register for the shared algorithms ([`Vector`]). Only made inside this module's
/// `#[target_feature]` functions (AVX-512 F and BW), which run after detection.
#[derive(Clone, Copy)]
#[repr(transparent)]
pub(crate) struct Avx512(__m512i);

/// An AVX-512 intrinsic on `Avx512` values.
macro_rules! avx512 {
    ($e:expr) => {
        // SAFETY: an `Avx512` value exists only where the CPU has AVX-512 F and BW (see
        // `Avx512`).
        unsafe { $e }
    };
}

// SAFETY: `Avx512`'s field is private and set only in this module's functions compiled for
// AVX-512 F and BW, so a value exists only on a CPU with every instruction the methods use.
unsafe impl Vector for Avx512 {
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
    }
}

/// `vpshufb` control reversing the bytes of every dword (little-endian load -> SHA-1 word).
const BSWAP32: __m512i = lanes128([3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12]);

/// Input transpose: key `i`'s word `j` is dword `6i + j` of the 16 keys' 96 dwords, which sit
/// in three register pairs of 32 dwords. Per word `j`: the index within a pair, and the lanes
/// whose dword lies in the second and in the third pair.
struct InTranspose {
    idx: [__m512i; 6],
    pair1: [u16; 6],
    pair2: [u16; 6],
}

const IN_T: InTranspose = {
    let mut t = InTranspose {
        idx: [dwords([0; 16]); 6],
        pair1: [0; 6],
        pair2: [0; 6],
    };
    let mut j = 0;
    while j < 6 {
        let mut idx = [0i32; 16];
        let mut i = 0;
        while i < 16 {
            let d = 6 * i + j;
            idx[i] = (d % 32) as i32;
            if d / 32 == 1 {
                t.pair1[j] |= 1 << i;
            } else if d / 32 == 2 {
                t.pair2[j] |= 1 << i;
            }
            i += 1;
        }
        t.idx[j] = dwords(idx);
        j += 1;
    }
    t
};

/// Output transpose: output dword `7i + m` (key `i`, chars `4m..4m+4`) comes from lane `i` of
/// encoded vector `m`. Per output register: the lane index (+16 for odd `m`, which selects the
/// second table of a `vpermt2d` over vectors `2p, 2p+1`) and masks of lanes with `m / 2 == p`.
struct OutTranspose {
    idx: [__m512i; 7],
    pair: [[u16; 3]; 7],
}

const OUT_T: OutTranspose = {
    let mut t = OutTranspose {
        idx: [dwords([0; 16]); 7],
        pair: [[0; 3]; 7],
    };
    let mut r = 0;
    while r < 7 {
        let mut idx = [0i32; 16];
        let mut q = 0;
        while q < 16 {
            let d = 16 * r + q;
            let (i, m) = (d / 7, d % 7);
            idx[q] = (i + 16 * (m % 2)) as i32;
            if m / 2 > 0 {
                t.pair[r][m / 2 - 1] |= 1 << q;
            }
            q += 1;
        }
        t.idx[r] = dwords(idx);
        r += 1;
    }
    t
};

/// A SHA-1 word for `G` groups of 16 keys: the same constant in every lane (folded at compile
/// time) or one value per lane. `G = 2` interleaves two independent groups in every operation,
/// which hides the latency of the round's dependency chain.
#[derive(Clone, Copy)]
enum Word<const G: usize> {
    C(u32),
    V([__m512i; G]),
}

use Word::{C, V};

#[inline]
#[target_feature(enable = "avx512f")]
fn splat<const G: usize>(w: Word<G>) -> [__m512i; G] {
    match w {
        C(c) => [_mm512_set1_epi32(c as i32); G],
        V(v) => v,
    }
}

/// `op` applied lane-group by lane-group.
#[inline]
#[target_feature(enable = "avx512f")]
fn map2<const G: usize>(
    a: Word<G>,
    b: Word<G>,
    op: impl Fn(__m512i, __m512i) -> __m512i,
) -> Word<G> {
    let (a, b) = (splat(a), splat(b));
    V(core::array::from_fn(|g| op(a[g], b[g])))
}

#[inline]
#[target_feature(enable = "avx512f")]
fn add<const G: usize>(a: Word<G>, b: Word<G>) -> Word<G> {
    match (a, b) {
        (C(x), C(y)) => C(x.wrapping_add(y)),
        _ => map2(a, b, |x, y| _mm512_add_epi32(x, y)),
    }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn rol<const N: i32, const G: usize>(a: Word<G>) -> Word<G> {
    match a {
        C(x) => C(x.rotate_left(N as u32)),
        V(v) => V(v.map(|x| _mm512_rol_epi32::<N>(x))),
    }
}

/// `a`, unchanged, but opaque to LLVM: stops it re-associating a sum across this point.
#[inline]
#[target_feature(enable = "avx512f")]
fn opaque<const G: usize>(a: Word<G>) -> Word<G> {
    match a {
        C(x) => C(x),
        V(v) => V(v.map(|mut x| {
            // SAFETY: an empty asm block that only names the register; it reads and writes no
            // memory, stack or flags, and leaves the value as it was.
            unsafe {
                core::arch::asm!(
                    "/* {0} */",
                    inout(zmm_reg) x,
                    options(pure, nomem, nostack, preserves_flags)
                );
            }
            x
        })),
    }
}

/// `vpternlogd` semantics on scalars: bit `(a<<2)|(b<<1)|c` of `imm` is the result bit.
const fn ternary_scalar(imm: u8, a: u32, b: u32, c: u32) -> u32 {
    let mut r = 0;
    let mut i = 0;
    while i < 8 {
        if imm >> i & 1 == 1 {
            let x = if i & 4 != 0 { a } else { !a };
            let y = if i & 2 != 0 { b } else { !b };
            let z = if i & 1 != 0 { c } else { !c };
            r |= x & y & z;
        }
        i += 1;
    }
    r
}

#[inline]
#[target_feature(enable = "avx512f")]
fn ternary<const IMM: i32, const G: usize>(a: Word<G>, b: Word<G>, c: Word<G>) -> Word<G> {
    match (a, b, c) {
        (C(x), C(y), C(z)) => C(ternary_scalar(IMM as u8, x, y, z)),
        _ => {
            let (a, b, c) = (splat(a), splat(b), splat(c));
            V(core::array::from_fn(|g| {
                _mm512_ternarylogic_epi32::<IMM>(a[g], b[g], c[g])
            }))
        }
    }
}

#[inline]
#[target_feature(enable = "avx512f")]
fn xor2<const G: usize>(a: Word<G>, b: Word<G>) -> Word<G> {
    match (a, b) {
        (C(x), C(y)) => C(x ^ y),
        (C(0), v) | (v, C(0)) => v,
        _ => map2(a, b, |x, y| _mm512_xor_si512(x, y)),
    }
}

/// `a ^ b ^ c` with the constant terms merged first, so they cost at most one operand.
#[inline]
#[target_feature(enable = "avx512f")]
fn xor3<const G: usize>(a: Word<G>, b: Word<G>, c: Word<G>) -> Word<G> {
    match (a, b, c) {
        (C(k), x, y) | (x, C(k), y) | (x, y, C(k)) => match (x, y) {
            (C(j), v) | (v, C(j)) => xor2(v, C(k ^ j)),
            _ => ternary::<0x96, G>(x, y, C(k)),
        },
        _ => ternary::<0x96, G>(a, b, c),
    }
}

/// `a ^ b ^ c ^ d` with the constant terms merged first, so they cost at most one operand.
#[inline]
#[target_feature(enable = "avx512f")]
fn xor4<const G: usize>(a: Word<G>, b: Word<G>, c: Word<G>, d: Word<G>) -> Word<G> {
    match (a, b, c, d) {
        (C(k), x, y, z) | (x, C(k), y, z) | (x, y, C(k), z) | (x, y, z, C(k)) => match (x, y, z) {
            (C(j), v, u) | (v, C(j), u) | (v, u, C(j)) => xor3(v, u, C(k ^ j)),
            _ => xor2(ternary::<0x96, G>(x, y, z), C(k)),
        },
        _ => xor2(ternary::<0x96, G>(a, b, c), d),
    }
}

/// The round function of round `t`: Ch, Parity, Maj, Parity.
#[inline]
#[target_feature(enable = "avx512f")]
fn f<const G: usize>(t: usize, b: Word<G>, c: Word<G>, d: Word<G>) -> Word<G> {
    match t / 20 {
        0 => ternary::<0xCA, G>(b, c, d),
        2 => ternary::<0xE8, G>(b, c, d),
        _ => ternary::<0x96, G>(b, c, d),
    }
}

/// Block one's message word `t` (t < 80). `w` is a rolling window of the words that vary per
/// lane (W0..W5 and W16..); W6..W15 are constants. Words from 16 on are computed here and
/// stored in the window, so call this once per `t`, in order.
#[inline]
#[target_feature(enable = "avx512f")]
fn block1_word<const G: usize>(w: &mut [[__m512i; G]; 16], t: usize) -> Word<G> {
    let get = |w: &[[__m512i; G]; 16], i: usize| {
        if (BLOCK1_FIRST_CONST..16).contains(&i) {
            C(BLOCK1_WORDS[i])
        } else {
            V(w[i % 16])
        }
    };
    if t < 16 {
        return get(w, t);
    }
    let x = rol::<1, _>(xor4(
        get(w, t - 3),
        get(w, t - 8),
        get(w, t - 14),
        get(w, t - 16),
    ));
    w[t % 16] = splat(x);
    x
}

/// One SHA-1 round: `e += rol5(a) + f(b, c, d) + wk`, `b = rol30(b)`. The sum is grouped so
/// that only the last addition waits on `a`, the previous round's result: the chain from one
/// round to the next is then one rotate and one add. `opaque` keeps LLVM from regrouping it
/// (it did, adding `wk` to `rol5(a)` and lengthening the chain by an add).
macro_rules! round {
    ($t:expr, $wk:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        $e = add(
            opaque(add(add($e, $wk), f($t, $b, $c, $d))),
            rol::<5, _>($a),
        );
        $b = rol::<30, _>($b);
    };
}

/// Five rounds from `t`, after which the five state names are back in their places.
macro_rules! five {
    ($r:ident, $t:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        $r!($t, $a, $b, $c, $d, $e);
        $r!($t + 1, $e, $a, $b, $c, $d);
        $r!($t + 2, $d, $e, $a, $b, $c);
        $r!($t + 3, $c, $d, $e, $a, $b);
        $r!($t + 4, $b, $c, $d, $e, $a);
    };
}

macro_rules! eighty {
    ($r:ident, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        five!($r, 0, $a, $b, $c, $d, $e);
        five!($r, 5, $a, $b, $c, $d, $e);
        five!($r, 10, $a, $b, $c, $d, $e);
        five!($r, 15, $a, $b, $c, $d, $e);
        five!($r, 20, $a, $b, $c, $d, $e);
        five!($r, 25, $a, $b, $c, $d, $e);
        five!($r, 30, $a, $b, $c, $d, $e);
        five!($r, 35, $a, $b, $c, $d, $e);
        five!($r, 40, $a, $b, $c, $d, $e);
        five!($r, 45, $a, $b, $c, $d, $e);
        five!($r, 50, $a, $b, $c, $d, $e);
        five!($r, 55, $a, $b, $c, $d, $e);
        five!($r, 60, $a, $b, $c, $d, $e);
        five!($r, 65, $a, $b, $c, $d, $e);
        five!($r, 70, $a, $b, $c, $d, $e);
        five!($r, 75, $a, $b, $c, $d, $e);
    };
}

/// SHA-1 of the two padded blocks for `G` groups of 16 keys given their words W0..W5; returns
/// H0..H4.
#[inline]
#[target_feature(enable = "avx512f")]
fn sha1_two_blocks<const G: usize>(key_words: [[__m512i; G]; 6]) -> [[__m512i; G]; 5] {
    // Block one: six words per lane, the rest constant; the schedule is built as it is used.
    let mut w = [[_mm512_setzero_si512(); G]; 16];
    w[..6].copy_from_slice(&key_words);
    let (mut a, mut b, mut c, mut d, mut e) = (
        C(SHA1_IV[0]),
        C(SHA1_IV[1]),
        C(SHA1_IV[2]),
        C(SHA1_IV[3]),
        C(SHA1_IV[4]),
    );
    macro_rules! r1 {
        ($t:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
            let wt = block1_word(&mut w, $t);
            round!($t, add(wt, C(K[$t / 20])), $a, $b, $c, $d, $e);
        };
    }
    eighty!(r1, a, b, c, d, e);
    let h1 = [
        add(C(SHA1_IV[0]), a),
        add(C(SHA1_IV[1]), b),
        add(C(SHA1_IV[2]), c),
        add(C(SHA1_IV[3]), d),
        add(C(SHA1_IV[4]), e),
    ];

    // Block two: the same for every key, so W+K comes straight from the table.
    let [mut a, mut b, mut c, mut d, mut e] = h1;
    macro_rules! r2 {
        ($t:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
            round!($t, C(BLOCK2_WK[$t]), $a, $b, $c, $d, $e);
        };
    }
    eighty!(r2, a, b, c, d, e);
    [
        splat(add(h1[0], a)),
        splat(add(h1[1], b)),
        splat(add(h1[2], c)),
        splat(add(h1[3], d)),
        splat(add(h1[4], e)),
    ]
}

/// Loads 16 keys and returns their big-endian words W0..W5, one key per lane.
#[inline]
#[target_feature(enable = "avx512f,avx512bw")]
fn load_words(keys: &[[u8; KEY_LEN]; LANES]) -> [__m512i; 6] {
    let src = keys.as_ptr().cast::<__m512i>();
    let mut raw = [_mm512_setzero_si512(); 6];
    for (r, v) in raw.iter_mut().enumerate() {
        // SAFETY: `keys` is 16 * 24 = 384 = 6 * 64 readable bytes, `r < 6`, and `loadu` has
        // no alignment requirement.
        let loaded = unsafe { _mm512_loadu_si512(src.add(r)) };
        *v = _mm512_shuffle_epi8(loaded, BSWAP32);
    }
    let mut words = [_mm512_setzero_si512(); 6];
    for (j, word) in words.iter_mut().enumerate() {
        let t0 = _mm512_permutex2var_epi32(raw[0], IN_T.idx[j], raw[1]);
        let t1 = _mm512_permutex2var_epi32(raw[2], IN_T.idx[j], raw[3]);
        let t2 = _mm512_permutex2var_epi32(raw[4], IN_T.idx[j], raw[5]);
        let t = _mm512_mask_blend_epi32(IN_T.pair1[j], t0, t1);
        *word = _mm512_mask_blend_epi32(IN_T.pair2[j], t, t2);
    }
    words
}

/// Transposes 16 encoded accepts (see [`base64::encode`]) into their output slots.
#[inline]
#[target_feature(enable = "avx512f")]
fn store_accepts(enc: &[__m512i; 7], out: &mut [[u8; ACCEPT_LEN]; LANES]) {
    let dst = out.as_mut_ptr().cast::<__m512i>();
    for r in 0..7 {
        let idx = OUT_T.idx[r];
        let [k1, k2, k3] = OUT_T.pair[r];
        let t01 = _mm512_permutex2var_epi32(enc[0], idx, enc[1]);
        let t23 = _mm512_permutex2var_epi32(enc[2], idx, enc[3]);
        let t45 = _mm512_permutex2var_epi32(enc[4], idx, enc[5]);
        let t6 = _mm512_permutexvar_epi32(idx, enc[6]);
        let v = _mm512_mask_blend_epi32(k1, t01, t23);
        let v = _mm512_mask_blend_epi32(k2, v, t45);
        let v = _mm512_mask_blend_epi32(k3, v, t6);
        // SAFETY: `out` is 16 * 28 = 448 = 7 * 64 writable bytes, `r < 7`, and `storeu` has no
        // alignment requirement.
        unsafe { _mm512_storeu_si512(dst.add(r), v) };
    }
}

/// Accepts for `G` groups of 16 keys into `out`; returns per group the lanes whose key fails
/// the strict rules (0 when not `strict`). Every lane is hashed; the caller fixes up flagged
/// lanes.
#[inline]
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
fn groups<const G: usize>(
    keys: &[[[u8; KEY_LEN]; LANES]; G],
    out: &mut [[[u8; ACCEPT_LEN]; LANES]; G],
    strict: bool,
) -> [u16; G] {
    let mut words = [[_mm512_setzero_si512(); G]; 6];
    let mut invalid = [0u16; G];
    for g in 0..G {
        let w = load_words(&keys[g]);
        if strict {
            invalid[g] = strict::invalid_lanes(&w.map(Avx512)) as u16;
        }
        for j in 0..6 {
            words[j][g] = w[j];
        }
    }
    let h = sha1_two_blocks(words);
    for (g, out) in out.iter_mut().enumerate() {
        let enc = base64::encode(h.map(|w| Avx512(w[g])));
        store_accepts(&enc.map(|v| v.0), out);
    }
    invalid
}

/// The backend contract (see `backend` module docs), 16 keys at a time.
///
/// # Safety
/// A `#[target_feature]` function: calling it from code without these features requires the
/// CPU to support AVX-512 F, BW and VL (as `BackendKind::Avx512.is_available()` checks).
#[target_feature(enable = "avx512f,avx512bw,avx512vl")]
pub fn accept_keys(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize {
    assert!(keys.len() == out.len() && keys.len() == status.len());
    let mut invalid = 0;
    let mut settle_all =
        |k: &[[u8; KEY_LEN]], o: &mut [[u8; ACCEPT_LEN]], s: &mut [KeyStatus], flagged: &[u16]| {
            for (((k, o), s), &flagged) in k
                .chunks(LANES)
                .zip(o.chunks_mut(LANES))
                .zip(s.chunks_mut(LANES))
                .zip(flagged)
            {
                invalid += settle_flagged(k, o, s, u32::from(flagged));
            }
        };
    // Two groups per step while there are 32 keys, then one.
    let (key_pairs, keys_rest) = keys.as_chunks::<{ 2 * LANES }>();
    let (out_pairs, out_rest) = out.as_chunks_mut::<{ 2 * LANES }>();
    let (status_pairs, status_rest) = status.as_chunks_mut::<{ 2 * LANES }>();
    for ((k, o), s) in key_pairs.iter().zip(out_pairs).zip(status_pairs) {
        // Reinterpreting [T; 32] as [[T; 16]; 2] is what `as_chunks` does.
        let (k2, _) = k.as_chunks::<LANES>();
        let (o2, _) = o.as_chunks_mut::<LANES>();
        let flagged = groups::<2>(k2.try_into().unwrap(), o2.try_into().unwrap(), strict);
        settle_all(k, o, s, &flagged);
    }
    let (key_groups, key_tail) = keys_rest.as_chunks::<LANES>();
    let (out_groups, out_tail) = out_rest.as_chunks_mut::<LANES>();
    let (status_groups, status_tail) = status_rest.as_chunks_mut::<LANES>();
    for ((k, o), s) in key_groups.iter().zip(out_groups).zip(status_groups) {
        let flagged = groups::<1>(core::array::from_ref(k), core::array::from_mut(o), strict);
        settle_all(k, o, s, &flagged);
    }
    let n = key_tail.len();
    if n > 0 {
        // Pad the last partial group with a valid key: one full step is cheaper than any
        // per-key path, and only the real lanes are copied back.
        let mut k = [FILLER_KEY; LANES];
        k[..n].copy_from_slice(key_tail);
        let mut o = [[0; ACCEPT_LEN]; LANES];
        let [flagged] = groups::<1>(
            core::array::from_ref(&k),
            core::array::from_mut(&mut o),
            strict,
        );
        out_tail.copy_from_slice(&o[..n]);
        settle_all(
            key_tail,
            out_tail,
            status_tail,
            &[flagged & ((1u16 << n) - 1)],
        );
    }
    invalid
}

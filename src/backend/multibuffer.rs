//! The multi-buffer SHA-1 of key ‖ GUID, written once over [`Vector`]: one key per 32-bit lane,
//! both padded blocks, everything that is the same for every key folded into constants.
//!
//! Constant folding: block one's words W6..W15 (GUID and padding) and the IV are constants, and
//! block two is entirely constant ([`super::message`]). The rounds are written over [`Word`],
//! a value that is either a compile-time `u32` or a vector; every operation on two constants is
//! done in `u32` arithmetic, which the compiler evaluates at compile time because the rounds
//! are fully unrolled. So rounds 6..15 of block one add a precomputed W+K, the early schedule
//! words only XOR in the part that varies, and block two adds W+K from a table.
//!
//! Latency: a round depends on the previous one through a rotate and an add, so one register
//! of keys alone leaves the vector units idle. A backend interleaves several registers by
//! running the core over a [`Group`] of them; the trait's fences
//! ([`RoundOps::fence_sum`], [`RoundOps::fence_group`]) keep the compiler from undoing what the
//! schedule relies on (see each backend for which it uses).

use super::message::{BLOCK1_FIRST_CONST, BLOCK1_WORDS, BLOCK2_WK, K, SHA1_IV};
use super::vector::Vector;

/// `G` registers of keys driven as one: every operation is applied to each, so that their
/// independent dependency chains overlap.
#[derive(Clone, Copy)]
pub(crate) struct Group<V, const G: usize>(pub(crate) [V; G]);

impl<V: Vector, const G: usize> Group<V, G> {
    #[inline(always)]
    fn map2(self, o: Self, f: impl Fn(V, V) -> V) -> Self {
        Group(core::array::from_fn(|i| f(self.0[i], o.0[i])))
    }
}

// SAFETY: a `Group` is made of values of `V`, which exist only where `V`'s instructions run;
// every method only applies `V`'s methods.
unsafe impl<V: Vector, const G: usize> Vector for Group<V, G> {
    const LANES: usize = V::LANES * G;

    #[inline(always)]
    fn splat32(self, x: u32) -> Self {
        Group(self.0.map(|v| v.splat32(x)))
    }
    #[inline(always)]
    fn splat8(self, x: u8) -> Self {
        Group(self.0.map(|v| v.splat8(x)))
    }
    #[inline(always)]
    fn table16(self, t: [u8; 16]) -> Self {
        Group(self.0.map(|v| v.table16(t)))
    }
    #[inline(always)]
    fn and(self, o: Self) -> Self {
        self.map2(o, V::and)
    }
    #[inline(always)]
    fn or(self, o: Self) -> Self {
        self.map2(o, V::or)
    }
    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        self.map2(o, V::xor)
    }
    #[inline(always)]
    fn andnot(self, o: Self) -> Self {
        self.map2(o, V::andnot)
    }
    #[inline(always)]
    fn shl32<const N: i32>(self) -> Self {
        Group(self.0.map(|v| v.shl32::<N>()))
    }
    #[inline(always)]
    fn shr32<const N: i32>(self) -> Self {
        Group(self.0.map(|v| v.shr32::<N>()))
    }
    #[inline(always)]
    fn shuffle8(self, idx: Self) -> Self {
        self.map2(idx, V::shuffle8)
    }
    #[inline(always)]
    fn eq8(self, o: Self) -> Self {
        self.map2(o, V::eq8)
    }
    #[inline(always)]
    fn lt8(self, n: u8) -> Self {
        Group(self.0.map(|v| v.lt8(n)))
    }
    #[inline(always)]
    fn sub_sat8(self, n: u8) -> Self {
        Group(self.0.map(|v| v.sub_sat8(n)))
    }
    #[inline(always)]
    fn add8(self, o: Self) -> Self {
        self.map2(o, V::add8)
    }
    #[inline(always)]
    fn mulhi16(self, o: Self) -> Self {
        self.map2(o, V::mulhi16)
    }
    #[inline(always)]
    fn mullo16(self, o: Self) -> Self {
        self.map2(o, V::mullo16)
    }
    #[inline(always)]
    fn nonzero_lanes(self) -> u32 {
        // Lanes of register `i` come after those of the registers before it.
        let mut bits = 0;
        for v in self.0.iter().rev() {
            bits = (bits << V::LANES) | v.nonzero_lanes();
        }
        bits
    }
}

/// What the multi-buffer rounds need of a register beyond [`Vector`]: 32-bit adds and rotates,
/// three-input logic, and the fences that keep the compiler to the rounds' schedule.
///
/// # Safety
/// As for [`Vector`].
pub(crate) unsafe trait RoundOps: Vector {
    fn add32(self, o: Self) -> Self;

    /// Rotate each 32-bit lane left by `N` (0 < N < 32).
    fn rotl32<const N: i32>(self) -> Self;

    /// The bitwise function of three inputs whose truth table is `IMM` (bit
    /// `(a << 2) | (b << 1) | c` is the result bit, AVX-512's `vpternlogd`). The default builds
    /// the three SHA-1 uses (0x96 parity, 0xCA choose, 0xE8 majority) from two-input operations
    /// and any other from its minterms; a target with a ternary instruction overrides it.
    #[inline(always)]
    fn ternary<const IMM: i32>(self, b: Self, c: Self) -> Self {
        match IMM {
            0x96 => self.xor(b).xor(c),
            0xCA => c.xor(self.and(b.xor(c))),
            0xE8 => self.and(b).or(c.and(self.or(b))),
            _ => {
                let ones = self.splat32(u32::MAX);
                let mut r = self.splat32(0);
                for i in 0..8 {
                    if IMM >> i & 1 == 1 {
                        let x = if i & 4 != 0 { self } else { self.xor(ones) };
                        let y = if i & 2 != 0 { b } else { b.xor(ones) };
                        let z = if i & 1 != 0 { c } else { c.xor(ones) };
                        r = r.or(x.and(y).and(z));
                    }
                }
                r
            }
        }
    }

    /// Optimisation fence on a partial sum of a SHA-1 round (`e + wk + f`), before `rotl5(a)`
    /// is added: returns `self` unchanged, but may stop the compiler from re-associating the
    /// sum so that the round-to-round chain grows by an add. Identity unless overridden.
    #[inline(always)]
    fn fence_sum(self) -> Self {
        self
    }

    /// Optimisation fence on a SHA-1 state word just computed. Identity unless overridden
    /// ([`Group`] turns it into [`fence_group`](Self::fence_group)).
    #[inline(always)]
    fn fence_state(self) -> Self {
        self
    }

    /// Optimisation fence on the copies of one state word in `G` interleaved registers: may
    /// make them all exist at the same point, so that the compiler cannot schedule the
    /// registers' rounds one after the other. Identity unless overridden.
    #[inline(always)]
    fn fence_group<const G: usize>(g: [Self; G]) -> [Self; G] {
        g
    }
}

// SAFETY: as for `Group`'s `Vector` impl: only `V`'s methods are applied.
unsafe impl<V: RoundOps, const G: usize> RoundOps for Group<V, G> {
    #[inline(always)]
    fn add32(self, o: Self) -> Self {
        self.map2(o, V::add32)
    }
    #[inline(always)]
    fn rotl32<const N: i32>(self) -> Self {
        Group(self.0.map(|v| v.rotl32::<N>()))
    }
    #[inline(always)]
    fn ternary<const IMM: i32>(self, b: Self, c: Self) -> Self {
        Group(core::array::from_fn(|i| {
            self.0[i].ternary::<IMM>(b.0[i], c.0[i])
        }))
    }
    #[inline(always)]
    fn fence_sum(self) -> Self {
        Group(self.0.map(V::fence_sum))
    }
    #[inline(always)]
    fn fence_state(self) -> Self {
        Group(V::fence_group(self.0))
    }
}

/// A SHA-1 word for every lane: the same constant in all (folded at compile time) or one value
/// per lane.
#[derive(Clone, Copy)]
enum Word<V> {
    C(u32),
    V(V),
}

use Word::{C, V as Var};

/// The value of `ternary::<imm>` on scalars: bit `(a << 2) | (b << 1) | c` of `imm` is the
/// result bit (`vpternlogd`'s definition).
pub(crate) const fn ternary_scalar(imm: u8, a: u32, b: u32, c: u32) -> u32 {
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

/// The words' operations, with constants merged at compile time. `witness` is any vector of
/// the type (constants become vectors only when they meet one).
impl<V: RoundOps> Word<V> {
    #[inline(always)]
    fn vector(self, witness: V) -> V {
        match self {
            C(c) => witness.splat32(c),
            Var(v) => v,
        }
    }

    #[inline(always)]
    fn add(self, o: Self) -> Self {
        match (self, o) {
            (C(x), C(y)) => C(x.wrapping_add(y)),
            (Var(v), w) | (w, Var(v)) => Var(v.add32(w.vector(v))),
        }
    }

    #[inline(always)]
    fn rotl<const N: i32>(self) -> Self {
        match self {
            C(x) => C(x.rotate_left(N as u32)),
            Var(v) => Var(v.rotl32::<N>()),
        }
    }

    #[inline(always)]
    fn xor(self, o: Self) -> Self {
        match (self, o) {
            (C(x), C(y)) => C(x ^ y),
            (C(0), v) | (v, C(0)) => v,
            (Var(v), w) | (w, Var(v)) => Var(v.xor(w.vector(v))),
        }
    }

    #[inline(always)]
    fn ternary<const IMM: i32>(self, b: Self, c: Self) -> Self {
        match (self, b, c) {
            (C(x), C(y), C(z)) => C(ternary_scalar(IMM as u8, x, y, z)),
            (Var(v), _, _) | (_, Var(v), _) | (_, _, Var(v)) => {
                Var(self.vector(v).ternary::<IMM>(b.vector(v), c.vector(v)))
            }
        }
    }

    /// `a ^ b ^ c` with the constant terms merged first, so they cost at most one operand.
    #[inline(always)]
    fn xor3(a: Self, b: Self, c: Self) -> Self {
        match (a, b, c) {
            (C(k), x, y) | (x, C(k), y) | (x, y, C(k)) => match (x, y) {
                (C(j), v) | (v, C(j)) => v.xor(C(k ^ j)),
                _ => x.ternary::<0x96>(y, C(k)),
            },
            _ => a.ternary::<0x96>(b, c),
        }
    }

    /// `a ^ b ^ c ^ d` with the constant terms merged first.
    #[inline(always)]
    fn xor4(a: Self, b: Self, c: Self, d: Self) -> Self {
        match (a, b, c, d) {
            (C(k), x, y, z) | (x, C(k), y, z) | (x, y, C(k), z) | (x, y, z, C(k)) => {
                match (x, y, z) {
                    (C(j), v, u) | (v, C(j), u) | (v, u, C(j)) => Self::xor3(v, u, C(k ^ j)),
                    _ => x.ternary::<0x96>(y, z).xor(C(k)),
                }
            }
            _ => a.ternary::<0x96>(b, c).xor(d),
        }
    }

    #[inline(always)]
    fn fence_sum(self) -> Self {
        match self {
            Var(v) => Var(v.fence_sum()),
            c => c,
        }
    }

    #[inline(always)]
    fn fence_state(self) -> Self {
        match self {
            Var(v) => Var(v.fence_state()),
            c => c,
        }
    }
}

/// The round function of round `t`: Ch, Parity, Maj, Parity.
#[inline(always)]
fn f<V: RoundOps>(t: usize, b: Word<V>, c: Word<V>, d: Word<V>) -> Word<V> {
    match t / 20 {
        0 => b.ternary::<0xCA>(c, d),
        2 => b.ternary::<0xE8>(c, d),
        _ => b.ternary::<0x96>(c, d),
    }
}

/// Block one's message word `t` (t < 80). `w` is a rolling window of the words that vary per
/// lane (W0..W5 and W16..); W6..W15 are constants. Words from 16 on are computed here and
/// stored in the window, so call this once per `t`, in order.
#[inline(always)]
fn block1_word<V: RoundOps>(w: &mut [V; 16], t: usize) -> Word<V> {
    let get = |w: &[V; 16], i: usize| {
        if (BLOCK1_FIRST_CONST..16).contains(&i) {
            C(BLOCK1_WORDS[i])
        } else {
            Var(w[i % 16])
        }
    };
    if t < 16 {
        return get(w, t);
    }
    let x = Word::xor4(get(w, t - 3), get(w, t - 8), get(w, t - 14), get(w, t - 16)).rotl::<1>();
    w[t % 16] = x.vector(w[0]);
    x
}

/// One SHA-1 round: `e += rotl5(a) + f(b, c, d) + wk`, `b = rotl30(b)`. The sum is grouped so
/// that only the last addition waits on `a`, the previous round's result: the chain from one
/// round to the next is then one rotate and one add. `fence_sum` can keep the compiler from
/// regrouping it, `fence_state` from scheduling interleaved registers one after the other.
macro_rules! round {
    ($t:expr, $wk:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
        $e = $e
            .add($wk)
            .add(f($t, $b, $c, $d))
            .fence_sum()
            .add($a.rotl::<5>())
            .fence_state();
        $b = $b.rotl::<30>().fence_state();
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

/// SHA-1 of key ‖ GUID for one key per lane, given the keys' message words W0..W5 (big-endian
/// values); returns the digest words H0..H4 per lane.
#[inline(always)]
pub(crate) fn two_blocks<V: RoundOps>(key_words: [V; 6]) -> [V; 5] {
    // Block one: six words per lane, the rest constant; the schedule is built as it is used.
    let mut w = [key_words[0]; 16];
    w[..6].copy_from_slice(&key_words);
    let [mut a, mut b, mut c, mut d, mut e] = SHA1_IV.map(C);
    macro_rules! r1 {
        ($t:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
            let wt = block1_word(&mut w, $t);
            round!($t, wt.add(C(K[$t / 20])), $a, $b, $c, $d, $e);
        };
    }
    eighty!(r1, a, b, c, d, e);
    let h1 = [
        C(SHA1_IV[0]).add(a),
        C(SHA1_IV[1]).add(b),
        C(SHA1_IV[2]).add(c),
        C(SHA1_IV[3]).add(d),
        C(SHA1_IV[4]).add(e),
    ];

    // Block two: the same for every key, so W+K comes straight from the table.
    let [mut a, mut b, mut c, mut d, mut e] = h1;
    macro_rules! r2 {
        ($t:expr, $a:ident, $b:ident, $c:ident, $d:ident, $e:ident) => {
            round!($t, C(BLOCK2_WK[$t]), $a, $b, $c, $d, $e);
        };
    }
    eighty!(r2, a, b, c, d, e);
    let witness = key_words[0];
    [
        h1[0].add(a).vector(witness),
        h1[1].add(b).vector(witness),
        h1[2].add(c).vector(witness),
        h1[3].add(d).vector(witness),
        h1[4].add(e).vector(witness),
    ]
}

#[cfg(test)]
mod tests {
    use super::ternary_scalar;

    /// The three functions the rounds use, by their immediates.
    #[test]
    fn ternary_immediates() {
        let (b, c, d) = (0xF0F0_FF00u32, 0xCCCC_F0F0u32, 0xAAAA_CCCCu32);
        assert_eq!(ternary_scalar(0xCA, b, c, d), (b & c) | (!b & d));
        assert_eq!(ternary_scalar(0xE8, b, c, d), (b & c) | (b & d) | (c & d));
        assert_eq!(ternary_scalar(0x96, b, c, d), b ^ c ^ d);
    }
}

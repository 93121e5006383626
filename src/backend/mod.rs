//! Backends: interchangeable implementations of one contract, "compute the accepts for a block
//! of 24-byte keys", chosen once at run time from what the CPU has.
//!
//! Every backend must give exactly the bytes and statuses of [`portable`]; the shared test
//! helper in `tests/backends.rs` checks each one the CPU has against it.
//!
//! The contract (`accept_keys`): for each `i`, if `strict` and `keys[i]` is not a valid strict
//! key, write `status[i]` = its [`KeyStatus`] (the kind of the *first* problem by position, as
//! [`crate::key::check_strict`] reports it) and zero `out[i]`; otherwise write the accept into
//! `out[i]` and `KeyStatus::Ok`. Return the number of invalid keys. Slices are of equal length
//! (checked by the caller) and may start at any address.
//!
//! Selection: [`Backend::active`] is detected on first use and cached. The environment variable
//! `WSACCEPT_BACKEND` (a name from [`BackendKind::name`]) forces one for the whole process; a
//! name the CPU cannot run is ignored with a warning on stderr.

use std::sync::OnceLock;

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_endian = "little")
))]
use crate::key::check_strict;
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
pub mod aarch64;
#[cfg(target_arch = "x86_64")]
pub mod avx2;
#[cfg(target_arch = "x86_64")]
pub mod avx512;
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
mod neon;
pub mod portable;
#[cfg(target_arch = "x86_64")]
pub mod shani;

/// The backends wsaccept knows, fastest last.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendKind {
    /// `sha1::compress` per key (the crate itself uses SHA-NI when present) + `base64-simd`.
    /// Runs everywhere; the reference every other backend is tested against.
    Portable,
    /// Eight keys per step in 256-bit lanes (x86-64 with AVX2): SIMD validation, SHA-1 with the
    /// constant GUID/padding words folded, SIMD base64.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// Several keys' SHA-NI round sequences interleaved (x86_64 with SHA extensions).
    #[cfg(target_arch = "x86_64")]
    ShaNi,
    /// 16 keys per step in AVX-512 lanes (F, BW, VL): SIMD validation, SHA-1 with the constant
    /// words folded in, SIMD base64.
    #[cfg(target_arch = "x86_64")]
    Avx512,
    /// Four keys' SHA1-instruction sequences interleaved (aarch64 with the SHA1 instructions,
    /// Rust's `sha2` feature): NEON validation and base64. Also the single-key path when used.
    #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
    ArmSha1,
}

impl BackendKind {
    /// Every backend, in order of preference from slowest to fastest: detection picks the last
    /// one the CPU has. The order is measured (README, `batch_1m`, one thread, CPU time per
    /// key on an AMD EPYC with all four): portable 82, avx2 29, shani 27.5, avx512 10.4 ns.
    /// SHA-NI beats AVX2 where a CPU has both (AMD Zen 1-3, Intel Ice Lake and later clients);
    /// AVX2 serves CPUs without SHA-NI (Intel Haswell to Skylake).
    pub const ALL: &'static [BackendKind] = &[
        BackendKind::Portable,
        #[cfg(target_arch = "x86_64")]
        BackendKind::Avx2,
        #[cfg(target_arch = "x86_64")]
        BackendKind::ShaNi,
        #[cfg(target_arch = "x86_64")]
        BackendKind::Avx512,
        #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
        BackendKind::ArmSha1,
    ];

    /// The name used by `WSACCEPT_BACKEND`, the CLI and the C ABI.
    pub fn name(self) -> &'static str {
        match self {
            BackendKind::Portable => "portable",
            #[cfg(target_arch = "x86_64")]
            BackendKind::ShaNi => "shani",
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx2 => "avx2",
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx512 => "avx512",
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            BackendKind::ArmSha1 => "armsha1",
        }
    }

    /// Looks a backend up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<BackendKind> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// How many keys the backend works on at once (1 for per-key backends).
    pub fn lanes(self) -> usize {
        match self {
            BackendKind::Portable => portable::LANES,
            #[cfg(target_arch = "x86_64")]
            BackendKind::ShaNi => shani::LANES,
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx2 => avx2::LANES,
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx512 => avx512::LANES,
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            BackendKind::ArmSha1 => aarch64::LANES,
        }
    }

    /// Fewest keys worth a pass through the kernel: fewer (a tiny batch, or the tail after the
    /// last full group) go through the per-key reference path, which costs less than a padded
    /// group. Measured with `cargo bench --bench accept -- batch_small` (README).
    pub fn min_keys(self) -> usize {
        match self {
            BackendKind::Portable => 1,
            // One key: ~81 ns per key by the reference path, ~113 ns for a padded group of 4.
            #[cfg(target_arch = "x86_64")]
            BackendKind::ShaNi => 2,
            // A padded group of 8 costs ~375 ns whatever it holds: four keys or fewer go the
            // per-key way (81 ns each).
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx2 => 5,
            // A padded group of 16 costs ~211 ns whatever it holds; the reference path 81 ns
            // per key, so one or two keys go that way.
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx512 => 3,
            // Tails go through narrower interleaves (3, 2 or 1 streams) in the kernel itself.
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            BackendKind::ArmSha1 => 1,
        }
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        match self {
            BackendKind::Portable => true,
            #[cfg(target_arch = "x86_64")]
            BackendKind::ShaNi => {
                is_x86_feature_detected!("sha")
                    && is_x86_feature_detected!("sse2")
                    && is_x86_feature_detected!("ssse3")
                    && is_x86_feature_detected!("sse4.1")
            }
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx2 => is_x86_feature_detected!("avx2"),
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx512 => {
                is_x86_feature_detected!("avx512f")
                    && is_x86_feature_detected!("avx512bw")
                    && is_x86_feature_detected!("avx512vl")
            }
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            BackendKind::ArmSha1 => {
                std::arch::is_aarch64_feature_detected!("neon")
                    && std::arch::is_aarch64_feature_detected!("sha2")
            }
        }
    }
}

/// A backend this CPU is known to support. Only obtainable through [`Backend::new`],
/// [`Backend::detect`] or [`Backend::active`], which is what makes dispatch safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backend(BackendKind);

impl Backend {
    /// The backend `kind`, if this CPU supports it.
    pub fn new(kind: BackendKind) -> Option<Backend> {
        kind.is_available().then_some(Backend(kind))
    }

    /// The reference backend, available everywhere.
    pub fn portable() -> Backend {
        Backend(BackendKind::Portable)
    }

    /// The fastest backend this CPU supports, ignoring `WSACCEPT_BACKEND`.
    pub fn detect() -> Backend {
        Self::available().last().unwrap_or_else(Backend::portable)
    }

    /// Every backend this CPU supports, slowest first.
    pub fn available() -> impl Iterator<Item = Backend> {
        BackendKind::ALL.iter().copied().filter_map(Backend::new)
    }

    /// The backend in use: `WSACCEPT_BACKEND` if set and supported, else [`detect`](Self::detect).
    /// Decided on the first call and cached.
    pub fn active() -> Backend {
        static ACTIVE: OnceLock<Backend> = OnceLock::new();
        *ACTIVE.get_or_init(|| match std::env::var("WSACCEPT_BACKEND") {
            Ok(name) if !name.is_empty() => {
                match BackendKind::from_name(&name).and_then(Backend::new) {
                    Some(backend) => backend,
                    None => {
                        eprintln!(
                        "wsaccept: WSACCEPT_BACKEND={name:?} is not a backend this CPU supports; \
                         using {}",
                        Backend::detect().name()
                    );
                        Backend::detect()
                    }
                }
            }
            _ => Backend::detect(),
        })
    }

    pub fn kind(self) -> BackendKind {
        self.0
    }

    pub fn name(self) -> &'static str {
        self.0.name()
    }

    pub fn lanes(self) -> usize {
        self.0.lanes()
    }

    /// Computes accepts for a block of 24-byte keys under the backend contract (module docs).
    ///
    /// Groups of keys go through the backend's kernel. A batch, or a tail after the last full
    /// group, of fewer than [`BackendKind::min_keys`] keys goes through the per-key reference
    /// path instead, which is cheaper than hashing a whole padded group for them.
    ///
    /// # Panics
    /// If the three slices differ in length.
    #[inline]
    pub fn accept_keys(
        self,
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        assert_same_lengths(keys, out, status);
        let min = self.0.min_keys();
        // Lane counts are powers of two, so the tail is a mask rather than a division.
        debug_assert!(self.lanes().is_power_of_two());
        let tail = keys.len() & (self.lanes() - 1);
        if tail == 0 || tail >= min {
            return self.accept_keys_kernel(keys, out, status, strict);
        }
        let full = keys.len() - tail;
        let (keys, tail_keys) = keys.split_at(full);
        let (out, tail_out) = out.split_at_mut(full);
        let (status, tail_status) = status.split_at_mut(full);
        let invalid = if full > 0 {
            self.accept_keys_kernel(keys, out, status, strict)
        } else {
            0
        };
        invalid + portable::accept_keys(tail_keys, tail_out, tail_status, strict)
    }

    /// The backend's kernel alone, for every length (tails padded to a full group): what
    /// [`accept_keys`](Self::accept_keys) uses for full groups. Public for the tests.
    #[doc(hidden)]
    pub fn accept_keys_kernel(
        self,
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        assert_same_lengths(keys, out, status);
        match self.0 {
            BackendKind::Portable => portable::accept_keys(keys, out, status, strict),
            // SAFETY: a `Backend` holding `ShaNi` is only built when `is_available` saw sha,
            // sse2, ssse3 and sse4.1 on this CPU.
            #[cfg(target_arch = "x86_64")]
            BackendKind::ShaNi => unsafe { shani::accept_keys(keys, out, status, strict) },
            // SAFETY: a `Backend` holding `Avx2` is only built by `Backend::new`, after
            // `is_available` detected AVX2 on this CPU.
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx2 => unsafe { avx2::accept_keys(keys, out, status, strict) },
            // SAFETY: Backend::new checked is_available, so the CPU has AVX-512 F, BW and VL.
            #[cfg(target_arch = "x86_64")]
            BackendKind::Avx512 => unsafe { avx512::accept_keys(keys, out, status, strict) },
            // SAFETY: Backend::new checked is_available, so the CPU has the SHA1 instructions.
            #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
            BackendKind::ArmSha1 => unsafe { aarch64::accept_keys(keys, out, status, strict) },
        }
    }
}

/// The backend contract's precondition: one output slot and one status per key.
#[inline]
fn assert_same_lengths(keys: &[[u8; KEY_LEN]], out: &[[u8; ACCEPT_LEN]], status: &[KeyStatus]) {
    assert!(
        keys.len() == out.len() && keys.len() == status.len(),
        "accept_keys: slices of different lengths"
    );
}

/// The SIMD backends' rare path, after a group was hashed: `Ok` for every key, then, for each
/// lane the SIMD check flagged (bit `i` of `flagged`), the exact error from [`check_strict`]
/// and a zeroed slot. Every lane was hashed, so were the SIMD check ever to flag a key the
/// scalar rules accept, its output would still be right. Returns how many keys were invalid.
#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_endian = "little")
))]
#[inline]
fn settle_flagged(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    mut flagged: u32,
) -> usize {
    status.fill(KeyStatus::Ok);
    let mut invalid = 0;
    while flagged != 0 {
        let i = flagged.trailing_zeros() as usize;
        flagged &= flagged - 1;
        if let Err(err) = check_strict(&keys[i]) {
            out[i] = [0; ACCEPT_LEN];
            status[i] = err.status();
            invalid += 1;
        }
    }
    invalid
}

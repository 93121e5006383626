//! Backends: interchangeable implementations of one contract, "compute the accepts for a block
//! of 24-byte keys", chosen once at run time from what the CPU has.
//!
//! Every backend must give exactly the bytes and statuses of `portable`; the shared test
//! helper in `tests/backends.rs` checks each one the CPU has against it.
//!
//! The contract (every backend's [`Entry`]): for each `i`, if `strict` and `keys[i]` is not a
//! valid strict key, write `status[i]` = its [`KeyStatus`] (the kind of the *first* problem by
//! position, as [`crate::key::check_strict`] reports it) and zero `out[i]`; otherwise write the
//! accept into `out[i]` and `KeyStatus::Ok`. Return the number of invalid keys. Slices are of
//! equal length (checked by the dispatcher) and may start at any address.
//!
//! Each backend is one row of [`TABLE`] (name, lanes, fewest keys worth a pass, CPU features,
//! entry point); [`BackendKind`]'s methods, detection and dispatch all read it, so a new
//! backend is its file, its variant and its row. The SIMD backends share their algorithms
//! (`strict`, `sha1`, `base64`, over the `vector::Vector` trait); a backend file is the ISA
//! glue.
//!
//! Selection: [`Backend::active`] is detected on first use and cached. The environment variable
//! `WSACCEPT_BACKEND` (a name from [`BackendKind::name`]) forces one for the whole process; a
//! name that is no backend or one the CPU cannot run is ignored (the detected backend is used)
//! and [`Backend::env_error`] says why. The library itself prints nothing.

use std::fmt;
use std::sync::OnceLock;

#[cfg(any(
    target_arch = "x86_64",
    all(target_arch = "aarch64", target_endian = "little")
))]
use crate::key::check_strict;
use crate::key::{KeyStatus, ACCEPT_LEN, KEY_LEN};

/// Declares a backend module's CPU features once, by Rust's names: the `FEATURES` list its
/// [`TABLE`] row takes (detection checks every one), and the `target_features!` wrapper that
/// compiles the module's functions for exactly that list
/// (`#[target_feature(enable = "a", enable = "b")]`). Use: `cpu_features!("a", "b");` after the
/// module's imports, then `target_features! { fn ... }`.
macro_rules! cpu_features {
    ($($feature:literal),+ $(,)?) => {
        cpu_features!(@define ($) $($feature),+);
    };
    // `$d` is a `$` for the inner macro's own variables.
    (@define ($d:tt) $($feature:literal),+) => {
        /// The CPU features this backend's functions are compiled for, all detected before
        /// any of them runs.
        pub(super) const FEATURES: &[&str] = &[$($feature),+];

        /// Compiles the functions inside for [`FEATURES`].
        macro_rules! target_features {
            ($d($d item:item)*) => {
                $d(#[target_feature($(enable = $feature),+)] $d item)*
            };
        }
    };
}

/// Declares the modules every SIMD backend shares, on the architectures that have one.
macro_rules! shared_simd_modules {
    ($($module:ident),+) => {
        $(
            #[cfg(any(
                target_arch = "x86_64",
                all(target_arch = "aarch64", target_endian = "little")
            ))]
            mod $module;
        )+
    };
}
shared_simd_modules!(base64, constants, driver, strict, vector);

#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
mod aarch64;
#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod avx512;
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
mod neon;
pub(crate) mod portable;
#[cfg(target_arch = "x86_64")]
mod sha1;
#[cfg(target_arch = "x86_64")]
mod shani;

/// The single-key path's fast route on aarch64 (`crate::compute::accept_24`): one stream of the
/// SHA1 instructions, taken when `armsha1` is the backend in use.
#[cfg(all(target_arch = "aarch64", target_endian = "little"))]
pub(crate) use aarch64::{accept_one as armsha1_accept_one, single_key_enabled as armsha1_in_use};

/// The backends wsaccept knows, fastest last. What each is and does is in its row of `TABLE`
/// (src/backend/mod.rs) and its module.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackendKind {
    /// `sha1::compress` per key and a scalar base64 encoder: runs everywhere; the reference
    /// every other backend is tested against.
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

/// A backend's entry point: the contract in the module docs.
///
/// # Safety
/// Only callable where the backend's [`Facts::features`] were detected (the function is
/// compiled for them).
pub(crate) type Entry = unsafe fn(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize;

/// Everything wsaccept knows about one backend.
pub(crate) struct Facts {
    pub(crate) kind: BackendKind,
    /// The name used by `WSACCEPT_BACKEND`, the CLI and the C ABI.
    pub(crate) name: &'static str,
    /// Keys the kernel works on at once (a power of two).
    pub(crate) lanes: usize,
    /// Fewest keys worth a pass through the kernel: fewer (a tiny batch, or the tail after the
    /// last full group) go through the per-key reference path, which costs less than a padded
    /// group. Placed with `cargo bench --bench accept -- batch_small` (README).
    pub(crate) min_keys: usize,
    /// CPU features the entry point is compiled for, by Rust's names; all must be detected.
    pub(crate) features: &'static [&'static str],
    pub(crate) entry: Entry,
}

/// Every backend, in order of preference from slowest to fastest (detection picks the last one
/// the CPU has), at the index of its [`BackendKind`]. The order is measured (README, `batch_1m`):
/// SHA-NI beats AVX2 where a CPU has both (AMD Zen 1-3, Intel Ice Lake and later clients); AVX2
/// serves CPUs without SHA-NI (Intel Haswell to Skylake).
pub(crate) const TABLE: &[Facts] = &[
    Facts {
        kind: BackendKind::Portable,
        name: "portable",
        lanes: portable::LANES,
        min_keys: 1,
        features: &[],
        entry: portable::accept_keys,
    },
    #[cfg(target_arch = "x86_64")]
    Facts {
        kind: BackendKind::Avx2,
        name: "avx2",
        lanes: avx2::LANES,
        // A padded group of 8 costs as much whatever it holds: four keys or fewer go the
        // per-key way.
        min_keys: 5,
        features: avx2::FEATURES,
        entry: avx2::accept_keys,
    },
    #[cfg(target_arch = "x86_64")]
    Facts {
        kind: BackendKind::ShaNi,
        name: "shani",
        lanes: shani::LANES,
        // One key costs less by the per-key path than a padded group of 4.
        min_keys: 2,
        features: shani::FEATURES,
        entry: shani::accept_keys,
    },
    #[cfg(target_arch = "x86_64")]
    Facts {
        kind: BackendKind::Avx512,
        name: "avx512",
        lanes: avx512::LANES,
        // A padded group of 16 costs as much whatever it holds: one or two keys go the per-key
        // way.
        min_keys: 3,
        features: avx512::FEATURES,
        entry: avx512::accept_keys,
    },
    #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
    Facts {
        kind: BackendKind::ArmSha1,
        name: "armsha1",
        lanes: aarch64::LANES,
        // Tails go through narrower interleaves (3, 2 or 1 streams) in the kernel itself.
        min_keys: 1,
        // `sha2` is how Rust names (and detects) the SHA1 instructions; NEON for the key check
        // and base64.
        features: aarch64::FEATURES,
        entry: aarch64::accept_keys,
    },
];

/// Whether the CPU has `feature` (a name from a [`Facts::features`] list); `None` for a name
/// detection does not know (a test keeps the table to known names).
fn cpu_has(feature: &str) -> Option<bool> {
    #[cfg(target_arch = "x86_64")]
    {
        Some(match feature {
            "avx2" => is_x86_feature_detected!("avx2"),
            "avx512f" => is_x86_feature_detected!("avx512f"),
            "avx512bw" => is_x86_feature_detected!("avx512bw"),
            "avx512vl" => is_x86_feature_detected!("avx512vl"),
            "sha" => is_x86_feature_detected!("sha"),
            "sse2" => is_x86_feature_detected!("sse2"),
            "ssse3" => is_x86_feature_detected!("ssse3"),
            "sse4.1" => is_x86_feature_detected!("sse4.1"),
            _ => return None,
        })
    }
    #[cfg(target_arch = "aarch64")]
    {
        Some(match feature {
            "neon" => std::arch::is_aarch64_feature_detected!("neon"),
            "sha2" => std::arch::is_aarch64_feature_detected!("sha2"),
            _ => return None,
        })
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    {
        let _ = feature;
        None
    }
}

impl BackendKind {
    /// Every backend, in order of preference from slowest to fastest: detection picks the last
    /// one the CPU has.
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

    /// This backend's row of [`TABLE`].
    #[inline]
    fn facts(self) -> &'static Facts {
        &TABLE[self as usize]
    }

    /// The name used by `WSACCEPT_BACKEND`, the CLI and the C ABI.
    pub fn name(self) -> &'static str {
        self.facts().name
    }

    /// Looks a backend up by its [`name`](Self::name).
    pub fn from_name(name: &str) -> Option<BackendKind> {
        TABLE.iter().find(|f| f.name == name).map(|f| f.kind)
    }

    /// How many keys the backend works on at once (1 for per-key backends).
    pub fn lanes(self) -> usize {
        self.facts().lanes
    }

    /// Fewest keys worth a pass through the kernel: fewer (a tiny batch, or the tail after the
    /// last full group) go through the per-key reference path, which costs less than a padded
    /// group. Measured with `cargo bench --bench accept -- batch_small` (README).
    pub fn min_keys(self) -> usize {
        self.facts().min_keys
    }

    /// The CPU features the backend needs, by Rust's names (`is_x86_feature_detected!`,
    /// `is_aarch64_feature_detected!`).
    pub fn cpu_features(self) -> &'static [&'static str] {
        self.facts().features
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        self.facts()
            .features
            .iter()
            .all(|f| cpu_has(f) == Some(true))
    }
}

/// Why `WSACCEPT_BACKEND` was not honoured (the detected backend is used instead).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum BackendEnvError {
    /// The value is not the name of any backend.
    UnknownName(String),
    /// A backend this CPU cannot run.
    Unsupported(BackendKind),
}

impl fmt::Display for BackendEnvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BackendEnvError::UnknownName(name) => {
                write!(f, "WSACCEPT_BACKEND={name:?} is not a backend (known:")?;
                for kind in BackendKind::ALL {
                    write!(f, " {}", kind.name())?;
                }
                write!(f, "); using {}", Backend::detect().name())
            }
            BackendEnvError::Unsupported(kind) => write!(
                f,
                "WSACCEPT_BACKEND={:?} needs CPU features this CPU lacks ({}); using {}",
                kind.name(),
                kind.cpu_features().join(", "),
                Backend::detect().name()
            ),
        }
    }
}

impl std::error::Error for BackendEnvError {}

/// A backend this CPU is known to support. Only obtainable through [`Backend::new`],
/// [`Backend::detect`] or [`Backend::active`], which is what makes dispatch safe.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Backend(BackendKind);

/// The process-wide choice: the backend, and why `WSACCEPT_BACKEND` was ignored if it was.
fn choice() -> &'static (Backend, Option<BackendEnvError>) {
    static ACTIVE: OnceLock<(Backend, Option<BackendEnvError>)> = OnceLock::new();
    ACTIVE.get_or_init(|| match std::env::var("WSACCEPT_BACKEND") {
        Ok(name) if !name.is_empty() => match BackendKind::from_name(&name) {
            Some(kind) => match Backend::new(kind) {
                Some(backend) => (backend, None),
                None => (Backend::detect(), Some(BackendEnvError::Unsupported(kind))),
            },
            None => (Backend::detect(), Some(BackendEnvError::UnknownName(name))),
        },
        _ => (Backend::detect(), None),
    })
}

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
        choice().0
    }

    /// Why `WSACCEPT_BACKEND` was ignored when [`active`](Self::active) decided, if it was:
    /// `None` when it is unset, empty or honoured. The library prints nothing; the `wsaccept`
    /// command shows this in `wsaccept backends`.
    pub fn env_error() -> Option<&'static BackendEnvError> {
        choice().1.as_ref()
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
            return self.kernel(keys, out, status, strict);
        }
        let full = keys.len() - tail;
        let (keys, tail_keys) = keys.split_at(full);
        let (out, tail_out) = out.split_at_mut(full);
        let (status, tail_status) = status.split_at_mut(full);
        let invalid = if full > 0 {
            self.kernel(keys, out, status, strict)
        } else {
            0
        };
        invalid + portable::accept_keys(tail_keys, tail_out, tail_status, strict)
    }

    /// The backend's kernel alone, for every length (tails padded to a full group): what
    /// [`accept_keys`](Self::accept_keys) uses for full groups. Only for the tests, benches and
    /// fuzz targets (feature `test-hooks`), which check the kernel's padded tails directly.
    ///
    /// # Panics
    /// If the three slices differ in length.
    #[cfg(feature = "test-hooks")]
    pub fn accept_keys_kernel(
        self,
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        assert_same_lengths(keys, out, status);
        self.kernel(keys, out, status, strict)
    }

    /// The backend's entry point, slices of equal length.
    #[inline]
    fn kernel(
        self,
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        debug_assert!(keys.len() == out.len() && keys.len() == status.len());
        // SAFETY: a `Backend` is only built by `new` (or `portable`, which needs nothing) after
        // `is_available` detected every feature in this backend's row, which is what the entry
        // point is compiled for.
        unsafe { (self.0.facts().entry)(keys, out, status, strict) }
    }
}

/// The backend contract's precondition: one output slot and one status per key.
#[inline(always)]
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each row sits at its kind's index, so `facts` finds it.
    #[test]
    fn table_rows_at_their_kind() {
        assert_eq!(TABLE.len(), BackendKind::ALL.len());
        for (i, (row, &kind)) in TABLE.iter().zip(BackendKind::ALL).enumerate() {
            assert_eq!(row.kind, kind, "row {i}");
            assert_eq!(kind as usize, i);
            assert!(
                row.lanes.is_power_of_two() && row.min_keys >= 1,
                "{}",
                row.name
            );
        }
    }

    /// Detection knows every feature the table names (an unknown name would read as missing
    /// and silently disable its backend).
    #[test]
    fn detection_knows_every_feature() {
        for row in TABLE {
            for &f in row.features {
                assert!(cpu_has(f).is_some(), "{}: {f}", row.name);
            }
        }
    }
}

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
//! Each backend is its module, which declares its row (lanes, fewest keys worth a pass, CPU
//! features, entry points) as `ROW`, and one entry in the `backends!` list below, from which the
//! module declaration, the [`BackendKind`] variant, [`BackendKind::ALL`] and [`TABLE`] follow.
//! The SIMD backends share their algorithms (`strict`, `multibuffer`, `base64`, over the
//! `vector::Vector` trait; `driver`'s loop); a backend file is the ISA glue.
//!
//! One key at a time: a row may have a single-key entry ([`OneKey`]). The fastest such row the
//! CPU has computes every lone key and the batches and tails too short for the batch backend's
//! kernel ([`single_row`]); `portable`'s is the reference.
//!
//! Selection: [`Backend::active`] is detected on first use and cached. The environment variable
//! `WSACCEPT_BACKEND` (a name from [`BackendKind::name`]) forces one for the whole process; a
//! name that is no backend or one the CPU cannot run is ignored (the detected backend is used)
//! and [`Backend::env_error`] says why. The library itself prints nothing.

use std::fmt;
use std::sync::atomic::{AtomicPtr, Ordering};
use std::sync::OnceLock;

use crate::key::{check_strict, KeyError, KeyStatus, ACCEPT_LEN, KEY_LEN};

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

/// The items inside, compiled only on the architectures that have a SIMD backend (the shared
/// SIMD modules, the message's word tables).
macro_rules! simd_targets {
    ($($item:item)*) => {
        $(
            #[cfg(any(
                target_arch = "x86_64",
                all(target_arch = "aarch64", target_endian = "little")
            ))]
            $item
        )*
    };
}

mod message;
simd_targets! {
    mod base64;
    mod driver;
    mod interleave;
    mod strict;
    mod vector;
}
#[cfg(target_arch = "x86_64")]
mod multibuffer;

/// The list of backends, from which the module declarations, [`BackendKind`], its
/// [`ALL`](BackendKind::ALL) and [`TABLE`] all follow: a backend is its module (which declares
/// its [`Row`] as `ROW`) and one entry here, `Variant = "name" in module;` under the cfg of the
/// targets it is built for, in order of preference from slowest to fastest.
macro_rules! backends {
    ($(
        $(#[doc = $doc:literal])*
        $(#[cfg($cfg:meta)])?
        $variant:ident = $name:literal in $module:ident;
    )+) => {
        $(
            $(#[cfg($cfg)])?
            mod $module;
        )+

        /// The backends wsaccept knows, fastest last. What each is and does is in its module;
        /// its facts are its row of `TABLE` (src/backend/mod.rs).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum BackendKind {
            $(
                $(#[doc = $doc])*
                $(#[cfg($cfg)])?
                $variant,
            )+
        }

        impl BackendKind {
            /// Every backend, in order of preference from slowest to fastest: detection picks
            /// the last one the CPU has.
            pub const ALL: &'static [BackendKind] = &[
                $(
                    $(#[cfg($cfg)])?
                    BackendKind::$variant,
                )+
            ];
        }

        /// Every backend at the index of its [`BackendKind`], in the list's order.
        pub(crate) const TABLE: &[Facts] = &[
            $(
                $(#[cfg($cfg)])?
                Facts {
                    kind: BackendKind::$variant,
                    name: $name,
                    row: $module::ROW,
                },
            )+
        ];
    };
}

// The order is measured (README, `batch_1m`): SHA-NI beats AVX2 where a CPU has both (AMD Zen
// 1-3, Intel Ice Lake and later clients); AVX2 serves CPUs without SHA-NI (Intel Haswell to
// Skylake).
backends! {
    /// `sha1::compress` per key and a scalar base64 encoder: runs everywhere; the reference
    /// every other backend is tested against.
    Portable = "portable" in portable;
    /// Eight keys per step in 256-bit lanes (x86-64 with AVX2): SIMD validation, SHA-1 with the
    /// constant GUID/padding words folded, SIMD base64.
    #[cfg(target_arch = "x86_64")]
    Avx2 = "avx2" in avx2;
    /// Several keys' SHA-NI round sequences interleaved (x86_64 with SHA extensions). Also the
    /// single-key path where the CPU has them.
    #[cfg(target_arch = "x86_64")]
    ShaNi = "shani" in shani;
    /// 16 keys per step in AVX-512 lanes (F, BW, VL): SIMD validation, SHA-1 with the constant
    /// words folded in, SIMD base64.
    #[cfg(target_arch = "x86_64")]
    Avx512 = "avx512" in avx512;
    /// Four keys' SHA1-instruction sequences interleaved (aarch64 with the SHA1 instructions,
    /// Rust's `sha2` feature): NEON validation and base64. Also the single-key path where the
    /// CPU has them.
    #[cfg(all(target_arch = "aarch64", target_endian = "little"))]
    ArmSha1 = "armsha1" in armsha1;
}

/// A backend's entry point: the contract in the module docs.
///
/// # Safety
/// Only callable where the backend's [`Row::features`] were detected (the function is
/// compiled for them).
pub(crate) type Entry = unsafe fn(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize;

/// A backend's single-key entry: writes the accept of one 24-byte key (hashed whatever it
/// holds) and returns whether the key may break the strict rules (never `false` for a key that
/// does; the exact error is [`check_strict`]'s).
///
/// # Safety
/// As for [`Entry`].
pub(crate) type OneKey = unsafe fn(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) -> bool;

/// What a backend's module says about it (its `ROW`).
pub(crate) struct Row {
    /// Keys the kernel works on at once (a power of two).
    pub(crate) lanes: usize,
    /// Fewest keys worth a pass through the kernel: fewer (a tiny batch, or the tail after the
    /// last full group) go through the single-key backend's kernel (see [`single_row`]), which
    /// costs less than a padded group. Placed with `cargo bench --bench accept -- batch_small`.
    pub(crate) min_keys: usize,
    /// [`min_keys`](Self::min_keys) when the single-key backend is not the reference (shani,
    /// armsha1): their 1- to 4-stream interleaves cost less per key than `portable`.
    pub(crate) min_keys_beside_sha: usize,
    /// CPU features the entry points are compiled for, by Rust's names; all must be detected.
    pub(crate) features: &'static [&'static str],
    pub(crate) entry: Entry,
    /// The single-key entry, for backends whose one key costs less than the reference's.
    pub(crate) one: Option<OneKey>,
}

/// Everything wsaccept knows about one backend: its name in the list and its module's row.
pub(crate) struct Facts {
    pub(crate) kind: BackendKind,
    /// The name used by `WSACCEPT_BACKEND`, the CLI and the C ABI.
    pub(crate) name: &'static str,
    pub(crate) row: Row,
}

/// Whether the CPU has `feature` (a name from a [`Row::features`] list); `None` for a name
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
        self.facts().row.lanes
    }

    /// Fewest keys worth a pass through the kernel on this CPU: fewer (a tiny batch, or the tail
    /// after the last full group) go through the single-key backend's kernel
    /// ([`Backend::single_key`]), which costs less than a padded group. Measured with `cargo
    /// bench --bench accept -- batch_small` (README).
    pub fn min_keys(self) -> usize {
        let row = &self.facts().row;
        if single_row().kind == BackendKind::Portable {
            row.min_keys
        } else {
            row.min_keys_beside_sha
        }
    }

    /// The CPU features the backend needs, by Rust's names (`is_x86_feature_detected!`,
    /// `is_aarch64_feature_detected!`).
    pub fn cpu_features(self) -> &'static [&'static str] {
        self.facts().row.features
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        self.facts()
            .row
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

    /// The backend that computes one key at a time (`accept`, `verify`, and batches or tails
    /// too short for the batch backend's kernel): the fastest this CPU has with a single-key
    /// path, whatever [`active`](Self::active) is, except that `WSACCEPT_BACKEND=portable`
    /// makes it `portable` too. Decided on the first call and cached.
    pub fn single_key() -> Backend {
        Backend(single_row().kind)
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
        // Lane counts are powers of two, so the tail is a mask rather than a division.
        debug_assert!(self.lanes().is_power_of_two());
        let tail = keys.len() & (self.lanes() - 1);
        // `min_keys` (which reads the single-key choice) only for a batch with a tail.
        if tail == 0 || tail >= self.0.min_keys() {
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
        invalid + self.few_keys(tail_keys, tail_out, tail_status, strict)
    }

    /// Keys too few for this backend's kernel: the reference's for `portable` (which stays the
    /// reference whatever the CPU has), else the single-key backend's kernel ([`single_row`]).
    #[inline]
    fn few_keys(
        self,
        keys: &[[u8; KEY_LEN]],
        out: &mut [[u8; ACCEPT_LEN]],
        status: &mut [KeyStatus],
        strict: bool,
    ) -> usize {
        if self.0 == BackendKind::Portable {
            return portable::accept_keys(keys, out, status, strict);
        }
        // SAFETY: `single_row` only gives a row whose features were detected on this CPU.
        unsafe { (single_row().row.entry)(keys, out, status, strict) }
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
        unsafe { (self.0.facts().row.entry)(keys, out, status, strict) }
    }
}

/// The backend whose single-key entry computes every lone key (`accept`, `verify`, lenient
/// 24-byte keys, the C ABI's single-key calls) and whose kernel takes the batches and tails too
/// short for another backend's: the fastest one the CPU has with a single-key entry, whatever
/// the batch backend, except that `WSACCEPT_BACKEND=portable` (the reference in use) makes it the
/// reference too. Chosen on first use and cached: a load and a test per call.
#[inline]
fn single_row() -> &'static Facts {
    static SINGLE: AtomicPtr<Facts> = AtomicPtr::new(core::ptr::null_mut());
    let row = SINGLE.load(Ordering::Acquire);
    if row.is_null() {
        let chosen = choose_single_row();
        SINGLE.store((chosen as *const Facts).cast_mut(), Ordering::Release);
        return chosen;
    }
    // SAFETY: the only non-null value stored is a reference to a row of `TABLE`, which lives for
    // the whole program and is never written.
    unsafe { &*row }
}

#[cold]
fn choose_single_row() -> &'static Facts {
    let portable = BackendKind::Portable.facts();
    if Backend::active().kind() == BackendKind::Portable {
        return portable;
    }
    TABLE
        .iter()
        .rev()
        .find(|f| f.row.one.is_some() && f.kind.is_available())
        .unwrap_or(portable)
}

/// Writes the accept of a 24-byte key, with no validation, and returns whether the key may break
/// the strict rules (see [`OneKey`]).
#[inline]
pub(crate) fn accept_one(key: &[u8; KEY_LEN], out: &mut [u8; ACCEPT_LEN]) -> bool {
    match single_row().row.one {
        // SAFETY: `single_row` only gives a row whose features were detected on this CPU.
        Some(one) => unsafe { one(key, out) },
        None => {
            portable::accept_24(key, out);
            check_strict(key).is_err()
        }
    }
}

/// The accept of a strict key into `out`, or the first problem with it by position. `out` is
/// written in both cases (the hash of whatever the key holds on an error).
#[inline]
pub(crate) fn accept_strict(
    key: &[u8; KEY_LEN],
    out: &mut [u8; ACCEPT_LEN],
) -> Result<(), KeyError> {
    if accept_one(key, out) {
        check_strict(key)?;
    }
    Ok(())
}

/// The accept of a lenient key (any length up to `MAX_LENIENT_KEY_LEN`): 24-byte keys by the
/// single-key backend, others by the reference.
///
/// # Panics
/// If the key is longer than `MAX_LENIENT_KEY_LEN` (the callers check it first).
#[inline]
pub(crate) fn accept_any(key: &[u8], out: &mut [u8; ACCEPT_LEN]) {
    match <&[u8; KEY_LEN]>::try_from(key) {
        Ok(key) => {
            accept_one(key, out);
        }
        Err(_) => portable::accept_any(key, out),
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
                row.row.lanes.is_power_of_two()
                    && row.row.min_keys >= 1
                    && row.row.min_keys_beside_sha >= 1,
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
            for &f in row.row.features {
                assert!(cpu_has(f).is_some(), "{}: {f}", row.name);
            }
        }
    }
}

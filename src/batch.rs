//! The batch driver: many keys per call, on the calling thread or across cores.
//!
//! Work is cut into jobs (contiguous keys, scattered keys, or verification) that know how to
//! split themselves in two and how to run on one thread. `drive` decides how many parts to
//! make from the thread option and the batch size, and runs them with `rayon::join` in the
//! pool [`crate::pool`] picks (after a `fork()`, one of the child's own); one part never
//! touches rayon, so a thread count of 1 means no pool is ever started. Without the `rayon`
//! feature every batch is one part, on the calling thread, whatever the thread option.
//!
//! Nothing here allocates: keys that need gathering or statuses the caller did not ask for go
//! through fixed stack buffers of `CHUNK` keys.

use core::fmt;

use crate::accept::Accept;
use crate::backend::accept_any;
use crate::backend::Backend;
use crate::key::{parse_lenient, trim_ows, KeyStatus, Mode, ACCEPT_LEN, KEY_LEN};

/// Keys per stack buffer in the single-threaded inner loop.
pub(crate) const CHUNK: usize = 128;

/// Batches smaller than this stay on the calling thread whatever the thread option says:
/// below it, handing work to rayon costs about what it saves. Measured with the cut-off
/// disabled (`cargo bench --bench accept -- threads`, avx512, 2 cores, wall time): one thread
/// against two at 1,024 keys 10.0 vs 13.9 µs, at 2,048 keys 19.8 vs 18.2 µs (noisy), at 4,096
/// keys 40.0 vs 29.9 µs, at 1M keys 9.87 vs 5.12 ms. Slower backends cross over at fewer keys,
/// so a cut-off right for the fastest one is safe for all.
pub const PARALLEL_CUTOFF: usize = 4096;

/// How a batch runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BatchOptions {
    /// Key checking; strict by default.
    pub mode: Mode,
    /// 1: the calling thread only (the default; what an event loop wants). 0: all cores of
    /// the current rayon pool. N: at most N parts in parallel. In a process forked after a
    /// parallel batch, "the current pool" is one of the child's own (rayon's global pool has
    /// no threads there; see `crate::pool`). Ignored (always the calling thread) when the
    /// crate is built without its `rayon` feature.
    pub threads: usize,
    /// The backend to use; `None` means [`Backend::active`].
    pub backend: Option<Backend>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            mode: Mode::Strict,
            threads: 1,
            backend: None,
        }
    }
}

impl BatchOptions {
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }

    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = threads;
        self
    }

    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = Some(backend);
        self
    }

    fn resolved_backend(&self) -> Backend {
        self.backend.unwrap_or_else(Backend::active)
    }
}

/// A batch call's arguments did not fit together. Nothing was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchError {
    /// The contiguous key buffer is not a whole number of 24-byte keys.
    KeysNotMultiple { len: usize },
    /// An output or status buffer does not have one slot per key.
    BufferLength {
        buffer: &'static str,
        expected: usize,
        got: usize,
    },
}

impl fmt::Display for BatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            BatchError::KeysNotMultiple { len } => {
                write!(
                    f,
                    "key buffer of {len} bytes is not a multiple of {KEY_LEN}"
                )
            }
            BatchError::BufferLength {
                buffer,
                expected,
                got,
            } => {
                write!(f, "{buffer} buffer has length {got}, expected {expected}")
            }
        }
    }
}

impl std::error::Error for BatchError {}

fn check_len(buffer: &'static str, expected: usize, got: usize) -> Result<(), BatchError> {
    if expected == got {
        Ok(())
    } else {
        Err(BatchError::BufferLength {
            buffer,
            expected,
            got,
        })
    }
}

/// Result of checking received accepts against keys.
#[repr(i8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The received accept is the right one.
    Match = 1,
    /// The key was valid but the received accept differs.
    #[default]
    Mismatch = 0,
    /// The key itself was invalid (the codes are [`KeyStatus`]'s).
    InvalidLength = -2,
    InvalidAlphabet = -3,
    InvalidPadding = -4,
    InvalidNonCanonical = -5,
}

impl Verdict {
    /// The verdict for a key that failed with `status` (or, for `Ok`, that was compared).
    fn invalid(status: KeyStatus) -> Verdict {
        match status {
            KeyStatus::Ok => Verdict::Mismatch,
            KeyStatus::Length => Verdict::InvalidLength,
            KeyStatus::Alphabet => Verdict::InvalidAlphabet,
            KeyStatus::Padding => Verdict::InvalidPadding,
            KeyStatus::NonCanonical => Verdict::InvalidNonCanonical,
        }
    }

    pub fn code(self) -> i8 {
        self as i8
    }
}

/// Counts from a batch verification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VerifySummary {
    pub matched: usize,
    pub mismatched: usize,
    pub invalid: usize,
}

impl VerifySummary {
    /// Items that did not match: mismatches plus invalid keys.
    pub fn failed(&self) -> usize {
        self.mismatched + self.invalid
    }

    #[cfg_attr(not(feature = "rayon"), allow(dead_code))] // splitting work across threads
    fn add(self, other: VerifySummary) -> VerifySummary {
        VerifySummary {
            matched: self.matched + other.matched,
            mismatched: self.mismatched + other.mismatched,
            invalid: self.invalid + other.invalid,
        }
    }
}

/// A piece of batch work that can be halved and run on one thread.
trait Job: Sized + Send {
    type Output: Send;
    fn len(&self) -> usize;
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))] // splitting work across threads
    fn split_at(self, mid: usize) -> (Self, Self);
    fn run(self, backend: Backend, mode: Mode) -> Self::Output;
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))] // splitting work across threads
    fn combine(a: Self::Output, b: Self::Output) -> Self::Output;
}

#[cfg(feature = "rayon")]
/// How many parallel parts a batch of `n` keys is cut into, in a pool of `pool_threads`
/// threads (`None`: no pool may be used, see [`crate::pool`]).
fn parts_for(n: usize, threads: usize, pool_threads: Option<usize>) -> usize {
    let Some(pool_threads) = pool_threads else {
        return 1;
    };
    let wanted = if threads == 0 {
        // A few parts per thread, so a core slowed by other work does not hold up the batch.
        pool_threads * 4
    } else {
        threads
    };
    // Each part keeps at least half the cut-off, or splitting costs more than it gains.
    wanted.min(n / (PARALLEL_CUTOFF / 2)).max(1)
}

fn drive<J: Job>(job: J, opts: &BatchOptions) -> J::Output {
    let (backend, mode) = (opts.resolved_backend(), opts.mode);
    let n = job.len();
    if !cfg!(feature = "rayon") || opts.threads == 1 || n < PARALLEL_CUTOFF {
        return job.run(backend, mode);
    }
    run_parallel(job, opts.threads, backend, mode)
}

/// The pool is chosen (and, in a forked child, started) only for batches that go parallel.
#[cfg(feature = "rayon")]
fn run_parallel<J: Job>(job: J, threads: usize, backend: Backend, mode: Mode) -> J::Output {
    let n = job.len();
    crate::pool::install(|pool_threads| {
        run_parts(job, parts_for(n, threads, pool_threads), backend, mode)
    })
}

/// Without rayon there is no pool: `drive` never gets here, every batch is one part.
#[cfg(not(feature = "rayon"))]
fn run_parallel<J: Job>(job: J, _threads: usize, backend: Backend, mode: Mode) -> J::Output {
    job.run(backend, mode)
}

#[cfg(feature = "rayon")]
fn run_parts<J: Job>(job: J, parts: usize, backend: Backend, mode: Mode) -> J::Output {
    if parts <= 1 {
        return job.run(backend, mode);
    }
    let left_parts = parts / 2;
    let mid = job.len() * left_parts / parts;
    let (left, right) = job.split_at(mid);
    let (a, b) = rayon::join(
        || run_parts(left, left_parts, backend, mode),
        || run_parts(right, parts - left_parts, backend, mode),
    );
    J::combine(a, b)
}

#[cfg_attr(not(feature = "rayon"), allow(dead_code))] // splitting work across threads
fn split_opt<T>(s: Option<&mut [T]>, mid: usize) -> (Option<&mut [T]>, Option<&mut [T]>) {
    match s {
        Some(s) => {
            let (a, b) = s.split_at_mut(mid);
            (Some(a), Some(b))
        }
        None => (None, None),
    }
}

/// Keys back to back in 24-byte slots.
struct ContiguousJob<'a> {
    keys: &'a [[u8; KEY_LEN]],
    out: &'a mut [[u8; ACCEPT_LEN]],
    status: Option<&'a mut [KeyStatus]>,
}

impl Job for ContiguousJob<'_> {
    type Output = usize;

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k1, k2) = self.keys.split_at(mid);
        let (o1, o2) = self.out.split_at_mut(mid);
        let (s1, s2) = split_opt(self.status, mid);
        (
            ContiguousJob {
                keys: k1,
                out: o1,
                status: s1,
            },
            ContiguousJob {
                keys: k2,
                out: o2,
                status: s2,
            },
        )
    }

    fn run(self, backend: Backend, mode: Mode) -> usize {
        let strict = mode == Mode::Strict;
        match self.status {
            Some(status) => backend.accept_keys(self.keys, self.out, status, strict),
            None => {
                let mut scratch = [KeyStatus::Ok; CHUNK];
                let mut invalid = 0;
                for (keys, out) in self.keys.chunks(CHUNK).zip(self.out.chunks_mut(CHUNK)) {
                    invalid += backend.accept_keys(keys, out, &mut scratch[..keys.len()], strict);
                }
                invalid
            }
        }
    }

    fn combine(a: usize, b: usize) -> usize {
        a + b
    }
}

/// Where a scattered batch reads its keys and writes its accepts: slices for the Rust API,
/// arrays of C pointers for the C ABI, so that neither has to copy into a temporary buffer.
pub(crate) trait ScatterIo: Send + Sized {
    fn len(&self) -> usize;
    /// Key `i`, untrimmed.
    fn key(&self, i: usize) -> &[u8];
    /// Writes the accept (or zeros) for key `i`.
    fn write(&mut self, i: usize, accept: &[u8; ACCEPT_LEN]);
    #[cfg_attr(not(feature = "rayon"), allow(dead_code))] // splitting work across threads
    /// Splits into keys `..mid` and `mid..`, renumbered from 0.
    fn split_at(self, mid: usize) -> (Self, Self);
}

/// The Rust API's scattered layout: key slices in, a slice of 28-byte slots out.
struct SliceIo<'a, K> {
    keys: &'a [K],
    out: &'a mut [[u8; ACCEPT_LEN]],
}

impl<K: AsRef<[u8]> + Sync> ScatterIo for SliceIo<'_, K> {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn key(&self, i: usize) -> &[u8] {
        self.keys[i].as_ref()
    }

    fn write(&mut self, i: usize, accept: &[u8; ACCEPT_LEN]) {
        self.out[i] = *accept;
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k1, k2) = self.keys.split_at(mid);
        let (o1, o2) = self.out.split_at_mut(mid);
        (SliceIo { keys: k1, out: o1 }, SliceIo { keys: k2, out: o2 })
    }
}

/// Keys anywhere, each a byte slice that may carry OWS.
struct ScatteredJob<'a, Io> {
    io: Io,
    status: Option<&'a mut [KeyStatus]>,
}

impl<Io: ScatterIo> Job for ScatteredJob<'_, Io> {
    type Output = usize;

    fn len(&self) -> usize {
        self.io.len()
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (io1, io2) = self.io.split_at(mid);
        let (s1, s2) = split_opt(self.status, mid);
        (
            ScatteredJob {
                io: io1,
                status: s1,
            },
            ScatteredJob {
                io: io2,
                status: s2,
            },
        )
    }

    fn run(mut self, backend: Backend, mode: Mode) -> usize {
        let mut invalid = 0;
        let n = self.io.len();
        let mut base = 0;
        while base < n {
            let len = CHUNK.min(n - base);
            let mut scratch = [KeyStatus::Ok; CHUNK];
            let st = match self.status.as_deref_mut() {
                Some(s) => &mut s[base..base + len],
                None => &mut scratch[..len],
            };
            invalid += scattered_chunk(backend, mode, &mut self.io, base, st);
            base += len;
        }
        invalid
    }

    fn combine(a: usize, b: usize) -> usize {
        a + b
    }
}

/// One chunk of scattered keys (`status.len()` of them from `base`): gathers the 24-byte ones
/// into a contiguous stack buffer for the backend, handles the rest here, and writes every
/// result back to its own slot.
fn scattered_chunk<Io: ScatterIo>(
    backend: Backend,
    mode: Mode,
    io: &mut Io,
    base: usize,
    status: &mut [KeyStatus],
) -> usize {
    debug_assert!(status.len() <= CHUNK);
    let mut gathered = [[0u8; KEY_LEN]; CHUNK];
    let mut origin = [0usize; CHUNK];
    let mut n = 0;
    let mut invalid = 0;
    for (i, st) in status.iter_mut().enumerate() {
        let trimmed = trim_ows(io.key(base + i));
        if let Ok(key24) = <&[u8; KEY_LEN]>::try_from(trimmed) {
            gathered[n] = *key24;
            origin[n] = i;
            n += 1;
            continue;
        }
        let result = match mode {
            Mode::Strict => Err(KeyStatus::Length),
            Mode::Lenient => parse_lenient(trimmed).map_err(|e| e.status()),
        };
        let mut accept = [0u8; ACCEPT_LEN];
        match result {
            Ok(bytes) => {
                accept_any(bytes, &mut accept);
                *st = KeyStatus::Ok;
            }
            Err(code) => {
                *st = code;
                invalid += 1;
            }
        }
        io.write(base + i, &accept);
    }
    let mut results = [[0u8; ACCEPT_LEN]; CHUNK];
    let mut statuses = [KeyStatus::Ok; CHUNK];
    invalid += backend.accept_keys(
        &gathered[..n],
        &mut results[..n],
        &mut statuses[..n],
        mode == Mode::Strict,
    );
    for j in 0..n {
        io.write(base + origin[j], &results[j]);
        status[origin[j]] = statuses[j];
    }
    invalid
}

/// Keys and the accepts a server sent back, both contiguous.
struct VerifyJob<'a> {
    keys: &'a [[u8; KEY_LEN]],
    received: &'a [[u8; ACCEPT_LEN]],
    verdicts: Option<&'a mut [Verdict]>,
}

impl Job for VerifyJob<'_> {
    type Output = VerifySummary;

    fn len(&self) -> usize {
        self.keys.len()
    }

    fn split_at(self, mid: usize) -> (Self, Self) {
        let (k1, k2) = self.keys.split_at(mid);
        let (r1, r2) = self.received.split_at(mid);
        let (v1, v2) = split_opt(self.verdicts, mid);
        (
            VerifyJob {
                keys: k1,
                received: r1,
                verdicts: v1,
            },
            VerifyJob {
                keys: k2,
                received: r2,
                verdicts: v2,
            },
        )
    }

    fn run(mut self, backend: Backend, mode: Mode) -> VerifySummary {
        let mut summary = VerifySummary::default();
        let mut expected = [[0u8; ACCEPT_LEN]; CHUNK];
        let mut statuses = [KeyStatus::Ok; CHUNK];
        for (c, (keys, received)) in self
            .keys
            .chunks(CHUNK)
            .zip(self.received.chunks(CHUNK))
            .enumerate()
        {
            let n = keys.len();
            backend.accept_keys(
                keys,
                &mut expected[..n],
                &mut statuses[..n],
                mode == Mode::Strict,
            );
            for j in 0..n {
                let verdict = if !statuses[j].is_ok() {
                    summary.invalid += 1;
                    Verdict::invalid(statuses[j])
                } else if Accept(expected[j]).matches(&received[j]) {
                    summary.matched += 1;
                    Verdict::Match
                } else {
                    summary.mismatched += 1;
                    Verdict::Mismatch
                };
                if let Some(v) = self.verdicts.as_deref_mut() {
                    v[c * CHUNK + j] = verdict;
                }
            }
        }
        summary
    }

    fn combine(a: VerifySummary, b: VerifySummary) -> VerifySummary {
        a.add(b)
    }
}

/// Splits a contiguous key buffer into 24-byte keys.
fn key_slots(keys: &[u8]) -> Result<&[[u8; KEY_LEN]], BatchError> {
    let (slots, rest) = keys.as_chunks::<KEY_LEN>();
    if rest.is_empty() {
        Ok(slots)
    } else {
        Err(BatchError::KeysNotMultiple { len: keys.len() })
    }
}

/// Accepts for `n` keys stored back to back (`keys.len() == 24 * n`) into `out`
/// (`28 * n` bytes). Returns how many keys were invalid; their slots are zeroed and, when
/// `status` is given (`n` entries), say why. Slots hold keys exactly: no OWS.
#[inline]
pub fn accept_batch(
    keys: &[u8],
    out: &mut [u8],
    status: Option<&mut [KeyStatus]>,
    opts: &BatchOptions,
) -> Result<usize, BatchError> {
    let keys = key_slots(keys)?;
    check_len("output", keys.len() * ACCEPT_LEN, out.len())?;
    let (out, _) = out.as_chunks_mut::<ACCEPT_LEN>();
    accept_slots(keys, out, status, opts)
}

/// Like [`accept_batch`], with typed slots.
pub fn accept_keys(
    keys: &[[u8; KEY_LEN]],
    out: &mut [Accept],
    status: Option<&mut [KeyStatus]>,
    opts: &BatchOptions,
) -> Result<usize, BatchError> {
    check_len("output", keys.len(), out.len())?;
    accept_slots(keys, Accept::slots_mut(out), status, opts)
}

/// [`accept_keys`] into raw 28-byte slots, for callers that have them (key generation). `out`
/// must be as long as `keys`: unlike `status`, it is not checked here.
#[inline]
pub(crate) fn accept_slots(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: Option<&mut [KeyStatus]>,
    opts: &BatchOptions,
) -> Result<usize, BatchError> {
    if let Some(s) = &status {
        check_len("status", keys.len(), s.len())?;
    }
    // A batch of one key (a server answering one connection) is the single-key call: going
    // through the job machinery would cost it ~10% (README, batch_small/n1). The backend's
    // routing sends one key to its per-key path (`portable`'s, or `armsha1`'s single stream).
    if keys.len() == 1 {
        let mut scratch = [KeyStatus::Ok];
        let status = status.unwrap_or(&mut scratch);
        return Ok(opts.resolved_backend().accept_keys(
            keys,
            out,
            status,
            opts.mode == Mode::Strict,
        ));
    }
    Ok(drive(ContiguousJob { keys, out, status }, opts))
}

/// Accepts for keys that sit anywhere (per-connection buffers, parsed header values). Each key
/// is trimmed of OWS and checked under `opts.mode`. Returns how many were invalid; their slots
/// are zeroed and `status` (if given) says why.
pub fn accept_scattered<K: AsRef<[u8]> + Sync>(
    keys: &[K],
    out: &mut [Accept],
    status: Option<&mut [KeyStatus]>,
    opts: &BatchOptions,
) -> Result<usize, BatchError> {
    check_len("output", keys.len(), out.len())?;
    if let Some(s) = &status {
        check_len("status", keys.len(), s.len())?;
    }
    let io = SliceIo {
        keys,
        out: Accept::slots_mut(out),
    };
    Ok(accept_scattered_io(io, status, opts))
}

/// [`accept_scattered`] over any [`ScatterIo`]; `status`, if given, has `io.len()` entries.
pub(crate) fn accept_scattered_io<Io: ScatterIo>(
    io: Io,
    status: Option<&mut [KeyStatus]>,
    opts: &BatchOptions,
) -> usize {
    debug_assert!(status.as_ref().is_none_or(|s| s.len() == io.len()));
    drive(ScatteredJob { io, status }, opts)
}

/// Checks accepts received from a server (`28 * n` bytes back to back) against their keys
/// (`24 * n` bytes). `verdicts`, if given, gets one entry per key.
pub fn verify_batch(
    keys: &[u8],
    received: &[u8],
    verdicts: Option<&mut [Verdict]>,
    opts: &BatchOptions,
) -> Result<VerifySummary, BatchError> {
    let keys = key_slots(keys)?;
    check_len("accepts", keys.len() * ACCEPT_LEN, received.len())?;
    let (received, _) = received.as_chunks::<ACCEPT_LEN>();
    if let Some(v) = &verdicts {
        check_len("verdicts", keys.len(), v.len())?;
    }
    Ok(drive(
        VerifyJob {
            keys,
            received,
            verdicts,
        },
        opts,
    ))
}

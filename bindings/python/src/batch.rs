//! Many keys per call: keys back to back in one buffer, accepts back to back in one `bytes` (or
//! in the caller's writable buffer, the `*_into` forms), one status byte per key. Nothing is
//! copied per key. Work on more than [`DETACH_MIN_KEYS`] keys runs with the GIL released; the
//! buffers it reads and writes are held through their exports meanwhile (`crate::input`).

use pyo3::exceptions::PyValueError;
use pyo3::marker::Ungil;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBytes, PyType};
use wsaccept::{
    Accept, BatchOptions, Key, KeyGen, KeyStatus, Mode, Verdict, ACCEPT_LEN, KEY_LEN,
    PARALLEL_CUTOFF,
};

use crate::input::{check_disjoint, ByteArg, Count, Flag, OutBuffer, Seed, Threads};
use crate::output::{new_bytes, two_bytes, Filling};
use crate::status::{self, BAD_ARGUMENT, RANDOM_FAILURE};
use crate::MAX_THREADS;

/// Batches of at least this many keys release the GIL while they run (about a microsecond of
/// work on the fastest backend; releasing and taking back the GIL costs a fraction of that).
const DETACH_MIN_KEYS: usize = 64;

/// Runs `work` on `keys` keys, with the GIL released if there are enough of them.
fn run<T: Ungil>(py: Python<'_>, keys: usize, work: impl Ungil + FnOnce() -> T) -> T {
    if keys >= DETACH_MIN_KEYS {
        py.detach(work)
    } else {
        work()
    }
}

/// The batch options for `threads`: at most `MAX_THREADS`, as the C library requires.
fn options(py: Python<'_>, threads: Threads, mode: Mode) -> PyResult<BatchOptions> {
    match usize::try_from(threads.0) {
        Ok(t) if t <= MAX_THREADS => Ok(BatchOptions::default().threads(t).mode(mode)),
        _ => Err(status::error(
            py,
            BAD_ARGUMENT,
            format!("threads={} is above MAX_THREADS ({MAX_THREADS})", threads.0),
        )),
    }
}

/// How many `size`-byte items `len` bytes hold; `ValueError` if not a whole number.
fn items(len: usize, size: usize, what: &str) -> PyResult<usize> {
    if len.is_multiple_of(size) {
        Ok(len / size)
    } else {
        Err(PyValueError::new_err(format!(
            "{what} is {len} bytes, not a multiple of {size}"
        )))
    }
}

/// `ValueError` unless the buffer `what` is `expected` bytes long.
fn check_len(what: &str, expected: usize, got: usize) -> PyResult<()> {
    if expected == got {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "{what} is {got} bytes, expected {expected}"
        )))
    }
}

/// Per-item code types the batch calls write: one byte each.
///
/// # Safety
/// Implementors are `repr(i8)` and have a variant whose value is 0.
unsafe trait ByteCode {}
// SAFETY: `KeyStatus` is `repr(i8)`, and `KeyStatus::Ok` is 0.
unsafe impl ByteCode for KeyStatus {}
// SAFETY: `Verdict` is `repr(i8)`, and `Verdict::Mismatch` is 0.
unsafe impl ByteCode for Verdict {}

/// Zeroes `bytes` and views them as per-item codes, for the batch call to write.
fn codes<T: ByteCode>(bytes: &mut [u8]) -> &mut [T] {
    bytes.fill(0);
    // SAFETY: `T` has the size and alignment of `u8` (`repr(i8)`), and every byte is now 0, a
    // valid `T` (the trait's contract); the borrow of `bytes` passes to the result.
    unsafe { &mut *(bytes as *mut [u8] as *mut [T]) }
}

/// Zeroes `bytes` (a whole number of 28-byte slots) and views them as accepts.
fn accept_slots(bytes: &mut [u8]) -> &mut [Accept] {
    debug_assert_eq!(bytes.len() % ACCEPT_LEN, 0);
    bytes.fill(0);
    let (slots, _) = bytes.as_chunks_mut::<ACCEPT_LEN>();
    // SAFETY: `Accept` is `repr(transparent)` over `[u8; 28]` (documented so that batch calls
    // can write slices of it), and all-zero is `Accept::ZEROED`, a valid value.
    unsafe { &mut *(slots as *mut [[u8; ACCEPT_LEN]] as *mut [Accept]) }
}

/// A result class of `wsaccept._types`, looked up once.
fn result_class<'py>(
    py: Python<'py>,
    cell: &'static PyOnceLock<Py<PyType>>,
    name: &str,
) -> PyResult<&'py Bound<'py, PyType>> {
    cell.import(py, "wsaccept._types", name)
}

fn batch_result<'py>(
    py: Python<'py>,
    out: Bound<'py, PyBytes>,
    status: Bound<'py, PyBytes>,
    invalid: usize,
) -> PyResult<Bound<'py, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    result_class(py, &CLASS, "BatchResult")?.call1((out, status, invalid))
}

fn verify_result<'py>(
    py: Python<'py>,
    result: Bound<'py, PyBytes>,
    failed: usize,
) -> PyResult<Bound<'py, PyAny>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    result_class(py, &CLASS, "VerifyResult")?.call1((result, failed))
}

/// The crate's check of buffer lengths, after ours: only a bug makes it fail.
fn batch_checked<T>(r: Result<T, wsaccept::BatchError>) -> PyResult<T> {
    r.map_err(|e| PyValueError::new_err(e.to_string()))
}

/// Accepts for keys stored back to back in 24-byte slots (strict rules, no OWS in slots).
/// Returns ``BatchResult(out, status, invalid)``: ``out`` holds the n accepts back to back (an
/// invalid key's slot is zeros), ``status`` one code per key (0 or a negative key code, see
/// ``BatchResult.statuses``), ``invalid`` how many keys were refused. ``threads``: 1 = this
/// thread only, 0 = all cores, N = at most N parallel parts (at most ``MAX_THREADS``).
#[pyfunction]
#[pyo3(signature = (keys, threads = Threads(1)), text_signature = "(keys, threads=1)")]
pub(crate) fn accept_batch<'py>(
    py: Python<'py>,
    keys: ByteArg<'_>,
    threads: Threads,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options(py, threads, Mode::Strict)?;
    let keys = keys.bytes();
    let n = items(keys.len(), KEY_LEN, "keys")?;
    let (out, status, invalid) = two_bytes(py, n * ACCEPT_LEN, n, |out, status| {
        let status = status.rest_zeroed();
        if opts.threads == 1 || n < PARALLEL_CUTOFF {
            // On this thread: in rounds through a buffer on the stack, each copied straight
            // into the new object, whose memory is then written once (not zeroed first).
            batch_checked(run(py, n, || accept_rounds(keys, out, status, &opts)))
        } else {
            let out = out.rest_zeroed();
            batch_checked(run(py, n, || {
                wsaccept::accept_batch(keys, out, Some(codes(status)), &opts)
            }))
        }
    })?;
    batch_result(py, out, status, invalid)
}

/// [`wsaccept::accept_batch`] on the calling thread, [`ROUND`] keys at a time, each round's
/// accepts appended to `out`; `status` has one entry per key.
fn accept_rounds(
    keys: &[u8],
    out: &mut Filling,
    status: &mut [u8],
    opts: &BatchOptions,
) -> Result<usize, wsaccept::BatchError> {
    let mut round = [0u8; ROUND * ACCEPT_LEN];
    let mut invalid = 0;
    for (keys, status) in keys.chunks(ROUND * KEY_LEN).zip(status.chunks_mut(ROUND)) {
        let round = &mut round[..status.len() * ACCEPT_LEN];
        invalid += wsaccept::accept_batch(keys, round, Some(codes(status)), opts)?;
        out.push(round);
    }
    Ok(invalid)
}

/// Like ``accept_batch``, into the caller's buffers: ``out`` (writable, n * 28 bytes) receives
/// the accepts, ``status`` (writable, n bytes, or None) one code per key. No buffer may overlap
/// another. Returns how many keys were invalid.
#[pyfunction]
#[pyo3(
    signature = (keys, out, status = None, threads = Threads(1)),
    text_signature = "(keys, out, status=None, threads=1)"
)]
pub(crate) fn accept_batch_into(
    py: Python<'_>,
    keys: ByteArg<'_>,
    mut out: OutBuffer,
    mut status: Option<OutBuffer>,
    threads: Threads,
) -> PyResult<usize> {
    let opts = options(py, threads, Mode::Strict)?;
    let keys = keys.bytes();
    let n = items(keys.len(), KEY_LEN, "keys")?;
    check_len("out", n * ACCEPT_LEN, out.len())?;
    if let Some(s) = &status {
        check_len("status", n, s.len())?;
    }
    check_disjoint(
        &[keys],
        &[Some(&out), status.as_ref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>(),
    )?;
    let out = out.bytes_mut();
    let status = status.as_mut().map(|s| codes::<KeyStatus>(s.bytes_mut()));
    batch_checked(run(py, n, || {
        wsaccept::accept_batch(keys, out, status, &opts)
    }))
}

/// Client side, for load generators: checks n received accepts (``accepts``, n * 28 bytes back
/// to back, as received: no OWS) against the n keys sent (``keys``, n * 24 bytes). Returns
/// ``VerifyResult(result, failed)``: ``result`` holds one code per item (1 match, 0 mismatch,
/// a negative key code for an invalid key; see ``VerifyResult.results``), ``failed`` how many
/// did not match. ``threads`` as for ``accept_batch``.
#[pyfunction]
#[pyo3(signature = (keys, accepts, threads = Threads(1)), text_signature = "(keys, accepts, threads=1)")]
pub(crate) fn verify_batch<'py>(
    py: Python<'py>,
    keys: ByteArg<'_>,
    accepts: ByteArg<'_>,
    threads: Threads,
) -> PyResult<Bound<'py, PyAny>> {
    let opts = options(py, threads, Mode::Strict)?;
    let (keys, accepts) = (keys.bytes(), accepts.bytes());
    let n = verify_items(keys, accepts)?;
    let (result, summary) = new_bytes(py, n, |result| {
        let result = result.rest_zeroed();
        batch_checked(run(py, n, || {
            wsaccept::verify_batch(keys, accepts, Some(codes(result)), &opts)
        }))
    })?;
    verify_result(py, result, summary.failed())
}

/// Like ``verify_batch``, with the per-item codes written into ``result`` (writable, n bytes)
/// or not at all (None). Returns how many items did not match.
#[pyfunction]
#[pyo3(
    signature = (keys, accepts, result = None, threads = Threads(1)),
    text_signature = "(keys, accepts, result=None, threads=1)"
)]
pub(crate) fn verify_batch_into(
    py: Python<'_>,
    keys: ByteArg<'_>,
    accepts: ByteArg<'_>,
    mut result: Option<OutBuffer>,
    threads: Threads,
) -> PyResult<usize> {
    let opts = options(py, threads, Mode::Strict)?;
    let (keys, accepts) = (keys.bytes(), accepts.bytes());
    let n = verify_items(keys, accepts)?;
    if let Some(r) = &result {
        check_len("result", n, r.len())?;
        check_disjoint(&[keys, accepts], &[r])?;
    }
    let verdicts = result.as_mut().map(|r| codes::<Verdict>(r.bytes_mut()));
    let summary = batch_checked(run(py, n, || {
        wsaccept::verify_batch(keys, accepts, verdicts, &opts)
    }))?;
    Ok(summary.failed())
}

/// The number of items of a verify batch: whole keys and accepts, as many of each.
fn verify_items(keys: &[u8], accepts: &[u8]) -> PyResult<usize> {
    let n = items(keys.len(), KEY_LEN, "keys")?;
    let m = items(accepts.len(), ACCEPT_LEN, "accepts")?;
    if n != m {
        return Err(PyValueError::new_err(format!("{n} keys but {m} accepts")));
    }
    Ok(n)
}

/// Accepts for keys of any length, each its own object (e.g. raw header values; spaces and
/// tabs around each are trimmed), under the strict rules or, with ``lenient=True``, the
/// lenient ones. ``keys`` is any iterable of bytes-like objects or ASCII str. Returns
/// ``BatchResult`` as ``accept_batch`` does, ``out`` holding the accepts back to back.
#[pyfunction]
#[pyo3(
    signature = (keys, lenient = Flag(false), threads = Threads(1)),
    text_signature = "(keys, lenient=False, threads=1)"
)]
pub(crate) fn accept_scattered<'py>(
    py: Python<'py>,
    keys: &Bound<'py, PyAny>,
    lenient: Flag,
    threads: Threads,
) -> PyResult<Bound<'py, PyAny>> {
    let mode = if lenient.0 {
        Mode::Lenient
    } else {
        Mode::Strict
    };
    let opts = options(py, threads, mode)?;
    // Own references to the items first, so that nothing the keys borrow from can go away
    // (another thread emptying the list) while the GIL is released.
    let objects = keys.try_iter()?.collect::<PyResult<Vec<_>>>()?;
    let args = objects
        .iter()
        .enumerate()
        .map(|(i, obj)| {
            obj.extract::<ByteArg<'_>>().inspect_err(|e| {
                let _ = e
                    .value(py)
                    .call_method1("add_note", (format!("while processing keys[{i}]"),));
            })
        })
        .collect::<PyResult<Vec<_>>>()?;
    let slices: Vec<&[u8]> = args.iter().map(ByteArg::bytes).collect();
    let n = slices.len();
    let (out, status, invalid) = two_bytes(py, n * ACCEPT_LEN, n, |out, status| {
        let (out, status) = (accept_slots(out.rest_zeroed()), status.rest_zeroed());
        batch_checked(run(py, n, || {
            wsaccept::accept_scattered(&slices, out, Some(codes(status)), &opts)
        }))
    })?;
    batch_result(py, out, status, invalid)
}

/// Keys per round of key generation, in a buffer on the stack.
const ROUND: usize = 256;

/// Generates `n` keys in rounds of [`ROUND`] on the stack, handing each round's keys and, if
/// `with_accepts`, their accepts (else an empty slice) to `emit`, in order. The keys are those
/// of `KeyGen::try_fill` for the same seed (so a shorter call gives a prefix of a longer one),
/// and those of the C library's `wsaccept_generate`.
fn generate_rounds(
    seed: u64,
    n: usize,
    with_accepts: bool,
    mut emit: impl FnMut(&[u8], &[u8]),
) -> Result<(), String> {
    let mut source = KeyGen::from_seed_or_os(seed);
    let opts = BatchOptions::default();
    let mut keys = [Key::from_nonce(&[0; 16]); ROUND];
    let mut accepts = [0u8; ROUND * ACCEPT_LEN];
    let mut done = 0;
    while done < n {
        let round = &mut keys[..(n - done).min(ROUND)];
        source.try_fill(round).map_err(|e| e.to_string())?;
        let key_bytes = Key::as_slots(round).as_flattened();
        let accepts = &mut accepts[..if with_accepts {
            round.len() * ACCEPT_LEN
        } else {
            0
        }];
        if with_accepts {
            batch_checked(wsaccept::accept_batch(key_bytes, accepts, None, &opts))
                .map_err(|e| e.to_string())?;
        }
        emit(key_bytes, accepts);
        done += round.len();
    }
    Ok(())
}

fn random_failure(py: Python<'_>, reason: String) -> PyErr {
    status::error(py, RANDOM_FAILURE, reason)
}

/// ``(keys, accepts)``: n fresh keys (n * 24 bytes back to back) and their accepts (n * 28
/// bytes). ``seed`` 0 draws from the operating system's random source (what real clients must
/// use); any other seed (up to ``2**64 - 1``) gives the same keys on every platform, a shorter
/// call a prefix of a longer one.
#[pyfunction]
#[pyo3(signature = (n, seed = Seed(0)), text_signature = "(n, seed=0)")]
pub(crate) fn generate<'py>(
    py: Python<'py>,
    n: Count,
    seed: Seed,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>)> {
    let n = usize::try_from(n.0).map_err(|_| PyValueError::new_err("n is too large"))?;
    // Each round is copied straight into the new objects: their memory is written once.
    let (keys, accepts, ()) = two_bytes(py, n * KEY_LEN, n * ACCEPT_LEN, |keys, accepts| {
        run(py, n, || {
            generate_rounds(seed.0, n, true, |k, a| {
                keys.push(k);
                accepts.push(a);
            })
        })
        .map_err(|e| random_failure(py, e))
    })?;
    Ok((keys, accepts))
}

/// Like ``generate``, into the caller's buffers: ``keys`` (writable, n * 24 bytes) receives n
/// fresh keys and ``accepts`` (writable, n * 28 bytes, or None) their accepts. If the random
/// source fails, both are zeroed and ``WsacceptError`` (``WSACCEPT_RANDOM_FAILURE``) raised.
#[pyfunction]
#[pyo3(signature = (keys, accepts = None, seed = Seed(0)), text_signature = "(keys, accepts=None, seed=0)")]
pub(crate) fn generate_into(
    py: Python<'_>,
    mut keys: OutBuffer,
    mut accepts: Option<OutBuffer>,
    seed: Seed,
) -> PyResult<()> {
    let n = items(keys.len(), KEY_LEN, "keys")?;
    if let Some(a) = &accepts {
        check_len("accepts", n * ACCEPT_LEN, a.len())?;
        check_disjoint(&[], &[&keys, a])?;
    }
    let keys = keys.bytes_mut();
    let mut accepts = accepts.as_mut().map(OutBuffer::bytes_mut);
    let with_accepts = accepts.is_some();
    let filled = run(py, n, || {
        let (mut key_at, mut accept_at) = (0, 0);
        generate_rounds(seed.0, n, with_accepts, |k, a| {
            keys[key_at..key_at + k.len()].copy_from_slice(k);
            key_at += k.len();
            if let Some(accepts) = accepts.as_deref_mut() {
                accepts[accept_at..accept_at + a.len()].copy_from_slice(a);
                accept_at += a.len();
            }
        })
    });
    filled.map_err(|e| {
        keys.fill(0);
        if let Some(a) = accepts {
            a.fill(0);
        }
        random_failure(py, e)
    })
}

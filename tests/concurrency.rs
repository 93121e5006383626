//! Concurrency: many threads calling every entry point at once, through the Rust API and
//! through the C ABI (its symbols declared in `tests/common/capi.rs`), for a bounded time, with every
//! result checked against the oracle; and C ABI batches started from inside a caller's own
//! rayon pool, which must finish (a watchdog turns a deadlock into a failure).

mod common;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

use common::capi as ffi;
use common::{oracle, Rng};
use rayon::prelude::*;
use wsaccept::{accept_batch, accept_scattered, verify_batch, Accept, BatchOptions, KeyStatus};

const THREADS: usize = 12;
/// Long enough for every thread to run every operation many times, short enough for CI.
const RUN_FOR: Duration = Duration::from_secs(3);
/// Above `PARALLEL_CUTOFF`, so `threads = 0` really fans out over the rayon pool.
const BIG: usize = 6000;

/// Keys (a fifth of them invalid) with their expected accepts and statuses.
struct Fixture {
    keys: Vec<u8>,
    want: Vec<u8>,
    status: Vec<KeyStatus>,
    invalid: usize,
}

impl Fixture {
    fn new(seed: u64, n: usize) -> Fixture {
        let mut rng = Rng(seed);
        let (mut keys, mut want, mut status) = (Vec::new(), Vec::new(), Vec::new());
        for i in 0..n {
            if i % 5 == 3 {
                let (key, st) = rng.invalid_key();
                keys.extend_from_slice(&key);
                want.extend_from_slice(&[0; 28]);
                status.push(st);
            } else {
                let key = rng.valid_key();
                keys.extend_from_slice(&key);
                want.extend_from_slice(oracle(&key).as_bytes());
                status.push(KeyStatus::Ok);
            }
        }
        let invalid = status.iter().filter(|s| !s.is_ok()).count();
        Fixture {
            keys,
            want,
            status,
            invalid,
        }
    }

    fn n(&self) -> usize {
        self.status.len()
    }

    fn key(&self, i: usize) -> &[u8] {
        &self.keys[i * 24..(i + 1) * 24]
    }
}

/// One operation, checked. `op` picks which; every thread cycles through all of them.
fn run_op(op: usize, small: &Fixture, big: &Fixture) {
    match op {
        0 => {
            for i in 0..small.n() {
                let got = wsaccept::accept(small.key(i));
                match small.status[i] {
                    KeyStatus::Ok => {
                        assert_eq!(got.unwrap().as_bytes(), &small.want[i * 28..][..28])
                    }
                    st => assert_eq!(got.unwrap_err().status(), st),
                }
            }
        }
        1 | 2 => {
            let f = if op == 1 { small } else { big };
            let threads = if op == 1 { 1 } else { 0 };
            let mut out = vec![0xAAu8; f.n() * 28];
            let mut status = vec![KeyStatus::Padding; f.n()];
            let opts = BatchOptions::default().threads(threads);
            assert_eq!(
                accept_batch(&f.keys, &mut out, Some(&mut status), &opts),
                Ok(f.invalid)
            );
            assert!(out == f.want && status == f.status);
        }
        3 => {
            // Verify, with every seventh received accept corrupted.
            let mut received = big.want.clone();
            let mut corrupted = 0;
            for i in (0..big.n()).step_by(7) {
                if big.status[i].is_ok() {
                    received[i * 28 + 5] ^= 1;
                    corrupted += 1;
                }
            }
            let s = verify_batch(
                &big.keys,
                &received,
                None,
                &BatchOptions::default().threads(0),
            )
            .unwrap();
            assert_eq!(s.invalid, big.invalid);
            assert_eq!(s.mismatched, corrupted);
            assert_eq!(s.matched, big.n() - big.invalid - corrupted);
        }
        4 => {
            let keys: Vec<&[u8]> = (0..big.n()).map(|i| big.key(i)).collect();
            let mut out = vec![Accept::ZEROED; big.n()];
            let invalid =
                accept_scattered(&keys, &mut out, None, &BatchOptions::default().threads(0));
            assert_eq!(invalid, Ok(big.invalid));
            for (i, a) in out.iter().enumerate() {
                assert_eq!(a.as_bytes(), &big.want[i * 28..][..28]);
            }
        }
        5 => {
            for i in 0..small.n() {
                let mut out = [0u8; 28];
                // SAFETY: the key is 24 readable bytes and `out` 28 writable ones.
                let rc = unsafe {
                    ffi::wsaccept_accept(small.key(i).as_ptr().cast(), 24, out.as_mut_ptr().cast())
                };
                assert_eq!(rc, small.status[i].code() as i32);
                if rc == 0 {
                    assert_eq!(&out[..], &small.want[i * 28..][..28]);
                }
                // SAFETY: 24 and 28 readable bytes.
                let v = unsafe {
                    ffi::wsaccept_verify(
                        small.key(i).as_ptr().cast(),
                        24,
                        small.want[i * 28..].as_ptr().cast(),
                        28,
                    )
                };
                assert_eq!(v, if rc == 0 { ffi::WSACCEPT_MATCH } else { rc });
            }
        }
        6 | 7 => {
            let f = if op == 6 { small } else { big };
            let threads = if op == 6 { 1 } else { 0 };
            let mut out = vec![0xAAu8; f.n() * 28];
            let mut status = vec![0x55i8; f.n()];
            // SAFETY: keys holds n * 24 bytes, out n * 28, status n; all distinct.
            let rc = unsafe {
                ffi::wsaccept_accept_batch(
                    f.keys.as_ptr().cast(),
                    f.n(),
                    out.as_mut_ptr().cast(),
                    status.as_mut_ptr(),
                    threads,
                )
            };
            assert_eq!(rc, f.invalid as i64);
            assert_eq!(out, f.want);
            assert!(status.iter().zip(&f.status).all(|(&a, b)| a == b.code()));
            let mut result = vec![0x55i8; f.n()];
            // SAFETY: keys n * 24 bytes, accepts n * 28, result n writable.
            let rc = unsafe {
                ffi::wsaccept_verify_batch(
                    f.keys.as_ptr().cast(),
                    f.want.as_ptr().cast(),
                    f.n(),
                    result.as_mut_ptr(),
                    threads,
                )
            };
            assert_eq!(rc, f.invalid as i64);
        }
        _ => {
            let ptrs: Vec<*const std::ffi::c_char> =
                (0..big.n()).map(|i| big.key(i).as_ptr().cast()).collect();
            let lens = vec![24usize; big.n()];
            let mut outs = vec![[0u8; 28]; big.n()];
            let out_ptrs: Vec<*mut std::ffi::c_char> =
                outs.iter_mut().map(|o| o.as_mut_ptr().cast()).collect();
            // SAFETY: n entries in each array; each key 24 readable bytes, each output its own
            // 28 writable bytes.
            let rc = unsafe {
                ffi::wsaccept_accept_scattered(
                    ptrs.as_ptr(),
                    lens.as_ptr(),
                    big.n(),
                    out_ptrs.as_ptr(),
                    std::ptr::null_mut(),
                    ffi::WSACCEPT_MODE_STRICT,
                    0,
                )
            };
            assert_eq!(rc, big.invalid as i64);
            assert_eq!(outs.as_flattened(), &big.want[..]);
        }
    }
}

const OPS: usize = 9;

#[test]
fn every_entry_point_from_many_threads_at_once() {
    let small = Arc::new(Fixture::new(1, 300));
    let big = Arc::new(Fixture::new(2, BIG));
    let counts: Arc<Vec<AtomicU64>> = Arc::new((0..OPS).map(|_| AtomicU64::new(0)).collect());
    let deadline = Instant::now() + RUN_FOR;
    let workers: Vec<_> = (0..THREADS)
        .map(|t| {
            let (small, big, counts) = (small.clone(), big.clone(), counts.clone());
            thread::spawn(move || {
                let mut op = t % OPS;
                // Every thread runs each operation at least once, then until the deadline.
                let mut done = 0;
                while done < OPS || Instant::now() < deadline {
                    run_op(op, &small, &big);
                    counts[op].fetch_add(1, Ordering::Relaxed);
                    op = (op + 1) % OPS;
                    done += 1;
                }
            })
        })
        .collect();
    for w in workers {
        w.join()
            .expect("a worker failed a check (see its panic above)");
    }
    let counts: Vec<u64> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    eprintln!("operations completed, by kind: {counts:?}");
    assert!(counts.iter().all(|&c| c >= THREADS as u64));
}

/// Runs `f` on its own thread and fails if it does not finish within `limit`.
fn with_watchdog(limit: Duration, what: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = mpsc::channel();
    let worker = thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(limit) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            worker.join().expect("worker panicked");
        }
        Err(mpsc::RecvTimeoutError::Timeout) => panic!("{what}: no progress in {limit:?}"),
    }
}

#[test]
fn c_abi_batches_inside_a_callers_rayon_pool() {
    // Tasks of the caller's own pool (smaller and larger than the machine) each start
    // multi-threaded C ABI batches; the library's rayon use nests inside without deadlock.
    with_watchdog(Duration::from_secs(60), "nested rayon pools", || {
        let big = Arc::new(Fixture::new(3, BIG));
        for pool_threads in [1, 3, 8] {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(pool_threads)
                .build()
                .unwrap();
            pool.install(|| {
                (0..8).into_par_iter().for_each(|i| {
                    run_op(if i % 2 == 0 { 7 } else { 8 }, &big, &big);
                    run_op(2, &big, &big);
                });
            });
        }
    });
}

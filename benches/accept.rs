//! Keys per second for every backend this CPU has and for the baselines, side by side.
//!
//! `cargo bench --bench accept` runs it all; add a filter (`-- single`, `-- batch_1m`,
//! `-- batch_16`, `-- threads`) for one group. Ratios are only meaningful within one run.
//! The single-thread groups measure the thread's CPU time (see `support/cpu_time.rs`), so that
//! other jobs on a shared machine do not distort them; `threads` measures wall time.

#[cfg(feature = "capi")]
use std::ffi::{c_char, c_int};
use std::hint::black_box;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion, Throughput};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;
use wsaccept::{Backend, BatchOptions, KeyGen, ACCEPT_LEN, KEY_LEN};

fn keys(n: usize) -> Vec<u8> {
    let mut gen = KeyGen::from_seed(42);
    (0..n).flat_map(|_| *gen.next_key().as_bytes()).collect()
}

/// What tungstenite does per key, spelt out: the `sha1` Digest API plus the `base64` crate.
fn naive(key: &[u8]) -> String {
    use base64::Engine as _;
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(key);
    h.update(wsaccept::GUID);
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

#[cfg(feature = "capi")]
extern "C" {
    /// The C ABI's single-key call, through its exported symbol as a C program calls it (as
    /// tests/common/capi.rs declares it).
    fn wsaccept_accept(key: *const c_char, key_len: usize, out: *mut c_char) -> c_int;
}

/// A strict key made from an accept: its first 21 characters, a last data character with the
/// unused bits clear, and the padding. Chains calls for the latency rows.
#[inline(always)]
fn key_from_accept(accept: &[u8]) -> [u8; KEY_LEN] {
    let mut key = *b"AAAAAAAAAAAAAAAAAAAAAA==";
    key[..21].copy_from_slice(&accept[..21]);
    key[21] = b"AQgw"[usize::from(accept[21] & 3)];
    key
}

/// One key per call: the C entry, the Rust call, tungstenite and the naive baseline, as
/// throughput (64 independent keys per iteration) and as latency (each key made from the
/// previous accept, so one call cannot start before the last ended).
fn single(c: &mut Criterion<ThreadCpuTime>) {
    const N: usize = 64;
    let input = keys(N);
    let (keys, _) = input.as_chunks::<KEY_LEN>();
    let mut g = c.benchmark_group("single");
    g.throughput(Throughput::Elements(N as u64));
    macro_rules! both {
        ($name:literal, |$k:ident| $accept:expr) => {
            g.bench_function(concat!("throughput/", $name), |b| {
                b.iter(|| {
                    for $k in black_box(keys) {
                        black_box($accept);
                    }
                })
            });
            g.bench_function(concat!("latency/", $name), |b| {
                b.iter(|| {
                    let mut key = black_box(keys[0]);
                    for _ in 0..N {
                        let $k = &key;
                        let accept = $accept;
                        key = key_from_accept(accept.as_ref());
                    }
                    black_box(key)
                })
            });
        };
    }
    #[cfg(feature = "capi")]
    both!("c_wsaccept_accept", |k| {
        let mut out = [0u8; ACCEPT_LEN];
        // SAFETY: `k` is 24 readable bytes and `out` 28 writable ones, not overlapping.
        let rc = unsafe { wsaccept_accept(k.as_ptr().cast(), KEY_LEN, out.as_mut_ptr().cast()) };
        assert_eq!(rc, 0);
        out
    });
    both!("rust_wsaccept_accept", |k| wsaccept::accept(k).unwrap());
    both!("tungstenite_derive_accept_key", |k| {
        tungstenite::handshake::derive_accept_key(k)
    });
    both!("naive_digest_base64", |k| naive(k));
    g.bench_function("throughput/wsaccept_batch_of_1", |b| {
        let mut out = [0u8; ACCEPT_LEN];
        let opts = BatchOptions::default();
        b.iter(|| {
            for k in black_box(keys) {
                wsaccept::accept_batch(k, &mut out, None, &opts).unwrap();
                black_box(&out);
            }
        })
    });
    g.finish();
}

/// `n` keys through every backend on one thread, and through tungstenite key by key.
fn batch_group(c: &mut Criterion<ThreadCpuTime>, name: &str, n: usize) {
    let input = keys(n);
    let mut out = vec![0u8; n * ACCEPT_LEN];
    let mut g = c.benchmark_group(name);
    g.throughput(Throughput::Elements(n as u64));
    if n >= 100_000 {
        g.sample_size(10);
    }
    g.bench_function("tungstenite_derive_accept_key", |b| {
        b.iter(|| {
            for k in input.chunks_exact(KEY_LEN) {
                black_box(tungstenite::handshake::derive_accept_key(k));
            }
        })
    });
    for backend in Backend::available() {
        let opts = BatchOptions::default().backend(backend);
        g.bench_function(backend.name(), |b| {
            b.iter(|| wsaccept::accept_batch(black_box(&input), &mut out, None, &opts).unwrap())
        });
    }
    g.finish();
}

/// Small batches: every backend (through its routing of short tails) against the single-key
/// call in a loop, to place each backend's `min_keys` and to show a batch of one costs no more
/// than the single-key call.
fn batch_small(c: &mut Criterion<ThreadCpuTime>) {
    let mut g = c.benchmark_group("batch_small");
    g.warm_up_time(std::time::Duration::from_millis(500));
    g.measurement_time(std::time::Duration::from_secs(2));
    for n in [1, 2, 3, 4, 5, 8, 16] {
        let input = keys(n);
        let mut out = vec![0u8; n * ACCEPT_LEN];
        g.throughput(Throughput::Elements(n as u64));
        g.bench_function(format!("n{n}/single_key_calls"), |b| {
            b.iter(|| {
                for k in black_box(&input).chunks_exact(KEY_LEN) {
                    black_box(wsaccept::accept(k).unwrap());
                }
            })
        });
        for backend in Backend::available() {
            let opts = BatchOptions::default().backend(backend);
            g.bench_function(format!("n{n}/{}", backend.name()), |b| {
                b.iter(|| wsaccept::accept_batch(black_box(&input), &mut out, None, &opts).unwrap())
            });
            let mut st = vec![wsaccept::KeyStatus::Ok; n];
            let mut slots = vec![[0u8; ACCEPT_LEN]; n];
            let (slot_keys, _) = input.as_chunks::<KEY_LEN>();
            g.bench_function(format!("n{n}/{}_kernel_only", backend.name()), |b| {
                b.iter(|| {
                    backend.accept_keys_kernel(black_box(slot_keys), &mut slots, &mut st, true)
                })
            });
        }
    }
    g.finish();
}

fn batches(c: &mut Criterion<ThreadCpuTime>) {
    batch_group(c, "batch_16", 16);
    batch_group(c, "batch_1m", 1_000_000);
}

/// One thread against all threads, at sizes around the parallel cut-off and at 1M keys.
fn threads(c: &mut Criterion) {
    let mut g = c.benchmark_group("threads");
    g.sample_size(20);
    for n in [512, 1024, 2048, 4096, 8192, 16384, 65536, 1_000_000] {
        let input = keys(n);
        let mut out = vec![0u8; n * ACCEPT_LEN];
        g.throughput(Throughput::Elements(n as u64));
        for threads in [1, 0] {
            let opts = BatchOptions::default().threads(threads);
            g.bench_function(format!("n{n}_threads{threads}"), |b| {
                b.iter_batched(
                    || (),
                    |_| wsaccept::accept_batch(&input, &mut out, None, &opts).unwrap(),
                    BatchSize::SmallInput,
                )
            });
        }
    }
    g.finish();
}

criterion_group! {
    name = cpu_benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = single, batch_small, batches
}
criterion_group!(wall_benches, threads);
criterion_main!(cpu_benches, wall_benches);

//! `wsaccept bench`: keys/s for every backend this CPU has and for the naive per-key baseline,
//! measured in one run so the ratios are comparable.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use clap::Args;
use sha1::{Digest, Sha1};
use wsaccept::{Backend, BackendKind, BatchOptions, Key, KeyGen, ACCEPT_LEN, GUID};

use crate::common::Outcome;

#[derive(Args, Clone)]
pub struct BenchArgs {
    /// Keys per measurement.
    #[arg(long, default_value_t = 1_000_000)]
    keys: usize,
    /// Threads for the batch backends: 1 = this thread only, 0 = all cores.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Measurements per row; the fastest is reported (the least disturbed by other work).
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

/// The baseline: what a typical server does per key (tungstenite's `derive_accept_key`): the
/// `sha1` Digest API and the `base64` crate, allocating the result.
fn naive_accept(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(key);
    h.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// Estimates the core clock in GHz from a chain of dependent register adds, one cycle each on
/// every x86-64 and aarch64 core; virtual machines often expose no cycle counters, so this is
/// how the cycles/key column is worked out. `None` on other architectures.
fn estimate_ghz() -> Option<f64> {
    #[cfg(any(target_arch = "x86_64", target_arch = "aarch64"))]
    {
        const ITERATIONS: u64 = 20_000_000;
        const ADDS_PER_ITERATION: u64 = 8;
        let time_chain = || {
            let start = Instant::now();
            black_box(dependent_adds(ITERATIONS));
            start.elapsed()
        };
        let best = (0..5).map(|_| time_chain()).min()?;
        Some((ITERATIONS * ADDS_PER_ITERATION) as f64 / best.as_secs_f64() / 1e9)
    }
    #[cfg(not(any(target_arch = "x86_64", target_arch = "aarch64")))]
    None
}

/// `iterations` x 8 dependent adds of one register (the loop counter runs beside them).
#[cfg(target_arch = "x86_64")]
fn dependent_adds(iterations: u64) -> u64 {
    let mut x = 0u64;
    let mut n = iterations;
    // SAFETY: the asm only reads and writes the two registers it is given and the flags; it
    // touches no memory and leaves the stack alone.
    unsafe {
        core::arch::asm!(
            "2:",
            "add {x}, 1", "add {x}, 1", "add {x}, 1", "add {x}, 1",
            "add {x}, 1", "add {x}, 1", "add {x}, 1", "add {x}, 1",
            "dec {n}",
            "jnz 2b",
            x = inout(reg) x,
            n = inout(reg) n,
            options(nomem, nostack),
        );
    }
    x + n
}

/// `iterations` x 8 dependent adds of one register (the loop counter runs beside them).
#[cfg(target_arch = "aarch64")]
fn dependent_adds(iterations: u64) -> u64 {
    let mut x = 0u64;
    let mut n = iterations;
    // SAFETY: the asm only reads and writes the two registers it is given and the flags; it
    // touches no memory and leaves the stack alone.
    unsafe {
        core::arch::asm!(
            "2:",
            "add {x}, {x}, #1", "add {x}, {x}, #1", "add {x}, {x}, #1", "add {x}, {x}, #1",
            "add {x}, {x}, #1", "add {x}, {x}, #1", "add {x}, {x}, #1", "add {x}, {x}, #1",
            "subs {n}, {n}, #1",
            "b.ne 2b",
            x = inout(reg) x,
            n = inout(reg) n,
            options(nomem, nostack),
        );
    }
    x + n
}

/// The fastest of `rounds` runs of `f`.
fn best_of(rounds: usize, mut f: impl FnMut()) -> Duration {
    (0..rounds.max(1))
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .expect("at least one round")
}

pub fn run(args: &BenchArgs) -> Outcome {
    let n = args.keys.max(1);
    let mut keys = vec![Key::from_nonce(&[0; 16]); n];
    KeyGen::from_seed(1)
        .try_fill(&mut keys)
        .map_err(std::io::Error::other)?;
    let flat: Vec<u8> = Key::as_slots(&keys).as_flattened().to_vec();
    let mut out = vec![0u8; n * ACCEPT_LEN];

    println!(
        "wsaccept bench: {n} keys, threads={} ({}), best of {} rounds; backend in use: {}",
        args.threads,
        if args.threads == 1 {
            "calling thread only".to_string()
        } else {
            format!("{} in pool", rayon::current_num_threads())
        },
        args.rounds,
        wsaccept::backend()
    );
    let ghz = estimate_ghz();
    if let Some(ghz) = ghz {
        println!("clock estimated at {ghz:.2} GHz (dependent-add chain); cycles = ns x GHz");
    }
    let naive = best_of(args.rounds, || {
        for key in &keys {
            black_box(naive_accept(black_box(key.as_bytes())));
        }
    });
    println!(
        "{:<32} {:>14} {:>9} {:>11} {:>9}",
        "implementation", "keys/s", "ns/key", "cycles/key", "speedup"
    );
    let row = |name: &str, t: Duration| {
        let secs = t.as_secs_f64();
        let ns = secs * 1e9 / n as f64;
        let cycles = ghz.map_or("-".to_string(), |g| format!("{:.0}", ns * g));
        println!(
            "{:<32} {:>14.0} {:>9.2} {:>11} {:>8.2}x",
            name,
            n as f64 / secs,
            ns,
            cycles,
            naive.as_secs_f64() / secs
        );
    };
    row("naive (sha1 Digest + base64)", naive);
    for backend in Backend::available() {
        let opts = BatchOptions::default()
            .backend(backend)
            .threads(args.threads);
        let t = best_of(args.rounds, || {
            wsaccept::accept_batch(black_box(&flat), &mut out, None, &opts)
                .expect("buffers sized for n keys");
        });
        // Every backend must agree with the baseline; a fast wrong answer is no result.
        for (key, accept) in keys.iter().zip(out.chunks_exact(ACCEPT_LEN)).step_by(997) {
            assert_eq!(
                accept,
                naive_accept(key.as_bytes()).as_bytes(),
                "{}",
                backend.name()
            );
        }
        row(backend.name(), t);
    }
    Ok(true)
}

/// `wsaccept backends`: one line per backend, `NAME LANES available|unavailable [active]`.
pub fn list_backends() -> Outcome {
    let active = Backend::active().kind();
    for &kind in BackendKind::ALL {
        println!(
            "{:<10} {:>2} {}{}",
            kind.name(),
            kind.lanes(),
            if kind.is_available() {
                "available"
            } else {
                "unavailable"
            },
            if kind == active { " active" } else { "" }
        );
    }
    Ok(true)
}

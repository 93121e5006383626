//! `wsaccept bench`: keys/s for every backend this CPU has and for the naive per-key baseline,
//! measured in one run so the ratios are comparable.

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use clap::Args;
use sha1::{Digest, Sha1};
use wsaccept::{Backend, BatchOptions, Key, KeyGen, ACCEPT_LEN, GUID};

use super::Outcome;

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
    let naive = best_of(args.rounds, || {
        for key in &keys {
            black_box(naive_accept(black_box(key.as_bytes())));
        }
    });
    println!(
        "{:<32} {:>14} {:>9} {:>9}",
        "implementation", "keys/s", "ns/key", "speedup"
    );
    let row = |name: &str, t: Duration| {
        let secs = t.as_secs_f64();
        println!(
            "{:<32} {:>14.0} {:>9.2} {:>8.2}x",
            name,
            n as f64 / secs,
            secs * 1e9 / n as f64,
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

//! `wsaccept bench`: keys/s for every backend this CPU has and for the naive per-key baseline,
//! and the `accept`, `verify` and `gen` commands' own throughput against the engine on the
//! same keys, measured in one run so the ratios are comparable.

use std::hint::black_box;
use std::io::{self, Cursor, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use clap::Args;
use sha1::{Digest, Sha1};
use wsaccept::{Accept, Backend, BatchOptions, Key, KeyGen, Mode, ACCEPT_LEN, GUID, KEY_LEN};

use crate::accept::AcceptWork;
use crate::chunks;
use crate::common::{Input, Outcome, Progress};
use crate::gen;
use crate::verify::VerifyWork;

#[derive(Args, Clone)]
pub struct BenchArgs {
    /// Keys per measurement (at least 1).
    #[arg(long, default_value_t = 1_000_000, value_parser = at_least_one)]
    keys: usize,
    /// Threads for the batch backends: 1 = this thread only, 0 = all cores.
    #[arg(long, default_value_t = 1)]
    threads: usize,
    /// Measurements per row; the fastest is reported (the least disturbed by other work).
    #[arg(long, default_value_t = 5, value_parser = at_least_one)]
    rounds: usize,
}

/// A count that must be positive: `--keys 0` is a usage error, not a silent 1.
fn at_least_one(arg: &str) -> Result<usize, String> {
    match arg.parse::<usize>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(e) => Err(e.to_string()),
    }
}

/// A zeroed vector of `n` items, or an error (not an abort) when it cannot be allocated:
/// `--keys` is the user's number.
fn try_vec<T: Clone>(n: usize, value: T) -> io::Result<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(n).map_err(|_| {
        io::Error::new(
            io::ErrorKind::OutOfMemory,
            format!("--keys {n}: not enough memory for the key and output buffers"),
        )
    })?;
    v.resize(n, value);
    Ok(v)
}

/// The baseline: what a typical server does per key (tungstenite's `derive_accept_key`): the
/// `sha1` Digest API and the `base64` crate, allocating the result.
fn naive_accept(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(key);
    h.update(GUID);
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// Estimates the core clock in GHz from a chain of dependent register-to-register adds, one
/// cycle each on every x86-64 and aarch64 core (adds of an immediate are not used: Intel's
/// Golden Cove and later fold chains of them at rename, which reads as 8-9 GHz); virtual
/// machines often expose no cycle counters, so this is how the cycles/key column is worked
/// out. `None` on other architectures.
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

/// `iterations` x 8 dependent adds of a register to one register (the loop counter runs beside
/// them).
#[cfg(target_arch = "x86_64")]
fn dependent_adds(iterations: u64) -> u64 {
    let mut x = 0u64;
    let mut n = iterations;
    // SAFETY: the asm only reads and writes the two registers it is given and the flags; it
    // touches no memory and leaves the stack alone.
    unsafe {
        core::arch::asm!(
            "2:",
            "add {x}, {one}", "add {x}, {one}", "add {x}, {one}", "add {x}, {one}",
            "add {x}, {one}", "add {x}, {one}", "add {x}, {one}", "add {x}, {one}",
            "dec {n}",
            "jnz 2b",
            x = inout(reg) x,
            n = inout(reg) n,
            one = in(reg) black_box(1u64),
            options(nomem, nostack),
        );
    }
    x + n
}

/// `iterations` x 8 dependent adds of a register to one register (the loop counter runs beside
/// them).
#[cfg(target_arch = "aarch64")]
fn dependent_adds(iterations: u64) -> u64 {
    let mut x = 0u64;
    let mut n = iterations;
    // SAFETY: the asm only reads and writes the two registers it is given and the flags; it
    // touches no memory and leaves the stack alone.
    unsafe {
        core::arch::asm!(
            "2:",
            "add {x}, {x}, {one}", "add {x}, {x}, {one}", "add {x}, {x}, {one}", "add {x}, {x}, {one}",
            "add {x}, {x}, {one}", "add {x}, {x}, {one}", "add {x}, {x}, {one}", "add {x}, {x}, {one}",
            "subs {n}, {n}, #1",
            "b.ne 2b",
            x = inout(reg) x,
            n = inout(reg) n,
            one = in(reg) black_box(1u64),
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
    let n = args.keys;
    let mut keys = try_vec(n, Key::from_nonce(&[0; 16]))?;
    KeyGen::from_seed(1)
        .try_fill(&mut keys)
        .map_err(io::Error::other)?;
    let mut flat = try_vec(n.saturating_mul(KEY_LEN), 0u8)?;
    flat.copy_from_slice(Key::as_slots(&keys).as_flattened());
    let mut out = try_vec(n.saturating_mul(ACCEPT_LEN), 0u8)?;

    let mut stdout = io::stdout().lock();
    writeln!(
        stdout,
        "wsaccept bench: {n} keys, threads={} ({}), best of {} rounds; backend in use: {}",
        args.threads,
        if args.threads == 1 {
            "calling thread only".to_string()
        } else {
            format!("{} in pool", rayon::current_num_threads())
        },
        args.rounds,
        wsaccept::backend()
    )?;
    let ghz = estimate_ghz();
    if let Some(ghz) = ghz {
        writeln!(
            stdout,
            "clock estimated at {ghz:.2} GHz (dependent-add chain); cycles = ns x GHz"
        )?;
    }
    let naive = best_of(args.rounds, || {
        for key in &keys {
            black_box(naive_accept(black_box(key.as_bytes())));
        }
    });
    writeln!(
        stdout,
        "{:<32} {:>14} {:>9} {:>11} {:>9}",
        "implementation", "keys/s", "ns/key", "cycles/key", "speedup"
    )?;
    let row = |out: &mut dyn Write, name: &str, t: Duration| {
        let secs = t.as_secs_f64();
        let ns = secs * 1e9 / n as f64;
        let cycles = ghz.map_or("-".to_string(), |g| format!("{:.0}", ns * g));
        writeln!(
            out,
            "{:<32} {:>14.0} {:>9.2} {:>11} {:>8.2}x",
            name,
            n as f64 / secs,
            ns,
            cycles,
            naive.as_secs_f64() / secs
        )?;
        out.flush()
    };
    row(&mut stdout, "naive (sha1 Digest + base64)", naive)?;
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
        row(&mut stdout, backend.name(), t)?;
    }

    // One key per call, as a server's handshake makes it: independent calls, and each key made
    // from the previous accept (the latency of one call), beside the floor of one SHA-NI key.
    let single = best_of(args.rounds, || {
        for key in &keys {
            black_box(wsaccept::accept(black_box(key.as_bytes())).expect("valid key"));
        }
    });
    let chained = best_of(args.rounds, || {
        let mut key = *keys[0].as_bytes();
        for _ in 0..n {
            let accept = wsaccept::accept(key).expect("valid key");
            // Its first 21 characters, a last data character with the unused bits clear, `==`.
            key[..21].copy_from_slice(&accept.as_bytes()[..21]);
            key[21] = b"AQgw"[usize::from(accept.as_bytes()[21] & 3)];
        }
        black_box(key);
    });
    let single_name = Backend::single_key().name();
    row(
        &mut stdout,
        &format!("accept() one key, {single_name}"),
        single,
    )?;
    row(
        &mut stdout,
        &format!("accept() latency, {single_name}"),
        chained,
    )?;
    writeln!(
        stdout,
        "one-key floor with SHA-NI: 40 dependent sha1rnds4, 240 cycles where it takes 6 (AMD Zen \
         2-5, Intel Ice Lake), 160 where it takes 4 (Intel Golden Cove and later)"
    )?;

    // The command line's own throughput on the same keys, through the very code the commands
    // run (blocks, pipeline, output formatting) from memory to nowhere, against the engine:
    // what `accept`, `verify` and `gen` add around the batch calls.
    let engine_opts = BatchOptions::default().threads(args.threads);
    let engine = best_of(args.rounds, || {
        wsaccept::accept_batch(black_box(&flat), &mut out, None, &engine_opts)
            .expect("buffers sized for n keys");
    });
    let mut key_lines = Vec::with_capacity(n * (KEY_LEN + 1));
    let mut pair_lines = Vec::with_capacity(n * (KEY_LEN + ACCEPT_LEN + 2));
    for (key, accept) in keys.iter().zip(out.chunks_exact(ACCEPT_LEN)) {
        key_lines.extend_from_slice(key.as_bytes());
        key_lines.push(b'\n');
        pair_lines.extend_from_slice(key.as_bytes());
        pair_lines.push(b'\t');
        pair_lines.extend_from_slice(accept);
        pair_lines.push(b'\n');
    }
    let (key_lines, pair_lines): (Arc<[u8]>, Arc<[u8]>) = (key_lines.into(), pair_lines.into());
    let command = |text: &Arc<[u8]>, work| -> io::Result<chunks::Totals> {
        let input = Input {
            reader: Box::new(Cursor::new(Arc::clone(text))),
            size: None,
        };
        match work {
            Cmd::Accept => chunks::run_on(
                input,
                io::sink(),
                Progress::hidden(),
                args.threads,
                AcceptWork { mode: Mode::Strict },
            ),
            Cmd::Verify => chunks::run_on(
                input,
                io::sink(),
                Progress::hidden(),
                args.threads,
                VerifyWork { mode: Mode::Strict },
            ),
        }
    };
    let accept_cmd = try_best_of(args.rounds, || {
        let t = command(&key_lines, Cmd::Accept)?;
        check_totals(t.lines == n as u64 && t.invalid == 0, "accept")
    })?;
    let verify_cmd = try_best_of(args.rounds, || {
        let t = command(&pair_lines, Cmd::Verify)?;
        check_totals(t.matched == n as u64, "verify")
    })?;
    let mut gen_keys = try_vec(n, Key::from_nonce(&[0; 16]))?;
    let mut gen_accepts = try_vec(n, Accept::ZEROED)?;
    let gen_engine = try_best_of(args.rounds, || {
        KeyGen::from_seed(1)
            .try_fill_with_accepts(&mut gen_keys, &mut gen_accepts, &engine_opts)
            .map_err(io::Error::other)
    })?;
    let gen_cmd = try_best_of(args.rounds, || {
        gen::generate(
            KeyGen::from_seed(1),
            n as u64,
            args.threads,
            &mut io::sink(),
        )
    })?;
    writeln!(
        stdout,
        "\ncommand line vs engine, same {n} keys, threads={}:",
        args.threads
    )?;
    row(&mut stdout, "engine accept_batch", engine)?;
    row(&mut stdout, "wsaccept accept (in memory)", accept_cmd)?;
    row(&mut stdout, "wsaccept verify (in memory)", verify_cmd)?;
    row(&mut stdout, "engine generate + accept", gen_engine)?;
    row(&mut stdout, "wsaccept gen (in memory)", gen_cmd)?;
    let ratio = |a: Duration, b: Duration| a.as_secs_f64() / b.as_secs_f64();
    writeln!(
        stdout,
        "time per key, command / engine: accept {:.2}x, verify {:.2}x, gen {:.2}x",
        ratio(accept_cmd, engine),
        ratio(verify_cmd, engine),
        ratio(gen_cmd, gen_engine)
    )?;
    stdout.flush()?;
    Ok(true)
}

/// Which line command a bench row runs.
#[derive(Clone, Copy)]
enum Cmd {
    Accept,
    Verify,
}

/// A bench run's result must be right: a fast wrong answer is no result.
fn check_totals(ok: bool, what: &str) -> io::Result<()> {
    if ok {
        Ok(())
    } else {
        Err(io::Error::other(format!(
            "bench: the {what} command gave a wrong result"
        )))
    }
}

/// [`best_of`] for a run that can fail (a thread that cannot be started).
fn try_best_of(rounds: usize, mut f: impl FnMut() -> io::Result<()>) -> io::Result<Duration> {
    let mut best = Duration::MAX;
    for _ in 0..rounds {
        let start = Instant::now();
        f()?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

//! `wsaccept gen N [--seed S]`: keys and their accepts for load generators.
//!
//! Keys are drawn in order by the pipeline's source (one random stream, so a seed gives the
//! same keys whatever the thread count); workers compute each block's accepts in one batch
//! call and format its lines into one buffer; the sink writes the buffers in order.

use std::io::{self, Write};

use clap::Args;
use wsaccept::{Accept, BatchOptions, Key, KeyGen, ACCEPT_LEN, KEY_LEN};

use crate::common::Outcome;
use crate::pipeline::{self, Work};

/// Keys per block: an output of ~110 KiB, about what one input block of `accept` gives.
const KEYS_PER_BLOCK: usize = 2048;

/// One output line: `KEY<TAB>ACCEPT\n`.
const LINE_LEN: usize = KEY_LEN + 1 + ACCEPT_LEN + 1;

#[derive(Args, Clone)]
pub struct GenArgs {
    /// How many keys.
    count: u64,
    /// Reproducible keys from this seed (the same seed gives the same keys everywhere);
    /// without it, keys come from the OS random source.
    #[arg(long)]
    seed: Option<u64>,
    /// Threads for computing the accepts: 1 = this thread only, 0 = all cores.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

/// A block of generated keys and its output lines.
#[derive(Default)]
struct Batch {
    keys: Vec<Key>,
    out: Vec<u8>,
}

#[derive(Clone)]
struct GenWork;

impl Work for GenWork {
    type Item = Batch;
    type Scratch = Vec<Accept>;

    fn work(&self, batch: &mut Batch, accepts: &mut Vec<Accept>) {
        accepts.resize(batch.keys.len(), Accept::ZEROED);
        let opts = BatchOptions::default().threads(1);
        let invalid = wsaccept::accept_keys(Key::as_slots(&batch.keys), accepts, None, &opts)
            .expect("buffers sized to the keys");
        debug_assert_eq!(invalid, 0, "generated keys are valid");
        batch.out.clear();
        batch.out.reserve(batch.keys.len() * LINE_LEN);
        for (key, accept) in batch.keys.iter().zip(accepts.iter()) {
            batch.out.extend_from_slice(key.as_bytes());
            batch.out.push(b'\t');
            batch.out.extend_from_slice(accept.as_bytes());
            batch.out.push(b'\n');
        }
    }
}

pub fn run(args: &GenArgs) -> Outcome {
    let gen = match args.seed {
        Some(seed) => KeyGen::from_seed(seed),
        None => KeyGen::from_os(),
    };
    let mut stdout = io::stdout().lock();
    generate(gen, args.count, args.threads, &mut stdout)?;
    stdout.flush()?;
    Ok(true)
}

/// Writes `count` lines `KEY<TAB>ACCEPT` from `gen` to `out` with `threads` (0 = every core).
pub fn generate(
    mut gen: KeyGen,
    count: u64,
    threads: usize,
    out: &mut impl Write,
) -> io::Result<()> {
    let mut left = count;
    let source = move |batch: &mut Batch| -> io::Result<bool> {
        let n = left.min(KEYS_PER_BLOCK as u64) as usize;
        if n == 0 {
            return Ok(false);
        }
        batch.keys.resize(n, Key::from_nonce(&[0; 16]));
        gen.try_fill(&mut batch.keys).map_err(io::Error::other)?;
        left -= n as u64;
        Ok(true)
    };
    pipeline::run(source, GenWork, pipeline::workers(threads), |batch| {
        out.write_all(&batch.out)
    })
}

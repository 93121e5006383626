//! `wsaccept gen N [--seed S]`: keys and their accepts for load generators.

use std::io::{self, BufWriter, Write};

use clap::Args;
use wsaccept::{Accept, BatchOptions, Key, KeyGen};

use crate::common::{Outcome, LINES_PER_CHUNK};

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

pub fn run(args: &GenArgs) -> Outcome {
    let mut gen = match args.seed {
        Some(seed) => KeyGen::from_seed(seed),
        None => KeyGen::from_os(),
    };
    let opts = BatchOptions::default().threads(args.threads);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let chunk = LINES_PER_CHUNK.min(args.count as usize);
    let mut keys = vec![Key::from_nonce(&[0; 16]); chunk];
    let mut accepts = vec![Accept::ZEROED; chunk];
    let mut left = args.count;
    while left > 0 {
        let n = (left as usize).min(chunk);
        gen.try_fill_with_accepts(&mut keys[..n], &mut accepts[..n], &opts)
            .map_err(io::Error::other)?;
        for (key, accept) in keys[..n].iter().zip(&accepts[..n]) {
            out.write_all(key.as_bytes())?;
            out.write_all(b"\t")?;
            out.write_all(accept.as_bytes())?;
            out.write_all(b"\n")?;
        }
        left -= n as u64;
    }
    out.flush()?;
    Ok(true)
}

//! `wsaccept verify [FILE]`: checks `KEY<TAB>ACCEPT` lines, as a load tester records them.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use wsaccept::{trim_ows, Accept, KeyStatus};

use crate::common::{open_input, parse_error, read_chunk, Outcome, Progress};
use crate::lines::{Line, LineReader};
use crate::EngineArgs;

#[derive(Args, Clone)]
pub struct VerifyArgs {
    /// Input file of `KEY<TAB>ACCEPT` lines; stdin if absent or `-`.
    file: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Splits a line at its first TAB into key and received accept, each trimmed of OWS.
fn split_line(line: &Line) -> Option<(&[u8], &[u8])> {
    let whole = line.trimmed()?;
    let tab = whole.iter().position(|&b| b == b'\t')?;
    Some((trim_ows(&whole[..tab]), trim_ows(&whole[tab + 1..])))
}

pub fn run(args: &VerifyArgs) -> Outcome {
    let opts = args.engine.options();
    let input = open_input(&args.file)?;
    let mut progress = Progress::new(&input);
    let mut reader = LineReader::new(input.reader);
    let stderr = io::stderr();
    let mut err = BufWriter::new(stderr.lock());

    let (mut total, mut matched, mut mismatched, mut invalid) = (0u64, 0u64, 0u64, 0u64);
    let mut lines = Vec::new();
    let mut accepts = Vec::new();
    let mut status = Vec::new();
    let mut first_line = 1u64;
    loop {
        let n = read_chunk(&mut reader, &mut lines)?;
        if n == 0 {
            break;
        }
        let pairs: Vec<Option<(&[u8], &[u8])>> = lines[..n].iter().map(split_line).collect();
        let keys: Vec<&[u8]> = pairs
            .iter()
            .map(|p| p.map_or(&b""[..], |(k, _)| k))
            .collect();
        accepts.resize(n, Accept::ZEROED);
        status.resize(n, KeyStatus::Ok);
        wsaccept::accept_scattered(&keys, &mut accepts, Some(&mut status), &opts)
            .expect("buffers sized to the chunk");
        for i in 0..n {
            let line_no = first_line + i as u64;
            match pairs[i] {
                None if lines[i].trimmed().is_none() => {
                    invalid += 1;
                    let len = lines[i].trimmed_len;
                    writeln!(
                        err,
                        "line {line_no}: {len} bytes long, too long for KEY<TAB>ACCEPT"
                    )?;
                }
                None => {
                    invalid += 1;
                    writeln!(err, "line {line_no}: not a KEY<TAB>ACCEPT line (no TAB)")?;
                }
                Some((key, _)) if !status[i].is_ok() => {
                    invalid += 1;
                    let reason = parse_error(key, opts.mode).expect("the batch refused the key");
                    writeln!(err, "line {line_no}: {reason}")?;
                }
                Some((_, received)) if accepts[i].matches(received) => matched += 1,
                Some((_, received)) => {
                    mismatched += 1;
                    writeln!(
                        err,
                        "line {line_no}: mismatch: expected {}, got {}",
                        accepts[i],
                        String::from_utf8_lossy(received)
                    )?;
                }
            }
        }
        total += n as u64;
        first_line += n as u64;
        progress.set(reader.bytes_read);
    }
    err.flush()?;
    progress.finish();
    println!("{total} lines: {matched} matched, {mismatched} mismatched, {invalid} invalid");
    Ok(mismatched == 0 && invalid == 0)
}

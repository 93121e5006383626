//! `wsaccept verify [FILE]`: checks `KEY<TAB>ACCEPT` lines, as a load tester records them.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use wsaccept::{trim_ows, Accept, KeyStatus};

use crate::common::{open_input, parse_error, read_chunk, Diagnostics, Outcome, Progress};
use crate::lines::{Line, LineReader};
use crate::EngineArgs;

#[derive(Args, Clone)]
pub struct VerifyArgs {
    /// Input file of `KEY<TAB>ACCEPT` lines; stdin if absent or `-`.
    file: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

/// How a line splits at its first TAB.
enum Split<'a> {
    /// Longer than any `KEY<TAB>ACCEPT` line (its trimmed length).
    TooLong(usize),
    NoTab,
    /// Key and received accept, each trimmed of OWS.
    Pair(&'a [u8], &'a [u8]),
}

/// Splits a line at its first TAB, which may sit in the OWS the reader trimmed (`\tACCEPT`:
/// empty key; `KEY\t`: empty accept).
fn split_line(line: &Line) -> Split<'_> {
    let Some(whole) = line.trimmed() else {
        return Split::TooLong(line.trimmed_len);
    };
    if line.lead_tab {
        return Split::Pair(b"", whole);
    }
    match whole.iter().position(|&b| b == b'\t') {
        Some(tab) => Split::Pair(trim_ows(&whole[..tab]), trim_ows(&whole[tab + 1..])),
        None if line.trail_tab => Split::Pair(whole, b""),
        None => Split::NoTab,
    }
}

pub fn run(args: &VerifyArgs) -> Outcome {
    let opts = args.engine.options();
    let input = open_input(&args.file)?;
    let mut progress = Progress::new(&input);
    let mut reader = LineReader::new(input.reader);
    let mut err = Diagnostics::new();

    let (mut matched, mut mismatched, mut invalid) = (0u64, 0u64, 0u64);
    let mut lines = Vec::new();
    let mut accepts = Vec::new();
    let mut status = Vec::new();
    let mut first_line = 1u64;
    loop {
        let n = read_chunk(&mut reader, &mut lines)?;
        if n == 0 {
            break;
        }
        let pairs: Vec<Split> = lines[..n].iter().map(split_line).collect();
        let keys: Vec<&[u8]> = pairs
            .iter()
            .map(|p| match p {
                Split::Pair(key, _) => key,
                _ => &b""[..],
            })
            .collect();
        accepts.resize(n, Accept::ZEROED);
        status.resize(n, KeyStatus::Ok);
        wsaccept::accept_scattered(&keys, &mut accepts, Some(&mut status), &opts)
            .expect("buffers sized to the chunk");
        for i in 0..n {
            let line_no = first_line + i as u64;
            match pairs[i] {
                Split::TooLong(len) => {
                    invalid += 1;
                    err.line(format_args!(
                        "line {line_no}: {len} bytes long, too long for KEY<TAB>ACCEPT"
                    ));
                }
                Split::NoTab => {
                    invalid += 1;
                    err.line(format_args!(
                        "line {line_no}: not a KEY<TAB>ACCEPT line (no TAB)"
                    ));
                }
                Split::Pair(b"", _) => {
                    invalid += 1;
                    err.line(format_args!("line {line_no}: empty key before the TAB"));
                }
                Split::Pair(key, _) if !status[i].is_ok() => {
                    invalid += 1;
                    let reason = parse_error(key, opts.mode).expect("the batch refused the key");
                    err.line(format_args!("line {line_no}: {reason}"));
                }
                Split::Pair(_, b"") => {
                    invalid += 1;
                    err.line(format_args!("line {line_no}: empty accept after the TAB"));
                }
                Split::Pair(_, received) if accepts[i].matches(received) => matched += 1,
                Split::Pair(_, received) => {
                    mismatched += 1;
                    err.line(format_args!(
                        "line {line_no}: mismatch: expected {}, got {}",
                        accepts[i],
                        String::from_utf8_lossy(received)
                    ));
                }
            }
        }
        first_line += n as u64;
        progress.set(reader.bytes_read);
    }
    err.flush();
    progress.finish();
    let total = first_line - 1;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{total} lines: {matched} matched, {mismatched} mismatched, {invalid} invalid"
    )?;
    out.flush()?;
    Ok(mismatched == 0 && invalid == 0)
}

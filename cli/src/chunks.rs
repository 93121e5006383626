//! Chunks, the items `accept` and `verify` stream: a block of input lines with its output
//! (written as one buffer) and its bad lines (reported on stderr with their numbers), and the
//! run that takes chunks through the ordered pipeline.

use std::fmt;
use std::io::{self, Write};
use std::path::PathBuf;

use wsaccept::{Accept, KeyError};

use crate::blocks::{block_size, Block, BlockReader};
use crate::common::{open_input, Diagnostics, Input, Progress};
use crate::pipeline::{self, Work};

/// Why a line was refused or failed.
#[derive(Debug)]
pub enum Problem {
    /// The key (the whole line for `accept`) is invalid.
    Key(KeyError),
    /// `verify`: the line is longer than any `KEY<TAB>ACCEPT` line (its trimmed length).
    LineTooLong(usize),
    NoTab,
    EmptyKey,
    EmptyAccept,
    /// `verify`: a valid key whose received accept is not the right one.
    Mismatch {
        expected: Accept,
        got: Box<[u8]>,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Key(e) => e.fmt(f),
            Problem::LineTooLong(len) => {
                write!(f, "{len} bytes long, too long for KEY<TAB>ACCEPT")
            }
            Problem::NoTab => f.write_str("not a KEY<TAB>ACCEPT line (no TAB)"),
            Problem::EmptyKey => f.write_str("empty key before the TAB"),
            Problem::EmptyAccept => f.write_str("empty accept after the TAB"),
            Problem::Mismatch { expected, got } => write!(
                f,
                "mismatch: expected {expected}, got {}",
                String::from_utf8_lossy(got)
            ),
        }
    }
}

/// A block of input and what a worker made of it.
#[derive(Default)]
pub struct Chunk {
    pub block: Block,
    /// Bytes for stdout, written as one buffer.
    pub out: Output,
    /// Bad lines, by their index in the block.
    pub problems: Vec<(u32, Problem)>,
    /// Lines in the block.
    pub lines: u64,
    /// `verify`: lines whose accept matched.
    pub matched: u64,
}

/// A chunk's bytes for stdout. The buffer keeps its largest size from block to block, so
/// producing a block's output writes each byte once: nothing is cleared or zero-filled first.
#[derive(Default)]
pub struct Output {
    buf: Vec<u8>,
    len: usize,
}

impl Output {
    /// The block's output.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Room for at most `max` bytes, to be filled from its start (old bytes may be in it);
    /// the output is empty until [`Output::set_len`] says how much was written.
    pub fn room(&mut self, max: usize) -> &mut [u8] {
        if self.buf.len() < max {
            self.buf.resize(max, 0);
        }
        self.len = 0;
        &mut self.buf[..max]
    }

    /// The first `len` bytes of the room are the output.
    pub fn set_len(&mut self, len: usize) {
        assert!(len <= self.buf.len(), "output longer than its room");
        self.len = len;
    }
}

/// Line totals over a whole input.
#[derive(Default)]
pub struct Totals {
    pub lines: u64,
    pub matched: u64,
    pub mismatched: u64,
    pub invalid: u64,
}

/// Runs `work` over FILE (stdin for `None` or `-`) with `threads` (`--threads`: 0 = every
/// core), writing each chunk's output to stdout and its problems to stderr, in input order.
pub fn run<W: Work<Item = Chunk>>(
    file: &Option<PathBuf>,
    threads: usize,
    work: W,
) -> io::Result<Totals> {
    let input = open_input(file)?;
    let progress = Progress::new(&input);
    run_on(input, io::stdout().lock(), progress, threads, work)
}

/// [`run`] over an opened input, writing to `stdout` (`wsaccept bench` runs the commands on
/// keys in memory, writing nowhere).
pub fn run_on<W: Work<Item = Chunk>>(
    input: Input,
    mut stdout: impl Write,
    mut progress: Progress,
    threads: usize,
    work: W,
) -> io::Result<Totals> {
    let mut reader = BlockReader::new(input.reader, block_size());
    let mut err = Diagnostics::new();
    let mut totals = Totals::default();
    let mut bytes = 0u64;
    pipeline::run(
        move |chunk: &mut Chunk| reader.next_block(&mut chunk.block),
        work,
        pipeline::workers(threads),
        |chunk| {
            let out = chunk.out.as_bytes();
            if !out.is_empty() {
                stdout.write_all(out)?;
            }
            for (i, problem) in &chunk.problems {
                match problem {
                    Problem::Mismatch { .. } => totals.mismatched += 1,
                    _ => totals.invalid += 1,
                }
                let line = totals.lines + 1 + u64::from(*i);
                err.line(format_args!("line {line}: {problem}"));
            }
            totals.lines += chunk.lines;
            totals.matched += chunk.matched;
            bytes += chunk.block.input_bytes;
            progress.set(bytes);
            Ok(())
        },
    )?;
    stdout.flush()?;
    err.flush();
    progress.finish();
    Ok(totals)
}

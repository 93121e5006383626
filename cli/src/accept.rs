//! `wsaccept accept [FILE]`: one accept per key line, streamed in blocks.
//!
//! A line that is exactly a 24-byte key (the common case) is copied into a contiguous key
//! buffer and computed with every other such line of its block in one batch call; any other
//! line (OWS, CRLF aside, wrong length, lenient keys) goes through the single-key call, which
//! trims and checks it the same way. A refused key's reason always comes from the key parser
//! on the trimmed line, so both paths report alike.

use std::path::PathBuf;

use clap::Args;
use wsaccept::{Accept, BatchOptions, KeyError, KeyStatus, Mode, ACCEPT_LEN, KEY_LEN};

use crate::blocks::{line_end, strip_cr};
use crate::common::{length_error, parse_error, Outcome};
use crate::pipeline::Work;
use crate::stream::{self, Chunk, Problem};
use crate::EngineArgs;

#[derive(Args, Clone)]
pub struct AcceptArgs {
    /// Input file with one key per line; stdin if absent or `-`.
    file: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: &AcceptArgs) -> Outcome {
    let work = AcceptWork {
        mode: args.engine.mode(),
    };
    let totals = stream::run(&args.file, args.engine.threads, work)?;
    Ok(totals.invalid == 0)
}

/// Whether a line is a key as the contiguous batch takes it: exactly 24 bytes with no OWS to
/// trim. (OWS inside makes it invalid in strict mode and is hashed as given in lenient mode,
/// on both paths.)
#[inline]
pub fn is_bare_key(line: &[u8]) -> bool {
    line.len() == KEY_LEN && !is_ows(line[0]) && !is_ows(line[KEY_LEN - 1])
}

#[inline]
fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// A worker's buffers, reused from block to block.
#[derive(Default)]
pub struct Scratch {
    /// The block's bare keys, for one batch call, and their results.
    keys: Vec<[u8; KEY_LEN]>,
    accepts: Vec<Accept>,
    status: Vec<KeyStatus>,
    /// The other lines, computed on their own: (line index in the block, result). Every line
    /// not listed here is the next batched key, so the common case writes nothing per line.
    others: Vec<(usize, Result<Accept, KeyError>)>,
}

/// The per-block computation of `accept` (also run by `wsaccept bench`).
#[derive(Clone)]
pub struct AcceptWork {
    pub mode: Mode,
}

impl Work for AcceptWork {
    type Item = Chunk;
    type Scratch = Scratch;

    fn work(&self, chunk: &mut Chunk, s: &mut Scratch) {
        chunk.out.clear();
        chunk.problems.clear();
        if let Some(len) = chunk.block.overlong {
            chunk.out.push(b'\n');
            chunk
                .problems
                .push((0, Problem::Key(length_error(len, self.mode))));
            chunk.lines = 1;
            return;
        }
        s.keys.clear();
        s.others.clear();
        let data = chunk.block.lines();
        let mut start = 0;
        let mut lines = 0;
        while start < data.len() {
            let end = line_end(data, start, KEY_LEN);
            let line = strip_cr(&data[start..end]);
            start = end + 1;
            if is_bare_key(line) {
                s.keys
                    .push(line.try_into().expect("is_bare_key checked the length"));
            } else {
                let result = wsaccept::accept_with_mode(line, self.mode);
                s.others.push((lines, result));
            }
            lines += 1;
        }
        let n = s.keys.len();
        s.accepts.resize(n, Accept::ZEROED);
        s.status.resize(n, KeyStatus::Ok);
        // Parallelism is across blocks, so each batch stays on its worker's thread.
        let opts = BatchOptions::default().mode(self.mode).threads(1);
        wsaccept::accept_keys(&s.keys, &mut s.accepts, Some(&mut s.status), &opts)
            .expect("buffers sized to the keys");

        const LINE: usize = ACCEPT_LEN + 1;
        chunk.out.reserve(lines * LINE);
        let mut others = s.others.iter().peekable();
        let mut batched = 0;
        for i in 0..lines {
            let result = match others.next_if(|(line, _)| *line == i) {
                Some((_, result)) => result.as_ref().map_err(|e| *e),
                None => {
                    let k = batched;
                    batched += 1;
                    if s.status[k].is_ok() {
                        Ok(&s.accepts[k])
                    } else {
                        Err(parse_error(&s.keys[k], self.mode)
                            .expect("the batch refused the key, so the parser does too"))
                    }
                }
            };
            match result {
                Ok(accept) => {
                    // One copy of the whole output line.
                    let mut line = [b'\n'; LINE];
                    line[..ACCEPT_LEN].copy_from_slice(accept.as_bytes());
                    chunk.out.extend_from_slice(&line);
                }
                Err(e) => {
                    chunk.problems.push((i as u32, Problem::Key(e)));
                    chunk.out.push(b'\n');
                }
            }
        }
        chunk.lines = lines as u64;
    }
}

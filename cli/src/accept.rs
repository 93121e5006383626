//! `wsaccept accept [FILE]`: one accept per key line, streamed in blocks.
//!
//! A line that is exactly a 24-byte key (the common case) is copied into a contiguous key
//! buffer and computed with every other such line of its block in one batch call; any other
//! line (OWS, CRLF aside, wrong length, lenient keys) goes through the single-key call, which
//! trims and checks it the same way. A refused key's reason always comes from the key parser
//! on the trimmed line, so both paths report alike.
//!
//! In strict mode a block is first tried as what a key file almost always is: nothing but
//! 25-byte lines, a newline after every 24 bytes. Only those newlines are looked at before the
//! batch call; the batch then checks every key, and a valid strict key is 22 base64 characters
//! and `==`, so it holds no newline, CR or OWS: when every key is valid, every line was exactly
//! a bare key, as the line-by-line scan would have found. A block that is not of that shape, or
//! has an invalid key, is done again line by line.

use std::path::PathBuf;

use clap::Args;
use wsaccept::{Accept, KeyError, KeyStatus, Mode, ACCEPT_LEN, KEY_LEN};

use crate::batching::{batch_options, is_bare_key, key_slots, uniform_lines};
use crate::blocks::{has_newline, is_ows, line_end, strip_cr};
use crate::chunks::{self, Chunk, Output, Problem};
use crate::common::{length_error, parse_error, Outcome};
use crate::pipeline::Work;
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
    let totals = chunks::run(&args.file, args.engine.threads, work)?;
    Ok(totals.invalid == 0)
}

/// The key of a line that starts `rest` and is exactly a bare key and its newline (no CR):
/// the common line, recognised with a few word-wide checks.
#[inline]
fn bare_key_line(rest: &[u8]) -> Option<&[u8; KEY_LEN]> {
    let (key, rest) = rest.split_first_chunk::<KEY_LEN>()?;
    (rest.first() == Some(&b'\n')
        && !has_newline(key)
        && key[KEY_LEN - 1] != b'\r'
        && !is_ows(key[0])
        && !is_ows(key[KEY_LEN - 1]))
    .then_some(key)
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
        chunk.problems.clear();
        if let Some(len) = chunk.block.overlong {
            chunk.out.room(1)[0] = b'\n';
            chunk.out.set_len(1);
            chunk
                .problems
                .push((0, Problem::Key(length_error(len, self.mode))));
            chunk.lines = 1;
            return;
        }
        if !(self.mode == Mode::Strict && self.uniform(chunk, s)) {
            self.line_by_line(chunk, s);
        }
    }
}

/// Output line `i` is accept `i` for every `i`.
///
/// Each accept is copied straight into its output line: building a line elsewhere and copying
/// it whole made the CPU reload bytes it had just stored piecewise, a stall on every line.
fn write_accepts(out: &mut Output, accepts: &[Accept]) {
    let len = accepts.len() * OUT_LINE;
    for (line, accept) in out.room(len).chunks_exact_mut(OUT_LINE).zip(accepts) {
        line[..ACCEPT_LEN].copy_from_slice(accept.as_bytes());
        line[ACCEPT_LEN] = b'\n';
    }
    out.set_len(len);
}

/// An output line: an accept and its newline.
const OUT_LINE: usize = ACCEPT_LEN + 1;

impl AcceptWork {
    /// Strict mode: the block as 25-byte lines of valid keys (see the module documentation).
    /// False, with nothing written, when it is not.
    fn uniform(&self, chunk: &mut Chunk, s: &mut Scratch) -> bool {
        let Some(lines) = uniform_lines::<{ KEY_LEN + 1 }>(
            chunk.block.lines(),
            self.mode,
            &mut s.keys,
            &mut s.accepts,
            |tail| tail[0] == b'\n',
        ) else {
            return false;
        };
        write_accepts(&mut chunk.out, &s.accepts);
        chunk.lines = lines.len() as u64;
        true
    }

    /// Any block, line by line: bare keys batched, other lines on their own.
    fn line_by_line(&self, chunk: &mut Chunk, s: &mut Scratch) {
        s.others.clear();
        let data = chunk.block.lines();
        // A bare key's line is at least 25 bytes, so this many slots always suffice.
        let keys = key_slots(&mut s.keys, data.len() / (KEY_LEN + 1));
        let mut n = 0;
        let mut start = 0;
        let mut lines = 0;
        while start < data.len() {
            // The common line, checked in one go: a bare key and its newline.
            if let Some(key) = data.get(start..).and_then(bare_key_line) {
                keys[n] = *key;
                n += 1;
                start += KEY_LEN + 1;
                lines += 1;
                continue;
            }
            let end = line_end(data, start, KEY_LEN);
            let line = strip_cr(&data[start..end]);
            start = end + 1;
            if is_bare_key(line) {
                keys[n] = line.try_into().expect("is_bare_key checked the length");
                n += 1;
            } else {
                let result = wsaccept::accept_with_mode(line, self.mode);
                s.others.push((lines, result));
            }
            lines += 1;
        }
        let keys = &keys[..n];
        s.accepts.resize(n, Accept::ZEROED);
        s.status.resize(n, KeyStatus::Ok);
        let opts = batch_options(self.mode);
        let invalid = wsaccept::accept_keys(keys, &mut s.accepts, Some(&mut s.status), &opts)
            .expect("buffers sized to the keys");

        if invalid == 0 && s.others.is_empty() {
            // Every line a valid bare key: line i is accept i.
            write_accepts(&mut chunk.out, &s.accepts);
        } else {
            // The output's exact size: a newline per line and an accept per valid one. (Room
            // for an accept on every line would be 29 times the input for empty lines, all of
            // it touched, in every item of the pool.)
            let valid = n - invalid + s.others.iter().filter(|(_, r)| r.is_ok()).count();
            let len = lines + valid * ACCEPT_LEN;
            let out = chunk.out.room(len);
            let mut others = s.others.iter().peekable();
            let mut batched = 0;
            let mut at = 0;
            for i in 0..lines {
                let result = match others.next_if(|(line, _)| *line == i) {
                    Some((_, result)) => result.as_ref().map_err(|e| *e),
                    None => {
                        let k = batched;
                        batched += 1;
                        if s.status[k].is_ok() {
                            Ok(&s.accepts[k])
                        } else {
                            Err(parse_error(&keys[k], self.mode)
                                .expect("the batch refused the key, so the parser does too"))
                        }
                    }
                };
                match result {
                    Ok(accept) => {
                        out[at..at + ACCEPT_LEN].copy_from_slice(accept.as_bytes());
                        at += ACCEPT_LEN;
                    }
                    Err(e) => chunk.problems.push((i as u32, Problem::Key(e))),
                }
                // A refused key's line is left empty.
                out[at] = b'\n';
                at += 1;
            }
            debug_assert_eq!(at, len);
            chunk.out.set_len(at);
        }
        chunk.lines = lines as u64;
    }
}

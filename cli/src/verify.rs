//! `wsaccept verify [FILE]`: checks `KEY<TAB>ACCEPT` lines, as a load tester records them.
//!
//! A line split at its first TAB gives the key and the received accept, each trimmed of OWS.
//! Lines whose key is exactly the 24 bytes before a TAB at position 24 (the common case) have
//! their keys computed together in one batch call per block; every other line is judged on its
//! own by the same rules.
//!
//! In strict mode a block is first tried as what a load tester's record almost always is:
//! nothing but 54-byte lines `KEY<TAB>ACCEPT`, the TAB after 24 bytes. Only the TABs and
//! newlines are looked at before the batch call. A valid strict key is 22 base64 characters and
//! `==`, and so is a right accept's text, so neither holds a TAB, newline, CR or OWS: when every
//! key is valid and every received accept is the right one, each line was exactly that key and
//! accept, matched, as the line-by-line judgement would have found. A block that is not of that
//! shape, or has an invalid key or a wrong accept, is done again line by line.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;
use wsaccept::{trim_ows, Accept, KeyStatus, Mode, ACCEPT_LEN, KEY_LEN};

use crate::batching::{batch_options, is_bare_key, uniform_lines};
use crate::blocks::{line_end, strip_cr, KEEP};
use crate::chunks::{self, Chunk, Problem};
use crate::common::Outcome;
use crate::pipeline::Work;
use crate::EngineArgs;

#[derive(Args, Clone)]
pub struct VerifyArgs {
    /// Input file of `KEY<TAB>ACCEPT` lines; stdin if absent or `-`.
    file: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: &VerifyArgs) -> Outcome {
    let work = VerifyWork {
        mode: args.engine.mode(),
    };
    let t = chunks::run(&args.file, args.engine.threads, work)?;
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "{} lines: {} matched, {} mismatched, {} invalid",
        t.lines, t.matched, t.mismatched, t.invalid
    )?;
    out.flush()?;
    Ok(t.mismatched == 0 && t.invalid == 0)
}

/// The received accept checked against the right one.
fn check(expected: &Accept, received: &[u8]) -> Result<(), Problem> {
    if received.is_empty() {
        Err(Problem::EmptyAccept)
    } else if expected.matches(received) {
        Ok(())
    } else {
        Err(Problem::Mismatch {
            expected: *expected,
            got: received.into(),
        })
    }
}

/// A line (without its line ending) judged on its own.
fn judge(line: &[u8], mode: Mode) -> Result<(), Problem> {
    let len = trim_ows(line).len();
    if len > KEEP {
        return Err(Problem::LineTooLong(len));
    }
    let tab = memchr::memchr(b'\t', line).ok_or(Problem::NoTab)?;
    let key = trim_ows(&line[..tab]);
    if key.is_empty() {
        return Err(Problem::EmptyKey);
    }
    let accept = wsaccept::accept_with_mode(key, mode).map_err(Problem::Key)?;
    check(&accept, trim_ows(&line[tab + 1..]))
}

/// The key of a line the batch can take: the 24 bytes before a TAB at position 24, with no
/// OWS to trim and no earlier TAB, so they are exactly what splitting at the first TAB gives.
/// (In strict mode an earlier TAB needs no look: the batch refuses a key holding one, and the
/// refused line is judged again on its own.)
#[inline]
fn bare_key(line: &[u8], mode: Mode) -> Option<&[u8; KEY_LEN]> {
    let key = line.get(..KEY_LEN)?;
    (line.len() <= KEEP
        && line.get(KEY_LEN) == Some(&b'\t')
        && is_bare_key(key)
        && (mode == Mode::Strict || !key.contains(&b'\t')))
    .then(|| key.try_into().expect("24 bytes"))
}

/// What one line of a block became, in line order.
enum Slot {
    /// The next key of the block's batch; the received accept is `data[start..end]`.
    Batched {
        start: u32,
        end: u32,
    },
    Done(Result<(), Problem>),
}

/// A worker's buffers, reused from block to block.
#[derive(Default)]
pub struct Scratch {
    keys: Vec<[u8; KEY_LEN]>,
    accepts: Vec<Accept>,
    status: Vec<KeyStatus>,
    slots: Vec<Slot>,
}

/// The per-block computation of `verify` (also run by `wsaccept bench`).
#[derive(Clone)]
pub struct VerifyWork {
    pub mode: Mode,
}

impl Work for VerifyWork {
    type Item = Chunk;
    type Scratch = Scratch;

    fn work(&self, chunk: &mut Chunk, s: &mut Scratch) {
        chunk.problems.clear();
        chunk.matched = 0;
        if let Some(len) = chunk.block.overlong {
            chunk.problems.push((0, Problem::LineTooLong(len)));
            chunk.lines = 1;
            return;
        }
        if !(self.mode == Mode::Strict && self.uniform(chunk, s)) {
            self.line_by_line(chunk, s);
        }
    }
}

/// A `KEY<TAB>ACCEPT` line with its newline, nothing else in it.
const PAIR_LINE: usize = KEY_LEN + 1 + ACCEPT_LEN + 1;

impl VerifyWork {
    /// Strict mode: the block as 54-byte lines of valid keys and right accepts (see the module
    /// documentation). False, with nothing counted, when it is not.
    fn uniform(&self, chunk: &mut Chunk, s: &mut Scratch) -> bool {
        let Some(lines) = uniform_lines::<PAIR_LINE>(
            chunk.block.lines(),
            self.mode,
            &mut s.keys,
            &mut s.accepts,
            |tail| tail[0] == b'\t' && tail[ACCEPT_LEN + 1] == b'\n',
        ) else {
            return false;
        };
        let all_right = lines.iter().zip(&s.accepts).all(|(line, accept)| {
            let received: &[u8; ACCEPT_LEN] = line[KEY_LEN + 1..PAIR_LINE - 1]
                .try_into()
                .expect("28 bytes");
            received == accept.as_bytes()
        });
        if !all_right {
            return false;
        }
        chunk.lines = lines.len() as u64;
        chunk.matched = chunk.lines;
        true
    }

    /// Any block, line by line: lines with a bare key batched, the others judged on their own.
    fn line_by_line(&self, chunk: &mut Chunk, s: &mut Scratch) {
        s.keys.clear();
        s.slots.clear();
        let data = chunk.block.lines();
        let mut start = 0;
        while start < data.len() {
            let end = line_end(data, start, KEY_LEN + 1 + ACCEPT_LEN);
            let line = strip_cr(&data[start..end]);
            match bare_key(line, self.mode) {
                Some(key) => {
                    s.keys.push(*key);
                    // Block offsets fit in u32: a block is far smaller than 4 GiB.
                    let received = start + KEY_LEN + 1;
                    s.slots.push(Slot::Batched {
                        start: received as u32,
                        end: (start + line.len()) as u32,
                    });
                }
                None => s.slots.push(Slot::Done(judge(line, self.mode))),
            }
            start = end + 1;
        }
        let n = s.keys.len();
        s.accepts.resize(n, Accept::ZEROED);
        s.status.resize(n, KeyStatus::Ok);
        let opts = batch_options(self.mode);
        wsaccept::accept_keys(&s.keys, &mut s.accepts, Some(&mut s.status), &opts)
            .expect("buffers sized to the keys");

        let mut batched = 0;
        for (i, slot) in s.slots.drain(..).enumerate() {
            let result = match slot {
                Slot::Batched { start, end } => {
                    let k = batched;
                    batched += 1;
                    let received = &data[start as usize..end as usize];
                    if !s.status[k].is_ok() {
                        // The line as a whole says why (a TAB inside the key splits it earlier).
                        judge(&data[start as usize - KEY_LEN - 1..end as usize], self.mode)
                    } else if received == s.accepts[k].as_bytes() {
                        Ok(())
                    } else {
                        check(&s.accepts[k], trim_ows(received))
                    }
                }
                Slot::Done(result) => result,
            };
            match result {
                Ok(()) => chunk.matched += 1,
                Err(problem) => chunk.problems.push((i as u32, problem)),
            }
        }
        chunk.lines = (chunk.problems.len() as u64) + chunk.matched;
    }
}

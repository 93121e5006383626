//! Reading input as large blocks of whole lines, in bounded memory however long a line is.
//!
//! Each call fills a reusable block from the input and cuts it after its last newline (found
//! with `memchr`); the partial line after it is carried to the next block. The subcommands then
//! split a block into lines with `memchr` too, so the input is touched at memory speed and no
//! per-line record or read call exists.
//!
//! A line longer than a whole block is the rare, hostile case. It is streamed to its end
//! (so line numbers stay right) while only [`KEEP`] bytes after its leading OWS are kept,
//! together with its length after trimming OWS and whether the trimmed OWS at either end held
//! a TAB. Its real length decides: over [`KEEP`] it becomes a [`Block::overlong`] line that
//! every subcommand refuses for its length; otherwise it is rebuilt as the short line it is
//! equivalent to (`TAB` + content + `TAB`, each TAB only if the trimmed OWS held one), which
//! `accept` and `verify` treat exactly as the original line.

use std::io::{self, Read};

use wsaccept::MAX_LENIENT_KEY_LEN;

/// Bytes of a line that matter: a line whose length after trimming OWS is over this is refused
/// for its length by every subcommand (more than any lenient key and any `KEY<TAB>ACCEPT`).
pub const KEEP: usize = MAX_LENIENT_KEY_LEN + 1;

/// Input bytes per block: large enough that per-block costs (a read call, a channel hop, a
/// batch call of ~2,600 keys) vanish, small enough that a block, its output and a worker's
/// scratch stay in a core's L2 cache (64 KiB used less CPU time than 256 KiB and 1 MiB in
/// interleaved runs of `accept` on 4M keys) and the blocks in flight stay a few MiB.
const DEFAULT_BLOCK_SIZE: usize = 64 << 10;

/// A hidden override of the block size, for tests: with a block of a few bytes, lines fall
/// across block boundaries at every offset and the long-line path runs on short inputs.
const BLOCK_SIZE_ENV: &str = "WSACCEPT_BLOCK_SIZE";

/// The largest block the override may ask for (bounded memory holds for it too).
const MAX_BLOCK_SIZE: usize = 1 << 20;

/// The block size: [`DEFAULT_BLOCK_SIZE`], or `WSACCEPT_BLOCK_SIZE` when that is a number from
/// 1 to [`MAX_BLOCK_SIZE`].
pub fn block_size() -> usize {
    std::env::var(BLOCK_SIZE_ENV)
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| (1..=MAX_BLOCK_SIZE).contains(n))
        .unwrap_or(DEFAULT_BLOCK_SIZE)
}

/// Whether `b` is OWS (optional whitespace), by the library's own rule: the byte
/// [`wsaccept::trim_ows`] trims away.
#[inline]
pub fn is_ows(b: u8) -> bool {
    wsaccept::trim_ows(&[b]).is_empty()
}

/// A line without its final CR (CRLF input): the CR belongs to the line ending, not the key.
#[inline]
pub fn strip_cr(line: &[u8]) -> &[u8] {
    match line.split_last() {
        Some((b'\r', rest)) => rest,
        _ => line,
    }
}

/// The index of the newline ending the line that starts at `start` in a block's lines. Most
/// inputs are lines of one length (a key, a `KEY<TAB>ACCEPT` pair), so a line of `guess` bytes
/// is tried first with a few word-wide compares; anything else is found with `memchr`.
#[inline]
pub fn line_end(lines: &[u8], start: usize, guess: usize) -> usize {
    if let Some(line) = lines.get(start..=start + guess) {
        if line[guess] == b'\n' && !has_newline(&line[..guess]) {
            return start + guess;
        }
    }
    start + memchr::memchr(b'\n', &lines[start..]).expect("every line of a block ends in \\n")
}

/// Whether `bytes` hold a `\n`, eight bytes at a time (the classic zero-byte test on the bytes
/// XORed with `\n`: exact, with no false positives once the high-bit test is and-ed in).
#[inline]
pub fn has_newline(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let (words, rest) = bytes.as_chunks::<8>();
    let mut found = 0;
    for word in words {
        let x = u64::from_le_bytes(*word) ^ (ONES * u64::from(b'\n'));
        found |= x.wrapping_sub(ONES) & !x & HIGHS;
    }
    found != 0 || rest.contains(&b'\n')
}

/// A block of input: whole lines, or one line too long to keep.
#[derive(Default)]
pub struct Block {
    /// Storage; the lines are `data[..len]`, each ending in `\n` (one is added to a last line
    /// that had none).
    data: Vec<u8>,
    len: usize,
    /// `Some(length after trimming OWS)` when the block is a single line longer than
    /// [`KEEP`]: its bytes were not kept, and `lines()` is empty.
    pub overlong: Option<usize>,
    /// Input bytes this block stands for (for the progress display).
    pub input_bytes: u64,
}

impl Block {
    /// The block's lines, each with its `\n`.
    pub fn lines(&self) -> &[u8] {
        &self.data[..self.len]
    }
}

/// Most lines in a block. The work on a block keeps a record for each line that is not a plain
/// key (its reason, if refused), so a block of 64 Ki empty lines would hold megabytes of them,
/// in every item of the pipeline's pool; at this many lines a block is cut short, and memory
/// stays bounded however short the lines. (A block of 24-byte keys has 2,621 lines.)
pub const MAX_LINES: usize = 4096;

/// Where a block of whole lines is cut: after its last line, or after line [`MAX_LINES`].
fn lines_end(lines: &[u8]) -> usize {
    // memchr counts with SIMD (its iterator's `count`) over bytes already in cache; finding the
    // cut only happens for blocks of short lines.
    if lines.len() <= MAX_LINES || memchr::memchr_iter(b'\n', lines).count() <= MAX_LINES {
        return lines.len();
    }
    memchr::memchr_iter(b'\n', lines)
        .nth(MAX_LINES - 1)
        .expect("more newlines than MAX_LINES")
        + 1
}

/// Cuts an input into [`Block`]s.
pub struct BlockReader<R> {
    input: R,
    block: usize,
    /// The partial line after the last newline of the previous block.
    carry: Vec<u8>,
    eof: bool,
}

impl<R: Read> BlockReader<R> {
    pub fn new(input: R, block: usize) -> Self {
        assert!(block > 0, "block size must be positive");
        BlockReader {
            input,
            block,
            carry: Vec::new(),
            eof: false,
        }
    }

    /// Reads into `buf` until it is full, the input ends, or a read brought a newline; returns
    /// the bytes read. A file's reads fill the buffer; a pipe's give what is there, and a
    /// program that writes a key and waits for its accept (a coprocess) gets it at once rather
    /// than when a whole block has arrived, which would never happen.
    fn fill(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let mut filled = 0;
        while filled < buf.len() && !self.eof {
            match self.input.read(&mut buf[filled..]) {
                Ok(0) => self.eof = true,
                Ok(n) => {
                    filled += n;
                    if memchr::memchr(b'\n', &buf[filled - n..filled]).is_some() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }

    /// Fills `out` with the next block; `Ok(false)` at the end of the input.
    pub fn next_block(&mut self, out: &mut Block) -> io::Result<bool> {
        out.overlong = None;
        out.input_bytes = 0;
        // One spare byte for the newline a last line may lack, and room for a rebuilt long
        // line (TAB, KEEP bytes, TAB or space, newline) however small the block.
        let room = (self.block + 1).max(KEEP + 3);
        if out.data.len() != room {
            out.data = vec![0; room];
        }
        let carried = self.carry.len();
        out.data[..carried].copy_from_slice(&self.carry);
        self.carry.clear();
        let read = self.fill(&mut out.data[carried..self.block])?;
        out.input_bytes = read as u64;
        let len = carried + read;
        match memchr::memrchr(b'\n', &out.data[..len]) {
            Some(last) => {
                let end = lines_end(&out.data[..=last]);
                self.carry.extend_from_slice(&out.data[end..len]);
                out.len = end;
            }
            None if len == 0 => return Ok(false),
            None if self.eof => {
                out.data[len] = b'\n';
                out.len = len + 1;
            }
            None => self.long_line(out, len)?,
        }
        Ok(true)
    }

    /// The block holds the first `len` bytes of a line that does not end in it: streams the
    /// rest of the line and leaves its equivalent in `out` (see the module documentation).
    fn long_line(&mut self, out: &mut Block, len: usize) -> io::Result<()> {
        let mut line = LongLine::default();
        line.feed(&out.data[..len]);
        loop {
            let read = self.fill(&mut out.data[..self.block])?;
            out.input_bytes += read as u64;
            let chunk = &out.data[..read];
            match memchr::memchr(b'\n', chunk) {
                Some(end) => {
                    line.feed(&chunk[..end]);
                    self.carry.extend_from_slice(&chunk[end + 1..]);
                    break;
                }
                None => line.feed(chunk),
            }
            if read == 0 {
                break;
            }
        }
        let (trimmed_len, lead_tab, trail_tab) = line.finish();
        if trimmed_len > KEEP {
            out.overlong = Some(trimmed_len);
            out.len = 0;
            return Ok(());
        }
        let mut n = 0;
        let mut push = |b: u8| {
            out.data[n] = b;
            n += 1;
        };
        if lead_tab {
            push(b'\t');
        }
        line.kept[..trimmed_len].iter().for_each(|&b| push(b));
        if trail_tab {
            push(b'\t');
        } else if trimmed_len > 0 && line.kept[trimmed_len - 1] == b'\r' {
            // Content ending in a CR (the line ended CR CR LF): a space keeps the line's
            // final-CR rule from taking a second one.
            push(b' ');
        }
        push(b'\n');
        out.len = n;
        Ok(())
    }
}

/// What is kept of a line seen piece by piece: the first [`KEEP`] bytes from its first non-OWS
/// byte, and enough state to know its trimmed length and the TABs in its trimmed OWS once it
/// ends.
#[derive(Default)]
struct LongLine {
    kept: Vec<u8>,
    /// A non-OWS byte was seen.
    started: bool,
    lead_tab: bool,
    /// Bytes from the first non-OWS byte; `content_end`: up to and with the last non-OWS byte.
    span: usize,
    content_end: usize,
    /// A TAB after the last non-OWS byte.
    trail_tab: bool,
    /// `content_end` and `trail_tab` before the last byte, and that byte: a final CR belongs
    /// to the line ending and is taken off when the line ends.
    before_last: (usize, bool),
    last: Option<u8>,
}

impl LongLine {
    fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.last = Some(b);
            if !self.started {
                if is_ows(b) {
                    self.lead_tab |= b == b'\t';
                    continue;
                }
                self.started = true;
            }
            if self.kept.len() < KEEP {
                self.kept.push(b);
            }
            self.span = self.span.saturating_add(1);
            self.before_last = (self.content_end, self.trail_tab);
            if is_ows(b) {
                self.trail_tab |= b == b'\t';
            } else {
                self.content_end = self.span;
                self.trail_tab = false;
            }
        }
    }

    /// The trimmed length and whether the leading and trailing OWS held a TAB.
    fn finish(&mut self) -> (usize, bool, bool) {
        if self.last == Some(b'\r') {
            (self.content_end, self.trail_tab) = self.before_last;
        }
        (self.content_end, self.lead_tab, self.trail_tab)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lines as `accept` and `verify` see them, for a given block size, plus the overlong
    /// lines' lengths.
    fn lines(input: &[u8], block: usize) -> Vec<Result<Vec<u8>, usize>> {
        let mut r = BlockReader::new(input, block);
        let mut b = Block::default();
        let mut out = vec![];
        let mut bytes = 0;
        while r.next_block(&mut b).unwrap() {
            bytes += b.input_bytes;
            if let Some(len) = b.overlong {
                out.push(Err(len));
            }
            for line in b.lines().split_inclusive(|&c| c == b'\n') {
                out.push(Ok(strip_cr(&line[..line.len() - 1]).to_vec()));
            }
        }
        assert_eq!(bytes, input.len() as u64);
        out
    }

    #[test]
    fn blocks_hold_whole_lines_and_a_last_line_gets_its_newline() {
        let input = b"  abc \t\r\n\ndef\r\nlast";
        for block in [1, 2, 3, 5, 7, 64] {
            let got = lines(input, block);
            let short = block >= 10;
            assert_eq!(got.len(), 4, "block {block}");
            // Lines longer than the block come back trimmed (the TAB kept), shorter ones whole.
            if short {
                assert_eq!(got[0], Ok(b"  abc \t".to_vec()));
            } else {
                assert_eq!(got[0], Ok(b"abc\t".to_vec()), "block {block}");
            }
            assert_eq!(got[1], Ok(vec![]));
            assert_eq!(got[2], Ok(b"def".to_vec()));
            assert_eq!(got[3], Ok(b"last".to_vec()));
        }
    }

    #[test]
    fn a_block_holds_at_most_max_lines() {
        let mut input = vec![b'\n'; 3 * MAX_LINES + 5];
        input.extend_from_slice(b"abc\nde");
        let mut r = BlockReader::new(&input[..], 1 << 20);
        let mut b = Block::default();
        let mut counts = vec![];
        while r.next_block(&mut b).unwrap() {
            counts.push(b.lines().iter().filter(|&&c| c == b'\n').count());
        }
        assert_eq!(counts, [MAX_LINES, MAX_LINES, MAX_LINES, 6, 1]);
        assert_eq!(lines(&input, 1 << 20).len(), 3 * MAX_LINES + 7);
    }

    #[test]
    fn line_end_finds_every_newline_whatever_the_guess() {
        let mut rng = 0x1234_5678_9abc_def0u64;
        for _ in 0..2000 {
            let len = (rng % 80) as usize + 1;
            let data: Vec<u8> = (0..len)
                .map(|_| {
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    [b'\n', b'a', 0x0b, 0x8a, 0x09][(rng % 5) as usize]
                })
                .chain([b'\n'])
                .collect();
            for start in 0..data.len() {
                let want = start + data[start..].iter().position(|&b| b == b'\n').unwrap();
                for guess in [0, 1, 7, 8, 9, 24, 53] {
                    assert_eq!(
                        line_end(&data, start, guess),
                        want,
                        "{data:?} {start} {guess}"
                    );
                }
            }
        }
    }

    #[test]
    fn long_lines_are_streamed_and_measured() {
        let mut input = vec![b' '; 5000];
        input.extend_from_slice(b"dGhlIHNhbXBsZSBub25jZQ==");
        input.extend(vec![b'\t'; 5000]);
        input.extend_from_slice(b"\r\n");
        input.extend(vec![b'x'; 100_000]);
        input.extend_from_slice(b"\nok\n\t \r\n");
        let got = lines(&input, 1000);
        assert_eq!(got[0], Ok(b"dGhlIHNhbXBsZSBub25jZQ==\t".to_vec()));
        assert_eq!(got[1], Err(100_000));
        assert_eq!(got[2], Ok(b"ok".to_vec()));
        assert_eq!(got[3], Ok(b"\t \r"[..2].to_vec()));
        assert_eq!(got.len(), 4);
        // The same line over a one-byte block: the CR-only and OWS-only lines too.
        let got = lines(b"\t\r\n \r\n", 1);
        assert_eq!(got, [Ok(b"\t".to_vec()), Ok(vec![])]);
    }
}

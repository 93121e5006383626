//! Reading input one line at a time in bounded memory, however long a line is.
//!
//! A key line longer than any key we accept is still read to its end (so line numbers stay
//! right), but only its first [`KEEP`] bytes after leading OWS are kept, together with the
//! length it would have after trimming OWS. That is enough for every decision and error message:
//! a key whose trimmed length is over `KEEP` is refused whatever its bytes are.

use std::io::{self, BufRead};

use wsaccept::{trim_ows, MAX_LENIENT_KEY_LEN};

/// Bytes of a line kept after its leading OWS: more than any key we accept.
pub const KEEP: usize = MAX_LENIENT_KEY_LEN + 1;

/// One input line, without its end of line (`\n` or `\r\n`).
#[derive(Default)]
pub struct Line {
    /// The line's bytes from its first non-OWS byte, at most `KEEP` of them, OWS not trimmed
    /// at the end if the line was cut.
    pub kept: Vec<u8>,
    /// Length of the line after trimming OWS at both ends, counted in full.
    pub trimmed_len: usize,
    /// Whether the OWS before the first non-OWS byte held a TAB (`verify` splits at the first
    /// TAB, so `\tACCEPT` has an empty key, not no TAB).
    pub lead_tab: bool,
    /// Whether the OWS after the last non-OWS byte held a TAB (`KEY\t` has an empty accept).
    pub trail_tab: bool,
}

impl Line {
    /// The trimmed line if it was kept whole, else `None` (it is longer than `KEEP`).
    pub fn trimmed(&self) -> Option<&[u8]> {
        (self.trimmed_len <= KEEP).then(|| trim_ows(&self.kept))
    }
}

fn is_ows(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// Reads lines from a `BufRead` into reusable [`Line`]s.
pub struct LineReader<R> {
    input: R,
    /// Bytes consumed so far (for progress).
    pub bytes_read: u64,
}

impl<R: BufRead> LineReader<R> {
    pub fn new(input: R) -> Self {
        LineReader {
            input,
            bytes_read: 0,
        }
    }

    /// Reads the next line into `line`; `Ok(false)` at end of input.
    pub fn read_line(&mut self, line: &mut Line) -> io::Result<bool> {
        line.kept.clear();
        // State over the whole line: `started` once a non-OWS byte was seen; `span` counts
        // bytes from the first non-OWS byte, `content_end` is the span up to the last non-OWS.
        let mut started = false;
        let mut span = 0usize;
        let mut content_end = 0usize;
        // What `content_end` was before the last byte, and that byte: a final CR belongs to the
        // line ending (CRLF input), not to the key, and is taken off once the line is complete.
        let mut content_end_before_last = 0usize;
        let mut last = None;
        let mut any = false;
        line.lead_tab = false;
        // `trail_tab` as it is after each byte, and as it was before the last one (for a CR).
        let mut trail_tab = false;
        let mut trail_tab_before_last = false;
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            any = true;
            let (chunk, done) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], Some(i + 1)),
                None => (buf, None),
            };
            for &b in chunk {
                last = Some(b);
                if !started {
                    if is_ows(b) {
                        line.lead_tab |= b == b'\t';
                        continue;
                    }
                    started = true;
                }
                if line.kept.len() < KEEP {
                    line.kept.push(b);
                }
                span += 1;
                content_end_before_last = content_end;
                trail_tab_before_last = trail_tab;
                if !is_ows(b) {
                    content_end = span;
                    trail_tab = false;
                } else if b == b'\t' {
                    trail_tab = true;
                }
            }
            let used = done.unwrap_or(buf.len());
            self.input.consume(used);
            self.bytes_read += used as u64;
            if done.is_some() {
                break;
            }
        }
        if !any {
            return Ok(false);
        }
        if last == Some(b'\r') {
            if line.kept.len() == span {
                line.kept.pop();
            }
            content_end = content_end_before_last;
            trail_tab = trail_tab_before_last;
        }
        line.trimmed_len = content_end;
        line.trail_tab = trail_tab;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(input: &[u8]) -> Vec<(Option<Vec<u8>>, usize)> {
        let mut r = LineReader::new(io::BufReader::with_capacity(7, input));
        let mut line = Line::default();
        let mut out = vec![];
        while r.read_line(&mut line).unwrap() {
            out.push((line.trimmed().map(<[u8]>::to_vec), line.trimmed_len));
        }
        out
    }

    #[test]
    fn splits_and_trims() {
        let got = lines(b"  abc \t\r\n\ndef\r\nlast");
        assert_eq!(
            got,
            vec![
                (Some(b"abc".to_vec()), 3),
                (Some(vec![]), 0),
                (Some(b"def".to_vec()), 3),
                (Some(b"last".to_vec()), 4)
            ]
        );
    }

    #[test]
    fn long_lines_are_cut_but_counted() {
        let mut input = vec![b' '; 5000];
        input.extend_from_slice(b"dGhlIHNhbXBsZSBub25jZQ==");
        input.extend(vec![b'\t'; 5000]);
        input.extend_from_slice(b"\n");
        input.extend(vec![b'x'; 100_000]);
        input.extend_from_slice(b"\nok\n");
        let got = lines(&input);
        assert_eq!(got[0], (Some(b"dGhlIHNhbXBsZSBub25jZQ==".to_vec()), 24));
        assert_eq!(got[1], (None, 100_000));
        assert_eq!(got[2], (Some(b"ok".to_vec()), 2));
        assert_eq!(got.len(), 3);
    }
}

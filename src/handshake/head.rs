//! The head scanner: a request line or a status line, then header lines, up to the blank line.
//!
//! Sans-I/O and allocation-free: the caller owns the bytes and lends the header slots; every
//! name, value and start-line part comes back as a [`Span`] (positions into the caller's
//! buffer), so the buffer may move or grow between calls. The scanner keeps its place: each
//! call looks only at the bytes added since the previous one, so a head fed one byte at a time
//! costs the same work as the whole head at once (picohttpparser's `last_len`, kept inside).
//!
//! Strict by design (RFC 9112 §2.2, §4, §5): a bare LF or a bare CR, obs-fold, whitespace
//! before the colon, a name that is not a token, or a control byte in a value is an error as
//! soon as it is read, and so is a head that outgrows its limit or brings one header more
//! than the slots. Values may hold obs-text (0x80-0xFF); names and the request line may not.

use core::fmt;

use super::tokens::is_tchar;

/// A range of the caller's buffer: `start..end`, as 32-bit offsets (heads are small; the
/// scanner caps its size limit so every offset fits). `repr(C)`: the C ABI lends these.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    fn new(start: usize, end: usize) -> Span {
        debug_assert!(start <= end && end <= u32::MAX as usize);
        Span {
            start: start as u32,
            end: end as u32,
        }
    }

    /// The bytes this span covers in `buf` (the buffer it was scanned from, or a copy of it).
    /// Empty when the span does not fit `buf`.
    pub fn get<'b>(&self, buf: &'b [u8]) -> &'b [u8] {
        buf.get(self.start as usize..self.end as usize)
            .unwrap_or(&[])
    }

    pub fn len(&self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(&self) -> bool {
        self.start == self.end
    }
}

/// One header line: the name as sent, the value with its surrounding OWS left out.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HeaderSlot {
    pub name: Span,
    pub value: Span,
}

/// What a head starts with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeadKind {
    /// `method SP request-target SP HTTP-version CRLF`.
    Request,
    /// `HTTP-version SP status-code [SP reason-phrase] CRLF`.
    Response,
}

/// `HTTP/` major `.` minor; the minor is absent for `HTTP/2`-style versions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct HttpVersion {
    pub major: u8,
    pub minor: Option<u8>,
}

/// The start line's parts once it is complete. For a request: method, target, version; for a
/// response: version, status code (three digits), reason phrase (may be empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct StartLine {
    pub parts: [Span; 3],
    pub version: HttpVersion,
}

impl StartLine {
    /// A response's status code (only meaningful for [`HeadKind::Response`]).
    pub fn status_code(&self, buf: &[u8]) -> u16 {
        self.parts[1]
            .get(buf)
            .iter()
            .fold(0u16, |n, &d| n * 10 + u16::from(d.wrapping_sub(b'0')))
    }
}

/// Why a head can never become valid. `pos` is the offset of the offending byte (for the
/// limits: where the limit was passed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct HeadError {
    pub kind: HeadErrorKind,
    pub pos: usize,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HeadErrorKind {
    /// LF without the CR before it.
    BareLf,
    /// CR not followed by LF.
    BareCr,
    /// A header line starting with SP or HTAB (obs-fold, or whitespace before the first one).
    ObsFold,
    /// SP or HTAB between a header name and its colon.
    SpaceBeforeColon,
    /// A header name that is empty or holds a byte outside `tchar`.
    BadName,
    /// A control byte (other than HTAB) or DEL in a header value.
    BadValue,
    /// A request line or status line that does not follow the grammar.
    BadStartLine,
    /// The head is longer than the size limit.
    TooLarge,
    /// More header lines than the limit (or the slots lent).
    TooManyHeaders,
    /// The buffer is shorter than what an earlier call already scanned.
    Rewound,
}

impl HeadErrorKind {
    pub fn text(self) -> &'static str {
        match self {
            HeadErrorKind::BareLf => "line ends in LF without CR",
            HeadErrorKind::BareCr => "CR not followed by LF",
            HeadErrorKind::ObsFold => "header line starts with whitespace (obs-fold)",
            HeadErrorKind::SpaceBeforeColon => "whitespace between header name and colon",
            HeadErrorKind::BadName => "header name is not a token",
            HeadErrorKind::BadValue => "control character in header value",
            HeadErrorKind::BadStartLine => "malformed start line",
            HeadErrorKind::TooLarge => "head longer than the limit",
            HeadErrorKind::TooManyHeaders => "more header lines than the limit",
            HeadErrorKind::Rewound => "buffer shorter than the bytes already scanned",
        }
    }
}

impl fmt::Display for HeadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.kind.text(), self.pos)
    }
}

impl std::error::Error for HeadError {}

/// Result of one scanning call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scan {
    /// The head is not complete: read more, append, call again with the same slots.
    Partial,
    /// The head ends at `len` (the blank line included); `headers` slots were filled.
    Complete { len: usize, headers: usize },
}

/// The default head-size limit (8 KiB), what the common servers use.
pub const DEFAULT_MAX_HEAD: usize = 8192;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum State {
    // Request line.
    Method,
    Target,
    // HTTP-version, `n` bytes of it read; shared by both start lines.
    Version { n: u8 },
    // Response line.
    Code { n: u8 },
    Reason,
    // CR of the start line read, LF expected.
    StartLf,
    // Header lines.
    LineStart,
    Name,
    ValueOws,
    Value,
    ValueLf,
    EndLf,
    Done { len: u32 },
    Failed(HeadError),
}

const VERSION_PREFIX: &[u8; 5] = b"HTTP/";

/// The resumable scanner for one head. Small and `Copy`: keep one per connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeadScanner {
    kind: HeadKind,
    state: State,
    max_head: u32,
    /// Bytes consumed so far.
    pos: u32,
    /// Start of the part being read (start-line part, header name or value).
    mark: u32,
    name: Span,
    headers: u32,
    line: StartLine,
    line_done: bool,
}

const ONES: u64 = 0x0101_0101_0101_0101;
const HIGHS: u64 = 0x8080_8080_8080_8080;

/// Eight value bytes at a time: the high bit of every byte lane below 0x20 or equal to 0x7F.
/// Borrows may flag lanes above a flagged one, never below, so the lowest flag is exact.
#[inline(always)]
fn stop_lanes(w: u64) -> u64 {
    let below_space = w.wrapping_sub(ONES * 0x20) & !w & HIGHS;
    let x = w ^ (ONES * 0x7f);
    let del = x.wrapping_sub(ONES) & !x & HIGHS;
    below_space | del
}

/// The first offset in `i..end` whose byte ends a run of plain value bytes (SP, VCHAR,
/// obs-text), or `end`.
#[inline(always)]
fn value_run(buf: &[u8], mut i: usize, end: usize) -> usize {
    while i + 8 <= end {
        let w = u64::from_le_bytes(buf[i..i + 8].try_into().expect("8 bytes"));
        let lanes = stop_lanes(w);
        if lanes != 0 {
            return i + (lanes.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < end && buf[i] >= 0x20 && buf[i] != 0x7f {
        i += 1;
    }
    i
}

/// The first offset in `i..end` whose byte is not a `tchar`, or `end`. Eight bytes are
/// judged together (no branch per byte) while they are all `tchar`.
#[inline(always)]
fn token_run(buf: &[u8], mut i: usize, end: usize) -> usize {
    while i + 8 <= end {
        let c: &[u8; 8] = buf[i..i + 8].try_into().expect("8 bytes");
        let all = c.iter().fold(true, |acc, &b| acc & is_tchar(b));
        if !all {
            break;
        }
        i += 8;
    }
    while i < end && is_tchar(buf[i]) {
        i += 1;
    }
    i
}

impl HeadScanner {
    /// A scanner for a request head, refusing heads longer than `max_head` bytes.
    pub fn request(max_head: usize) -> HeadScanner {
        HeadScanner::new(HeadKind::Request, max_head)
    }

    /// A scanner for a response head (the client side).
    pub fn response(max_head: usize) -> HeadScanner {
        HeadScanner::new(HeadKind::Response, max_head)
    }

    pub fn new(kind: HeadKind, max_head: usize) -> HeadScanner {
        HeadScanner {
            kind,
            state: match kind {
                HeadKind::Request => State::Method,
                HeadKind::Response => State::Version { n: 0 },
            },
            max_head: max_head.min(u32::MAX as usize - 1) as u32,
            pos: 0,
            mark: 0,
            name: Span::default(),
            headers: 0,
            line: StartLine::default(),
            line_done: false,
        }
    }

    pub fn kind(&self) -> HeadKind {
        self.kind
    }

    /// Bytes looked at so far.
    pub fn consumed(&self) -> usize {
        self.pos as usize
    }

    /// Header slots filled so far.
    pub fn headers(&self) -> usize {
        self.headers as usize
    }

    /// The start line, once its CRLF has been read.
    pub fn start_line(&self) -> Option<&StartLine> {
        self.line_done.then_some(&self.line)
    }

    fn fail(&mut self, kind: HeadErrorKind, pos: usize) -> Result<Scan, HeadError> {
        let e = HeadError { kind, pos };
        self.state = State::Failed(e);
        Err(e)
    }

    /// Scans what `buf` adds to the bytes seen before (`buf` must start with them, unchanged)
    /// and fills `slots` from where the previous call stopped. `slots` must be the same lent
    /// slots at every call for one head; their number is the header-count limit.
    ///
    /// After `Complete` or an error, every further call answers the same.
    pub fn scan(&mut self, buf: &[u8], slots: &mut [HeaderSlot]) -> Result<Scan, HeadError> {
        match self.state {
            State::Done { len } => {
                return Ok(Scan::Complete {
                    len: len as usize,
                    headers: self.headers as usize,
                })
            }
            State::Failed(e) => return Err(e),
            _ => {}
        }
        let mut i = self.pos as usize;
        if buf.len() < i {
            return self.fail(HeadErrorKind::Rewound, buf.len());
        }
        let limit = self.max_head as usize;
        let end = buf.len().min(limit);
        let result = self.run(buf, &mut i, end, slots);
        self.pos = i as u32;
        match result {
            Some(r) => r,
            None if i >= limit => self.fail(HeadErrorKind::TooLarge, limit),
            None => Ok(Scan::Partial),
        }
    }

    /// The state machine over `buf[*i..end]`; `None` when it ran out of bytes.
    #[inline(always)]
    fn run(
        &mut self,
        buf: &[u8],
        i: &mut usize,
        end: usize,
        slots: &mut [HeaderSlot],
    ) -> Option<Result<Scan, HeadError>> {
        use HeadErrorKind as E;
        while *i < end {
            let at = *i;
            let b = buf[at];
            match self.state {
                State::Method => {
                    let stop = token_run(buf, at, end);
                    *i = stop;
                    if stop == end {
                        return None;
                    }
                    if buf[stop] != b' ' || stop == self.mark as usize {
                        return Some(self.start_line_error(buf[stop], stop));
                    }
                    self.line.parts[0] = Span::new(self.mark as usize, stop);
                    *i += 1;
                    self.mark = *i as u32;
                    self.state = State::Target;
                }
                State::Target => {
                    let mut stop = at;
                    while stop < end && (0x21..0x7f).contains(&buf[stop]) {
                        stop += 1;
                    }
                    *i = stop;
                    if stop == end {
                        return None;
                    }
                    if buf[stop] != b' ' || stop == self.mark as usize {
                        return Some(self.start_line_error(buf[stop], stop));
                    }
                    self.line.parts[1] = Span::new(self.mark as usize, stop);
                    *i += 1;
                    self.mark = *i as u32;
                    self.state = State::Version { n: 0 };
                }
                State::Version { n } => {
                    let n = n as usize;
                    let ok = match n {
                        0..=4 => b == VERSION_PREFIX[n],
                        5 | 7 => b.is_ascii_digit(),
                        6 => b == b'.' || self.version_ends(b),
                        8 => self.version_ends(b),
                        _ => false,
                    };
                    if !ok {
                        return Some(self.start_line_error(b, at));
                    }
                    match n {
                        5 => self.line.version.major = b - b'0',
                        7 => self.line.version.minor = Some(b - b'0'),
                        _ => {}
                    }
                    *i += 1;
                    if (n == 6 && b != b'.') || n == 8 {
                        // The byte after the version: CR (request) or SP/CR (response).
                        let part = if self.kind == HeadKind::Request { 2 } else { 0 };
                        self.line.parts[part] = Span::new(self.mark as usize, at);
                        self.mark = *i as u32;
                        self.state = match self.kind {
                            HeadKind::Request => State::StartLf,
                            HeadKind::Response => State::Code { n: 0 },
                        };
                    } else {
                        self.state = State::Version { n: n as u8 + 1 };
                    }
                }
                State::Code { n } => {
                    if n < 3 {
                        if !b.is_ascii_digit() {
                            return Some(self.start_line_error(b, at));
                        }
                        self.state = State::Code { n: n + 1 };
                        *i += 1;
                        continue;
                    }
                    self.line.parts[1] = Span::new(self.mark as usize, at);
                    *i += 1;
                    self.mark = *i as u32;
                    match b {
                        b' ' => self.state = State::Reason,
                        b'\r' => {
                            self.line.parts[2] = Span::new(at, at);
                            self.state = State::StartLf;
                        }
                        _ => return Some(self.start_line_error(b, at)),
                    }
                }
                State::Reason => {
                    let stop = value_run(buf, at, end);
                    *i = stop;
                    if stop == end {
                        return None;
                    }
                    match buf[stop] {
                        b'\t' => *i += 1,
                        b'\r' => {
                            self.line.parts[2] = Span::new(self.mark as usize, stop);
                            *i += 1;
                            self.state = State::StartLf;
                        }
                        c => return Some(self.start_line_error(c, stop)),
                    }
                }
                State::StartLf => {
                    if b != b'\n' {
                        return Some(self.fail(E::BareCr, at));
                    }
                    *i += 1;
                    self.line_done = true;
                    self.state = State::LineStart;
                }
                State::LineStart => match b {
                    b'\r' => {
                        *i += 1;
                        self.state = State::EndLf;
                    }
                    b' ' | b'\t' => return Some(self.fail(E::ObsFold, at)),
                    b'\n' => return Some(self.fail(E::BareLf, at)),
                    _ if !is_tchar(b) => return Some(self.fail(E::BadName, at)),
                    _ if self.headers as usize >= slots.len() => {
                        return Some(self.fail(E::TooManyHeaders, at))
                    }
                    _ => {
                        // Most lines arrive whole: read one in straight-line code; a line that
                        // is cut off or unusual goes through the states byte by byte (so each
                        // byte is looked at twice at most).
                        if let Some(next) = self.whole_line(buf, at, end, slots) {
                            *i = next;
                            continue;
                        }
                        self.mark = at as u32;
                        *i += 1;
                        self.state = State::Name;
                    }
                },
                State::Name => {
                    let stop = token_run(buf, at, end);
                    *i = stop;
                    if stop == end {
                        return None;
                    }
                    match buf[stop] {
                        b':' => {
                            self.name = Span::new(self.mark as usize, stop);
                            *i += 1;
                            self.state = State::ValueOws;
                        }
                        b' ' | b'\t' => return Some(self.fail(E::SpaceBeforeColon, stop)),
                        b'\n' => return Some(self.fail(E::BareLf, stop)),
                        _ => return Some(self.fail(E::BadName, stop)),
                    }
                }
                State::ValueOws => {
                    if b == b' ' || b == b'\t' {
                        *i += 1;
                    } else {
                        self.mark = at as u32;
                        self.state = State::Value;
                    }
                }
                State::Value => {
                    let stop = value_run(buf, at, end);
                    *i = stop;
                    if stop == end {
                        return None;
                    }
                    match buf[stop] {
                        b'\t' => *i += 1,
                        b'\r' => {
                            let start = self.mark as usize;
                            let mut value_end = stop;
                            while value_end > start && matches!(buf[value_end - 1], b' ' | b'\t') {
                                value_end -= 1;
                            }
                            slots[self.headers as usize] = HeaderSlot {
                                name: self.name,
                                value: Span::new(start, value_end),
                            };
                            *i += 1;
                            self.state = State::ValueLf;
                        }
                        b'\n' => return Some(self.fail(E::BareLf, stop)),
                        _ => return Some(self.fail(E::BadValue, stop)),
                    }
                }
                State::ValueLf => {
                    if b != b'\n' {
                        return Some(self.fail(E::BareCr, at));
                    }
                    self.headers += 1;
                    *i += 1;
                    self.state = State::LineStart;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Some(self.fail(E::BareCr, at));
                    }
                    *i += 1;
                    let len = *i as u32;
                    self.state = State::Done { len };
                    return Some(Ok(Scan::Complete {
                        len: len as usize,
                        headers: self.headers as usize,
                    }));
                }
                State::Done { .. } | State::Failed(_) => {
                    unreachable!("scan returns before running a finished scanner")
                }
            }
        }
        None
    }

    /// A complete, ordinary header line at `at` (its first byte a `tchar`, a slot free):
    /// stores it and returns where the next line starts; `None` (nothing stored) when the line
    /// is not all in `buf[..end]` or holds anything the states must judge.
    #[inline(always)]
    fn whole_line(
        &mut self,
        buf: &[u8],
        at: usize,
        end: usize,
        slots: &mut [HeaderSlot],
    ) -> Option<usize> {
        let name_end = token_run(buf, at + 1, end);
        if name_end >= end || buf[name_end] != b':' {
            return None;
        }
        let mut start = name_end + 1;
        while start < end && matches!(buf[start], b' ' | b'\t') {
            start += 1;
        }
        let mut stop = value_run(buf, start, end);
        while stop < end && buf[stop] == b'\t' {
            stop = value_run(buf, stop + 1, end);
        }
        if stop + 1 >= end || buf[stop] != b'\r' || buf[stop + 1] != b'\n' {
            return None;
        }
        let mut value_end = stop;
        while value_end > start && matches!(buf[value_end - 1], b' ' | b'\t') {
            value_end -= 1;
        }
        slots[self.headers as usize] = HeaderSlot {
            name: Span::new(at, name_end),
            value: Span::new(start, value_end),
        };
        self.headers += 1;
        Some(stop + 2)
    }

    /// Whether `b` may end the HTTP-version (after `HTTP/d` or `HTTP/d.d`).
    fn version_ends(&self, b: u8) -> bool {
        match self.kind {
            HeadKind::Request => b == b'\r',
            HeadKind::Response => b == b' ',
        }
    }

    /// A byte that breaks the start line: a bare LF keeps its own name.
    fn start_line_error(&mut self, b: u8, at: usize) -> Result<Scan, HeadError> {
        if b == b'\n' {
            self.fail(HeadErrorKind::BareLf, at)
        } else {
            self.fail(HeadErrorKind::BadStartLine, at)
        }
    }

    /// Whether the start line is complete (its CRLF read): the server checks the method and
    /// version then, before the headers arrive.
    pub fn start_line_done(&self) -> bool {
        self.line_done
    }

    /// The start line's parts; meaningful once [`HeadScanner::start_line_done`].
    pub fn line(&self) -> &StartLine {
        &self.line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQ: &[u8] = b"GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade:  websocket \t\r\n\
        X-Empty:\r\n\r\nrest";

    fn scan_all(buf: &[u8], slots: &mut [HeaderSlot]) -> Result<Scan, HeadError> {
        HeadScanner::request(DEFAULT_MAX_HEAD).scan(buf, slots)
    }

    #[test]
    fn whole_request() {
        let mut slots = [HeaderSlot::default(); 8];
        let mut s = HeadScanner::request(DEFAULT_MAX_HEAD);
        let r = s.scan(REQ, &mut slots).unwrap();
        assert_eq!(
            r,
            Scan::Complete {
                len: REQ.len() - 4,
                headers: 3
            }
        );
        let line = s.line();
        assert_eq!(line.parts[0].get(REQ), b"GET");
        assert_eq!(line.parts[1].get(REQ), b"/chat");
        assert_eq!(line.parts[2].get(REQ), b"HTTP/1.1");
        assert_eq!(
            line.version,
            HttpVersion {
                major: 1,
                minor: Some(1)
            }
        );
        assert_eq!(slots[1].name.get(REQ), b"Upgrade");
        assert_eq!(slots[1].value.get(REQ), b"websocket");
        assert_eq!(slots[2].value.get(REQ), b"");
    }

    #[test]
    fn byte_at_a_time_matches_whole() {
        let mut slots = [HeaderSlot::default(); 8];
        let mut whole = [HeaderSlot::default(); 8];
        let want = scan_all(REQ, &mut whole);
        let mut s = HeadScanner::request(DEFAULT_MAX_HEAD);
        let mut got = Ok(Scan::Partial);
        for n in 0..=REQ.len() {
            got = s.scan(&REQ[..n], &mut slots);
            if got != Ok(Scan::Partial) {
                break;
            }
        }
        assert_eq!(got, want);
        assert_eq!(slots, whole);
    }

    #[test]
    fn errors_at_the_byte() {
        let cases: &[(&[u8], HeadErrorKind, usize)] = &[
            (
                b"GET / HTTP/1.1\nHost: a\r\n\r\n",
                HeadErrorKind::BareLf,
                14,
            ),
            (b"GET / HTTP/1.1\r\nHost: a\n", HeadErrorKind::BareLf, 23),
            (
                b"GET / HTTP/1.1\r\nA: b\r\n c\r\n",
                HeadErrorKind::ObsFold,
                22,
            ),
            (
                b"GET / HTTP/1.1\r\nHost : a\r\n",
                HeadErrorKind::SpaceBeforeColon,
                20,
            ),
            (
                b"GET / HTTP/1.1\r\nHo(st: a\r\n",
                HeadErrorKind::BadName,
                18,
            ),
            (b"GET / HTTP/1.1\r\n: a\r\n", HeadErrorKind::BadName, 16),
            (
                b"GET / HTTP/1.1\r\nA: b\0c\r\n",
                HeadErrorKind::BadValue,
                20,
            ),
            (
                b"GET / HTTP/1.1\r\nA: b\x7f\r\n",
                HeadErrorKind::BadValue,
                20,
            ),
            (b"GET / HTTP/1.1\rX", HeadErrorKind::BareCr, 15),
            (b"GET  / HTTP/1.1\r\n", HeadErrorKind::BadStartLine, 4),
            (b"GET / HTTP/1.12", HeadErrorKind::BadStartLine, 14),
            (b"GET / http/1.1", HeadErrorKind::BadStartLine, 6),
        ];
        for &(input, kind, pos) in cases {
            let mut slots = [HeaderSlot::default(); 4];
            assert_eq!(
                scan_all(input, &mut slots),
                Err(HeadError { kind, pos }),
                "{:?}",
                String::from_utf8_lossy(input)
            );
        }
    }

    #[test]
    fn obs_text_in_values_only() {
        let mut slots = [HeaderSlot::default(); 4];
        let ok = b"GET / HTTP/1.1\r\nA: caf\xc3\xa9 \xff\r\n\r\n";
        assert!(matches!(
            scan_all(ok, &mut slots),
            Ok(Scan::Complete { .. })
        ));
        assert_eq!(slots[0].value.get(ok), b"caf\xc3\xa9 \xff");
        let bad = b"GET / HTTP/1.1\r\nA\xe9: b\r\n\r\n";
        assert_eq!(
            scan_all(bad, &mut slots).unwrap_err().kind,
            HeadErrorKind::BadName
        );
    }

    #[test]
    fn limits() {
        let mut slots = [HeaderSlot::default(); 2];
        let three = b"GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n";
        assert_eq!(
            scan_all(three, &mut slots),
            Err(HeadError {
                kind: HeadErrorKind::TooManyHeaders,
                pos: 28
            })
        );
        let mut s = HeadScanner::request(20);
        assert_eq!(
            s.scan(b"GET / HTTP/1.1\r\nA: 12", &mut slots),
            Err(HeadError {
                kind: HeadErrorKind::TooLarge,
                pos: 20
            })
        );
        // Exactly at the limit is fine.
        let exact = b"GET / HTTP/1.1\r\n\r\n";
        let mut s = HeadScanner::request(exact.len());
        assert!(matches!(
            s.scan(exact, &mut slots),
            Ok(Scan::Complete { .. })
        ));
    }

    #[test]
    fn status_line() {
        let mut slots = [HeaderSlot::default(); 4];
        let resp = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n";
        let mut s = HeadScanner::response(DEFAULT_MAX_HEAD);
        assert!(matches!(
            s.scan(resp, &mut slots),
            Ok(Scan::Complete { headers: 1, .. })
        ));
        assert_eq!(s.line().status_code(resp), 101);
        assert_eq!(s.line().parts[2].get(resp), b"Switching Protocols");
        let mut s = HeadScanner::response(DEFAULT_MAX_HEAD);
        assert!(matches!(
            s.scan(b"HTTP/1.1 101\r\n\r\n", &mut slots),
            Ok(Scan::Complete { .. })
        ));
        let mut s = HeadScanner::response(DEFAULT_MAX_HEAD);
        assert!(s.scan(b"HTTP/1.1 10x", &mut slots).is_err());
    }

    #[test]
    fn swar_lanes_match_bytewise() {
        for b in 0..=255u8 {
            for lane in 0..8 {
                let mut bytes = [b'a'; 8];
                bytes[lane] = b;
                let want = if b < 0x20 || b == 0x7f { lane } else { 8 };
                assert_eq!(value_run(&bytes, 0, 8), want, "byte {b:#x} lane {lane}");
            }
        }
    }
}

//! The server's opening handshake (RFC 6455 §4.2): the request's checks, the answer.
//!
//! The checks are data: [`RULES`] says, for each header that matters, how many times it may
//! appear, what its value must hold, and which refusal each failure gets; one pass over the
//! header slots counts them and one walk over the table decides. The start line is checked as
//! soon as it is complete, syntax as soon as it is read (by the head scanner), so a request
//! that can no longer be valid is refused without waiting for the rest of it.
//!
//! Two forms, as wsproto has them: [`ServerHandshake::parse`] then [`write_accept`] or
//! [`write_refusal`] for a server that decides itself (Origin, offers), and
//! [`ServerConfig::handshake`], which does all of it with the configured choices. The batch
//! form, [`ServerConfig::handshake_batch`], checks many complete heads and computes all their
//! accepts in one call of the multi-buffer backend.

use core::fmt;

use super::head::{HeadErrorKind, HeadScanner, HeaderSlot, Scan, Span, DEFAULT_MAX_HEAD};
use super::tokens::{
    elements, extension_offers, has_token, is_token, DeflateParams, ExtensionOffer,
    DEFLATE_RESPONSE_MAX,
};
use crate::key::{parse_strict, ACCEPT_LEN, KEY_LEN};

/// Header slots used when the configuration does not say.
pub const DEFAULT_MAX_HEADERS: usize = 64;

/// Why a request was refused: each has its HTTP status and a text. The numeric codes
/// ([`Reason::code`]) are stable (the C ABI reports them).
#[repr(u8)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    BareLf = 1,
    BareCr = 2,
    ObsFold = 3,
    SpaceBeforeColon = 4,
    BadHeaderName = 5,
    BadHeaderValue = 6,
    BadRequestLine = 7,
    HeadTooLarge = 8,
    TooManyHeaders = 9,
    MethodNotGet = 10,
    HttpVersion = 11,
    HostMissing = 12,
    HostRepeated = 13,
    NoUpgradeWebsocket = 14,
    NoConnectionUpgrade = 15,
    VersionMissing = 16,
    VersionRepeated = 17,
    VersionUnsupported = 18,
    KeyMissing = 19,
    KeyRepeated = 20,
    KeyInvalid = 21,
    TransferEncoding = 22,
    ContentLength = 23,
    OriginRepeated = 24,
    OriginForbidden = 25,
    /// The caller handed a buffer shorter than what was already scanned (a caller bug).
    BufferRewound = 26,
}

impl Reason {
    /// Every reason, in code order.
    pub const ALL: [Reason; 26] = [
        Reason::BareLf,
        Reason::BareCr,
        Reason::ObsFold,
        Reason::SpaceBeforeColon,
        Reason::BadHeaderName,
        Reason::BadHeaderValue,
        Reason::BadRequestLine,
        Reason::HeadTooLarge,
        Reason::TooManyHeaders,
        Reason::MethodNotGet,
        Reason::HttpVersion,
        Reason::HostMissing,
        Reason::HostRepeated,
        Reason::NoUpgradeWebsocket,
        Reason::NoConnectionUpgrade,
        Reason::VersionMissing,
        Reason::VersionRepeated,
        Reason::VersionUnsupported,
        Reason::KeyMissing,
        Reason::KeyRepeated,
        Reason::KeyInvalid,
        Reason::TransferEncoding,
        Reason::ContentLength,
        Reason::OriginRepeated,
        Reason::OriginForbidden,
        Reason::BufferRewound,
    ];

    pub fn code(self) -> u8 {
        self as u8
    }

    /// The HTTP status the refusal carries.
    pub fn status(self) -> Status {
        use Reason::*;
        match self {
            HeadTooLarge | TooManyHeaders => Status::HeadersTooLarge,
            MethodNotGet => Status::MethodNotAllowed,
            HttpVersion => Status::VersionNotSupported,
            NoUpgradeWebsocket | NoConnectionUpgrade | VersionMissing | VersionRepeated
            | VersionUnsupported => Status::UpgradeRequired,
            OriginForbidden => Status::Forbidden,
            _ => Status::BadRequest,
        }
    }

    pub fn text(self) -> &'static str {
        self.c_text().to_str().unwrap_or("")
    }

    /// [`Reason::text`] NUL-terminated, for the C ABI.
    pub(crate) fn c_text(self) -> &'static core::ffi::CStr {
        use Reason::*;
        match self {
            BareLf => c"line ends in LF without CR",
            BareCr => c"CR not followed by LF",
            ObsFold => c"header line starts with whitespace (obs-fold)",
            SpaceBeforeColon => c"whitespace between header name and colon",
            BadHeaderName => c"header name is not a token",
            BadHeaderValue => c"control character in header value",
            BadRequestLine => c"malformed request line",
            HeadTooLarge => c"request head longer than the limit",
            TooManyHeaders => c"more header lines than the limit",
            MethodNotGet => c"method is not GET",
            HttpVersion => c"HTTP version is not 1.1 or a later 1.x",
            HostMissing => c"no Host header",
            HostRepeated => c"more than one Host header",
            NoUpgradeWebsocket => c"no Upgrade header with the websocket token",
            NoConnectionUpgrade => c"no Connection header with the upgrade token",
            VersionMissing => c"no Sec-WebSocket-Version header",
            VersionRepeated => c"more than one Sec-WebSocket-Version header",
            VersionUnsupported => c"Sec-WebSocket-Version is not 13",
            KeyMissing => c"no Sec-WebSocket-Key header",
            KeyRepeated => c"more than one Sec-WebSocket-Key header",
            KeyInvalid => c"Sec-WebSocket-Key is not 16 bytes of canonical base64",
            TransferEncoding => c"Transfer-Encoding on an upgrade request",
            ContentLength => c"Content-Length other than 0 on an upgrade request",
            OriginRepeated => c"more than one Origin header",
            OriginForbidden => c"Origin not allowed",
            BufferRewound => c"buffer shorter than the bytes already scanned",
        }
    }

    fn from_head(kind: HeadErrorKind) -> Reason {
        match kind {
            HeadErrorKind::BareLf => Reason::BareLf,
            HeadErrorKind::BareCr => Reason::BareCr,
            HeadErrorKind::ObsFold => Reason::ObsFold,
            HeadErrorKind::SpaceBeforeColon => Reason::SpaceBeforeColon,
            HeadErrorKind::BadName => Reason::BadHeaderName,
            HeadErrorKind::BadValue => Reason::BadHeaderValue,
            HeadErrorKind::BadStartLine => Reason::BadRequestLine,
            HeadErrorKind::TooLarge => Reason::HeadTooLarge,
            HeadErrorKind::TooManyHeaders => Reason::TooManyHeaders,
            HeadErrorKind::Rewound => Reason::BufferRewound,
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

/// The statuses a refusal can carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Status {
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    UpgradeRequired,
    HeadersTooLarge,
    VersionNotSupported,
}

impl Status {
    pub fn code(self) -> u16 {
        match self {
            Status::BadRequest => 400,
            Status::Forbidden => 403,
            Status::MethodNotAllowed => 405,
            Status::UpgradeRequired => 426,
            Status::HeadersTooLarge => 431,
            Status::VersionNotSupported => 505,
        }
    }

    /// The status line, CRLF included.
    fn line(self) -> &'static [u8] {
        match self {
            Status::BadRequest => b"HTTP/1.1 400 Bad Request\r\n",
            Status::Forbidden => b"HTTP/1.1 403 Forbidden\r\n",
            Status::MethodNotAllowed => b"HTTP/1.1 405 Method Not Allowed\r\n",
            Status::UpgradeRequired => b"HTTP/1.1 426 Upgrade Required\r\n",
            Status::HeadersTooLarge => b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
            Status::VersionNotSupported => b"HTTP/1.1 505 HTTP Version Not Supported\r\n",
        }
    }

    /// Headers this status must carry besides `Connection` (RFC 9110 §15.5.6, §15.5.22, and
    /// RFC 6455 §4.2.2's version list), and the `Connection` header itself: a 426 names
    /// `upgrade` among the connection options because it sends `Upgrade` (RFC 9110 §7.8).
    fn headers(self) -> &'static [u8] {
        match self {
            Status::MethodNotAllowed => b"Allow: GET\r\nConnection: close\r\n",
            Status::UpgradeRequired => {
                b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\nConnection: upgrade, close\r\n"
            }
            _ => b"Connection: close\r\n",
        }
    }
}

/// How many times a header may appear, and the refusal when it does not.
#[derive(Clone, Copy, Debug)]
enum Count {
    Once {
        missing: Reason,
        repeated: Reason,
    },
    AtMostOnce {
        repeated: Reason,
    },
    Never(Reason),
    /// A comma list that may be split over several lines.
    List {
        missing: Option<Reason>,
    },
}

/// What a present header's value must be.
#[derive(Clone, Copy, Debug)]
enum ValueRule {
    Any,
    /// A whole element of the list (any of its lines), ASCII case ignored.
    HasToken(&'static [u8], Reason),
    Exactly(&'static [u8], Reason),
    StrictKey(Reason),
    /// In the configured list of allowed origins, when there is one.
    AllowedOrigin(Reason),
}

struct HeaderRule {
    name: &'static [u8],
    count: Count,
    value: ValueRule,
}

/// Positions in [`RULES`] of the headers whose values the answer uses.
const HOST: usize = 0;
const KEY: usize = 4;
const ORIGIN: usize = 7;
const PROTOCOL: usize = 8;
const EXTENSIONS: usize = 9;

/// RFC 6455 §4.2.1, in the order the checks run (the first failure is the answer): the
/// headers a handshake needs, then what must not come with an upgrade (RFC 9112 §6: no body
/// framing), then the server's own policy. Sec-WebSocket-Version comes before the key so that a
/// client of another version learns ours (426) rather than that its key is bad.
const RULE_COUNT: usize = 10;

static RULES: [HeaderRule; RULE_COUNT] = [
    HeaderRule {
        name: b"host",
        count: Count::Once {
            missing: Reason::HostMissing,
            repeated: Reason::HostRepeated,
        },
        value: ValueRule::Any,
    },
    HeaderRule {
        name: b"upgrade",
        count: Count::List {
            missing: Some(Reason::NoUpgradeWebsocket),
        },
        value: ValueRule::HasToken(b"websocket", Reason::NoUpgradeWebsocket),
    },
    HeaderRule {
        name: b"connection",
        count: Count::List {
            missing: Some(Reason::NoConnectionUpgrade),
        },
        value: ValueRule::HasToken(b"upgrade", Reason::NoConnectionUpgrade),
    },
    HeaderRule {
        name: b"sec-websocket-version",
        count: Count::Once {
            missing: Reason::VersionMissing,
            repeated: Reason::VersionRepeated,
        },
        value: ValueRule::Exactly(b"13", Reason::VersionUnsupported),
    },
    HeaderRule {
        name: b"sec-websocket-key",
        count: Count::Once {
            missing: Reason::KeyMissing,
            repeated: Reason::KeyRepeated,
        },
        value: ValueRule::StrictKey(Reason::KeyInvalid),
    },
    HeaderRule {
        name: b"transfer-encoding",
        count: Count::Never(Reason::TransferEncoding),
        value: ValueRule::Any,
    },
    HeaderRule {
        name: b"content-length",
        count: Count::AtMostOnce {
            repeated: Reason::ContentLength,
        },
        value: ValueRule::Exactly(b"0", Reason::ContentLength),
    },
    HeaderRule {
        name: b"origin",
        count: Count::AtMostOnce {
            repeated: Reason::OriginRepeated,
        },
        value: ValueRule::AllowedOrigin(Reason::OriginForbidden),
    },
    HeaderRule {
        name: b"sec-websocket-protocol",
        count: Count::List { missing: None },
        value: ValueRule::Any,
    },
    HeaderRule {
        name: b"sec-websocket-extensions",
        count: Count::List { missing: None },
        value: ValueRule::Any,
    },
];

/// The rule for a header name, if any (names compared ASCII case-insensitively).
#[inline]
fn rule_index(name: &[u8]) -> Option<usize> {
    RULES
        .iter()
        .position(|r| r.name.len() == name.len() && r.name.eq_ignore_ascii_case(name))
}

/// The configuration was refused: it would put something unsafe into a response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConfigError {
    /// The subprotocol at `index` is not a token (it would break the header it goes into).
    BadSubprotocol { index: usize },
    /// A permessage-deflate window-bits value outside 8..=15.
    BadWindowBits,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::BadSubprotocol { index } => {
                write!(f, "subprotocol {index} is not a token")
            }
            ConfigError::BadWindowBits => f.write_str("window bits outside 8..=15"),
        }
    }
}

impl std::error::Error for ConfigError {}

/// What a server accepts, given once. Building one may allocate (the lists are copied in);
/// handshakes with it never do.
#[derive(Clone, Debug)]
pub struct ServerConfig {
    max_head: usize,
    max_headers: usize,
    subprotocols: Vec<Box<[u8]>>,
    origins: Option<Vec<Box<[u8]>>>,
    deflate: Option<DeflateParams>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig::new()
    }
}

impl ServerConfig {
    /// 8 KiB heads, 64 header lines, no subprotocol, any origin, no extension.
    pub fn new() -> ServerConfig {
        ServerConfig {
            max_head: DEFAULT_MAX_HEAD,
            max_headers: DEFAULT_MAX_HEADERS,
            subprotocols: Vec::new(),
            origins: None,
            deflate: None,
        }
    }

    /// The longest head accepted (request line, headers and blank line).
    pub fn max_head(mut self, bytes: usize) -> ServerConfig {
        self.max_head = bytes;
        self
    }

    /// The most header lines accepted (the slots lent to a call are a limit too).
    pub fn max_headers(mut self, n: usize) -> ServerConfig {
        self.max_headers = n;
        self
    }

    /// The subprotocols spoken, in preference order: the first of them the client offered is
    /// selected. Each must be a token.
    pub fn subprotocols<I, P>(mut self, list: I) -> Result<ServerConfig, ConfigError>
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        self.subprotocols = list.into_iter().map(|p| p.as_ref().into()).collect();
        if let Some(index) = self.subprotocols.iter().position(|p| !is_token(p)) {
            return Err(ConfigError::BadSubprotocol { index });
        }
        Ok(self)
    }

    /// Origins allowed (serialised as browsers send them, compared ASCII
    /// case-insensitively). A request with another `Origin` is refused with 403; a request
    /// with none (not a browser) is not refused for it.
    pub fn allowed_origins<I, P>(mut self, list: I) -> ServerConfig
    where
        I: IntoIterator<Item = P>,
        P: AsRef<[u8]>,
    {
        self.origins = Some(list.into_iter().map(|p| p.as_ref().into()).collect());
        self
    }

    /// permessage-deflate on (`Some`: the server's wishes, see [`DeflateParams::answer`]) or
    /// off (`None`, the default).
    pub fn deflate(mut self, params: Option<DeflateParams>) -> Result<ServerConfig, ConfigError> {
        if let Some(p) = &params {
            let bad = |bits: Option<u8>| bits.is_some_and(|b| !(8..=15).contains(&b));
            if bad(p.server_max_window_bits) || bad(p.client_max_window_bits) {
                return Err(ConfigError::BadWindowBits);
            }
        }
        self.deflate = params;
        Ok(self)
    }

    pub fn subprotocol(&self, index: usize) -> Option<&[u8]> {
        self.subprotocols.get(index).map(|p| &p[..])
    }

    /// The largest response [`ServerConfig::handshake`] can write with this configuration: a
    /// response buffer this long never gets [`AnswerError::BufferTooSmall`].
    pub fn max_response_len(&self) -> usize {
        let protocol = self.subprotocols.iter().map(|p| p.len()).max();
        let extension = self.deflate.map(|_| DEFLATE_RESPONSE_MAX);
        switching_len(protocol, extension).max(MAX_REFUSAL_LEN)
    }

    fn header_limit(&self, slots: usize) -> usize {
        self.max_headers.min(slots)
    }
}

/// Where the checked request's parts are in the caller's buffer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RequestInfo {
    /// The head's length: the bytes after it (the client's first frames) are the caller's.
    pub head_len: usize,
    /// Header slots filled.
    pub headers: usize,
    pub target: Span,
    pub host: Span,
    pub origin: Option<Span>,
    /// The key, OWS trimmed: 24 bytes of valid strict base64.
    pub key: Span,
}

/// A request that passed every check, with the buffer and slots it was read from.
#[derive(Clone, Copy, Debug)]
pub struct Request<'b> {
    pub buf: &'b [u8],
    pub slots: &'b [HeaderSlot],
    pub info: RequestInfo,
}

impl<'b> Request<'b> {
    pub fn target(&self) -> &'b [u8] {
        self.info.target.get(self.buf)
    }

    pub fn host(&self) -> &'b [u8] {
        self.info.host.get(self.buf)
    }

    pub fn origin(&self) -> Option<&'b [u8]> {
        self.info.origin.map(|s| s.get(self.buf))
    }

    pub fn key(&self) -> &'b [u8; KEY_LEN] {
        self.info
            .key
            .get(self.buf)
            .try_into()
            .expect("a checked key is 24 bytes")
    }

    /// Every header line, as (name, value).
    pub fn headers(&self) -> impl Iterator<Item = (&'b [u8], &'b [u8])> + 'b {
        let (buf, slots) = (self.buf, self.slots);
        slots[..self.info.headers]
            .iter()
            .map(move |s| (s.name.get(buf), s.value.get(buf)))
    }

    /// The values of every line named `name` (ASCII case ignored), in order.
    pub fn values(&self, name: &'b [u8]) -> impl Iterator<Item = &'b [u8]> + 'b {
        self.headers()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The subprotocols the client offered, in order, over all its lines.
    pub fn subprotocols(&self) -> impl Iterator<Item = &'b [u8]> + 'b {
        self.values(RULES[PROTOCOL].name)
            .flat_map(elements)
            .filter(|e| !e.is_empty())
    }

    /// The extensions the client offered, in order, over all its lines.
    pub fn extension_offers(&self) -> impl Iterator<Item = ExtensionOffer<'b>> + 'b {
        self.values(RULES[EXTENSIONS].name)
            .flat_map(extension_offers)
    }
}

/// A partly read request, or one the caller has not answered yet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Parsed<'b> {
    /// The head is not complete: read more and call again with the longer buffer.
    NeedMore,
    Request(Request<'b>),
    Refused(Reason),
}

impl PartialEq for Request<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.info == other.info
    }
}

impl Eq for Request<'_> {}

/// What the configured server chose for a request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Negotiated {
    /// Index into the configured subprotocols.
    pub subprotocol: Option<usize>,
    /// The permessage-deflate parameters agreed, when it was.
    pub deflate: Option<DeflateParams>,
}

/// The one-call form's answer. The response to send is in the caller's buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    NeedMore,
    /// The 101 is written (`response_len` bytes); the connection is a WebSocket after it.
    Accepted {
        response_len: usize,
        request: RequestInfo,
        negotiated: Negotiated,
    },
    /// The refusal is written; send it and close the connection.
    Refused {
        reason: Reason,
        response_len: usize,
    },
}

/// No response was written. The buffer is untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AnswerError {
    BufferTooSmall {
        needed: usize,
    },
    /// The subprotocol given is not a token (byte `pos`).
    BadSubprotocol {
        pos: usize,
    },
    /// The extensions value given holds a byte that cannot be in a header value, or is empty.
    BadExtensions {
        pos: usize,
    },
}

impl fmt::Display for AnswerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            AnswerError::BufferTooSmall { needed } => {
                write!(f, "response needs {needed} bytes, buffer is smaller")
            }
            AnswerError::BadSubprotocol { pos } => {
                write!(f, "subprotocol is not a token (byte {pos})")
            }
            AnswerError::BadExtensions { pos } => {
                write!(f, "extensions value has a forbidden byte at {pos}")
            }
        }
    }
}

impl std::error::Error for AnswerError {}

/// One connection's handshake state: keep it while the head arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ServerHandshake {
    scanner: HeadScanner,
    line_checked: bool,
}

impl ServerHandshake {
    pub fn new(config: &ServerConfig) -> ServerHandshake {
        ServerHandshake {
            scanner: HeadScanner::request(config.max_head),
            line_checked: false,
        }
    }

    /// Reads what `buf` adds (it must start with the bytes given before, unchanged) and
    /// checks the request once its head is complete. `slots` must be the same at every call
    /// for one connection; `min(slots.len(), max_headers)` is the header-line limit.
    pub fn parse<'b>(
        &mut self,
        config: &ServerConfig,
        buf: &'b [u8],
        slots: &'b mut [HeaderSlot],
    ) -> Parsed<'b> {
        let limit = config.header_limit(slots.len());
        let scanned = self.scanner.scan(buf, &mut slots[..limit]);
        if !self.line_checked && self.scanner.start_line_done() {
            if let Err(reason) = check_request_line(&self.scanner, buf) {
                return Parsed::Refused(reason);
            }
            self.line_checked = true;
        }
        match scanned {
            Err(e) => Parsed::Refused(Reason::from_head(e.kind)),
            Ok(Scan::Partial) => Parsed::NeedMore,
            Ok(Scan::Complete { len, headers }) => {
                let slots = &slots[..headers];
                match check_headers(config, buf, slots) {
                    Ok(found) => Parsed::Request(Request {
                        buf,
                        slots,
                        info: RequestInfo {
                            head_len: len,
                            headers,
                            target: self.scanner.line().parts[1],
                            ..found
                        },
                    }),
                    Err(reason) => Parsed::Refused(reason),
                }
            }
        }
    }
}

/// RFC 9112 §3: `GET` (methods are case-sensitive), HTTP/1.1 or a later 1.x.
fn check_request_line(scanner: &HeadScanner, buf: &[u8]) -> Result<(), Reason> {
    let line = scanner.line();
    match (line.version.major, line.version.minor) {
        (1, Some(1..)) => {}
        (1, None) => return Err(Reason::BadRequestLine),
        _ => return Err(Reason::HttpVersion),
    }
    if line.parts[0].get(buf) != b"GET" {
        return Err(Reason::MethodNotGet);
    }
    Ok(())
}

/// One pass over the slots (counting each rule's headers, finding list tokens), then the
/// rules in order. Returns the spans of the headers the answer uses.
fn check_headers(
    config: &ServerConfig,
    buf: &[u8],
    slots: &[HeaderSlot],
) -> Result<RequestInfo, Reason> {
    let mut count = [0u32; RULE_COUNT];
    let mut first = [Span::default(); RULE_COUNT];
    let mut token_found = [false; RULE_COUNT];
    for slot in slots {
        let Some(r) = rule_index(slot.name.get(buf)) else {
            continue;
        };
        count[r] += 1;
        if count[r] == 1 {
            first[r] = slot.value;
        }
        if let ValueRule::HasToken(token, _) = RULES[r].value {
            token_found[r] |= has_token(slot.value.get(buf), token);
        }
    }
    for (r, rule) in RULES.iter().enumerate() {
        match (rule.count, count[r]) {
            (Count::Once { missing, .. }, 0) => return Err(missing),
            (Count::List { missing: Some(m) }, 0) => return Err(m),
            (Count::Once { repeated, .. }, 2..) | (Count::AtMostOnce { repeated }, 2..) => {
                return Err(repeated)
            }
            (Count::Never(reason), 1..) => return Err(reason),
            _ => {}
        }
        if count[r] == 0 {
            continue;
        }
        let value = first[r].get(buf);
        let ok = match rule.value {
            ValueRule::Any => continue,
            ValueRule::HasToken(_, reason) => (token_found[r], reason),
            ValueRule::Exactly(want, reason) => (value == want, reason),
            ValueRule::StrictKey(reason) => (parse_strict(value).is_ok(), reason),
            ValueRule::AllowedOrigin(reason) => (
                config
                    .origins
                    .as_ref()
                    .is_none_or(|list| list.iter().any(|o| o.eq_ignore_ascii_case(value))),
                reason,
            ),
        };
        if !ok.0 {
            return Err(ok.1);
        }
    }
    Ok(RequestInfo {
        host: first[HOST],
        origin: (count[ORIGIN] > 0).then_some(first[ORIGIN]),
        key: first[KEY],
        ..RequestInfo::default()
    })
}

impl ServerConfig {
    /// The configured choices for a request: the first configured subprotocol the client
    /// offered, and the first permessage-deflate offer valid under RFC 7692 §7.1 (when
    /// deflate is on). Invalid or unknown offers are declined, never an error.
    pub fn negotiate(&self, request: &Request<'_>) -> Negotiated {
        let subprotocol = if self.subprotocols.is_empty() {
            None
        } else {
            request
                .subprotocols()
                .filter_map(|offered| self.subprotocols.iter().position(|p| **p == *offered))
                .min()
        };
        let deflate = self.deflate.and_then(|config| {
            request
                .extension_offers()
                .find_map(|o| DeflateParams::from_offer(&o))
                .map(|offer| DeflateParams::answer(&offer, &config))
        });
        Negotiated {
            subprotocol,
            deflate,
        }
    }

    /// The whole handshake in one call: reads what `buf` adds, checks, negotiates, computes
    /// the accept and writes the response into `out` (give it [`ServerConfig::max_response_len`]
    /// bytes). `state` and `slots` are the connection's, kept between calls.
    pub fn handshake(
        &self,
        state: &mut ServerHandshake,
        buf: &[u8],
        slots: &mut [HeaderSlot],
        out: &mut [u8],
    ) -> Result<Outcome, AnswerError> {
        match state.parse(self, buf, slots) {
            Parsed::NeedMore => Ok(Outcome::NeedMore),
            Parsed::Refused(reason) => Ok(Outcome::Refused {
                reason,
                response_len: write_refusal(reason, out)?,
            }),
            Parsed::Request(request) => {
                let negotiated = self.negotiate(&request);
                let mut accept = [0u8; ACCEPT_LEN];
                // The key passed the strict rules when the request was parsed: no second check.
                crate::backend::accept_one(request.key(), &mut accept);
                let response_len = self.write_negotiated(&accept, &negotiated, out)?;
                Ok(Outcome::Accepted {
                    response_len,
                    request: request.info,
                    negotiated,
                })
            }
        }
    }

    fn write_negotiated(
        &self,
        accept: &[u8; ACCEPT_LEN],
        negotiated: &Negotiated,
        out: &mut [u8],
    ) -> Result<usize, AnswerError> {
        let protocol = negotiated.subprotocol.and_then(|i| self.subprotocol(i));
        let mut ext = [0u8; DEFLATE_RESPONSE_MAX];
        let ext_len = negotiated.deflate.map(|d| d.write(&mut ext));
        write_switching(accept, protocol, ext_len.map(|n| &ext[..n]), out)
    }
}

const SWITCHING: &[u8] =
    b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
const ACCEPT_NAME: &[u8] = b"Sec-WebSocket-Accept: ";
const PROTOCOL_NAME: &[u8] = b"Sec-WebSocket-Protocol: ";
const EXTENSIONS_NAME: &[u8] = b"Sec-WebSocket-Extensions: ";
const CRLF: &[u8] = b"\r\n";

/// Length of a 101 with a protocol and an extensions value of these lengths.
fn switching_len(protocol: Option<usize>, extensions: Option<usize>) -> usize {
    SWITCHING.len()
        + ACCEPT_NAME.len()
        + ACCEPT_LEN
        + CRLF.len()
        + protocol.map_or(0, |n| PROTOCOL_NAME.len() + n + CRLF.len())
        + extensions.map_or(0, |n| EXTENSIONS_NAME.len() + n + CRLF.len())
        + CRLF.len()
}

/// Copies `parts` back to back into `out` when they fit; nothing is written otherwise.
fn write_parts(parts: &[&[u8]], out: &mut [u8]) -> Result<usize, AnswerError> {
    let needed: usize = parts.iter().map(|p| p.len()).sum();
    if out.len() < needed {
        return Err(AnswerError::BufferTooSmall { needed });
    }
    let mut at = 0;
    for part in parts {
        out[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    Ok(at)
}

/// Writes the `101 Switching Protocols` carrying `accept`, the selected `subprotocol` (a token)
/// and the `extensions` response value (header-value bytes only), when given.
pub fn write_switching(
    accept: &[u8; ACCEPT_LEN],
    subprotocol: Option<&[u8]>,
    extensions: Option<&[u8]>,
    out: &mut [u8],
) -> Result<usize, AnswerError> {
    if let Some(p) = subprotocol {
        if !is_token(p) {
            let pos = p.iter().position(|&b| !super::tokens::is_tchar(b));
            return Err(AnswerError::BadSubprotocol {
                pos: pos.unwrap_or(0),
            });
        }
    }
    if let Some(e) = extensions {
        let bad = e
            .iter()
            .position(|&b| b != b'\t' && (b < 0x20 || b == 0x7f));
        if e.is_empty() || bad.is_some() {
            return Err(AnswerError::BadExtensions {
                pos: bad.unwrap_or(0),
            });
        }
    }
    let (pn, pv, pe) = match subprotocol {
        Some(p) => (PROTOCOL_NAME, p, CRLF),
        None => (&[][..], &[][..], &[][..]),
    };
    let (en, ev, ee) = match extensions {
        Some(e) => (EXTENSIONS_NAME, e, CRLF),
        None => (&[][..], &[][..], &[][..]),
    };
    write_parts(
        &[
            SWITCHING,
            ACCEPT_NAME,
            accept,
            CRLF,
            pn,
            pv,
            pe,
            en,
            ev,
            ee,
            CRLF,
        ],
        out,
    )
}

/// The two-step form's answer to a request it accepts: computes the accept and writes the 101
/// with the caller's choice of subprotocol and extensions value (both checked against header
/// injection).
pub fn write_accept(
    request: &Request<'_>,
    subprotocol: Option<&[u8]>,
    extensions: Option<&[u8]>,
    out: &mut [u8],
) -> Result<usize, AnswerError> {
    let mut accept = [0u8; ACCEPT_LEN];
    // The key passed the strict rules when the request was parsed: no second check.
    crate::backend::accept_one(request.key(), &mut accept);
    write_switching(&accept, subprotocol, extensions, out)
}

/// The longest refusal [`write_refusal`] writes.
pub const MAX_REFUSAL_LEN: usize = 256;

const CONTENT_TYPE: &[u8] = b"Content-Type: text/plain\r\nContent-Length: ";

/// Writes the refusal for `reason`: its status line, the headers that status needs,
/// `Connection: close`, and the reason's text as a plain-text body.
pub fn write_refusal(reason: Reason, out: &mut [u8]) -> Result<usize, AnswerError> {
    let status = reason.status();
    let text = reason.c_text().to_bytes();
    let body_len = text.len() + 1;
    let digits = [b'0' + (body_len / 10) as u8, b'0' + (body_len % 10) as u8];
    debug_assert!(body_len < 100);
    write_parts(
        &[
            status.line(),
            status.headers(),
            CONTENT_TYPE,
            &digits,
            CRLF,
            CRLF,
            text,
            b"\n",
        ],
        out,
    )
}

/// One connection's complete head in a batch, its response buffer, and (after the call) its
/// outcome.
#[derive(Debug)]
pub struct HandshakeJob<'a> {
    pub request: &'a [u8],
    pub response: &'a mut [u8],
    pub outcome: Result<Outcome, AnswerError>,
}

impl<'a> HandshakeJob<'a> {
    pub fn new(request: &'a [u8], response: &'a mut [u8]) -> HandshakeJob<'a> {
        HandshakeJob {
            request,
            response,
            outcome: Ok(Outcome::NeedMore),
        }
    }
}

/// Heads checked per gathering round of the batch form (the stack holds their keys).
const BATCH_CHUNK: usize = 64;

/// A request of the batch waiting for its accept.
#[derive(Clone, Copy, Default)]
struct Pending {
    job: usize,
    info: RequestInfo,
    negotiated: Negotiated,
}

impl ServerConfig {
    /// The one-call form for the complete heads of many connections (an event loop's
    /// wakeup): each job gets its own outcome and response, as [`ServerConfig::handshake`]
    /// would give it; the accepts of all accepted requests are computed together by the
    /// multi-buffer backend, on the calling thread. `slots` are scratch, reused per job (their
    /// number limits the header lines, as for one call). A head that is not complete gets
    /// `NeedMore` (the caller calls again when it is).
    pub fn handshake_batch(&self, jobs: &mut [HandshakeJob<'_>], slots: &mut [HeaderSlot]) {
        for chunk in jobs.chunks_mut(BATCH_CHUNK) {
            let mut keys = [[0u8; KEY_LEN]; BATCH_CHUNK];
            let mut pending = [Pending::default(); BATCH_CHUNK];
            let mut n = 0;
            for (j, job) in chunk.iter_mut().enumerate() {
                let mut state = ServerHandshake::new(self);
                job.outcome = match state.parse(self, job.request, slots) {
                    Parsed::NeedMore => Ok(Outcome::NeedMore),
                    Parsed::Refused(reason) => {
                        write_refusal(reason, job.response).map(|response_len| Outcome::Refused {
                            reason,
                            response_len,
                        })
                    }
                    Parsed::Request(request) => {
                        let negotiated = self.negotiate(&request);
                        keys[n] = *request.key();
                        pending[n] = Pending {
                            job: j,
                            info: request.info,
                            negotiated,
                        };
                        n += 1;
                        continue;
                    }
                };
            }
            let mut accepts = [[0u8; ACCEPT_LEN]; BATCH_CHUNK];
            let mut statuses = [crate::KeyStatus::Ok; BATCH_CHUNK];
            let invalid = crate::batch::accept_slots(
                &keys[..n],
                &mut accepts[..n],
                Some(&mut statuses[..n]),
                &crate::BatchOptions::default(),
            );
            debug_assert_eq!(invalid, Ok(0), "every key was checked before");
            for (p, accept) in pending[..n].iter().zip(&accepts) {
                let job = &mut chunk[p.job];
                job.outcome = self
                    .write_negotiated(accept, &p.negotiated, job.response)
                    .map(|response_len| Outcome::Accepted {
                        response_len,
                        request: p.info,
                        negotiated: p.negotiated,
                    });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_REQUEST: &[u8] = b"GET /chat HTTP/1.1\r\nHost: server.example.com\r\n\
        Upgrade: websocket\r\nConnection: Upgrade\r\n\
        Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Origin: http://example.com\r\nSec-WebSocket-Protocol: chat, superchat\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    #[test]
    fn rfc_example() {
        let config = ServerConfig::new()
            .subprotocols(["superchat", "chat"])
            .unwrap();
        let mut state = ServerHandshake::new(&config);
        let mut slots = [HeaderSlot::default(); 16];
        let mut out = [0u8; 512];
        let outcome = config
            .handshake(&mut state, RFC_REQUEST, &mut slots, &mut out)
            .unwrap();
        let Outcome::Accepted {
            response_len,
            request,
            negotiated,
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(request.head_len, RFC_REQUEST.len());
        assert_eq!(negotiated.subprotocol, Some(0));
        assert_eq!(
            &out[..response_len],
            &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
               Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\
               Sec-WebSocket-Protocol: superchat\r\n\r\n"[..]
        );
        assert_eq!(request.target.get(RFC_REQUEST), b"/chat");
        assert_eq!(request.host.get(RFC_REQUEST), b"server.example.com");
    }

    #[test]
    fn refusals_fit_and_close() {
        for reason in Reason::ALL {
            let mut out = [0u8; MAX_REFUSAL_LEN];
            let n = write_refusal(reason, &mut out).unwrap();
            let text = core::str::from_utf8(&out[..n]).unwrap();
            assert!(text.contains("close\r\n"), "{text}");
            assert!(text.starts_with(&format!("HTTP/1.1 {} ", reason.status().code())));
        }
        for (i, r) in Reason::ALL.iter().enumerate() {
            assert_eq!(r.code() as usize, i + 1);
        }
    }

    #[test]
    fn response_lengths() {
        let config = ServerConfig::new()
            .subprotocols(["a-long-subprotocol-name"])
            .unwrap()
            .deflate(Some(DeflateParams::default()))
            .unwrap();
        assert_eq!(
            config.max_response_len(),
            switching_len(Some(23), Some(DEFLATE_RESPONSE_MAX))
        );
        assert!(ServerConfig::new().subprotocols(["a b"]).is_err());
    }
}

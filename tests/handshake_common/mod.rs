//! An independent, deliberately simple model of the server handshake, for the tests and the
//! fuzz target to compare the library with.
//!
//! It shares no code with the library: it reads a whole buffer at once, line by line, decides
//! where a line stops being a prefix of a valid one by trying every prefix (quadratic, fine for
//! tests), splits lists with `split`, checks keys with the `base64` crate and hashes with the
//! `sha1` Digest API. The rules are RFC 6455 §4.2.1 / RFC 9112 as the issue states them; the
//! order of the checks (which refusal wins when several apply) is the library's documented one:
//! bytes in order (the request line's method and version as soon as the line is complete),
//! then Host, Upgrade, Connection, Sec-WebSocket-Version, Sec-WebSocket-Key,
//! Transfer-Encoding, Content-Length, Origin.
#![allow(dead_code)]

use base64::Engine as _;
use sha1::{Digest, Sha1};
use wsaccept::Reason;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RefOutcome {
    NeedMore,
    Refused(Reason),
    Accepted { head_len: usize, response: Vec<u8> },
}

#[derive(Clone, Debug)]
pub struct RefConfig {
    pub max_head: usize,
    pub max_headers: usize,
    pub subprotocols: Vec<Vec<u8>>,
    pub origins: Option<Vec<Vec<u8>>>,
}

impl Default for RefConfig {
    fn default() -> Self {
        RefConfig {
            max_head: 8192,
            max_headers: 64,
            subprotocols: Vec::new(),
            origins: None,
        }
    }
}

impl RefConfig {
    /// The same configuration for the library.
    pub fn library(&self) -> wsaccept::ServerConfig {
        let mut c = wsaccept::ServerConfig::new()
            .max_head(self.max_head)
            .max_headers(self.max_headers)
            .subprotocols(&self.subprotocols)
            .expect("test subprotocols are tokens");
        if let Some(o) = &self.origins {
            c = c.allowed_origins(o);
        }
        c
    }
}

const TCHAR_SPECIALS: &[u8] = b"!#$%&'*+-.^_`|~";

fn tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || TCHAR_SPECIALS.contains(&b)
}

fn value_byte(b: u8) -> bool {
    b == b'\t' || b == b' ' || (0x21..=0x7e).contains(&b) || b >= 0x80
}

/// Whether `v` can still grow into `HTTP/d` or `HTTP/d.d` (`complete`: it is one).
fn version_ok(v: &[u8], complete: bool) -> bool {
    let pattern_ok = v.len() <= 8
        && v.iter().enumerate().all(|(i, &b)| match i {
            0..=4 => b == b"HTTP/"[i],
            5 | 7 => b.is_ascii_digit(),
            _ => b == b'.',
        });
    pattern_ok && (!complete || v.len() == 6 || v.len() == 8)
}

/// Whether `p` (no LF inside but maybe at its end) is a prefix of a valid request line.
fn request_line_prefix_ok(p: &[u8]) -> bool {
    let (body, tail) = if let Some(b) = p.strip_suffix(b"\r\n") {
        (b, true)
    } else if let Some(b) = p.strip_suffix(b"\r") {
        (b, true)
    } else {
        (p, false)
    };
    if body.iter().any(|&b| b == b'\r' || b == b'\n') {
        return false;
    }
    let parts: Vec<&[u8]> = body.split(|&b| b == b' ').collect();
    if parts.len() > 3 || (tail && parts.len() != 3) {
        return false;
    }
    parts.iter().enumerate().all(|(i, part)| {
        let partial = !tail && i == parts.len() - 1;
        match i {
            0 => part.iter().all(|&b| tchar(b)) && (partial || !part.is_empty()),
            1 => part.iter().all(|&b| (0x21..=0x7e).contains(&b)) && (partial || !part.is_empty()),
            _ => version_ok(part, !partial),
        }
    })
}

/// Whether `p` is a prefix of a valid header line (or of the blank line).
fn header_line_prefix_ok(p: &[u8]) -> bool {
    if p.is_empty() || p == b"\r" || p == b"\r\n" {
        return true;
    }
    if p[0] == b'\r' || p[0] == b' ' || p[0] == b'\t' {
        return false;
    }
    let (body, tail) = if let Some(b) = p.strip_suffix(b"\r\n") {
        (b, true)
    } else if let Some(b) = p.strip_suffix(b"\r") {
        (b, true)
    } else {
        (p, false)
    };
    if body.contains(&b'\n') {
        return false;
    }
    match body.iter().position(|&b| b == b':') {
        None => !tail && body.iter().all(|&b| tchar(b)),
        Some(colon) => {
            colon > 0
                && body[..colon].iter().all(|&b| tchar(b))
                && body[colon + 1..].iter().all(|&b| value_byte(b))
        }
    }
}

/// The refusal for the byte at `k` of a line that `prefix_ok` stops accepting there.
fn line_error(line: &[u8], k: usize, header: bool) -> Reason {
    let b = line[k];
    if k > 0 && line[k - 1] == b'\r' && b != b'\n' {
        return Reason::BareCr;
    }
    if b == b'\n' {
        return Reason::BareLf;
    }
    if !header {
        return Reason::BadRequestLine;
    }
    if k == 0 && (b == b' ' || b == b'\t') {
        return Reason::ObsFold;
    }
    let in_name = !line[..k].contains(&b':');
    if in_name {
        if b == b' ' || b == b'\t' {
            Reason::SpaceBeforeColon
        } else {
            Reason::BadHeaderName
        }
    } else {
        Reason::BadHeaderValue
    }
}

/// The first byte at which `rest` stops being a prefix of a valid line, if it does.
fn first_bad(rest: &[u8], ok: fn(&[u8]) -> bool) -> Option<usize> {
    let end = rest
        .iter()
        .position(|&b| b == b'\n')
        .map_or(rest.len(), |i| i + 1);
    (0..end).find(|&k| !ok(&rest[..k + 1]))
}

fn trim(v: &[u8]) -> &[u8] {
    let s = v
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(v.len());
    let e = v
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(s, |i| i + 1);
    &v[s..e]
}

fn has_token(values: &[&[u8]], token: &str) -> bool {
    values.iter().any(|v| {
        v.split(|&b| b == b',')
            .any(|e| trim(e).eq_ignore_ascii_case(token.as_bytes()))
    })
}

pub fn strict_key_ok(key: &[u8]) -> bool {
    let key = trim(key);
    key.len() == 24
        && base64::engine::general_purpose::STANDARD
            .decode(key)
            .is_ok_and(|d| d.len() == 16)
}

pub fn oracle_accept(key: &[u8]) -> String {
    let mut h = Sha1::new();
    h.update(trim(key));
    h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// The model's answer for the bytes read so far.
pub fn reference(cfg: &RefConfig, buf: &[u8]) -> RefOutcome {
    let view = &buf[..buf.len().min(cfg.max_head)];
    let out_of_bytes = || {
        if buf.len() >= cfg.max_head {
            RefOutcome::Refused(Reason::HeadTooLarge)
        } else {
            RefOutcome::NeedMore
        }
    };
    // The request line.
    if let Some(k) = first_bad(view, request_line_prefix_ok) {
        return RefOutcome::Refused(line_error(view, k, false));
    }
    let Some(lf) = view.iter().position(|&b| b == b'\n') else {
        return out_of_bytes();
    };
    let line = &view[..lf - 1];
    let mut parts = line.split(|&b| b == b' ');
    let method = parts.next().unwrap();
    let _target = parts.next().unwrap();
    let version = parts.next().unwrap();
    match version {
        v if v.len() == 8 && v[5] == b'1' && v[7] != b'0' => {}
        v if v.len() == 6 && v[5] == b'1' => return RefOutcome::Refused(Reason::BadRequestLine),
        _ => return RefOutcome::Refused(Reason::HttpVersion),
    }
    if method != b"GET" {
        return RefOutcome::Refused(Reason::MethodNotGet);
    }
    // Header lines.
    let mut pos = lf + 1;
    let mut headers: Vec<(Vec<u8>, &[u8])> = Vec::new();
    let head_len = loop {
        let rest = &view[pos..];
        if rest.first().is_some_and(|&b| tchar(b)) && headers.len() == cfg.max_headers {
            return RefOutcome::Refused(Reason::TooManyHeaders);
        }
        if let Some(k) = first_bad(rest, header_line_prefix_ok) {
            return RefOutcome::Refused(line_error(rest, k, true));
        }
        let Some(lf) = rest.iter().position(|&b| b == b'\n') else {
            return out_of_bytes();
        };
        let line = &rest[..lf - 1];
        pos += lf + 1;
        if line.is_empty() {
            break pos;
        }
        let colon = line.iter().position(|&b| b == b':').unwrap();
        headers.push((line[..colon].to_ascii_lowercase(), trim(&line[colon + 1..])));
    };
    let values = |name: &str| -> Vec<&[u8]> {
        headers
            .iter()
            .filter(|(n, _)| n == name.as_bytes())
            .map(|(_, v)| *v)
            .collect()
    };
    let host = values("host");
    match host.len() {
        0 => return RefOutcome::Refused(Reason::HostMissing),
        1 => {}
        _ => return RefOutcome::Refused(Reason::HostRepeated),
    }
    if !has_token(&values("upgrade"), "websocket") {
        return RefOutcome::Refused(Reason::NoUpgradeWebsocket);
    }
    if !has_token(&values("connection"), "upgrade") {
        return RefOutcome::Refused(Reason::NoConnectionUpgrade);
    }
    let version = values("sec-websocket-version");
    match version[..] {
        [] => return RefOutcome::Refused(Reason::VersionMissing),
        [v] if v == b"13" => {}
        [_] => return RefOutcome::Refused(Reason::VersionUnsupported),
        _ => return RefOutcome::Refused(Reason::VersionRepeated),
    }
    let key = values("sec-websocket-key");
    match key[..] {
        [] => return RefOutcome::Refused(Reason::KeyMissing),
        [k] if strict_key_ok(k) => {}
        [_] => return RefOutcome::Refused(Reason::KeyInvalid),
        _ => return RefOutcome::Refused(Reason::KeyRepeated),
    }
    if !values("transfer-encoding").is_empty() {
        return RefOutcome::Refused(Reason::TransferEncoding);
    }
    match values("content-length")[..] {
        [] => {}
        [v] if v == b"0" => {}
        _ => return RefOutcome::Refused(Reason::ContentLength),
    }
    match values("origin")[..] {
        [] => {}
        [o] => {
            if let Some(list) = &cfg.origins {
                if !list.iter().any(|a| a.eq_ignore_ascii_case(o)) {
                    return RefOutcome::Refused(Reason::OriginForbidden);
                }
            }
        }
        _ => return RefOutcome::Refused(Reason::OriginRepeated),
    }
    let offered: Vec<&[u8]> = values("sec-websocket-protocol")
        .into_iter()
        .flat_map(|v| v.split(|&b| b == b',').map(trim))
        .collect();
    let chosen = cfg
        .subprotocols
        .iter()
        .find(|p| offered.contains(&p.as_slice()));
    let mut response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n",
        oracle_accept(key[0])
    )
    .into_bytes();
    if let Some(p) = chosen {
        response.extend_from_slice(b"Sec-WebSocket-Protocol: ");
        response.extend_from_slice(p);
        response.extend_from_slice(b"\r\n");
    }
    response.extend_from_slice(b"\r\n");
    RefOutcome::Accepted { head_len, response }
}

/// The library's answer in the model's terms, from one whole-buffer call (the refusal's
/// bytes are checked for their status line and `Connection` header on the way).
pub fn library(cfg: &wsaccept::ServerConfig, buf: &[u8]) -> RefOutcome {
    let mut state = wsaccept::ServerHandshake::new(cfg);
    let mut slots = vec![wsaccept::HeaderSlot::default(); 256];
    let mut out = vec![0u8; cfg.max_response_len()];
    let outcome = cfg
        .handshake(&mut state, buf, &mut slots, &mut out)
        .expect("buffer of max_response_len");
    from_outcome(outcome, &out)
}

pub fn from_outcome(outcome: wsaccept::Outcome, out: &[u8]) -> RefOutcome {
    match outcome {
        wsaccept::Outcome::NeedMore => RefOutcome::NeedMore,
        wsaccept::Outcome::Refused {
            reason,
            response_len,
        } => {
            let text = String::from_utf8(out[..response_len].to_vec()).unwrap();
            let status = reason.status().code();
            assert!(text.starts_with(&format!("HTTP/1.1 {status} ")), "{text}");
            let close = if status == 426 {
                "\r\nConnection: upgrade, close\r\n"
            } else {
                "\r\nConnection: close\r\n"
            };
            assert!(text.contains(close), "{text}");
            RefOutcome::Refused(reason)
        }
        wsaccept::Outcome::Accepted {
            response_len,
            request,
            ..
        } => RefOutcome::Accepted {
            head_len: request.head_len,
            response: out[..response_len].to_vec(),
        },
    }
}

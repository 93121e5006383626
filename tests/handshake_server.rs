//! The server handshake (issue 19): every check and answer, the survey's regression list,
//! real clients' requests, every split point, every byte value at every position, and the
//! library against the independent model of tests/handshake_common on random and mutated
//! requests.

mod handshake_common;

use handshake_common::{library, oracle_accept, reference, RefConfig};
use proptest::prelude::*;
use wsaccept::*;

const CHROMIUM: &[u8] = include_bytes!("handshake_requests/chromium.http");
const FIREFOX: &[u8] = include_bytes!("handshake_requests/firefox.http");
const SAFARI: &[u8] = include_bytes!("handshake_requests/safari.http");
const PYTHON: &[u8] = include_bytes!("handshake_requests/python_websockets.http");
const NODE: &[u8] = include_bytes!("handshake_requests/node_ws.http");
const CURL: &[u8] = include_bytes!("handshake_requests/curl.http");

const REAL: [(&str, &[u8]); 6] = [
    ("chromium", CHROMIUM),
    ("firefox", FIREFOX),
    ("safari", SAFARI),
    ("python websockets", PYTHON),
    ("node ws", NODE),
    ("curl", CURL),
];

/// A minimal valid request with `extra` header lines inserted before the blank line.
fn request_with(extra: &str) -> Vec<u8> {
    format!(
        "GET /chat HTTP/1.1\r\nHost: example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{extra}\r\n"
    )
    .into_bytes()
}

/// A request built from explicit lines (start line first), CRLF after each and a blank line.
fn request_lines(lines: &[&str]) -> Vec<u8> {
    let mut s = String::new();
    for l in lines {
        s.push_str(l);
        s.push_str("\r\n");
    }
    s.push_str("\r\n");
    s.into_bytes()
}

const BASE: [&str; 6] = [
    "GET /chat HTTP/1.1",
    "Host: example.com",
    "Upgrade: websocket",
    "Connection: Upgrade",
    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
    "Sec-WebSocket-Version: 13",
];

/// BASE with line `i` replaced (`None`: removed).
fn replaced(i: usize, with: Option<&str>) -> Vec<u8> {
    let mut lines: Vec<&str> = BASE.to_vec();
    match with {
        Some(w) => lines[i] = w,
        None => {
            lines.remove(i);
        }
    }
    request_lines(&lines)
}

fn outcome(config: &ServerConfig, buf: &[u8]) -> (Outcome, Vec<u8>) {
    let mut state = ServerHandshake::new(config);
    let mut slots = [HeaderSlot::default(); 64];
    let mut out = vec![0u8; config.max_response_len()];
    let o = config
        .handshake(&mut state, buf, &mut slots, &mut out)
        .unwrap();
    let len = match o {
        Outcome::Accepted { response_len, .. } | Outcome::Refused { response_len, .. } => {
            response_len
        }
        Outcome::NeedMore => 0,
    };
    out.truncate(len);
    (o, out)
}

fn reason(buf: &[u8]) -> Option<Reason> {
    match outcome(&ServerConfig::new(), buf).0 {
        Outcome::Refused { reason, .. } => Some(reason),
        _ => None,
    }
}

fn accepted(buf: &[u8]) -> bool {
    matches!(
        outcome(&ServerConfig::new(), buf).0,
        Outcome::Accepted { .. }
    )
}

#[test]
fn rfc_sample_accepted_with_the_right_101() {
    let req = request_with("");
    let (o, out) = outcome(&ServerConfig::new(), &req);
    assert!(matches!(o, Outcome::Accepted { request, .. } if request.head_len == req.len()));
    assert_eq!(
        out,
        b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
          Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
    );
    // The same bytes as the crate's existing 101 writer.
    let mut old = [0u8; 256];
    let n = write_response(&accept("dGhlIHNhbXBsZSBub25jZQ==").unwrap(), None, &mut old).unwrap();
    assert_eq!(out, &old[..n]);
}

#[test]
fn every_check_has_its_refusal() {
    use Reason::*;
    let cases: Vec<(Vec<u8>, Reason)> = vec![
        (replaced(0, Some("POST /chat HTTP/1.1")), MethodNotGet),
        (replaced(0, Some("get /chat HTTP/1.1")), MethodNotGet),
        (replaced(0, Some("GET /chat HTTP/1.0")), HttpVersion),
        (replaced(0, Some("GET /chat HTTP/2.0")), HttpVersion),
        (replaced(0, Some("GET /chat HTTP/2")), HttpVersion),
        (replaced(0, Some("GET /chat HTTP/0.9")), HttpVersion),
        (replaced(0, Some("GET /chat HTTP/1")), BadRequestLine),
        (replaced(0, Some("GET /chat  HTTP/1.1")), BadRequestLine),
        (replaced(0, Some("GET /chat HTTP/1.1 ")), BadRequestLine),
        (replaced(0, Some("GET /ch\u{e9}t HTTP/1.1")), BadRequestLine),
        (replaced(1, None), HostMissing),
        (request_with("Host: b.example\r\n"), HostRepeated),
        (replaced(2, None), NoUpgradeWebsocket),
        (replaced(2, Some("Upgrade: h2c")), NoUpgradeWebsocket),
        (
            replaced(2, Some("Upgrade: websocket/13")),
            NoUpgradeWebsocket,
        ),
        (replaced(3, None), NoConnectionUpgrade),
        (
            replaced(3, Some("Connection: keep-alive")),
            NoConnectionUpgrade,
        ),
        (replaced(5, None), VersionMissing),
        (
            request_with("Sec-WebSocket-Version: 13\r\n"),
            VersionRepeated,
        ),
        (
            replaced(5, Some("Sec-WebSocket-Version: 8")),
            VersionUnsupported,
        ),
        (
            replaced(5, Some("Sec-WebSocket-Version: 13, 8")),
            VersionUnsupported,
        ),
        (
            replaced(5, Some("Sec-WebSocket-Version: 013")),
            VersionUnsupported,
        ),
        (replaced(4, None), KeyMissing),
        (
            request_with("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"),
            KeyRepeated,
        ),
        (
            replaced(4, Some("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ")),
            KeyInvalid,
        ),
        (
            replaced(4, Some("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==")),
            KeyInvalid,
        ),
        (
            replaced(4, Some("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==x")),
            KeyInvalid,
        ),
        (
            request_with("Transfer-Encoding: chunked\r\n"),
            TransferEncoding,
        ),
        (request_with("Content-Length: 5\r\n"), ContentLength),
        (
            request_with("Content-Length: 0\r\nContent-Length: 0\r\n"),
            ContentLength,
        ),
        (
            request_with("Origin: http://a\r\nOrigin: http://b\r\n"),
            OriginRepeated,
        ),
        (request_with("X-A: b\r\n c\r\n"), ObsFold),
        (request_with("X-A : b\r\n"), SpaceBeforeColon),
        (request_with("X-A\t: b\r\n"), SpaceBeforeColon),
        (request_with("X[A]: b\r\n"), BadHeaderName),
        (request_with(": b\r\n"), BadHeaderName),
        (request_with("X-\u{e9}: b\r\n"), BadHeaderName),
        (request_with("X-A: b\0c\r\n"), BadHeaderValue),
        (request_with("X-A: b\x01\r\n"), BadHeaderValue),
        (request_with("X-A: b\x7f\r\n"), BadHeaderValue),
        (request_with("X-A: b\n"), BareLf),
        (request_with("X-A: b\rc\r\n"), BareCr),
    ];
    for (req, want) in cases {
        assert_eq!(
            reason(&req),
            Some(want),
            "{:?}",
            String::from_utf8_lossy(&req)
        );
    }
    // Origin: refused only with an allowed list that does not hold it.
    let with_origin = request_with("Origin: http://Example.com\r\n");
    assert!(accepted(&with_origin));
    let allow = ServerConfig::new().allowed_origins(["http://example.com"]);
    assert!(matches!(
        outcome(&allow, &with_origin).0,
        Outcome::Accepted { .. }
    ));
    let other = ServerConfig::new().allowed_origins(["https://example.com"]);
    assert!(matches!(
        outcome(&other, &with_origin).0,
        Outcome::Refused {
            reason: Reason::OriginForbidden,
            ..
        }
    ));
    assert!(matches!(
        outcome(&other, &request_with("")).0,
        Outcome::Accepted { .. }
    ));
}

#[test]
fn refusal_responses() {
    let cases: [(&[u8], &str); 6] = [
        (
            &replaced(0, Some("POST /chat HTTP/1.1")),
            "HTTP/1.1 405 Method Not Allowed\r\nAllow: GET\r\nConnection: close\r\n",
        ),
        (
            &replaced(5, Some("Sec-WebSocket-Version: 8")),
            "HTTP/1.1 426 Upgrade Required\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\n\
             Connection: upgrade, close\r\n",
        ),
        (
            &replaced(4, None),
            "HTTP/1.1 400 Bad Request\r\nConnection: close\r\n",
        ),
        (
            &replaced(0, Some("GET / HTTP/1.0")),
            "HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\n",
        ),
        (
            &request_with(&format!("X: {}\r\n", "a".repeat(9000))),
            "HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\n",
        ),
        (
            &request_with("Origin: http://evil\r\n"),
            "HTTP/1.1 403 Forbidden\r\nConnection: close\r\n",
        ),
    ];
    let config = ServerConfig::new().allowed_origins(["http://good"]);
    for (req, head) in cases {
        let (o, out) = outcome(&config, req);
        let Outcome::Refused { reason, .. } = o else {
            panic!("{o:?}")
        };
        let text = String::from_utf8(out).unwrap();
        let want = format!(
            "{head}Content-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}\n",
            reason.text().len() + 1,
            reason.text()
        );
        assert_eq!(text, want);
    }
}

#[test]
fn survey_regressions() {
    // Prefix and substring tokens are not the token.
    for conn in [
        "up",
        "upgradex",
        "notupgrade",
        "Upgrade2",
        "keep-alive Upgrade",
    ] {
        assert_eq!(
            reason(&replaced(3, Some(&format!("Connection: {conn}")))),
            Some(Reason::NoConnectionUpgrade),
            "{conn}"
        );
    }
    for up in ["web", "websocketx", "xwebsocket", "web socket"] {
        assert_eq!(
            reason(&replaced(2, Some(&format!("Upgrade: {up}")))),
            Some(Reason::NoUpgradeWebsocket),
            "{up}"
        );
    }
    // Lists, case and OWS pass.
    assert!(accepted(&replaced(
        3,
        Some("Connection: keep-alive, Upgrade")
    )));
    assert!(accepted(&replaced(
        3,
        Some("Connection: keep-alive,,UPGRADE ,")
    )));
    assert!(accepted(&replaced(2, Some("Upgrade: WebSocket"))));
    assert!(accepted(&replaced(2, Some("Upgrade: h2c, websocket"))));
    assert!(accepted(&replaced(
        4,
        Some("Sec-WebSocket-Key: \t dGhlIHNhbXBsZSBub25jZQ== \t")
    )));
    // Connection split over two lines still holds the token.
    let mut lines = BASE.to_vec();
    lines[3] = "Connection: keep-alive";
    lines.push("Connection: upgrade");
    assert!(accepted(&request_lines(&lines)));
    // Duplicates.
    assert_eq!(
        reason(&request_with("Host: example.com\r\n")),
        Some(Reason::HostRepeated)
    );
    assert_eq!(
        reason(&request_with(
            "sec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        )),
        Some(Reason::KeyRepeated)
    );
    assert_eq!(
        reason(&request_with("SEC-WEBSOCKET-VERSION: 13\r\n")),
        Some(Reason::VersionRepeated)
    );
    // obs-text in values passes, NUL does not.
    assert!(accepted(&request_with("X-Name: caf\u{e9} \u{1F600}\r\n")));
    let mut raw = request_with("X-Raw: a\r\n");
    let at = raw.len() - 5;
    for b in 0x80..=0xffu8 {
        raw[at] = b;
        assert!(accepted(&raw), "{b:#x}");
    }
    assert_eq!(
        reason(&request_with("X-A: \0\r\n")),
        Some(Reason::BadHeaderValue)
    );
    assert_eq!(
        reason(&request_with("Transfer-Encoding: chunked\r\n")),
        Some(Reason::TransferEncoding)
    );
}

#[test]
fn bare_lf_and_dead_lines_refused_as_soon_as_read() {
    let config = ServerConfig::new();
    for (prefix, want) in [
        (&b"GET / HTTP/1.1\n"[..], Reason::BareLf),
        (b"GET / HTTP/1.1\r\nHost: a\n", Reason::BareLf),
        (b"GET / HTTP/1.1\r\nHost: a\r\n x", Reason::ObsFold),
        (b"GET / HTTP/1.1\r\nHost :", Reason::SpaceBeforeColon),
        (b"GET / HTTP/1.1\r\nX: \0", Reason::BadHeaderValue),
        (b"POST / HTTP/1.1\r\n", Reason::MethodNotGet),
        (b"GET / HTTP/1.0\r\n", Reason::HttpVersion),
        (b"GET / HTTP/1.1\rX", Reason::BareCr),
    ] {
        let (o, _) = outcome(&config, prefix);
        assert!(
            matches!(o, Outcome::Refused { reason, .. } if reason == want),
            "{:?}: {o:?}",
            String::from_utf8_lossy(prefix)
        );
    }
}

#[test]
fn size_and_count_limits_decided_at_the_limit() {
    let config = ServerConfig::new();
    // A head of exactly 8 KiB passes; one byte more is refused.
    let base = request_with("X-Pad: \r\n").len();
    let exact = request_with(&format!("X-Pad: {}\r\n", "p".repeat(8192 - base)));
    assert_eq!(exact.len(), 8192);
    assert!(accepted(&exact));
    let over = request_with(&format!("X-Pad: {}\r\n", "p".repeat(8193 - base)));
    assert_eq!(reason(&over), Some(Reason::HeadTooLarge));
    // Decided when 8192 bytes are in, without waiting for the rest.
    let (o, _) = outcome(&config, &over[..8192]);
    assert!(matches!(
        o,
        Outcome::Refused {
            reason: Reason::HeadTooLarge,
            ..
        }
    ));
    let (o, _) = outcome(&config, &over[..8191]);
    assert_eq!(o, Outcome::NeedMore);
    // Many tiny headers: 64 lines pass, the 65th is refused at its first byte.
    let tiny = |n: usize| request_with(&"a:\r\n".repeat(n - BASE.len() + 1));
    assert!(accepted(&tiny(64)));
    let many = tiny(65);
    assert_eq!(reason(&many), Some(Reason::TooManyHeaders));
    let first_byte_of_65th = many.len() - 2 - 4 + 1;
    let (o, _) = outcome(&config, &many[..first_byte_of_65th]);
    assert!(matches!(
        o,
        Outcome::Refused {
            reason: Reason::TooManyHeaders,
            ..
        }
    ));
    // The slots lent are a limit too; and a configured smaller one.
    let small = ServerConfig::new().max_headers(6);
    assert!(matches!(
        outcome(&small, &request_with("")).0,
        Outcome::Accepted { .. }
    ));
    assert!(matches!(
        outcome(&small, &request_with("a:\r\na:\r\n")).0,
        Outcome::Refused {
            reason: Reason::TooManyHeaders,
            ..
        }
    ));
    let mut state = ServerHandshake::new(&config);
    let mut three = [HeaderSlot::default(); 3];
    let mut out = [0u8; 512];
    assert!(matches!(
        config.handshake(&mut state, &request_with(""), &mut three, &mut out),
        Ok(Outcome::Refused {
            reason: Reason::TooManyHeaders,
            ..
        })
    ));
}

/// Feeds `buf` one prefix at a time to one state, until the answer is not `NeedMore`.
fn fed_in_steps(config: &ServerConfig, buf: &[u8], steps: &[usize]) -> (Outcome, Vec<u8>) {
    let mut state = ServerHandshake::new(config);
    let mut slots = [HeaderSlot::default(); 64];
    let mut out = vec![0u8; config.max_response_len()];
    for &n in steps.iter().chain([buf.len()].iter()) {
        let o = config
            .handshake(&mut state, &buf[..n], &mut slots, &mut out)
            .unwrap();
        match o {
            Outcome::NeedMore => continue,
            Outcome::Accepted { response_len, .. } | Outcome::Refused { response_len, .. } => {
                return (o, out[..response_len].to_vec())
            }
        }
    }
    (Outcome::NeedMore, Vec::new())
}

#[test]
fn every_split_point_gives_the_whole_answer() {
    let deflate = ServerConfig::new()
        .subprotocols(["chat"])
        .unwrap()
        .deflate(Some(DeflateParams::default()))
        .unwrap();
    let mut inputs: Vec<Vec<u8>> = REAL.iter().map(|(_, r)| r.to_vec()).collect();
    inputs.push(request_with("X-A: b\r\n c\r\n"));
    inputs.push(replaced(0, Some("POST / HTTP/1.1")));
    inputs.push(request_with("Sec-WebSocket-Protocol: x, chat\r\n"));
    for config in [ServerConfig::new(), deflate] {
        for input in &inputs {
            let whole = outcome(&config, input);
            for split in 0..input.len() {
                assert_eq!(
                    fed_in_steps(&config, input, &[split]),
                    whole,
                    "split {split}"
                );
            }
            let every: Vec<usize> = (0..input.len()).collect();
            assert_eq!(fed_in_steps(&config, input, &every), whole, "byte by byte");
        }
    }
}

#[test]
fn bytes_after_the_head_stay_the_callers() {
    let config = ServerConfig::new();
    let head = request_with("");
    let frame = [
        0x81u8,
        0x85,
        1,
        2,
        3,
        4,
        b'h' ^ 1,
        b'e' ^ 2,
        b'l' ^ 3,
        b'l' ^ 4,
        b'o' ^ 1,
    ];
    let mut buf = head.clone();
    buf.extend_from_slice(&frame);
    let (o, _) = outcome(&config, &buf);
    let Outcome::Accepted { request, .. } = o else {
        panic!("{o:?}")
    };
    assert_eq!(&buf[request.head_len..], &frame);
    // A second request pipelined after the first: the first is answered alone, and the rest,
    // given to a fresh state, is a request of its own.
    let second = replaced(4, Some("Sec-WebSocket-Key: AQIDBAUGBwgJCgsMDQ4PEA=="));
    let mut two = head.clone();
    two.extend_from_slice(&second);
    let (o, out) = outcome(&config, &two);
    let Outcome::Accepted { request, .. } = o else {
        panic!("{o:?}")
    };
    assert_eq!(request.head_len, head.len());
    assert!(String::from_utf8_lossy(&out).contains("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    let (o, out) = outcome(&config, &two[request.head_len..]);
    assert!(matches!(o, Outcome::Accepted { request, .. } if request.head_len == second.len()));
    assert!(String::from_utf8_lossy(&out).contains(&oracle_accept(b"AQIDBAUGBwgJCgsMDQ4PEA==")));
}

#[test]
fn real_clients_accepted() {
    let plain = ServerConfig::new();
    let deflate = ServerConfig::new()
        .deflate(Some(DeflateParams::default()))
        .unwrap();
    for (name, req) in REAL {
        for (deflate_on, config) in [(false, &plain), (true, &deflate)] {
            let (o, out) = outcome(config, req);
            let Outcome::Accepted {
                request,
                negotiated,
                ..
            } = o
            else {
                panic!("{name}: {o:?}")
            };
            assert_eq!(request.head_len, req.len(), "{name}");
            let text = String::from_utf8(out).unwrap();
            let key = req
                .split(|&b| b == b'\n')
                .find_map(|l| l.strip_prefix(b"Sec-WebSocket-Key: "))
                .unwrap();
            let want = format!("Sec-WebSocket-Accept: {}\r\n", oracle_accept(&key[..24]));
            assert!(text.contains(&want), "{name}: {text}");
            // Everyone but curl offers permessage-deflate.
            let offers = name != "curl";
            assert_eq!(negotiated.deflate.is_some(), offers && deflate_on, "{name}");
            assert_eq!(
                text.contains("Sec-WebSocket-Extensions: permessage-deflate"),
                negotiated.deflate.is_some(),
                "{name}"
            );
            assert!(!request.host.get(req).is_empty(), "{name}");
        }
    }
    // Chromium offers client_max_window_bits without a value; answered within the limit.
    let limited = ServerConfig::new()
        .deflate(Some(DeflateParams {
            client_max_window_bits: Some(12),
            server_no_context_takeover: true,
            ..DeflateParams::default()
        }))
        .unwrap();
    let (_, out) = outcome(&limited, CHROMIUM);
    assert!(String::from_utf8(out).unwrap().contains(
        "Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover; \
         client_max_window_bits=12\r\n"
    ));
    // Firefox and Safari did not offer client_max_window_bits: it must not be in the answer.
    let (_, out) = outcome(&limited, FIREFOX);
    assert!(String::from_utf8(out)
        .unwrap()
        .contains("Sec-WebSocket-Extensions: permessage-deflate; server_no_context_takeover\r\n"));
}

#[test]
fn subprotocol_and_extension_negotiation() {
    let config = ServerConfig::new()
        .subprotocols(["v2.chat", "chat"])
        .unwrap()
        .deflate(Some(DeflateParams::default()))
        .unwrap();
    let cases: [(&str, Option<&str>, Option<&str>); 7] = [
        ("", None, None),
        ("Sec-WebSocket-Protocol: chat\r\n", Some("chat"), None),
        (
            "Sec-WebSocket-Protocol: chat, v2.chat\r\n",
            Some("v2.chat"),
            None,
        ),
        ("Sec-WebSocket-Protocol: Chat, other\r\n", None, None),
        (
            "Sec-WebSocket-Protocol: other\r\nSec-WebSocket-Protocol: chat\r\n",
            Some("chat"),
            None,
        ),
        (
            "Sec-WebSocket-Extensions: x-foo, permessage-deflate; unknown, \
             permessage-deflate; server_max_window_bits=10\r\n",
            None,
            Some("permessage-deflate; server_max_window_bits=10"),
        ),
        (
            "Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=16\r\n",
            None,
            None,
        ),
    ];
    for (extra, protocol, extension) in cases {
        let (o, out) = outcome(&config, &request_with(extra));
        assert!(matches!(o, Outcome::Accepted { .. }), "{extra}: {o:?}");
        let text = String::from_utf8(out).unwrap();
        match protocol {
            Some(p) => assert!(text.contains(&format!("\r\nSec-WebSocket-Protocol: {p}\r\n"))),
            None => assert!(!text.contains("Sec-WebSocket-Protocol"), "{extra}"),
        }
        match extension {
            Some(e) => assert!(text.contains(&format!("\r\nSec-WebSocket-Extensions: {e}\r\n"))),
            None => assert!(!text.contains("Sec-WebSocket-Extensions"), "{extra}"),
        }
    }
}

#[test]
fn two_step_form() {
    let config = ServerConfig::new();
    let req = request_with(
        "Origin: http://example.com\r\nSec-WebSocket-Protocol: a, b\r\n\
         Sec-WebSocket-Extensions: x-custom; p=1\r\n",
    );
    let mut state = ServerHandshake::new(&config);
    let mut slots = [HeaderSlot::default(); 16];
    let Parsed::Request(request) = state.parse(&config, &req, &mut slots) else {
        panic!("not a request")
    };
    assert_eq!(request.target(), b"/chat");
    assert_eq!(request.host(), b"example.com");
    assert_eq!(request.origin(), Some(&b"http://example.com"[..]));
    assert_eq!(request.subprotocols().collect::<Vec<_>>(), [b"a", b"b"]);
    let offers: Vec<_> = request.extension_offers().collect();
    assert_eq!(offers.len(), 1);
    assert_eq!(offers[0].name, b"x-custom");
    let mut out = [0u8; 512];
    let n = write_accept(&request, Some(b"b"), Some(b"x-custom; p=1"), &mut out).unwrap();
    assert_eq!(
        &out[..n],
        &b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
           Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: b\r\n\
           Sec-WebSocket-Extensions: x-custom; p=1\r\n\r\n"[..]
    );
    // Header injection through either value is refused with nothing written.
    let mut untouched = [7u8; 512];
    for bad in [&b"a\r\nX: y"[..], b"a b", b"", b"a\0", b"a,b"] {
        assert!(matches!(
            write_accept(&request, Some(bad), None, &mut untouched),
            Err(AnswerError::BadSubprotocol { .. })
        ));
    }
    for bad in [&b"x\r\nSet-Cookie: a"[..], b"x\n", b"", b"x\0y"] {
        assert!(matches!(
            write_accept(&request, None, Some(bad), &mut untouched),
            Err(AnswerError::BadExtensions { .. })
        ));
    }
    assert!(untouched.iter().all(|&b| b == 7));
    // A buffer too small: nothing written.
    let mut small = [7u8; 100];
    assert_eq!(
        write_accept(&request, None, None, &mut small),
        Err(AnswerError::BufferTooSmall { needed: 129 })
    );
    assert!(small.iter().all(|&b| b == 7));
    // The server refuses for its own reasons.
    let n = write_refusal(Reason::OriginForbidden, &mut out).unwrap();
    assert!(out[..n].starts_with(b"HTTP/1.1 403 Forbidden\r\n"));
}

#[test]
fn batch_equals_one_by_one() {
    let config = ServerConfig::new().subprotocols(["chat"]).unwrap();
    let mut rng = handshake_rng(7);
    let mut requests: Vec<Vec<u8>> = Vec::new();
    for i in 0..200 {
        let key = random_key(&mut rng);
        let mut r = replaced(4, Some(&format!("Sec-WebSocket-Key: {key}")));
        match i % 5 {
            1 => r = request_with("Sec-WebSocket-Protocol: chat\r\n"),
            2 => r = replaced(3, None),
            3 => r.truncate(r.len() - 3),
            _ => {}
        }
        requests.push(r);
    }
    let mut outs: Vec<Vec<u8>> = vec![vec![0u8; config.max_response_len()]; requests.len()];
    let mut jobs: Vec<HandshakeJob<'_>> = requests
        .iter()
        .zip(outs.iter_mut())
        .map(|(r, o)| HandshakeJob::new(r, o))
        .collect();
    let mut slots = [HeaderSlot::default(); 64];
    config.handshake_batch(&mut jobs, &mut slots);
    for (job, req) in jobs.iter().zip(&requests) {
        let (want, want_out) = outcome(&config, req);
        assert_eq!(job.outcome, Ok(want));
        let len = match want {
            Outcome::Accepted { response_len, .. } | Outcome::Refused { response_len, .. } => {
                response_len
            }
            Outcome::NeedMore => 0,
        };
        assert_eq!(&job.response[..len], &want_out[..]);
    }
    // A response buffer too small is that job's error alone.
    let req = request_with("");
    let mut small = [0u8; 10];
    let mut big = [0u8; 512];
    let mut jobs = [
        HandshakeJob::new(&req, &mut small),
        HandshakeJob::new(&req, &mut big),
    ];
    config.handshake_batch(&mut jobs, &mut slots);
    assert_eq!(
        jobs[0].outcome,
        Err(AnswerError::BufferTooSmall { needed: 129 })
    );
    assert!(matches!(jobs[1].outcome, Ok(Outcome::Accepted { .. })));
}

fn handshake_rng(seed: u64) -> impl FnMut() -> u64 {
    let mut s = seed;
    move || {
        s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = s;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

fn random_key(rng: &mut impl FnMut() -> u64) -> String {
    use base64::Engine as _;
    let mut nonce = [0u8; 16];
    nonce[..8].copy_from_slice(&rng().to_le_bytes());
    nonce[8..].copy_from_slice(&rng().to_le_bytes());
    base64::engine::general_purpose::STANDARD.encode(nonce)
}

#[test]
fn every_byte_value_at_every_position_agrees_with_the_model() {
    let cfg = RefConfig {
        subprotocols: vec![b"chat".to_vec()],
        ..RefConfig::default()
    };
    let config = cfg.library();
    for base in [
        PYTHON,
        &request_with("Sec-WebSocket-Protocol: chat\r\n")[..],
    ] {
        let mut buf = base.to_vec();
        for pos in 0..base.len() {
            for b in 0..=255u8 {
                buf[pos] = b;
                assert_eq!(
                    library(&config, &buf),
                    reference(&cfg, &buf),
                    "byte {b:#04x} at {pos}: {:?}",
                    String::from_utf8_lossy(&buf)
                );
            }
            buf[pos] = base[pos];
        }
    }
}

#[test]
fn model_agrees_on_real_requests_and_their_prefixes() {
    let cfg = RefConfig::default();
    let config = cfg.library();
    for (name, req) in REAL {
        for n in 0..=req.len() {
            assert_eq!(
                library(&config, &req[..n]),
                reference(&cfg, &req[..n]),
                "{name} prefix {n}"
            );
        }
    }
}

/// Pieces that requests are built from: the lines that matter, in valid and broken forms,
/// and the bytes that break lines.
fn line_piece() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![
        &b"Host: example.com\r\n"[..],
        b"Host: b\r\n",
        b"Upgrade: websocket\r\n",
        b"upgrade: WebSocket, h2c\r\n",
        b"Upgrade: web\r\n",
        b"Connection: Upgrade\r\n",
        b"connection: keep-alive, upgrade\r\n",
        b"Connection: up\r\n",
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
        b"Sec-WebSocket-Key:  AQIDBAUGBwgJCgsMDQ4PEA== \r\n",
        b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n",
        b"Sec-WebSocket-Version: 13\r\n",
        b"Sec-WebSocket-Version: 8\r\n",
        b"Sec-WebSocket-Protocol: chat, x\r\n",
        b"Sec-WebSocket-Protocol: v2\r\n",
        b"Origin: http://good\r\n",
        b"Origin: http://evil\r\n",
        b"Content-Length: 0\r\n",
        b"Content-Length: 1\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"X-A: caf\xc3\xa9\r\n",
        b"X-B:\r\n",
        b" folded\r\n",
        b"X-C : v\r\n",
        b"X-D: v\n",
        b"X-E: \x00\r\n",
        b"\r\n",
    ])
    .prop_map(|s| s.to_vec())
}

fn start_line() -> impl Strategy<Value = Vec<u8>> {
    prop::sample::select(vec![
        &b"GET /chat HTTP/1.1\r\n"[..],
        b"GET / HTTP/1.1\r\n",
        b"GET / HTTP/1.2\r\n",
        b"GET / HTTP/1.0\r\n",
        b"POST / HTTP/1.1\r\n",
        b"GET / HTTP/2\r\n",
        b"GET  / HTTP/1.1\r\n",
        b"GET / HTTP/1.1\n",
    ])
    .prop_map(|s| s.to_vec())
}

#[derive(Clone, Debug)]
enum Mutation {
    Set(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(b"\r\n \t:,;=\"\0\x7f\x80\xffaA1".to_vec()),
        1 => any::<u8>(),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Mutation::Set(i, b)),
        (any::<usize>(), interesting_byte()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Delete),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(buf: &mut Vec<u8>, m: &Mutation) {
    if buf.is_empty() {
        return;
    }
    match *m {
        Mutation::Set(i, b) => {
            let i = i % buf.len();
            buf[i] = b;
        }
        Mutation::Insert(i, b) => buf.insert(i % (buf.len() + 1), b),
        Mutation::Delete(i) => {
            buf.remove(i % buf.len());
        }
        Mutation::Truncate(i) => buf.truncate(i % (buf.len() + 1)),
    }
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    /// Requests assembled from valid and broken lines, then mutated: the library and the
    /// model give the same answer, whole and split at a random point.
    #[test]
    fn library_agrees_with_model(
        start in start_line(),
        lines in prop::collection::vec(line_piece(), 0..14),
        mutations in prop::collection::vec(mutation(), 0..4),
        max_headers in 3usize..20,
        max_head in prop_oneof![Just(8192usize), 40usize..300],
        origins in any::<bool>(),
        split in any::<usize>(),
    ) {
        let mut buf = start;
        for l in &lines {
            buf.extend_from_slice(l);
        }
        buf.extend_from_slice(b"\r\n");
        for m in &mutations {
            apply(&mut buf, m);
        }
        let cfg = RefConfig {
            max_head,
            max_headers,
            subprotocols: vec![b"v2".to_vec(), b"chat".to_vec()],
            origins: origins.then(|| vec![b"http://good".to_vec()]),
        };
        let config = cfg.library();
        let want = reference(&cfg, &buf);
        prop_assert_eq!(&library(&config, &buf), &want);
        let split = split % (buf.len() + 1);
        let (o, out) = fed_in_steps(&config, &buf, &[split]);
        prop_assert_eq!(handshake_common::from_outcome(o, &out), want);
    }

    /// Arbitrary bytes never panic, and agree with the model.
    #[test]
    fn arbitrary_bytes(buf in prop::collection::vec(any::<u8>(), 0..200)) {
        let cfg = RefConfig::default();
        prop_assert_eq!(library(&cfg.library(), &buf), reference(&cfg, &buf));
    }

    /// Extension lists of any shape parse in one pass without panicking, and every valid
    /// permessage-deflate offer the parser finds is one the rules accept.
    #[test]
    fn extension_lists(value in prop::collection::vec(
        prop::sample::select(b"permessage-deflate ;,=\"\\ \tclient_max_window_bits15x".to_vec()), 0..120)) {
        for offer in extension_offers(&value) {
            if let Some(p) = DeflateParams::from_offer(&offer) {
                let mut out = [0u8; DEFLATE_RESPONSE_MAX];
                let n = DeflateParams::answer(&p, &DeflateParams::default()).write(&mut out);
                prop_assert!(out[..n].starts_with(PERMESSAGE_DEFLATE));
            }
        }
    }
}

#[test]
fn hostile_lists_are_linear() {
    // 1 MiB of list syntax that would make a backtracking reader blow up: one pass here.
    let value: Vec<u8> = b"a;b=\"".iter().cycle().take(1 << 20).copied().collect();
    let start = std::time::Instant::now();
    assert!(extension_offers(&value).count() <= 1);
    let commas = vec![b','; 1 << 20];
    assert!(!has_token(&commas, b"upgrade"));
    assert!(start.elapsed() < std::time::Duration::from_secs(2));
}

#[test]
fn one_byte_at_a_time_is_linear() {
    // An 8 KiB head fed one byte per call: each call looks only at the new byte.
    let config = ServerConfig::new().max_head(1 << 20);
    let base = request_with("X-Pad: \r\n").len();
    let big = request_with(&format!("X-Pad: {}\r\n", "p".repeat(200_000 - base)));
    let start = std::time::Instant::now();
    let every: Vec<usize> = (0..big.len()).collect();
    let (o, _) = fed_in_steps(&config, &big, &every);
    assert!(matches!(o, Outcome::Accepted { .. }));
    // Quadratic re-scanning would be ~2e10 byte visits; linear is 2e5.
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

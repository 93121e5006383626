//! The server's whole opening handshake against the anchor the issue names, in one run.
//!
//! Anchor: httparse with 32 header slots, the RFC 6455 §4.2.1 checks written over its headers
//! (counting duplicates, whole tokens, the key decoded), tungstenite's `derive_accept_key`,
//! and the 101 formatted into a `Vec` (what a tungstenite-style server does per request).
//! Against it: `ServerConfig::handshake` (one call), `handshake_batch` over 16 heads, and the
//! pieces (httparse alone, our head scanner alone) that decided httparse against our own
//! scanner. `cargo bench --bench handshake`; filters: `-- one`, `-- batch_16`, `-- scan`,
//! `-- byte_at_a_time`. Thread CPU time, as benches/accept.rs.

use std::hint::black_box;
use std::io::Write as _;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

#[path = "support/cpu_time.rs"]
mod cpu_time;
use cpu_time::ThreadCpuTime;
use wsaccept::{HandshakeJob, HeadScanner, HeaderSlot, Outcome, ServerConfig, ServerHandshake};

const CHROMIUM: &[u8] = include_bytes!("../tests/handshake_requests/chromium.http");
const FIREFOX: &[u8] = include_bytes!("../tests/handshake_requests/firefox.http");
const PYTHON: &[u8] = include_bytes!("../tests/handshake_requests/python_websockets.http");

const REQUESTS: [(&str, &[u8]); 3] = [
    ("chromium_557", CHROMIUM),
    ("firefox_544", FIREFOX),
    ("python_websockets_269", PYTHON),
];

fn has_token(value: &[u8], token: &[u8]) -> bool {
    value
        .split(|&b| b == b',')
        .any(|e| wsaccept::trim_ows(e).eq_ignore_ascii_case(token))
}

/// The anchor: httparse, the checks, tungstenite's accept, the 101 in a `Vec`.
fn anchor(buf: &[u8]) -> Result<(usize, Vec<u8>), u16> {
    use base64::Engine as _;
    let mut headers = [httparse::EMPTY_HEADER; 32];
    let mut req = httparse::Request::new(&mut headers);
    let len = match req.parse(buf) {
        Ok(httparse::Status::Complete(len)) => len,
        Ok(httparse::Status::Partial) => return Err(0),
        Err(_) => return Err(400),
    };
    if req.method != Some("GET") {
        return Err(405);
    }
    if req.version != Some(1) {
        return Err(505);
    }
    let (mut host, mut version, mut origin) = (0, 0, 0);
    let (mut upgrade, mut connection) = (false, false);
    let mut key: Option<&[u8]> = None;
    let mut keys = 0;
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        if name.eq_ignore_ascii_case(b"host") {
            host += 1;
        } else if name.eq_ignore_ascii_case(b"upgrade") {
            upgrade |= has_token(h.value, b"websocket");
        } else if name.eq_ignore_ascii_case(b"connection") {
            connection |= has_token(h.value, b"upgrade");
        } else if name.eq_ignore_ascii_case(b"sec-websocket-version") {
            version += if wsaccept::trim_ows(h.value) == b"13" {
                1
            } else {
                100
            };
        } else if name.eq_ignore_ascii_case(b"sec-websocket-key") {
            keys += 1;
            key = Some(wsaccept::trim_ows(h.value));
        } else if name.eq_ignore_ascii_case(b"transfer-encoding")
            || (name.eq_ignore_ascii_case(b"content-length") && h.value != b"0")
        {
            return Err(400);
        } else if name.eq_ignore_ascii_case(b"origin") {
            origin += 1;
        }
    }
    if host != 1 || origin > 1 {
        return Err(400);
    }
    if !upgrade || !connection || version != 1 {
        return Err(426);
    }
    let key = match key {
        Some(k) if keys == 1 && k.len() == 24 => k,
        _ => return Err(400),
    };
    match base64::engine::general_purpose::STANDARD.decode(key) {
        Ok(d) if d.len() == 16 => {}
        _ => return Err(400),
    }
    let accept = tungstenite::handshake::derive_accept_key(key);
    let mut out = Vec::with_capacity(160);
    write!(
        out,
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {accept}\r\n\r\n"
    )
    .unwrap();
    Ok((len, out))
}

fn ours(config: &ServerConfig, buf: &[u8], slots: &mut [HeaderSlot], out: &mut [u8]) -> usize {
    let mut state = ServerHandshake::new(config);
    match config.handshake(&mut state, buf, slots, out) {
        Ok(Outcome::Accepted { response_len, .. }) => response_len,
        other => panic!("{other:?}"),
    }
}

fn one(c: &mut Criterion<ThreadCpuTime>) {
    let config = ServerConfig::new();
    let mut slots = [HeaderSlot::default(); 32];
    let mut out = [0u8; 512];
    // Both sides answer the same 101.
    for (_, req) in REQUESTS {
        let (len, want) = anchor(req).unwrap();
        assert_eq!(len, req.len());
        let n = ours(&config, req, &mut slots, &mut out);
        assert_eq!(&out[..n], &want[..]);
    }
    let mut g = c.benchmark_group("one");
    g.throughput(Throughput::Elements(1));
    for (name, req) in REQUESTS {
        g.bench_function(format!("anchor/{name}"), |b| {
            b.iter(|| black_box(anchor(black_box(req)).unwrap()))
        });
        g.bench_function(format!("wsaccept/{name}"), |b| {
            b.iter(|| ours(&config, black_box(req), &mut slots, &mut out))
        });
    }
    g.finish();
}

fn scan(c: &mut Criterion<ThreadCpuTime>) {
    let mut g = c.benchmark_group("scan");
    g.throughput(Throughput::Elements(1));
    for (name, req) in REQUESTS {
        g.bench_function(format!("httparse_32/{name}"), |b| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; 32];
                let mut r = httparse::Request::new(&mut headers);
                black_box(r.parse(black_box(req)).unwrap());
            })
        });
        g.bench_function(format!("head_scanner_32/{name}"), |b| {
            let mut slots = [HeaderSlot::default(); 32];
            b.iter(|| {
                let mut s = HeadScanner::request(8192);
                black_box(s.scan(black_box(req), &mut slots).unwrap());
            })
        });
    }
    g.finish();
}

fn batch_16(c: &mut Criterion<ThreadCpuTime>) {
    let config = ServerConfig::new();
    let mut slots = [HeaderSlot::default(); 32];
    // 16 Chromium requests with different keys.
    let mut gen = wsaccept::KeyGen::from_seed(7);
    let requests: Vec<Vec<u8>> = (0..16)
        .map(|_| {
            let key = gen.next_key();
            let text = std::str::from_utf8(CHROMIUM)
                .unwrap()
                .replace("dGhlIHNhbXBsZSBub25jZQ==", key.as_str());
            text.into_bytes()
        })
        .collect();
    let mut outs = vec![[0u8; 512]; 16];
    let mut g = c.benchmark_group("batch_16");
    g.throughput(Throughput::Elements(16));
    g.bench_function("anchor/chromium_557", |b| {
        b.iter(|| {
            for r in &requests {
                black_box(anchor(black_box(r)).unwrap());
            }
        })
    });
    g.bench_function("wsaccept_one_by_one/chromium_557", |b| {
        b.iter(|| {
            for (r, out) in requests.iter().zip(outs.iter_mut()) {
                black_box(ours(&config, black_box(r), &mut slots, out));
            }
        })
    });
    g.bench_function("wsaccept_batch/chromium_557", |b| {
        b.iter(|| {
            let mut it = outs.iter_mut();
            let mut jobs: [HandshakeJob<'_>; 16] = core::array::from_fn(|i| {
                HandshakeJob::new(black_box(&requests[i]), it.next().unwrap())
            });
            config.handshake_batch(&mut jobs, &mut slots);
            black_box(&jobs);
        })
    });
    g.finish();
}

fn byte_at_a_time(c: &mut Criterion<ThreadCpuTime>) {
    // An 8 KiB head: Chromium's plus padding headers of ordinary length.
    let mut head = CHROMIUM[..CHROMIUM.len() - 2].to_vec();
    let mut i = 0;
    let line_len = "X-Padding-000: \r\n".len() + 40;
    while head.len() + line_len + "X-Last: w\r\n\r\n".len() <= 8192 {
        head.extend_from_slice(format!("X-Padding-{i:03}: {}\r\n", "v".repeat(40)).as_bytes());
        i += 1;
    }
    let pad = 8192 - 2 - head.len() - "X-Last: \r\n".len();
    head.extend_from_slice(format!("X-Last: {}\r\n\r\n", "w".repeat(pad)).as_bytes());
    assert_eq!(head.len(), 8192);
    let config = ServerConfig::new();
    let mut slots = [HeaderSlot::default(); 256];
    let mut out = [0u8; 512];
    let config = config.max_headers(256);
    let mut g = c.benchmark_group("byte_at_a_time");
    g.throughput(Throughput::Bytes(head.len() as u64));
    g.bench_function("one_call/8192", |b| {
        b.iter(|| ours(&config, black_box(&head), &mut slots, &mut out))
    });
    g.bench_function("byte_by_byte/8192", |b| {
        b.iter(|| {
            let mut state = ServerHandshake::new(&config);
            for end in 1..=head.len() {
                let o = config
                    .handshake(&mut state, black_box(&head[..end]), &mut slots, &mut out)
                    .unwrap();
                if o != Outcome::NeedMore {
                    return black_box(o);
                }
            }
            unreachable!()
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpuTime);
    targets = one, scan, batch_16, byte_at_a_time
}
criterion_main!(benches);

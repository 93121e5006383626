//! The server handshake allocates nothing per call: one call, the two-step form, a head fed
//! one byte at a time, refusals and the batch form, counted by a counting global allocator
//! (tests/common/counting_alloc.rs, alone in this test binary; counts are per thread).

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::allocations;

use wsaccept::*;

const CHROMIUM: &[u8] = include_bytes!("handshake_requests/chromium.http");
const FIREFOX: &[u8] = include_bytes!("handshake_requests/firefox.http");
const REFUSED: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\n\r\n";

fn config() -> ServerConfig {
    ServerConfig::new()
        .subprotocols(["chat", "superchat"])
        .unwrap()
        .allowed_origins([
            "http://websocket-echo.example.com:8000",
            "http://example.com:8000",
        ])
        .deflate(Some(DeflateParams {
            client_max_window_bits: Some(12),
            ..DeflateParams::default()
        }))
        .unwrap()
}

/// Makes the once-initialised choices (the batch backend and the single-key column) before
/// anything is counted: the first use reads `WSACCEPT_BACKEND`, which allocates when it is set.
fn warm_up() {
    let _ = wsaccept::backend();
    let _ = wsaccept::accept("dGhlIHNhbXBsZSBub25jZQ==");
}

#[test]
fn one_call_two_step_and_refusals_do_not_allocate() {
    warm_up();
    let config = config();
    let mut slots = [HeaderSlot::default(); 64];
    let mut out = [0u8; 1024];
    for req in [CHROMIUM, FIREFOX, REFUSED] {
        let n = allocations(|| {
            let mut state = ServerHandshake::new(&config);
            let o = config
                .handshake(&mut state, req, &mut slots, &mut out)
                .unwrap();
            assert!(!matches!(o, Outcome::NeedMore));
        });
        assert_eq!(n, 0);
        let n = allocations(|| {
            let mut state = ServerHandshake::new(&config);
            if let Parsed::Request(r) = state.parse(&config, req, &mut slots) {
                let _ = r.subprotocols().count() + r.extension_offers().count();
                let negotiated = config.negotiate(&r);
                assert!(negotiated.deflate.is_some());
                write_accept(&r, Some(b"chat"), Some(b"permessage-deflate"), &mut out).unwrap();
            }
        });
        assert_eq!(n, 0);
    }
}

#[test]
fn byte_at_a_time_does_not_allocate() {
    warm_up();
    let config = config();
    let mut slots = [HeaderSlot::default(); 64];
    let mut out = [0u8; 1024];
    let n = allocations(|| {
        let mut state = ServerHandshake::new(&config);
        for end in 1..=CHROMIUM.len() {
            let o = config
                .handshake(&mut state, &CHROMIUM[..end], &mut slots, &mut out)
                .unwrap();
            assert_eq!(matches!(o, Outcome::NeedMore), end < CHROMIUM.len());
        }
    });
    assert_eq!(n, 0);
}

#[test]
fn batch_does_not_allocate() {
    warm_up();
    let config = config();
    let mut slots = [HeaderSlot::default(); 64];
    let mut outs = [[0u8; 512]; 100];
    let n = allocations(|| {
        let mut it = outs.iter_mut();
        let mut jobs: [HandshakeJob<'_>; 100] = core::array::from_fn(|i| {
            let req = if i % 3 == 2 { REFUSED } else { CHROMIUM };
            HandshakeJob::new(req, it.next().unwrap())
        });
        config.handshake_batch(&mut jobs, &mut slots);
        assert!(jobs
            .iter()
            .all(|j| !matches!(j.outcome, Ok(Outcome::NeedMore))));
    });
    assert_eq!(n, 0);
}

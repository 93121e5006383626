//! The server handshake allocates nothing per call: one call, the two-step form, a head fed
//! one byte at a time, refusals and the batch form, counted by a counting global allocator
//! (alone in this test binary, as in tests/resources.rs; counts are per thread).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use wsaccept::*;

struct Counting;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged; counting
// touches only a const-initialised thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: forwarded as received; the caller upholds `GlobalAlloc::alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator with `layout`.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

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

#[test]
fn one_call_two_step_and_refusals_do_not_allocate() {
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

//! The checks of the `handshake_server` fuzz target, shared with the corpus replay test
//! (tests/handshake_fuzz_corpus.rs): arbitrary bytes as the bytes a server read, answered by
//! the library whole, split in two and byte by byte, and in a batch, always as the independent
//! model of tests/handshake_common answers them.
#![allow(dead_code)]

#[path = "../tests/handshake_common/mod.rs"]
mod handshake_common;

use handshake_common::{from_outcome, library, reference, RefConfig};
use wsaccept::{HandshakeJob, HeaderSlot, Outcome, ServerHandshake};

/// Input layout: byte 0 picks the configuration (bit 0: small limits, bit 1: subprotocols,
/// bit 2: allowed origins), byte 1 the split point (a fraction of the length); the rest is
/// the request.
pub fn handshake_server(data: &[u8]) {
    let [flags, split, request @ ..] = data else {
        return;
    };
    let cfg = RefConfig {
        max_head: if flags & 1 != 0 { 200 } else { 8192 },
        max_headers: if flags & 1 != 0 { 6 } else { 64 },
        subprotocols: if flags & 2 != 0 {
            vec![b"chat".to_vec(), b"v2".to_vec()]
        } else {
            Vec::new()
        },
        origins: (flags & 4 != 0).then(|| vec![b"http://good".to_vec()]),
    };
    let config = cfg.library();
    let want = reference(&cfg, request);
    assert_eq!(library(&config, request), want, "whole");

    let mut slots = vec![HeaderSlot::default(); 64];
    let mut out = vec![0u8; config.max_response_len()];
    let at = request.len() * usize::from(*split) / 255;
    let steps: Vec<usize> = if request.len() <= 600 {
        (0..=request.len()).collect()
    } else {
        vec![at, request.len()]
    };
    for steps in [vec![at, request.len()], steps] {
        let mut state = ServerHandshake::new(&config);
        let mut got = Outcome::NeedMore;
        for n in steps {
            got = config
                .handshake(&mut state, &request[..n], &mut slots, &mut out)
                .expect("buffer of max_response_len");
            if got != Outcome::NeedMore {
                break;
            }
        }
        assert_eq!(from_outcome(got, &out), want, "split");
    }

    let mut outs = [vec![0u8; config.max_response_len()], vec![0u8; 600]];
    let [a, b] = &mut outs;
    let mut jobs = [HandshakeJob::new(request, a), HandshakeJob::new(request, b)];
    config.handshake_batch(&mut jobs, &mut slots);
    for job in &jobs {
        let got = job.outcome.expect("buffers are large enough");
        assert_eq!(from_outcome(got, job.response), want, "batch");
    }
}

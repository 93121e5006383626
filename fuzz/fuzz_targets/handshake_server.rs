//! Fuzz target `handshake_server`: the checks in `fuzz/handshake_checks.rs`, which
//! `tests/handshake_fuzz_corpus.rs` also replays over the committed corpus.
#![no_main]

#[path = "../handshake_checks.rs"]
mod handshake_checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| handshake_checks::handshake_server(data));

//! Fuzz target `response`: the checks in `fuzz/checks.rs` (`checks::response`), which
//! `tests/fuzz_corpus.rs` also replays over the committed corpus.
#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::response(data));

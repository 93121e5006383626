//! Replays every committed fuzz corpus file (`fuzz/corpus/<target>/*`) through the same checks
//! the fuzz targets run (`fuzz/checks.rs`), on the stable toolchain, so everything the fuzzers
//! found and every seed stays a regression test under plain `cargo test` (and under miri).

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::PathBuf;

fn replay(target: &str, check: fn(&[u8])) {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fuzz/corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no corpus files in {}", dir.display());
    for file in &files {
        let data = std::fs::read(file).expect("read corpus file");
        let outcome = std::panic::catch_unwind(|| check(&data));
        assert!(outcome.is_ok(), "corpus file {} fails", file.display());
    }
    eprintln!("{target}: {} corpus files replayed", files.len());
}

#[test]
fn key_parse_corpus() {
    replay("key_parse", checks::key_parse);
}

#[test]
fn backends_corpus() {
    replay("backends", checks::backends);
}

#[test]
fn ffi_corpus() {
    replay("ffi", checks::ffi);
}

#[test]
fn response_corpus() {
    replay("response", checks::response);
}

//! Replays the committed `fuzz/corpus/handshake_server/*` files through the fuzz target's
//! checks (`fuzz/handshake_checks.rs`) under plain `cargo test` (and miri), so every seed and
//! every finding stays a regression test.

#[path = "../fuzz/handshake_checks.rs"]
mod handshake_checks;

#[test]
fn handshake_server_corpus() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/handshake_server");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("corpus entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "seed corpus missing in {}",
        dir.display()
    );
    for file in &files {
        let data = std::fs::read(file).expect("read corpus file");
        let outcome = std::panic::catch_unwind(|| handshake_checks::handshake_server(&data));
        assert!(outcome.is_ok(), "corpus file {} fails", file.display());
    }
}

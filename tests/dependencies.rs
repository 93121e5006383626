//! A crate that depends on wsaccept builds the library and what it needs, nothing more: no
//! CLI crates (clap, indicatif, console), no base64 (the CLI's), no criterion, and no cbindgen
//! or its serde/syn/toml (the build script's header generation is the `capi` feature's, which
//! a Rust user does not turn on). Checked on the dependency tree cargo resolves for the library
//! alone.

use std::process::Command;

/// The packages in `cargo tree -e normal,build -p wsaccept` with `features` (one name per line).
fn library_tree(features: &[&str]) -> Vec<String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["tree", "--quiet", "-e", "normal,build", "-p", "wsaccept"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(features)
        .output()
        .expect("run cargo tree");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .expect("cargo tree prints UTF-8")
        .lines()
        .filter_map(|line| line.split_whitespace().next().map(str::to_owned))
        .collect()
}

const NOT_IN_A_LIBRARY_BUILD: &[&str] = &[
    "clap",
    "indicatif",
    "console",
    "base64",
    "cbindgen",
    "serde",
    "syn",
    "toml",
    "criterion",
    "proptest",
    "tungstenite",
    "wsaccept-cli",
    "wsaccept-capi",
];

#[test]
fn default_features_bring_only_the_library() {
    let tree = library_tree(&[]);
    assert_eq!(
        tree.first().map(String::as_str),
        Some("wsaccept"),
        "{tree:?}"
    );
    for name in NOT_IN_A_LIBRARY_BUILD {
        assert!(
            !tree.iter().any(|p| p == name),
            "{name} in the library's tree: {tree:?}"
        );
    }
    // What it does need: the SHA-1 compression, base64-simd, the thread pool, randomness.
    for name in ["sha1", "base64-simd", "rayon", "getrandom", "rand_chacha"] {
        assert!(tree.iter().any(|p| p == name), "{name} missing: {tree:?}");
    }
}

#[test]
fn without_default_features_no_thread_pool() {
    let tree = library_tree(&["--no-default-features"]);
    for name in NOT_IN_A_LIBRARY_BUILD
        .iter()
        .chain(&["rayon", "rayon-core"])
    {
        assert!(
            !tree.iter().any(|p| p == name),
            "{name} in the tree: {tree:?}"
        );
    }
}

/// cbindgen is there for the C ABI only, pinned: the `capi` feature brings exactly 0.27.0.
#[test]
fn the_c_abi_feature_brings_the_pinned_cbindgen() {
    let tree = library_tree(&["--features", "capi"]);
    assert!(tree.iter().any(|p| p == "cbindgen"), "{tree:?}");
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "tree",
            "--quiet",
            "-e",
            "build",
            "-p",
            "wsaccept",
            "--features",
            "capi",
        ])
        .args(["--prefix", "none", "-i", "cbindgen"])
        .output()
        .expect("run cargo tree");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.starts_with("cbindgen v0.27.0"), "{text}");
}

//! `accept` and `verify` over a mixed file (valid keys, keys with OWS, short, long and overlong
//! lines, binary bytes, CRLF, TABs in odd places, no final newline), compared line by line
//! with an independent oracle: at the default block size (bare keys through the batch, the
//! rest through the per-line path), at every block size from 1 byte (every line falls across
//! blocks and most through the long-line path) to past the longest short line, with lines
//! shifted through every offset of a block, and with one and several threads.
//!
//! The block size is the hidden `WSACCEPT_BLOCK_SIZE` test hook.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use base64::Engine as _;
use common::{oracle, Rng};

fn wsaccept(args: &[&str], block: Option<usize>, stdin: &[u8]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsaccept"));
    cmd.args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(block) = block {
        cmd.env("WSACCEPT_BLOCK_SIZE", block.to_string());
    }
    let mut child = cmd.spawn().expect("run wsaccept");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn trim_ows(mut b: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = b {
        b = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = b {
        b = rest;
    }
    b
}

/// The input's lines as the CLI promises to see them: split at `\n` (a last line without one
/// counts), one final `\r` dropped.
fn lines(input: &[u8]) -> Vec<&[u8]> {
    let body = input.strip_suffix(b"\n").unwrap_or(input);
    if input.is_empty() {
        return vec![];
    }
    body.split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .collect()
}

/// The oracle's verdict on a key: its accept, or `None` if refused. Strict: the trimmed bytes
/// are the `base64` crate's canonical encoding of 16 bytes. Lenient: 1 to 256 trimmed bytes.
fn expected_accept(raw: &[u8], lenient: bool) -> Option<String> {
    let key = trim_ows(raw);
    let ok = if lenient {
        (1..=256).contains(&key.len())
    } else {
        key.len() == 24
            && base64::engine::general_purpose::STANDARD
                .decode(key)
                .is_ok_and(|d| d.len() == 16)
    };
    ok.then(|| oracle(key))
}

/// The mixed file: every kind of line, shuffled, with no final newline.
fn mixed_input(seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut lines: Vec<Vec<u8>> = vec![];
    for _ in 0..40 {
        lines.push(rng.valid_key().to_vec());
    }
    for _ in 0..6 {
        lines.push(rng.invalid_key().0.to_vec());
    }
    let key = rng.valid_key();
    let ows = |pre: &[u8], post: &[u8]| [pre, &key[..], post].concat();
    lines.extend([
        ows(b" ", b""),
        ows(b"", b"\t"),
        ows(b" \t ", b"\t \t"),
        ows(b"", b"\r"),
        ows(b"  ", b" \r"),
        ows(b"", b"\r\r"),
        ows(&[b' '; 300], &[b'\t'; 300]),
        ows(b"", &[&[b' '; 233][..], b"x"].concat()),
        ows(&[b' '; 1000], b"x"),
        b"".to_vec(),
        b"\r".to_vec(),
        b" \t ".to_vec(),
        b"abc".to_vec(),
        key[..23].to_vec(),
        [&key[..], b"A"].concat(),
        vec![b'k'; 100],
        vec![b'k'; 256],
        vec![b'k'; 257],
        vec![b'k'; 258],
        [&b"a"[..], &[b' '; 256], b"b"].concat(),
        vec![b'z'; 5000],
        [&key[..12], b"\t", &key[13..]].concat(),
        [&key[..12], b"\0", &key[13..]].concat(),
    ]);
    for _ in 0..8 {
        // Binary: any byte but the newline, any length up to 60.
        let len = rng.below(60);
        lines.push(
            (0..len)
                .map(|_| match rng.below(256) as u8 {
                    b'\n' => 0xff,
                    b => b,
                })
                .collect(),
        );
    }
    // Shuffle (Fisher-Yates) so kinds meet at block boundaries in every order.
    for i in (1..lines.len()).rev() {
        lines.swap(i, rng.below(i + 1));
    }
    let mut input = lines.join(&b'\n');
    input.extend_from_slice(&key); // the last line: a valid key, no newline
    input
}

/// Checks `accept`'s output for `input` line by line against the oracle: each line's accept
/// or an empty line, and exactly the refused lines reported, in order.
fn check_accept(input: &[u8], args: &[&str], block: Option<usize>) {
    let lenient = args.contains(&"--lenient");
    let out = wsaccept(args, block, input);
    let what = format!("{args:?}, block {block:?}");
    let want: Vec<Option<String>> = lines(input)
        .iter()
        .map(|l| expected_accept(l, lenient))
        .collect();
    let got: Vec<&str> = std::str::from_utf8(&out.stdout)
        .unwrap()
        .split_terminator('\n')
        .collect();
    assert_eq!(got.len(), want.len(), "{what}");
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        assert_eq!(*g, w.as_deref().unwrap_or(""), "{what}: line {}", i + 1);
    }
    let bad: Vec<usize> = (1..=want.len())
        .filter(|&i| want[i - 1].is_none())
        .collect();
    let reported: Vec<usize> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| {
            l.strip_prefix("line ")
                .and_then(|l| l.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{what}: unexpected stderr line {l:?}"))
        })
        .collect();
    assert_eq!(reported, bad, "{what}");
    let code = if bad.is_empty() { 0 } else { 1 };
    assert_eq!(out.status.code(), Some(code), "{what}");
}

/// The whole stdout and stderr of a run, to compare runs with each other.
fn outputs(args: &[&str], block: Option<usize>, input: &[u8]) -> (Vec<u8>, Vec<u8>, Option<i32>) {
    let out = wsaccept(args, block, input);
    (out.stdout, out.stderr, out.status.code())
}

#[test]
fn mixed_file_matches_the_oracle_on_every_path() {
    let input = mixed_input(1);
    for args in [
        &["accept", "--threads", "1"][..],
        &["accept", "--threads", "3"],
        &["accept", "--lenient", "--threads", "1"],
        &["accept", "--lenient", "--threads", "0"],
    ] {
        check_accept(&input, args, None);
        // Every block size up to past the longest kept line: lines fall across blocks at every
        // offset, and lines longer than a block take the long-line path.
        let reference = outputs(args, None, &input);
        for block in (1..=60).chain([100, 255, 256, 257, 258, 259, 260, 300, 1000, 5001]) {
            assert!(
                outputs(args, Some(block), &input) == reference,
                "{args:?}: block {block} differs from the default block size"
            );
        }
        check_accept(&input, args, Some(7));
    }
}

/// Every line at every offset of a block: the input shifted by 0..block bytes of a leading
/// line, at a block size a little larger than a KEY<TAB>ACCEPT line.
#[test]
fn every_offset_around_the_block_size() {
    let input = mixed_input(2);
    let block = 61;
    for shift in 0..=block {
        let shifted = [&vec![b'k'; shift][..], b"\n", &input].concat();
        check_accept(
            &shifted,
            &["accept", "--lenient", "--threads", "2"],
            Some(block),
        );
        check_accept(&shifted, &["accept", "--threads", "1"], Some(block));
    }
}

/// The oracle's judgement of one verify line: `Ok(true)` matched, `Ok(false)` mismatched,
/// `Err(())` invalid.
fn expected_verdict(line: &[u8], lenient: bool) -> Result<bool, ()> {
    if trim_ows(line).len() > 257 {
        return Err(());
    }
    let tab = line.iter().position(|&b| b == b'\t').ok_or(())?;
    let key = trim_ows(&line[..tab]);
    let received = trim_ows(&line[tab + 1..]);
    if key.is_empty() {
        return Err(());
    }
    let accept = expected_accept(key, lenient).ok_or(())?;
    if received.is_empty() {
        return Err(());
    }
    Ok(received == accept.as_bytes())
}

fn check_verify(input: &[u8], args: &[&str], block: Option<usize>) {
    let lenient = args.contains(&"--lenient");
    let out = wsaccept(args, block, input);
    let what = format!("{args:?}, block {block:?}");
    let verdicts: Vec<Result<bool, ()>> = lines(input)
        .iter()
        .map(|l| expected_verdict(l, lenient))
        .collect();
    let count = |v: Result<bool, ()>| verdicts.iter().filter(|&&x| x == v).count();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        format!(
            "{} lines: {} matched, {} mismatched, {} invalid\n",
            verdicts.len(),
            count(Ok(true)),
            count(Ok(false)),
            count(Err(()))
        ),
        "{what}"
    );
    let failed: Vec<(usize, bool)> = verdicts
        .iter()
        .enumerate()
        .filter(|(_, v)| **v != Ok(true))
        .map(|(i, v)| (i + 1, v.is_ok()))
        .collect();
    let reported: Vec<(usize, bool)> = String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(|l| {
            let (n, reason) = l
                .strip_prefix("line ")
                .and_then(|l| l.split_once(": "))
                .unwrap_or_else(|| panic!("{what}: unexpected stderr line {l:?}"));
            (n.parse().unwrap(), reason.starts_with("mismatch"))
        })
        .collect();
    assert_eq!(reported, failed, "{what}");
}

/// The mixed file as KEY<TAB>ACCEPT lines: right and wrong accepts, OWS and CRLF, TABs at the
/// ends and inside the key, empty parts, overlong lines.
fn mixed_pairs(seed: u64) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut lines: Vec<Vec<u8>> = vec![];
    let keys = mixed_input(seed);
    for key in lines_owned(&keys) {
        let acc = expected_accept(&key, false).unwrap_or_else(|| oracle(trim_ows(&key)));
        let pair = |sep: &[u8], acc: &[u8]| [&key[..], sep, acc].concat();
        lines.push(match rng.below(8) {
            0 => pair(b"\t", acc.as_bytes()),
            1 => pair(b" \t ", &[acc.as_bytes(), b" \r"].concat()),
            2 => pair(b"\t", &acc.as_bytes()[..27]),
            3 => pair(b"\t", oracle(b"other").as_bytes()),
            4 => pair(b"\t", b""),
            5 => [b"\t", acc.as_bytes()].concat(),
            6 => pair(b"\t", &[acc.as_bytes(), b"\t"].concat()),
            _ => pair(b"\t", &[acc.as_bytes(), b"x"].concat()),
        });
    }
    let mut input = lines.join(&b'\n');
    input.extend_from_slice(b"\n\t\n");
    input.extend_from_slice(&[b' '; 3000]);
    input.extend_from_slice(b"\tx");
    input
}

fn lines_owned(input: &[u8]) -> Vec<Vec<u8>> {
    lines(input).into_iter().map(<[u8]>::to_vec).collect()
}

#[test]
fn verify_mixed_file_matches_the_oracle_on_every_path() {
    let input = mixed_pairs(3);
    for args in [
        &["verify", "--threads", "1"][..],
        &["verify", "--threads", "2"],
        &["verify", "--lenient", "--threads", "1"],
    ] {
        check_verify(&input, args, None);
        let reference = outputs(args, None, &input);
        for block in (1..=80).chain([256, 257, 258, 259, 300, 3001, 3003, 4096]) {
            assert!(
                outputs(args, Some(block), &input) == reference,
                "{args:?}: block {block} differs from the default block size"
            );
        }
    }
}

/// Many blocks with several threads: output order and line numbers survive the reordering.
#[test]
fn many_small_blocks_across_threads_keep_order() {
    let input = mixed_input(4).repeat(30);
    for threads in ["1", "2", "4"] {
        check_accept(&input, &["accept", "--threads", threads], Some(97));
    }
}

/// Lines of exactly a key's length (25 bytes with the newline) that are not all valid bare
/// keys: strict `accept` first takes such a block as 25-byte key lines, and must redo it line
/// by line whenever that reading is wrong (a newline, CR, OWS or other byte inside).
fn key_sized_impostors(seed: u64, count: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut input = vec![];
    for i in 0..count {
        let key = rng.valid_key();
        let line: Vec<u8> = match (i % 97, rng.below(7)) {
            (0, 0) => rng.invalid_key().0.to_vec(),
            (0, 1) => [&key[..10], b"\n", &key[..13]].concat(),
            (0, 2) => [&key[..23], b"\r"].concat(),
            (0, 3) => [b" ", &key[1..]].concat(),
            (0, 4) => [&key[..23], b"\t"].concat(),
            (0, 5) => vec![b'\n'; 24],
            _ => key.to_vec(),
        };
        assert_eq!(line.len(), 24);
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    input
}

#[test]
fn key_sized_lines_that_are_not_keys_are_found() {
    let input = key_sized_impostors(5, 20_000);
    for args in [
        &["accept", "--threads", "1"][..],
        &["accept", "--threads", "2"],
    ] {
        check_accept(&input, args, None);
        for block in [25, 50, 250, 2500, 2501] {
            check_accept(&input, args, Some(block));
        }
    }
}

/// The same for `verify`: 54-byte lines, TAB after 24 bytes, that are not all a valid key and
/// its right accept.
fn pair_sized_impostors(seed: u64, count: usize) -> Vec<u8> {
    let mut rng = Rng(seed);
    let mut input = vec![];
    for i in 0..count {
        let key = rng.valid_key();
        let acc = oracle(&key);
        let acc = acc.as_bytes();
        let line: Vec<u8> = match (i % 89, rng.below(8)) {
            (0, 0) => [&rng.invalid_key().0[..], b"\t", acc].concat(),
            (0, 1) => [&key[..], b"\t", oracle(b"other").as_bytes()].concat(),
            (0, 2) => [&key[..5], b"\t", &key[6..], b"\t", acc].concat(),
            (0, 3) => [&key[..], b"\t", &acc[..10], b"\n", &acc[11..]].concat(),
            (0, 4) => [&key[..], b"\t", &acc[..27], b" "].concat(),
            (0, 5) => [&key[..], b"\t", &acc[..27], b"\r"].concat(),
            (0, 6) => [b" ", &key[1..], b"\t", acc].concat(),
            _ => [&key[..], b"\t", acc].concat(),
        };
        assert_eq!(line.len(), 53);
        input.extend_from_slice(&line);
        input.push(b'\n');
    }
    input
}

#[test]
fn pair_sized_lines_that_are_not_right_pairs_are_found() {
    let input = pair_sized_impostors(6, 10_000);
    for args in [
        &["verify", "--threads", "1"][..],
        &["verify", "--threads", "2"],
    ] {
        check_verify(&input, args, None);
        for block in [54, 108, 540, 5400, 5401] {
            check_verify(&input, args, Some(block));
        }
    }
}

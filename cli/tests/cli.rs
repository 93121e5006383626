//! The `wsaccept` command: every subcommand, exit codes, line alignment and error lines.

#[path = "../../tests/common/mod.rs"]
mod common;

use std::io::Write;
use std::process::{Command, Output, Stdio};

use common::oracle;

const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// The `wsaccept` binary as a command. Under `WSACCEPT_TEST_RUNNER` (an emulator command line,
/// e.g. `qemu-aarch64 -cpu max -L /usr/aarch64-linux-gnu`, set by tests/aarch64.sh) it runs
/// through it, as cargo's runner runs this test: without binfmt_misc a cross-built binary
/// cannot be spawned directly.
fn wsaccept_command() -> Command {
    let exe = env!("CARGO_BIN_EXE_wsaccept");
    let runner = std::env::var("WSACCEPT_TEST_RUNNER").unwrap_or_default();
    let mut words = runner.split_whitespace();
    match words.next() {
        Some(emulator) => {
            let mut cmd = Command::new(emulator);
            cmd.args(words).arg(exe);
            cmd
        }
        None => Command::new(exe),
    }
}

fn wsaccept(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = wsaccept_command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run wsaccept");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn accept_keeps_lines_aligned_and_reports_bad_ones() {
    let input = format!(
        "{RFC_KEY}\n  {RFC_KEY}\t\r\nbad\n\ndGhlIHNhbXBsZSBub25jZR==\ndGhlIHNhbX-sZSBub25jZQ==\n{RFC_KEY}"
    );
    for args in [
        &[][..],
        &["accept"],
        &["accept", "-"],
        &["accept", "--threads", "1"],
    ] {
        let out = wsaccept(args, input.as_bytes());
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let lines: Vec<String> = text(&out.stdout).lines().map(str::to_owned).collect();
        assert_eq!(
            lines,
            [RFC_ACCEPT, RFC_ACCEPT, "", "", "", "", RFC_ACCEPT],
            "{args:?}"
        );
        assert_eq!(
            text(&out.stderr),
            "line 3: key is 3 bytes long, expected 24\n\
             line 4: key is 0 bytes long, expected 24\n\
             line 5: byte 'R' at position 21 has non-zero unused bits (not canonical base64)\n\
             line 6: byte '-' at position 10 is not in the base64 alphabet\n"
        );
    }
}

#[test]
fn accept_all_valid_exits_zero_and_reads_files() {
    let dir = std::env::temp_dir().join(format!("wsaccept-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("keys.txt");
    std::fs::write(&file, format!("{RFC_KEY}\n{RFC_KEY}\n")).unwrap();
    let out = wsaccept(&["accept", file.to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(text(&out.stdout), format!("{RFC_ACCEPT}\n{RFC_ACCEPT}\n"));
    assert!(out.stderr.is_empty());
    // A missing file is an error of its own (exit 2) that names the file.
    let out = wsaccept(&["accept", dir.join("missing").to_str().unwrap()], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("missing"));
    std::fs::remove_dir_all(&dir).unwrap();
    // Empty input: no output, success.
    let out = wsaccept(&[], b"");
    assert_eq!((out.status.code(), out.stdout.len()), (Some(0), 0));
}

#[test]
fn accept_lenient_hashes_what_it_gets() {
    let out = wsaccept(&["accept", "--lenient"], b"abc\n\n  xyz  \n");
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        format!("{}\n\n{}\n", oracle(b"abc"), oracle(b"xyz"))
    );
    assert_eq!(text(&out.stderr), "line 2: key is empty\n");
    let long = vec![b'k'; 100_000];
    let out = wsaccept(&["--lenient"], &[&long[..], b"\n"].concat());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(text(&out.stdout), "\n");
    assert!(text(&out.stderr).starts_with("line 1: key is 100000 bytes long, longer than"));
}

#[test]
fn accept_many_lines_in_chunks_with_threads() {
    // More lines than one chunk, so chunk boundaries and line numbers are exercised.
    let mut gen = wsaccept::KeyGen::from_seed(3);
    let keys: Vec<String> = (0..150_000).map(|_| gen.next_key().to_string()).collect();
    let mut input = keys.join("\n");
    input.push('\n');
    input.replace_range(100_000 * 25..100_000 * 25 + 1, "!"); // break line 100001
    let out = wsaccept(&["accept", "--threads", "0"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<&str> = std::str::from_utf8(&out.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), keys.len());
    for (i, (line, key)) in lines.iter().zip(&keys).enumerate() {
        if i == 100_000 {
            assert_eq!(*line, "");
        } else if i % 997 == 0 {
            assert_eq!(*line, oracle(key.as_bytes()));
        }
    }
    assert_eq!(
        text(&out.stderr),
        "line 100001: byte '!' at position 0 is not in the base64 alphabet\n"
    );
}

#[test]
fn gen_is_reproducible_and_verifiable() {
    let a = wsaccept(&["gen", "100", "--seed", "42"], b"");
    let b = wsaccept(&["gen", "100", "--seed", "42"], b"");
    let c = wsaccept(&["gen", "100", "--seed", "43"], b"");
    assert_eq!(a.status.code(), Some(0));
    assert_eq!(a.stdout, b.stdout);
    assert_ne!(a.stdout, c.stdout);
    let lines: Vec<&str> = std::str::from_utf8(&a.stdout).unwrap().lines().collect();
    assert_eq!(lines.len(), 100);
    for line in &lines {
        let (key, acc) = line.split_once('\t').unwrap();
        assert_eq!(wsaccept::Key::parse(key).unwrap().as_str(), key);
        assert_eq!(acc, oracle(key.as_bytes()));
    }
    let os1 = wsaccept(&["gen", "5"], b"");
    let os2 = wsaccept(&["gen", "5"], b"");
    assert_ne!(os1.stdout, os2.stdout);
    assert_eq!(wsaccept(&["gen", "0"], b"").stdout.len(), 0);
    // The generated file verifies.
    let v = wsaccept(&["verify"], &a.stdout);
    assert_eq!(v.status.code(), Some(0));
    assert_eq!(
        text(&v.stdout),
        "100 lines: 100 matched, 0 mismatched, 0 invalid\n"
    );
}

#[test]
fn verify_reports_mismatches_and_invalid_lines() {
    let input = format!(
        "{RFC_KEY}\t{RFC_ACCEPT}\n\
         {RFC_KEY}\t s3pPLMBiTxaQ9kYGzzhZRbK+xOo= \n\
         {RFC_KEY}\ts3pPLMBiTxaQ9kYGzzhZRbK+xOp=\n\
         notakey\t{RFC_ACCEPT}\n\
         no tab here\n\
         {RFC_KEY}\ts3pPLMBiTxaQ9kYGzzhZRbK+xOo\n"
    );
    let out = wsaccept(&["verify"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "6 lines: 2 matched, 2 mismatched, 2 invalid\n"
    );
    assert_eq!(
        text(&out.stderr),
        format!(
            "line 3: mismatch: expected {RFC_ACCEPT}, got s3pPLMBiTxaQ9kYGzzhZRbK+xOp=\n\
             line 4: key is 7 bytes long, expected 24\n\
             line 5: not a KEY<TAB>ACCEPT line (no TAB)\n\
             line 6: mismatch: expected {RFC_ACCEPT}, got s3pPLMBiTxaQ9kYGzzhZRbK+xOo\n"
        )
    );
    let out = wsaccept(
        &["verify", "--lenient"],
        format!("abc\t{}\n", oracle(b"abc")).as_bytes(),
    );
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn bench_lists_every_backend_with_the_baseline() {
    let out = wsaccept(&["bench", "--keys", "2000", "--rounds", "1"], b"");
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let report = text(&out.stdout);
    assert!(report.contains("naive (sha1 Digest + base64)"), "{report}");
    for backend in wsaccept::Backend::available() {
        assert!(
            report.lines().any(|l| l.starts_with(backend.name())),
            "{report}"
        );
    }
    assert!(report.contains("1.00x"));
    // The commands against the engine on the same keys, in the same run.
    for row in [
        "engine accept_batch",
        "wsaccept accept (in memory)",
        "wsaccept verify (in memory)",
        "engine generate + accept",
        "wsaccept gen (in memory)",
        "time per key, command / engine: accept ",
    ] {
        assert!(
            report.lines().any(|l| l.starts_with(row)),
            "{row}: {report}"
        );
    }
}

#[test]
fn usage_errors_exit_two() {
    let out = wsaccept(&["gen"], b"");
    assert_eq!(out.status.code(), Some(2));
    let out = wsaccept(&["frobnicate"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(wsaccept(&["--help"], b"").status.code(), Some(0));
}

#[test]
fn backends_lists_each_with_availability_and_the_active_one() {
    let out = wsaccept(&["backends"], b"");
    assert_eq!(out.status.code(), Some(0));
    let report = text(&out.stdout);
    for kind in wsaccept::BackendKind::ALL {
        let line = report
            .lines()
            .find(|l| l.split_whitespace().next() == Some(kind.name()));
        let line = line.unwrap_or_else(|| panic!("{} missing from {report}", kind.name()));
        assert_eq!(line.contains(" available"), kind.is_available(), "{line}");
    }
    let active: Vec<&str> = report.lines().filter(|l| l.ends_with(" active")).collect();
    assert_eq!(active.len(), 1, "{report}");
    assert!(active[0].starts_with(wsaccept::backend()));
    // Forcing a backend through the environment shows in the listing.
    let out = wsaccept_command()
        .arg("backends")
        .env("WSACCEPT_BACKEND", "portable")
        .output()
        .unwrap();
    assert!(text(&out.stdout)
        .lines()
        .any(|l| l.starts_with("portable") && l.ends_with(" active")));
    // An unknown name is ignored, with a warning.
    let out = wsaccept_command()
        .arg("backends")
        .env("WSACCEPT_BACKEND", "nonesuch")
        .output()
        .unwrap();
    assert!(text(&out.stderr).contains("nonesuch"));
}

/// The lenient bound of the library (tests/resources.rs checks the Rust API and the C ABI)
/// holds at the command line too: OWS trimmed, 256 bytes hashed, 257 refused.
#[test]
fn lenient_bound_holds_at_the_cli() {
    use std::io::Write;
    use std::process::Stdio;
    use wsaccept::MAX_LENIENT_KEY_LEN;
    for (len, ok) in [
        (1, true),
        (MAX_LENIENT_KEY_LEN, true),
        (MAX_LENIENT_KEY_LEN + 1, false),
    ] {
        let key = vec![b'k'; len];
        let padded = [&b" \t"[..], &key, &b"\t "[..]].concat();
        let mut child = wsaccept_command()
            .args(["accept", "--lenient"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(&[&padded[..], b"\n"].concat())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.success(), ok, "CLI, {len} bytes: {out:?}");
        let want_line = if ok {
            oracle(&key) + "\n"
        } else {
            "\n".to_string()
        };
        assert_eq!(String::from_utf8_lossy(&out.stdout), want_line);
    }
}

/// Issue 8, item 1: an overlong line is invalid whatever its first bytes. The reader used to
/// keep 257 bytes of such a line and hand them to the batch, which trimmed them to a valid key
/// and printed its accept with exit status 0.
#[test]
fn an_overlong_line_is_refused_whatever_its_prefix() {
    let strict = [RFC_KEY.as_bytes(), &[b' '; 233], b"x\n"].concat();
    let lenient = [&b"a"[..], &[b' '; 256], b"b\n"].concat();
    for (args, input, reason) in [
        (
            &["accept"][..],
            &strict,
            "key is 258 bytes long, expected 24",
        ),
        (
            &["accept", "--threads", "1"],
            &strict,
            "key is 258 bytes long, expected 24",
        ),
        (
            &["accept", "--lenient"],
            &lenient,
            "key is 258 bytes long, longer than the lenient limit of 256",
        ),
    ] {
        let out = wsaccept(args, input);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert_eq!(text(&out.stdout), "\n", "{args:?}");
        assert_eq!(text(&out.stderr), format!("line 1: {reason}\n"), "{args:?}");
    }
    // verify refuses the same lines, with a TAB and a right accept after the key.
    let line = [
        RFC_KEY.as_bytes(),
        &[b' '; 233],
        b"\t",
        RFC_ACCEPT.as_bytes(),
        b"\n",
    ]
    .concat();
    let out = wsaccept(&["verify"], &line);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "1 lines: 0 matched, 0 mismatched, 1 invalid\n"
    );
}

/// Issue 8, item 7: a directory is named in the error.
#[test]
fn a_directory_argument_is_named_in_the_error() {
    let dir = std::env::temp_dir();
    for cmd in ["accept", "verify"] {
        let out = wsaccept(&[cmd, dir.to_str().unwrap()], b"");
        assert_eq!(out.status.code(), Some(2), "{cmd}");
        let err = text(&out.stderr);
        assert!(
            err.starts_with(&format!("wsaccept: {}: ", dir.display())),
            "{cmd}: {err}"
        );
        assert!(out.stdout.is_empty(), "{cmd}");
    }
}

/// Issue 8, item 7: a TAB at either end of a verify line is the separator, not OWS to trim.
#[test]
fn verify_sees_a_tab_at_either_end() {
    let input = format!(
        "\t{RFC_ACCEPT}\n\
         {RFC_KEY}\t\n\
         {RFC_KEY}\t \r\n\
         \t\n\
         \x20\t {RFC_ACCEPT}\n\
         {RFC_KEY} \t\t{RFC_ACCEPT}\n"
    );
    let out = wsaccept(&["verify"], input.as_bytes());
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        text(&out.stdout),
        "6 lines: 1 matched, 0 mismatched, 5 invalid\n"
    );
    assert_eq!(
        text(&out.stderr),
        "line 1: empty key before the TAB\n\
         line 2: empty accept after the TAB\n\
         line 3: empty accept after the TAB\n\
         line 4: empty key before the TAB\n\
         line 5: empty key before the TAB\n"
    );
}

/// Issue 8, item 7: `bench --keys 0` (and `--rounds 0`) are usage errors, not a silent 1.
#[test]
fn bench_refuses_zero_keys_and_rounds() {
    for args in [&["bench", "--keys", "0"][..], &["bench", "--rounds", "0"]] {
        let out = wsaccept(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("at least 1"), "{args:?}");
        assert!(out.stdout.is_empty());
    }
}

/// A program that writes a key and waits for its accept before writing the next (`wsaccept`
/// as a coprocess) gets each accept at once: the input is not held until a whole block has
/// arrived, and no computed output waits behind a read, with one thread or several.
#[test]
fn accept_answers_a_coprocess_line_by_line() {
    use std::io::{BufRead, BufReader};
    use std::sync::mpsc;
    use std::time::Duration;

    for threads in ["1", "2", "0"] {
        let mut child = wsaccept_command()
            .args(["accept", "--threads", threads])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("run wsaccept");
        let mut input = child.stdin.take().unwrap();
        let (lines_tx, lines) = mpsc::channel();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let reader = std::thread::spawn(move || {
            for line in stdout.lines() {
                let _ = lines_tx.send(line.unwrap());
            }
        });
        let keys = [
            RFC_KEY,
            "AAAAAAAAAAAAAAAAAAAAAA==",
            "bad",
            "/////////////////////w==",
        ];
        for key in keys {
            writeln!(input, "{key}").unwrap();
            input.flush().unwrap();
            // Generous for an emulator; a block-at-a-time reader never answers at all.
            let line = lines.recv_timeout(Duration::from_secs(20));
            // A refused line gets an empty line (its reason goes to stderr).
            let expected = if key == "bad" {
                String::new()
            } else {
                oracle(key.as_bytes())
            };
            match line {
                Ok(line) => assert_eq!(line, expected, "--threads {threads}, key {key}"),
                Err(_) => {
                    let _ = child.kill();
                    panic!("--threads {threads}: no answer to {key} while the input stays open");
                }
            }
        }
        drop(input);
        assert_eq!(
            child.wait().unwrap().code(),
            Some(1),
            "a refused line exits 1"
        );
        reader.join().unwrap();
    }
}

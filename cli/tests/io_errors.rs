//! Every subcommand on a failing stdout or stderr: an I/O error (`> /dev/full`) exits 2 with a
//! message, a closed pipe (`| head`, `| true`) ends quietly, and nothing ever panics (exit 101),
//! not even when stderr itself fails.

use std::fs::File;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const RFC_KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const RFC_ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// Each subcommand with an input that makes it write to stdout (and, for some, to stderr: the
/// `bad` lines are reported there).
fn subcommands() -> Vec<(Vec<&'static str>, String)> {
    let keys = format!("{RFC_KEY}\nbad\n").repeat(3000);
    let pairs = format!("{RFC_KEY}\t{RFC_ACCEPT}\nbad\n").repeat(3000);
    vec![
        (vec!["accept"], keys.clone()),
        (vec!["accept", "--threads", "0"], keys.clone()),
        (vec![], keys),
        (vec!["verify"], pairs.clone()),
        (vec!["verify", "--threads", "0"], pairs),
        (vec!["gen", "100000", "--seed", "1"], String::new()),
        (vec!["backends"], String::new()),
        (
            vec!["bench", "--keys", "200", "--rounds", "1"],
            String::new(),
        ),
        (vec!["--help"], String::new()),
    ]
}

fn run(args: &[&str], stdin: &str, stdout: Stdio, stderr: Stdio) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wsaccept"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(stdout)
        .stderr(stderr)
        .spawn()
        .expect("run wsaccept");
    let mut input = child.stdin.take().unwrap();
    let data = stdin.as_bytes().to_vec();
    let writer = std::thread::spawn(move || {
        let _ = input.write_all(&data);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

fn dev_full() -> Stdio {
    File::options()
        .write(true)
        .open("/dev/full")
        .unwrap()
        .into()
}

/// The write end of a pipe whose read end is already closed: every write fails with EPIPE.
fn closed_pipe() -> Stdio {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer.into()
}

fn stderr_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn stdout_on_a_full_device_is_an_error_with_a_message() {
    for (args, input) in subcommands() {
        let out = run(&args, &input, dev_full(), Stdio::piped());
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: {}",
            stderr_text(&out)
        );
        let err = stderr_text(&out);
        assert!(
            err.contains("wsaccept: No space left on device"),
            "{args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

#[test]
fn stdout_to_a_closed_pipe_ends_quietly() {
    for (args, input) in subcommands() {
        let out = run(&args, &input, closed_pipe(), Stdio::piped());
        let err = stderr_text(&out);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(!err.contains("wsaccept:"), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

/// A fresh stdout or stderr of the named kind (a `Stdio` is consumed by each spawn).
fn stdio(kind: &str) -> Stdio {
    match kind {
        "piped" => Stdio::piped(),
        "full" => dev_full(),
        "closed" => closed_pipe(),
        _ => unreachable!(),
    }
}

/// Diagnostics that cannot be written are dropped, the work goes on, and the exit status still
/// tells: 1 when some line was bad, 2 for a stdout error, 0 for a closed stdout. Never a panic.
#[test]
fn a_failing_stderr_never_panics_and_keeps_the_exit_status() {
    for (args, input) in subcommands() {
        let bad_lines = input.contains("bad");
        for stdout_kind in ["piped", "full", "closed"] {
            for stderr_kind in ["full", "closed"] {
                let out = run(&args, &input, stdio(stdout_kind), stdio(stderr_kind));
                let want = match stdout_kind {
                    "piped" if bad_lines => 1,
                    "full" => 2,
                    _ => 0,
                };
                assert_eq!(
                    out.status.code(),
                    Some(want),
                    "{args:?}, stdout {stdout_kind}, stderr {stderr_kind}"
                );
                if stdout_kind == "piped" && args.first() != Some(&"verify") && bad_lines {
                    // accept: still one output line per input line.
                    assert_eq!(out.stdout.iter().filter(|&&b| b == b'\n').count(), 6000);
                }
            }
        }
    }
}

#[test]
fn usage_errors_on_a_failing_stderr_still_exit_two() {
    let out = run(&["frobnicate"], "", Stdio::piped(), dev_full());
    assert_eq!(out.status.code(), Some(2));
    let out = run(&["bench", "--keys", "0"], "", Stdio::piped(), closed_pipe());
    assert_eq!(out.status.code(), Some(2));
}

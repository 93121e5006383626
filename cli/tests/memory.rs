//! Bounded memory: the CLI streams a 10-million-line input in chunks, so its peak RSS stays
//! under 64 MiB however long the input is. Alone in its own test binary, so that
//! `RUSAGE_CHILDREN` sees only the processes started here.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

const PEAK_RSS_LIMIT_KIB: i64 = 64 * 1024;

/// The largest resident set of any waited-for child of this process, in KiB.
fn children_peak_rss_kib() -> i64 {
    // SAFETY: getrusage only writes into the zero-initialised struct we pass by pointer.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        assert_eq!(libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage), 0);
        usage
    };
    usage.ru_maxrss
}

#[test]
fn ten_million_lines_in_bounded_memory() {
    // Debug builds are ~20x slower; the full size runs under `cargo test --release`.
    let lines: u64 = if cfg!(debug_assertions) {
        1_000_000
    } else {
        10_000_000
    };
    if cfg!(debug_assertions) {
        eprintln!("debug build: streaming {lines} lines instead of 10,000,000 (use --release)");
    }
    let exe = env!("CARGO_BIN_EXE_wsaccept");
    // gen | verify, with every thread on: the most memory any configuration uses.
    let mut gen = Command::new(exe)
        .args(["gen", &lines.to_string(), "--seed", "5"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let verify = Command::new(exe)
        .args(["verify", "--threads", "0"])
        .stdin(gen.stdout.take().unwrap())
        .output()
        .unwrap();
    assert!(gen.wait().unwrap().success());
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&verify.stdout),
        format!("{lines} lines: {lines} matched, 0 mismatched, 0 invalid\n")
    );

    // gen | cut -f1 | accept: the accept command over the same number of keys.
    let mut gen = Command::new(exe)
        .args(["gen", &lines.to_string(), "--seed", "6"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut cut = Command::new("cut")
        .arg("-f1")
        .stdin(gen.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut accept = Command::new(exe)
        .arg("accept")
        .stdin(cut.stdout.take().unwrap())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let count = BufReader::new(accept.stdout.take().unwrap())
        .lines()
        .map(|l| assert_eq!(l.unwrap().len(), 28))
        .count() as u64;
    assert!(accept.wait().unwrap().success());
    assert!(cut.wait().unwrap().success());
    assert!(gen.wait().unwrap().success());
    assert_eq!(count, lines);

    let peak = children_peak_rss_kib();
    eprintln!("peak RSS of any child: {peak} KiB");
    assert!(
        peak > 0 && peak < PEAK_RSS_LIMIT_KIB,
        "peak RSS {peak} KiB over the 64 MiB bound"
    );
}

/// Hostile shapes in bounded memory: one 200 MB line (refused, with its real length), 200 MB
/// of OWS around a valid key (accepted: only the trimmed key counts), and the most workers the
/// command starts (`--threads 64` is capped at 16, each with its buffers).
#[test]
fn huge_lines_and_many_threads_in_bounded_memory() {
    use std::io::Write;
    const HUGE: usize = 200 << 20;
    let exe = env!("CARGO_BIN_EXE_wsaccept");
    let key = b"dGhlIHNhbXBsZSBub25jZQ==";
    for threads in ["1", "64"] {
        let mut accept = Command::new(exe)
            .args(["accept", "--threads", threads])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stdin = accept.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            let block = vec![b'k'; 1 << 20];
            for _ in 0..HUGE / block.len() {
                stdin.write_all(&block).unwrap();
            }
            stdin.write_all(b"\n").unwrap();
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..HUGE / spaces.len() / 2 {
                stdin.write_all(&spaces).unwrap();
            }
            stdin.write_all(key).unwrap();
            for _ in 0..HUGE / spaces.len() / 2 {
                stdin.write_all(&spaces).unwrap();
            }
            stdin.write_all(b"\n").unwrap();
            // Many ordinary lines after them, through every worker.
            for _ in 0..200_000 {
                stdin.write_all(key).unwrap();
                stdin.write_all(b"\n").unwrap();
            }
        });
        let out = accept.wait_with_output().unwrap();
        writer.join().unwrap();
        assert_eq!(out.status.code(), Some(1), "threads {threads}");
        assert_eq!(
            String::from_utf8_lossy(&out.stderr),
            format!("line 1: key is {HUGE} bytes long, expected 24\n")
        );
        let lines: Vec<&[u8]> = out.stdout.split(|&b| b == b'\n').collect();
        assert_eq!(lines.len(), 200_003, "threads {threads}");
        assert!(lines[0].is_empty());
        assert!(lines[1..200_002]
            .iter()
            .all(|l| *l == b"s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
    }
    let peak = children_peak_rss_kib();
    eprintln!("peak RSS of any child: {peak} KiB");
    assert!(
        peak > 0 && peak < PEAK_RSS_LIMIT_KIB,
        "peak RSS {peak} KiB over the 64 MiB bound"
    );
}

/// Many short bad lines and the most workers: every line of a block is refused and reported,
/// so a block of 64 KiB empty lines would carry 64 Ki reasons (megabytes) in every item of the
/// pipeline's pool, over 170 MiB with 16 workers; blocks are cut at a line count instead.
#[test]
fn short_bad_lines_and_many_threads_in_bounded_memory() {
    use std::io::Read;
    const LINES: usize = 8 << 20;
    let exe = env!("CARGO_BIN_EXE_wsaccept");
    let input = std::env::temp_dir().join(format!("wsaccept-empty-{}", std::process::id()));
    std::fs::write(&input, vec![b'\n'; LINES]).unwrap();
    for cmd in ["verify", "accept"] {
        let mut child = Command::new(exe)
            .args([cmd, "--threads", "64"])
            .arg(&input)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Every line is reported: count the reports without keeping them.
        let mut stderr = child.stderr.take().unwrap();
        let mut buf = vec![0; 1 << 16];
        let mut reports = 0;
        loop {
            let n = stderr.read(&mut buf).unwrap();
            if n == 0 {
                break;
            }
            reports += buf[..n].iter().filter(|&&b| b == b'\n').count();
        }
        assert_eq!(child.wait().unwrap().code(), Some(1), "{cmd}");
        assert_eq!(reports, LINES, "{cmd}");
    }
    std::fs::remove_file(&input).unwrap();
    let peak = children_peak_rss_kib();
    eprintln!("peak RSS of any child: {peak} KiB");
    assert!(
        peak > 0 && peak < PEAK_RSS_LIMIT_KIB,
        "peak RSS {peak} KiB over the 64 MiB bound"
    );
}

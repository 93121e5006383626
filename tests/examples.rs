//! End-to-end tests of the C examples (`examples/c/server`, `examples/c/loadgen`) against
//! WebSocket peers nobody here wrote: Python `websockets` and Node `ws`. Both libraries check
//! `Sec-WebSocket-Accept` themselves, so a completed handshake is an independent check.
//!
//! Run with `cargo test --release --test examples`: the C programs link the library built from
//! the current sources for this profile (`common::clibs`, `target/<profile>/libwsaccept.a`).
//!
//! Needs: a C compiler and make; `pip install -r tests/peers/requirements.txt`;
//! `cd tests/peers && npm ci`. A missing peer fails the test with that command; it never
//! passes silently.
//!
//! All traffic stays on 127.0.0.1; every server binds port 0 and reports the port it got, so
//! there are no port races. Every child process is owned by a guard that kills it on drop,
//! including when an assertion fails.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

const PIP_INSTALL: &str = "pip install -r tests/peers/requirements.txt";
const NPM_INSTALL: &str = "cd tests/peers && npm ci";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn peers() -> PathBuf {
    root().join("tests/peers")
}

fn python() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Where the static library built for this test run is (`common::clibs` builds it now from the
/// current sources if needed).
fn library_dir() -> Result<PathBuf, String> {
    Ok(common::clibs::c_library_dir().to_path_buf())
}

/// Builds the C examples once per test run (tests run in parallel threads) and returns the
/// directory holding `server` and `loadgen`.
fn examples() -> &'static Path {
    static BUILT: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let lib_dir = library_dir()?;
        let dir = root().join("examples/c");
        // Clean first: always relink, so the binaries match the library this test run built.
        let _ = Command::new("make")
            .arg("-C")
            .arg(&dir)
            .arg("clean")
            .output();
        let out = Command::new("make")
            .arg("-C")
            .arg(&dir)
            .arg(format!("WSACCEPT_LIB={}", lib_dir.display()))
            .output()
            .map_err(|e| format!("could not run make (is it installed?): {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "make -C examples/c failed:\n{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        Ok(dir)
    });
    match built {
        Ok(dir) => dir,
        Err(msg) => panic!("{msg}"),
    }
}

fn require_python_websockets() {
    let ok = Command::new(python())
        .args([
            "-c",
            "import sys, websockets; sys.exit(int(websockets.__version__.split('.')[0]) < 13)",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "Python `websockets` >= 13 is required for these tests (interpreter: {}). Install it \
         with: {PIP_INSTALL}",
        python()
    );
}

fn require_node_ws() {
    let node = Command::new("node").arg("--version").output();
    assert!(
        node.map(|o| o.status.success()).unwrap_or(false),
        "`node` is required for these tests. Install Node.js (e.g. `apt-get install -y nodejs \
         npm`), then: {NPM_INSTALL}"
    );
    assert!(
        peers().join("node_modules/ws/package.json").exists(),
        "Node package `ws` is not installed in tests/peers. Install it with: {NPM_INSTALL}"
    );
}

/// Collects a child's output stream on a thread, so the child never blocks on a full pipe.
fn collect(stream: impl Read + Send + 'static) -> Arc<Mutex<String>> {
    let text = Arc::new(Mutex::new(String::new()));
    let sink = Arc::clone(&text);
    thread::spawn(move || {
        let mut reader = BufReader::new(stream);
        let mut line = String::new();
        while reader.read_line(&mut line).map(|n| n > 0).unwrap_or(false) {
            sink.lock().unwrap().push_str(&line);
            line.clear();
        }
    });
    text
}

/// A long-running child process (a server) that is killed when dropped.
struct Server {
    name: String,
    child: Child,
    port: u16,
    stderr: Arc<Mutex<String>>,
}

impl Server {
    /// Starts `cmd`, which must print `listening on 127.0.0.1:PORT` as its first stdout line.
    fn start(name: &str, mut cmd: Command) -> Server {
        cmd.stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("could not start {name}: {e}"));
        let stdout = child.stdout.take().unwrap();
        let stderr = collect(child.stderr.take().unwrap());
        let (tx, rx) = mpsc::channel();
        thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = reader.read_line(&mut line);
            let _ = tx.send(line);
            // Keep draining so the server never blocks writing to stdout.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let mut server = Server {
            name: name.to_string(),
            child,
            port: 0,
            stderr,
        };
        let line = rx.recv_timeout(Duration::from_secs(20)).unwrap_or_default();
        server.port = line
            .trim()
            .strip_prefix("listening on 127.0.0.1:")
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| {
                panic!(
                    "{name} did not report its port (first line {line:?}); stderr:\n{}",
                    server.stderr()
                )
            });
        server
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn assert_alive(&mut self) {
        if let Ok(Some(status)) = self.child.try_wait() {
            panic!(
                "{} exited unexpectedly ({status}); stderr:\n{}",
                self.name,
                self.stderr()
            );
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The outcome of a bounded run of a short-lived child.
struct Run {
    status: Option<ExitStatus>, // None: killed at the deadline
    stdout: String,
    stderr: String,
}

impl Run {
    fn ok(&self) -> bool {
        self.status.map(|s| s.success()).unwrap_or(false)
    }

    fn describe(&self) -> String {
        let status = match self.status {
            Some(s) => s.to_string(),
            None => "killed after timeout".to_string(),
        };
        format!(
            "{status}\n--- stdout:\n{}--- stderr:\n{}",
            self.stdout, self.stderr
        )
    }
}

/// Runs `cmd` to completion, killing it if it is still running after `limit`.
fn run(mut cmd: Command, limit: Duration) -> Run {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd
        .spawn()
        .unwrap_or_else(|e| panic!("could not start {cmd:?}: {e}"));
    let stdout = read_all(child.stdout.take().unwrap());
    let stderr = read_all(child.stderr.take().unwrap());
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        thread::sleep(Duration::from_millis(20));
    };
    // The readers finish when the pipes close, i.e. when the child is gone.
    let stdout = stdout.join().unwrap_or_default();
    let stderr = stderr.join().unwrap_or_default();
    Run {
        status,
        stdout,
        stderr,
    }
}

/// Reads a child's whole output stream on a thread.
fn read_all(mut stream: impl Read + Send + 'static) -> thread::JoinHandle<String> {
    thread::spawn(move || {
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

fn c_server() -> Server {
    let mut cmd = Command::new(examples().join("server"));
    cmd.arg("0");
    Server::start("C server", cmd)
}

/// Sends raw bytes and returns everything the server says until it closes the connection.
fn raw_exchange(port: u16, request: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(request).expect("send request");
    let mut reply = Vec::new();
    // The server answers an error and closes: read to EOF (bounded by the timeout).
    let _ = s.read_to_end(&mut reply);
    String::from_utf8_lossy(&reply).into_owned()
}

fn upgrade_request(extra_headers: &str) -> String {
    format!(
        "GET /chat HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\n{extra_headers}\r\n"
    )
}

fn status_line(reply: &str) -> &str {
    reply.lines().next().unwrap_or("")
}

#[test]
fn python_websockets_client_handshakes_and_echoes() {
    require_python_websockets();
    let mut server = c_server();
    let mut cmd = Command::new(python());
    cmd.arg(peers().join("client.py"))
        .arg(server.port.to_string())
        .arg("20");
    let out = run(cmd, Duration::from_secs(60));
    assert!(
        out.ok(),
        "python client failed: {}\nserver stderr:\n{}",
        out.describe(),
        server.stderr()
    );
    assert!(
        out.stdout.contains("python client: OK 20"),
        "{}",
        out.describe()
    );
    server.assert_alive();
}

#[test]
fn node_ws_client_handshakes_and_echoes() {
    require_node_ws();
    let mut server = c_server();
    let mut cmd = Command::new("node");
    cmd.arg(peers().join("client.mjs"))
        .arg(server.port.to_string())
        .arg("20");
    let out = run(cmd, Duration::from_secs(60));
    assert!(
        out.ok(),
        "node client failed: {}\nserver stderr:\n{}",
        out.describe(),
        server.stderr()
    );
    assert!(
        out.stdout.contains("node client: OK 20"),
        "{}",
        out.describe()
    );
    server.assert_alive();
}

#[test]
fn bad_requests_are_refused_and_server_keeps_serving() {
    require_python_websockets();
    let mut server = c_server();
    let port = server.port;

    // A stalled client (half a request, then silence) must not hold up anyone else.
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stalled
        .write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpg")
        .unwrap();

    let cases: &[(&str, String, &str)] = &[
        (
            "malformed key",
            upgrade_request("Sec-WebSocket-Key: not-a-valid-key!\r\n"),
            "HTTP/1.1 400 ",
        ),
        (
            "key of the right length but not canonical base64",
            upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZR==\r\n"),
            "HTTP/1.1 400 ",
        ),
        ("missing key", upgrade_request(""), "HTTP/1.1 400 "),
        (
            "duplicated key",
            upgrade_request(
                "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
                 Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n",
            ),
            "HTTP/1.1 400 ",
        ),
        (
            "wrong version",
            upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
                .replace("Version: 13", "Version: 8"),
            "HTTP/1.1 426 ",
        ),
        (
            "not GET",
            upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
                .replace("GET /chat", "POST /chat"),
            "HTTP/1.1 405 ",
        ),
        (
            "request over 8 KiB",
            upgrade_request(&format!("X-Filler: {}\r\n", "a".repeat(9000))),
            "HTTP/1.1 431 ",
        ),
        (
            "garbage",
            "\x16\x03\x01 not http at all\r\n\r\n".to_string(),
            "HTTP/1.1 4",
        ),
    ];
    for (what, request, want) in cases {
        let reply = raw_exchange(port, request.as_bytes());
        assert!(
            reply.starts_with(want),
            "{what}: expected {want:?}, got {:?}",
            status_line(&reply)
        );
        server.assert_alive();
    }

    // A valid raw handshake with lowercase headers and a Connection list gets the accept
    // from the RFC 6455 example (key "the sample nonce").
    let reply = raw_exchange(
        port,
        b"GET / HTTP/1.1\r\nhost: 127.0.0.1\r\nupgrade: WebSocket\r\nconnection: keep-alive, Upgrade\r\n\
          sec-websocket-version: 13\r\nsec-websocket-key:  dGhlIHNhbXBsZSBub25jZQ== \r\n\r\n\
          \x88\x80\x00\x00\x00\x00",
    );
    assert!(
        reply.starts_with("HTTP/1.1 101 "),
        "valid raw handshake: {reply:?}"
    );
    assert!(
        reply.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "accept for the RFC sample key: {reply:?}"
    );
    // The close frame pipelined behind the request was answered with a close frame.
    assert!(
        reply.ends_with("\r\n\r\n\u{fffd}\0"),
        "close reply: {reply:?}"
    );

    // After all of that, and with the stalled client still connected, a real client works.
    let mut cmd = Command::new(python());
    cmd.arg(peers().join("client.py"))
        .arg(port.to_string())
        .arg("3");
    let out = run(cmd, Duration::from_secs(30));
    assert!(
        out.ok(),
        "python client after bad clients: {}",
        out.describe()
    );
    server.assert_alive();
    drop(stalled);
}

/// Runs the C loadgen against a server and returns its stdout, asserting exit 0.
fn loadgen(server: &Server, n: usize, extra: &[&str]) -> String {
    let mut cmd = Command::new(examples().join("loadgen"));
    cmd.arg("127.0.0.1")
        .arg(server.port.to_string())
        .arg(n.to_string())
        .args(extra);
    let out = run(cmd, Duration::from_secs(120));
    assert!(
        out.ok(),
        "loadgen against {} failed: {}\nserver stderr (tail):\n{}",
        server.name,
        out.describe(),
        tail(&server.stderr(), 2000)
    );
    assert!(out.stdout.contains("mismatches: 0"), "{}", out.describe());
    assert!(
        out.stdout.contains(&format!("verified: {n}/{n}")),
        "{}",
        out.describe()
    );
    eprintln!(
        "loadgen vs {} ({n} connections):\n{}",
        server.name, out.stdout
    );
    out.stdout
}

fn tail(s: &str, max: usize) -> &str {
    let mut start = s.len().saturating_sub(max);
    while !s.is_char_boundary(start) {
        start += 1;
    }
    &s[start..]
}

#[test]
fn loadgen_verifies_every_accept_from_python_websockets_server() {
    require_python_websockets();
    let mut cmd = Command::new(python());
    cmd.arg(peers().join("server.py")).arg("0");
    let server = Server::start("python websockets server", cmd);
    loadgen(&server, 2000, &["--seed", "42"]);
}

#[test]
fn loadgen_verifies_every_accept_from_node_ws_server() {
    require_node_ws();
    let mut cmd = Command::new("node");
    cmd.arg(peers().join("server.mjs")).arg("0");
    let server = Server::start("node ws server", cmd);
    loadgen(&server, 1000, &[]);
}

#[test]
fn loadgen_ten_thousand_connections_to_c_server() {
    // More connections than a default fd limit of 1024 allows at once: bounded concurrency.
    let mut server = c_server();
    loadgen(&server, 10_000, &["--seed", "7"]);
    server.assert_alive();
}

/// A valid raw handshake on a fresh connection; returns the status line.
fn raw_handshake_status(port: u16) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n").as_bytes())
        .unwrap();
    let mut reply = Vec::new();
    let mut buf = [0u8; 512];
    while !reply.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
        }
    }
    status_line(&String::from_utf8_lossy(&reply)).to_string()
}

#[test]
fn hostile_keys_huge_headers_and_a_slow_loris() {
    let mut server = c_server();
    let port = server.port;

    // Slow loris: a plausible request, one byte every 200 ms, never finished. It must not hold
    // up anyone, and the server must drop it at its 10 s handshake deadline (answering 408).
    let mut loris_request = upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n");
    loris_request.truncate(loris_request.len() - 2); // no final empty line: never complete
    loris_request.push_str(&format!("X-Slow: {}", "a".repeat(1000)));
    let loris = thread::spawn(move || {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        let start = Instant::now();
        let mut reply = Vec::new();
        s.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        for &b in loris_request.as_bytes() {
            if s.write_all(&[b]).is_err() {
                break;
            }
            let mut buf = [0u8; 512];
            match s.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => reply.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                Err(_) => break,
            }
            if start.elapsed() > Duration::from_secs(20) {
                break;
            }
        }
        (
            start.elapsed(),
            String::from_utf8_lossy(&reply).into_owned(),
        )
    });

    let valid = "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    // The request head without its final empty line, for raw-byte headers.
    let open_head = upgrade_request("");
    let open_head = &open_head.as_bytes()[..open_head.len() - 2];
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "empty key",
            upgrade_request("Sec-WebSocket-Key:\r\n").into_bytes(),
        ),
        (
            "key of OWS only",
            upgrade_request("Sec-WebSocket-Key:  \t \r\n").into_bytes(),
        ),
        (
            "key with a NUL",
            upgrade_request("Sec-WebSocket-Key: dGhlIHNh\0XBsZSBub25jZQ==\r\n").into_bytes(),
        ),
        (
            "key with a non-ASCII byte",
            [
                open_head,
                &b"Sec-WebSocket-Key: dGhlIHNh\xc3\xa9BsZSBub25jZQ==\r\n\r\n"[..],
            ]
            .concat(),
        ),
        (
            "unpadded key",
            upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ\r\n").into_bytes(),
        ),
        (
            "overlong key (4000 base64 characters)",
            upgrade_request(&format!("Sec-WebSocket-Key: {}==\r\n", "QUFB".repeat(1000)))
                .into_bytes(),
        ),
        (
            "duplicated key, second one different",
            upgrade_request(&format!(
                "{valid}Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n"
            ))
            .into_bytes(),
        ),
    ];
    for (what, request) in &cases {
        let reply = raw_exchange(port, request);
        assert!(
            reply.starts_with("HTTP/1.1 400 "),
            "{what}: expected 400, got {:?}",
            status_line(&reply)
        );
        assert!(!reply.contains("101"), "{what}: {reply:?}");
        server.assert_alive();
    }

    // A 1 MB header line: the server answers 431 once its 8 KiB request buffer is full and
    // discards the rest. Written from a second thread so the reply is read while sending.
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut writer = s.try_clone().unwrap();
    let sender = thread::spawn(move || {
        let head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Huge: ";
        let _ = writer.write_all(head.as_bytes());
        let _ = writer.write_all(&vec![b'a'; 1 << 20]);
        let _ = writer.write_all(b"\r\n\r\n");
    });
    let mut reply = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n @ 1..) = s.read(&mut buf) {
        reply.extend_from_slice(&buf[..n]);
    }
    let _ = sender.join();
    let reply = String::from_utf8_lossy(&reply);
    assert!(
        reply.starts_with("HTTP/1.1 431 "),
        "1 MB header line: got {:?}",
        status_line(&reply)
    );
    server.assert_alive();

    // While the loris trickles, ordinary clients are served at once.
    for _ in 0..3 {
        let t = Instant::now();
        assert_eq!(
            raw_handshake_status(port),
            "HTTP/1.1 101 Switching Protocols"
        );
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "handshake delayed by the loris"
        );
        thread::sleep(Duration::from_millis(500));
    }

    let (lasted, loris_reply) = loris.join().unwrap();
    assert!(
        loris_reply.starts_with("HTTP/1.1 408 "),
        "slow loris should get 408, got {loris_reply:?} after {lasted:?}"
    );
    assert!(
        lasted >= Duration::from_secs(9) && lasted < Duration::from_secs(15),
        "slow loris dropped after {lasted:?} (handshake deadline is 10 s)"
    );
    server.assert_alive();
    assert_eq!(
        raw_handshake_status(port),
        "HTTP/1.1 101 Switching Protocols"
    );
}

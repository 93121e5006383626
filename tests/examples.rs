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

/// The C server with `--batch`: the heads complete in one wakeup answered by one batch call.
fn c_batch_server() -> Server {
    let mut cmd = Command::new(examples().join("server"));
    cmd.args(["--batch", "0"]);
    Server::start("C server --batch", cmd)
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
fn batch_server_serves_python_and_node_clients_and_refuses_bad_requests() {
    require_python_websockets();
    require_node_ws();
    let mut server = c_batch_server();
    for (client, interpreter, ok) in [
        ("client.py", python(), "python client: OK 20"),
        ("client.mjs", "node".to_string(), "node client: OK 20"),
    ] {
        let mut cmd = Command::new(interpreter);
        cmd.arg(peers().join(client))
            .arg(server.port.to_string())
            .arg("20");
        let out = run(cmd, Duration::from_secs(60));
        assert!(
            out.ok() && out.stdout.contains(ok),
            "{client} against --batch: {}\nserver stderr:\n{}",
            out.describe(),
            server.stderr()
        );
    }
    for (request, want) in [
        (
            upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n")
                .replace("Version: 13", "Version: 8"),
            "HTTP/1.1 426 ",
        ),
        (upgrade_request(""), "HTTP/1.1 400 "),
        (
            upgrade_request(&format!("X-Filler: {}\r\n", "a".repeat(9000))),
            "HTTP/1.1 431 ",
        ),
        // An unfinished head with a bare LF is refused as soon as it is read, not at the
        // handshake timeout (raw_exchange waits 5 s, the timeout is 10 s).
        (
            "GET /chat HTTP/1.1\nHost: 127.0.0.1\r\n".to_string(),
            "HTTP/1.1 400 ",
        ),
    ] {
        let reply = raw_exchange(server.port, request.as_bytes());
        assert!(reply.starts_with(want), "{want}: {reply:?}");
    }
    let reply = raw_exchange(
        server.port,
        upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n").as_bytes(),
    );
    assert!(
        reply.contains("\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{reply:?}"
    );
    server.assert_alive();
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

/// Opens a WebSocket connection with a raw handshake and returns the stream after the 101.
fn ws_connect(port: u16) -> Result<TcpStream, String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| format!("connect: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    s.write_all(upgrade_request("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n").as_bytes())
        .map_err(|e| format!("send request: {e}"))?;
    // Byte by byte up to the blank line, so no byte after the head is consumed with it.
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte) {
            Ok(1) => head.push(byte[0]),
            Ok(_) => return Err(format!("closed after {:?}", String::from_utf8_lossy(&head))),
            Err(e) => return Err(format!("reading the response: {e}")),
        }
    }
    let head = String::from_utf8_lossy(&head);
    if head.starts_with("HTTP/1.1 101 ") {
        Ok(s)
    } else {
        Err(format!("status {:?}", status_line(&head)))
    }
}

/// Sends one masked text frame and returns the payload of the echo (read timeout 2 s).
fn ws_echo(s: &mut TcpStream, payload: &[u8]) -> Result<Vec<u8>, String> {
    assert!(payload.len() < 126);
    let mask = [0x5a, 0x13, 0xc7, 0x01];
    let mut frame = vec![0x81, 0x80 | payload.len() as u8];
    frame.extend_from_slice(&mask);
    frame.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    s.write_all(&frame)
        .map_err(|e| format!("send frame: {e}"))?;
    let mut hdr = [0u8; 2];
    s.read_exact(&mut hdr)
        .map_err(|e| format!("read echo header: {e}"))?;
    if hdr[0] != 0x81 || hdr[1] as usize != payload.len() {
        return Err(format!("unexpected frame header {hdr:02x?}"));
    }
    let mut echo = vec![0u8; payload.len()];
    s.read_exact(&mut echo)
        .map_err(|e| format!("read echo payload: {e}"))?;
    Ok(echo)
}

/// CPU time (user + system) a process has used so far, from /proc/PID/stat.
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("read /proc/PID/stat");
    // The fields after the command name (which may hold spaces) start at field 3, the state;
    // utime and stime are fields 14 and 15, in clock ticks.
    let rest = &stat[stat.rfind(')').expect("comm in /proc/PID/stat") + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap();
    // SAFETY: sysconf only reads a configuration value.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    assert!(hz > 0, "sysconf(_SC_CLK_TCK)");
    Duration::from_millis(ticks * 1000 / hz as u64)
}

fn open_fds(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

/// Issue 8, item 2: with its descriptors exhausted the server used to retry `accept4` forever
/// (EMFILE comes before the backlog is looked at), never returning to `epoll_wait`: one core
/// burnt, established clients no longer served, and the flood's connections never freed, so
/// it reset every client from then on. Now it keeps serving during the flood, does not spin,
/// and accepts again as soon as the flood is gone.
#[test]
fn fd_flood_past_the_limit_neither_spins_nor_stops_the_server() {
    const LIMIT: usize = 256;
    const FLOOD: usize = 300;
    let mut cmd = Command::new("sh");
    // `ulimit -n` sets both limits, so the server cannot raise its soft limit past it.
    cmd.arg("-c")
        .arg(format!("ulimit -n {LIMIT} && exec \"$0\" 0"))
        .arg(examples().join("server"));
    let mut server = Server::start("C server under ulimit -n 256", cmd);
    let (port, pid) = (server.port, server.child.id());

    let mut established = ws_connect(port).expect("handshake before the flood");
    assert_eq!(ws_echo(&mut established, b"before").unwrap(), b"before");

    let cpu_before = cpu_time(pid);
    let flood_start = Instant::now();
    // The kernel completes each TCP handshake into the backlog, whatever the server does.
    let flood: Vec<TcpStream> = (0..FLOOD)
        .map(|i| {
            TcpStream::connect(("127.0.0.1", port))
                .unwrap_or_else(|e| panic!("flood connection {i}: {e}"))
        })
        .collect();
    // The flood must really reach the limit, or this test proves nothing.
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_fds(pid) < LIMIT - 4 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    let held = open_fds(pid);
    assert!(
        held >= LIMIT - 4,
        "the flood should exhaust the server's descriptors; it holds {held}"
    );
    // At the limit, with more clients waiting: the established client is still served...
    thread::sleep(Duration::from_millis(500));
    let during = ws_echo(&mut established, b"during");
    // ...and the server sleeps in epoll_wait instead of retrying accept4.
    let flood_wall = flood_start.elapsed();
    let flood_cpu = cpu_time(pid) - cpu_before;
    server.assert_alive();
    assert_eq!(
        during.as_deref(),
        Ok(&b"during"[..]),
        "established client not served during the flood (server CPU {flood_cpu:?} in \
         {flood_wall:?})"
    );
    // Accepting and dropping a few hundred connections takes milliseconds; a spinning server
    // takes all the CPU it can get for the whole time.
    assert!(
        flood_cpu < Duration::from_millis(300) && flood_cpu < flood_wall / 4,
        "server used {flood_cpu:?} of CPU in {flood_wall:?} during the flood (spinning)"
    );

    // The flood goes away: the server sees the EOFs, frees the descriptors and accepts again.
    drop(flood);
    let recovery = Instant::now();
    let mut fresh = loop {
        match ws_connect(port) {
            Ok(s) => break s,
            Err(e) if recovery.elapsed() > Duration::from_secs(5) => {
                panic!(
                    "no new handshake within 5 s of the flood's end (last: {e}); the server \
                     holds {} descriptors",
                    open_fds(pid)
                )
            }
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    };
    let recovered_after = recovery.elapsed();
    assert_eq!(ws_echo(&mut fresh, b"after").unwrap(), b"after");
    assert_eq!(ws_echo(&mut established, b"still").unwrap(), b"still");
    let deadline = Instant::now() + Duration::from_secs(5);
    while open_fds(pid) > 16 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(20));
    }
    assert!(
        open_fds(pid) <= 16,
        "the flood's descriptors were not freed: {} still open",
        open_fds(pid)
    );
    let idle_cpu = cpu_time(pid);
    thread::sleep(Duration::from_millis(500));
    let idle_used = cpu_time(pid) - idle_cpu;
    assert!(
        idle_used < Duration::from_millis(100),
        "server used {idle_used:?} of CPU in 500 ms idle after the flood"
    );
    eprintln!(
        "flood of {FLOOD} under a limit of {LIMIT}: {held} descriptors held, {flood_cpu:?} CPU \
         in {flood_wall:?}, new handshake {recovered_after:?} after the flood ended"
    );
    server.assert_alive();
}

/// What a capturing server saw on one connection: the request's `Host` value and the masking
/// key of the client's close frame.
#[derive(Debug)]
struct Captured {
    host: String,
    mask: [u8; 4],
}

/// What a capturing server sends for each connection it served: the capture or what went wrong.
type Captures = mpsc::Receiver<Result<Captured, String>>;

/// Serves one upgrade on `s` like a correct server, then reads the client's close frame:
/// it must be a masked close (opcode 8) whose two payload bytes unmask to code 1000.
fn capture_connection(mut s: TcpStream) -> Result<Captured, String> {
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf) {
            Ok(n @ 1..) => head.extend_from_slice(&buf[..n]),
            other => return Err(format!("request head not read: {other:?}")),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let header = |name: &str| {
        head.split("\r\n").skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    };
    let host = header("Host").ok_or("no Host header")?;
    let key = header("Sec-WebSocket-Key").ok_or("no Sec-WebSocket-Key header")?;
    let reply = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        reference_accept(&key)
    );
    s.write_all(reply.as_bytes()).map_err(|e| e.to_string())?;
    let mut frame = [0u8; 8];
    s.read_exact(&mut frame)
        .map_err(|e| format!("close frame: {e}"))?;
    if frame[0] != 0x88 || frame[1] != 0x82 {
        return Err(format!("not a masked 2-byte close frame: {frame:02x?}"));
    }
    let mask = [frame[2], frame[3], frame[4], frame[5]];
    if [frame[6] ^ mask[0], frame[7] ^ mask[1]] != [0x03, 0xe8] {
        return Err(format!(
            "close payload does not unmask to 1000: {frame:02x?}"
        ));
    }
    let _ = s.write_all(&[0x88, 0x02, 0x03, 0xe8]);
    Ok(Captured { host, mask })
}

/// A WebSocket server listening on every address of `addrs` with one port (`port`, or one the
/// kernel picks when 0) for `connections` connections in all; each connection's
/// [`capture_connection`] result is sent on the channel. None if the port cannot be bound on
/// all of them. The loadgen is built first, so no connection waits on the build.
fn capturing_server(addrs: &[&str], port: u16, connections: usize) -> Option<(u16, Captures)> {
    examples();
    let listeners = (0..20).find_map(|_| {
        let first = std::net::TcpListener::bind((addrs[0], port)).ok()?;
        let port = first.local_addr().unwrap().port();
        let mut all = vec![first];
        for addr in &addrs[1..] {
            all.push(std::net::TcpListener::bind((*addr, port)).ok()?);
        }
        Some((port, all))
    })?;
    let (port, listeners) = listeners;
    let (tx, rx) = mpsc::channel();
    let left = Arc::new(std::sync::atomic::AtomicUsize::new(connections));
    for listener in listeners {
        let (tx, left) = (tx.clone(), Arc::clone(&left));
        // Blocking accepts with no deadline of its own: the test's loadgen run has one. A
        // listener that gets none of the connections blocks until the test process ends.
        thread::spawn(move || {
            while left.load(std::sync::atomic::Ordering::SeqCst) > 0 {
                let Ok((s, _)) = listener.accept() else {
                    continue;
                };
                left.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                let tx = tx.clone();
                thread::spawn(move || {
                    let _ = tx.send(capture_connection(s));
                });
            }
        });
    }
    Some((port, rx))
}

/// Runs the loadgen against `host` `port` and collects what the capturing server saw of its
/// `n` connections, asserting that every handshake passed on both sides.
fn loadgen_captured(
    host: &str,
    port: &str,
    rx: Captures,
    n: usize,
    extra: &[&str],
) -> Vec<Captured> {
    let mut cmd = Command::new(examples().join("loadgen"));
    // These runs check what is sent, not how fast: a long handshake timeout keeps a loaded
    // machine (this server spawns a thread per connection) from failing them.
    cmd.args([host, port, &n.to_string(), "--timeout-ms", "60000"])
        .args(extra);
    let out = run(cmd, Duration::from_secs(300));
    assert!(out.ok(), "loadgen {host} {port} failed: {}", out.describe());
    assert!(
        out.stdout.contains(&format!("verified: {n}/{n}")),
        "{}",
        out.describe()
    );
    (0..n)
        .map(|i| {
            rx.recv_timeout(Duration::from_secs(30))
                .unwrap_or_else(|_| panic!("connection {i} of {n} never reached the server"))
                .unwrap_or_else(|e| panic!("connection {i} of {n}: {e}"))
        })
        .collect()
}

/// RFC 6455 §5.3: every frame a client sends is masked with a fresh, unpredictable key. Over
/// 10,000 close frames (one per connection, over IPv6 loopback) 32-bit keys drawn at random
/// repeat with probability about 1% for one pair, so more than two of a kind, or more than
/// three repeated keys, or a zero key, means the keys are not fresh random draws.
#[test]
fn loadgen_masks_every_frame_with_a_fresh_random_key() {
    const N: usize = 10_000;
    let (port, rx) = capturing_server(&["::1"], 0, N).expect("bind [::1]");
    let seen = loadgen_captured("::1", &port.to_string(), rx, N, &[]);
    let mut counts = std::collections::HashMap::new();
    for c in &seen {
        assert_eq!(c.host, format!("[::1]:{port}"));
        *counts.entry(c.mask).or_insert(0usize) += 1;
    }
    assert!(!counts.contains_key(&[0; 4]), "a zero masking key was sent");
    let repeated: Vec<_> = counts.iter().filter(|(_, &k)| k > 1).collect();
    assert!(
        repeated.len() <= 3 && repeated.iter().all(|(_, &k)| k <= 2),
        "masking keys repeat beyond chance: {repeated:?}"
    );
}

/// `--seed` makes the masks reproducible, as it does the keys: the same seed gives the same
/// masks (as a set: connections reach the server in any order), another seed others.
#[test]
fn loadgen_seeded_masks_are_reproducible() {
    const N: usize = 300;
    let masks = |seed: &str| {
        let (port, rx) = capturing_server(&["127.0.0.1"], 0, N).expect("bind 127.0.0.1");
        let mut m: Vec<[u8; 4]> =
            loadgen_captured("127.0.0.1", &port.to_string(), rx, N, &["--seed", seed])
                .iter()
                .map(|c| c.mask)
                .collect();
        m.sort();
        m
    };
    let (a, b, other) = (masks("9"), masks("9"), masks("10"));
    assert_eq!(a, b, "the same seed gave other masks");
    let common = a.iter().filter(|m| other.binary_search(m).is_ok()).count();
    assert!(common <= 1, "seeds 9 and 10 share {common} of {N} masks");
}

/// A TCP service name from /etc/services with a port of 1024 or more that both loopback
/// addresses can bind now, with a capturing server on it.
fn service_with_capturing_server(connections: usize) -> Option<(String, u16, Captures)> {
    let services = std::fs::read_to_string("/etc/services").ok()?;
    services.lines().find_map(|line| {
        let mut fields = line.split_whitespace();
        let name = fields.next()?;
        let port: u16 = fields.next()?.strip_suffix("/tcp")?.parse().ok()?;
        if name.starts_with('#') || port < 1024 {
            return None;
        }
        let (port, rx) = capturing_server(&["127.0.0.1"], port, connections)?;
        Some((name.to_string(), port, rx))
    })
}

/// RFC 9112 §3.2 and RFC 3986 §3.2.2: `Host` is the host as a URI has it (an IPv6 literal in
/// brackets) and the port as a number; the default port 80 may be left out.
#[test]
fn loadgen_writes_host_as_rfc9112_says_for_every_address_form() {
    const N: usize = 3;
    let check = |host: &str, port: &str, rx, want: &str| {
        for c in loadgen_captured(host, port, rx, N, &[]) {
            assert_eq!(c.host, want, "loadgen {host} {port}");
        }
    };
    let (port, rx) = capturing_server(&["::1"], 0, N).expect("bind [::1]");
    check("::1", &port.to_string(), rx, &format!("[::1]:{port}"));
    let (port, rx) = capturing_server(&["::1"], 0, N).expect("bind [::1]");
    check("[::1]", &port.to_string(), rx, &format!("[::1]:{port}"));
    // localhost may resolve to either loopback address first: listen on both.
    let (port, rx) = capturing_server(&["127.0.0.1", "::1"], 0, N).expect("bind loopback");
    check(
        "localhost",
        &port.to_string(),
        rx,
        &format!("localhost:{port}"),
    );
    let (service, port, rx) =
        service_with_capturing_server(N).expect("no bindable service name in /etc/services");
    check("127.0.0.1", &service, rx, &format!("127.0.0.1:{port}"));
    match capturing_server(&["127.0.0.1"], 80, N) {
        Some((_, rx)) => check("127.0.0.1", "http", rx, "127.0.0.1"),
        None => eprintln!("SKIPPED the default-port case: port 80 cannot be bound here"),
    }
}

/// A host that is not a host name, an IPv4 address or an IPv6 literal would break the
/// request's Host line (or add lines to it): refused before any connection, exit 2.
#[test]
fn loadgen_refuses_hosts_that_would_break_the_host_line() {
    for host in [
        "",
        "[]",
        "a b",
        "evil\r\nX-Injected: 1",
        "host:80",
        "user@host",
        "[127.0.0.1]",
        "[::1",
        "::1%",
        "fe80::1%a b",
        "h/x",
    ] {
        let mut cmd = Command::new(examples().join("loadgen"));
        cmd.args([host, "9", "1"]);
        let out = run(cmd, Duration::from_secs(10));
        assert_eq!(
            out.status.and_then(|s| s.code()),
            Some(2),
            "host {host:?}: {}",
            out.describe()
        );
        assert!(
            out.stderr.contains("loadgen:"),
            "host {host:?}: {}",
            out.describe()
        );
    }
}

/// The accept for `key`, computed here with the `sha1` and `base64` crates (not the library
/// under test), so that a broken-server variant differs from a good response only where meant.
fn reference_accept(key: &str) -> String {
    use base64::Engine;
    use sha1::{Digest, Sha1};
    let mut h = Sha1::new();
    h.update(key.as_bytes());
    h.update(b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
    base64::engine::general_purpose::STANDARD.encode(h.finalize())
}

/// A server on 127.0.0.1 that answers `connections` upgrade requests with `template`, where
/// `{A}` stands for the right accept of the request's key and `{W}` for a wrong one. Returns
/// its port.
fn scripted_server(template: &'static str, connections: usize) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    thread::spawn(move || {
        for _ in 0..connections {
            let Ok((mut s, _)) = listener.accept() else {
                return;
            };
            thread::spawn(move || {
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                let mut head = Vec::new();
                let mut buf = [0u8; 1024];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match s.read(&mut buf) {
                        Ok(n @ 1..) => head.extend_from_slice(&buf[..n]),
                        _ => return,
                    }
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let key = head
                    .lines()
                    .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
                    .expect("loadgen sends Sec-WebSocket-Key");
                let reply = template
                    .replace("{A}", &reference_accept(key))
                    .replace("{W}", &reference_accept("AAAAAAAAAAAAAAAAAAAAAA=="));
                let _ = s.write_all(reply.as_bytes());
                // Close after the reply; a client that liked it sends a close frame and waits
                // for this EOF. Then wait for the client's own close.
                let _ = s.shutdown(std::net::Shutdown::Write);
                while let Ok(1..) = s.read(&mut buf) {}
            });
        }
    });
    port
}

/// Issue 8, item 5: loadgen used to take `HTTP/1.1 1010 Weird` for a 101 (it compared 12
/// bytes) and never looked at `Upgrade` or `Connection`. Every response RFC 6455 §4.1 tells a
/// client to fail must now count as a failed handshake, with its reason; responses the RFC
/// allows (no reason phrase, other letter case, `Connection` lists) must still pass.
#[test]
fn loadgen_fails_every_handshake_rfc6455_says_to_fail() {
    const N: usize = 3;
    // (what, response, the failure reason loadgen must give; None: must pass)
    let cases: &[(&str, &'static str, Option<&str>)] = &[
        (
            "a correct response",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            None,
        ),
        (
            "no reason phrase, lower-case names, mixed-case values, a Connection list, OWS",
            "HTTP/1.1 101\r\nupgrade:WebSocket \r\nconnection: keep-alive,\tUPGRADE\r\n\
             sec-websocket-accept:  {A}\r\n\r\n",
            None,
        ),
        (
            "status 1010",
            "HTTP/1.1 1010 Weird\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("status"),
        ),
        (
            "no space after 101",
            "HTTP/1.1 101Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("status"),
        ),
        (
            "HTTP/1.0",
            "HTTP/1.0 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("status"),
        ),
        (
            "200 with the right headers",
            "HTTP/1.1 200 OK\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("status"),
        ),
        (
            "no Upgrade",
            "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("upgrade"),
        ),
        (
            "Upgrade: h2c",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("upgrade"),
        ),
        (
            "Upgrade: websockets",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websockets\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("upgrade"),
        ),
        (
            "Upgrade only in another header's name",
            "HTTP/1.1 101 Switching Protocols\r\nX-Upgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("upgrade"),
        ),
        (
            "no Connection",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("connection"),
        ),
        (
            "Connection: keep-alive",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: keep-alive\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("connection"),
        ),
        (
            "Connection: Upgraded",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgraded\r\n\
             Sec-WebSocket-Accept: {A}\r\n\r\n",
            Some("connection"),
        ),
        (
            "no accept",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
            Some("accept"),
        ),
        (
            "two accepts",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {A}\r\nSec-WebSocket-Accept: {A}\r\n\r\n",
            Some("accept"),
        ),
        (
            "the accept of another key",
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
             Sec-WebSocket-Accept: {W}\r\n\r\n",
            Some("mismatch"),
        ),
    ];
    for &(what, template, reason) in cases {
        let port = scripted_server(template, N);
        let mut cmd = Command::new(examples().join("loadgen"));
        cmd.args(["127.0.0.1", &port.to_string(), &N.to_string()])
            .args(["--seed", "5", "--timeout-ms", "5000"]);
        let out = run(cmd, Duration::from_secs(30));
        assert!(out.status.is_some(), "{what}: {}", out.describe());
        match reason {
            None => {
                assert!(out.ok(), "{what}: must pass: {}", out.describe());
                assert!(
                    out.stdout.contains(&format!("verified: {N}/{N}")),
                    "{what}: {}",
                    out.describe()
                );
            }
            Some("mismatch") => {
                assert!(!out.ok(), "{what}: must fail: {}", out.describe());
                assert!(
                    out.stdout.contains(&format!("mismatches: {N}")),
                    "{what}: {}",
                    out.describe()
                );
            }
            Some(reason) => {
                assert!(!out.ok(), "{what}: must fail: {}", out.describe());
                assert!(
                    out.stdout
                        .contains(&format!("handshakes ok: 0  failed: {N}  {reason}: {N}\n")),
                    "{what}: every handshake must fail as {reason}: {}",
                    out.describe()
                );
                assert!(
                    out.stderr.contains(&format!("failed ({reason}): ")),
                    "{what}: the reason must be shown: {}",
                    out.describe()
                );
            }
        }
    }
}

/// Issue 8, item 7 (Makefile): `make -C examples/c CFLAGS=...` used to replace the Makefile's
/// own `CFLAGS += ... -I../../include`, so the header was not found. The user's CFLAGS,
/// CPPFLAGS and LDLIBS must add to what the build needs, not replace it. Built in a copy of the
/// tree's layout (`examples/c` next to `include`), so the default relative paths are the ones
/// tested and the shared `examples/c` build of the other tests is not disturbed.
#[test]
fn make_keeps_its_own_flags_when_the_user_sets_cflags() {
    let lib_dir = library_dir().unwrap_or_else(|e| panic!("{e}"));
    let work = common::clibs::profile_dir().join("examples-make-flags");
    let _ = std::fs::remove_dir_all(&work);
    let dir = work.join("examples/c");
    std::fs::create_dir_all(&dir).expect("create the build directory");
    for file in ["Makefile", "server.c", "loadgen.c", "http.h"] {
        std::fs::copy(root().join("examples/c").join(file), dir.join(file)).expect("copy");
    }
    std::os::unix::fs::symlink(root().join("include"), work.join("include"))
        .expect("symlink include/");
    let out = Command::new("make")
        .arg("-C")
        .arg(&dir)
        .arg(format!("WSACCEPT_LIB={}", lib_dir.display()))
        .args([
            "CFLAGS=-O1 -g",
            "CPPFLAGS=-DWSACCEPT_EXAMPLE_TEST=1",
            "LDLIBS=-lm",
        ])
        .output()
        .expect("run make");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success(),
        "make with the user's CFLAGS failed:\n{log}"
    );
    for flag in [
        "-I../../include",
        "-O1 -g",
        "-DWSACCEPT_EXAMPLE_TEST=1",
        "libwsaccept.a",
    ] {
        assert!(log.contains(flag), "{flag} missing from the build:\n{log}");
    }
    // The binaries work: the server answers a handshake.
    let mut server = Server::start("C server built with CFLAGS=-O1 -g", {
        let mut cmd = Command::new(dir.join("server"));
        cmd.arg("0");
        cmd
    });
    assert_eq!(
        raw_handshake_status(server.port),
        "HTTP/1.1 101 Switching Protocols"
    );
    server.assert_alive();
}

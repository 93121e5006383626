//! The single-key path (`accept`, `accept_lenient`, `verify`, and the batches and tails too
//! short for a batch backend's kernel): the bytes of the independent oracle for random keys, the
//! scalar rules' exact error for every byte value at every position, 1-, 2- and 3-key batches at
//! every alignment through every backend, and the choice of path with and without
//! `WSACCEPT_BACKEND=portable`.

mod common;

use common::{oracle, Rng};
use wsaccept::{Backend, BackendKind, BatchOptions, KeyError, KeyStatus, ACCEPT_LEN, KEY_LEN};

/// What the single-key path must give for a key: the scalar rules' verdict (`parse_strict`:
/// OWS trimmed, then the strict rules), and the oracle's accept when they pass.
fn reference(key: &[u8]) -> Result<String, KeyError> {
    wsaccept::parse_strict(key).map(|k| oracle(k))
}

/// The lenient call's reference: the trimmed bytes through the oracle.
fn lenient_reference(key: &[u8]) -> Result<String, KeyError> {
    wsaccept::parse_lenient(key).map(oracle)
}

#[test]
fn random_keys_match_the_oracle() {
    let mut rng = Rng(25);
    for i in 0..100_000 {
        let key = rng.valid_key();
        let want = oracle(&key);
        let got = wsaccept::accept(key).unwrap();
        assert_eq!(got.as_str(), want, "key {i}: {key:?}");
        assert_eq!(wsaccept::accept_lenient(key).unwrap().as_str(), want);
        assert_eq!(wsaccept::verify(key, &want), Ok(true));
        // A lenient 24-byte key the strict rules refuse is hashed as given.
        let mut bent = key;
        bent[rng.below(KEY_LEN)] = b'-';
        let got = wsaccept::accept_lenient(bent).unwrap();
        assert_eq!(got.as_str(), oracle(&bent), "lenient {bent:?}");
    }
}

#[test]
fn every_byte_at_every_position() {
    let mut rng = Rng(7);
    for round in 0..4 {
        let base = rng.valid_key();
        for pos in 0..KEY_LEN {
            for byte in 0..=255u8 {
                let mut key = base;
                key[pos] = byte;
                let want = reference(&key);
                let got = wsaccept::accept(key).map(|a| a.as_str().to_owned());
                assert_eq!(got, want, "round {round} pos {pos} byte {byte:#04x}");
                // `verify` reports the same error, or the match.
                let verdict = wsaccept::verify(key, oracle(&key));
                assert_eq!(
                    verdict,
                    want.map(|_| true),
                    "verify pos {pos} byte {byte:#04x}"
                );
                let lenient = wsaccept::accept_lenient(key).map(|a| a.as_str().to_owned());
                assert_eq!(lenient, lenient_reference(&key));
            }
        }
    }
}

/// Every kind of strict error at every position it can be at, with OWS around the key.
#[test]
fn every_strict_error_at_every_position() {
    let mut rng = Rng(11);
    for _ in 0..2000 {
        let (key, status) = rng.invalid_key();
        let err = wsaccept::accept(key).unwrap_err();
        assert_eq!(Err(err), reference(&key), "{key:?}");
        if wsaccept::trim_ows(&key).len() == KEY_LEN {
            // Not a key that trimming shortened: the rules' error for its own bytes.
            assert_eq!(err.status(), status, "{key:?}");
            let padded = [b" \t".as_slice(), &key, b" "].concat();
            assert_eq!(wsaccept::accept(&padded).unwrap_err(), err);
        }
    }
    for len in [0, 1, 23, 25, 60] {
        let key = vec![b'A'; len];
        assert_eq!(wsaccept::accept(&key), Err(KeyError::Length { len }));
    }
}

/// One, two and three keys (alone, and as the tail after full groups) through every backend,
/// keys and accepts at every byte offset, valid and invalid keys in every slot.
#[test]
fn tiny_batches_and_tails_at_every_alignment() {
    let mut rng = Rng(3);
    for backend in Backend::available() {
        let opts = BatchOptions::default().backend(backend).threads(1);
        for full in [0, backend.lanes(), 2 * backend.lanes()] {
            for tail in 1..=3 {
                let n = full + tail;
                for invalid_at in (0..n).map(Some).chain([None]) {
                    let keys: Vec<[u8; KEY_LEN]> = (0..n)
                        .map(|i| {
                            if Some(i) == invalid_at {
                                rng.invalid_key().0
                            } else {
                                rng.valid_key()
                            }
                        })
                        .collect();
                    for offset in 0..16 {
                        let mut kbuf = vec![0u8; offset + n * KEY_LEN];
                        kbuf[offset..].copy_from_slice(keys.as_flattened());
                        let mut obuf = vec![0xA5u8; offset + n * ACCEPT_LEN];
                        let mut st = vec![KeyStatus::Ok; n];
                        let bad = wsaccept::accept_batch(
                            &kbuf[offset..],
                            &mut obuf[offset..],
                            Some(&mut st[..]),
                            &opts,
                        )
                        .unwrap();
                        assert_eq!(bad, usize::from(invalid_at.is_some()));
                        for (i, key) in keys.iter().enumerate() {
                            let slot = &obuf[offset + i * ACCEPT_LEN..][..ACCEPT_LEN];
                            match reference(key) {
                                Ok(want) => {
                                    assert_eq!(st[i], KeyStatus::Ok);
                                    assert_eq!(
                                        slot,
                                        want.as_bytes(),
                                        "{} n={n} key {i} offset {offset}",
                                        backend.name()
                                    );
                                }
                                Err(e) => {
                                    assert_eq!(st[i], e.status(), "{} n={n}", backend.name());
                                    assert_eq!(slot, [0u8; ACCEPT_LEN]);
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// The backend the single-key path must use here: the reference when `WSACCEPT_BACKEND` forces
/// it, else the CPU's SHA instructions when it has them.
fn expected_single_key() -> BackendKind {
    if std::env::var("WSACCEPT_BACKEND").as_deref() == Ok("portable") {
        return BackendKind::Portable;
    }
    BackendKind::ALL
        .iter()
        .copied()
        .rfind(|k| k.is_available() && matches!(k.name(), "shani" | "armsha1"))
        .unwrap_or(BackendKind::Portable)
}

/// In a child process (`WSACCEPT_TEST_CHILD` set): the single-key path is the expected one under
/// the parent's `WSACCEPT_BACKEND`, and gives the oracle's bytes.
#[test]
fn single_key_child() {
    if std::env::var_os("WSACCEPT_TEST_CHILD").is_none() {
        return; // Not a child: nothing to check.
    }
    assert_eq!(Backend::single_key().kind(), expected_single_key());
    let mut rng = Rng(5);
    for _ in 0..10_000 {
        let key = rng.valid_key();
        assert_eq!(wsaccept::accept(key).unwrap().as_str(), oracle(&key));
        let (bad, _) = rng.invalid_key();
        assert_eq!(
            wsaccept::accept(bad).map(|a| a.as_str().to_owned()),
            reference(&bad)
        );
    }
}

/// The single-key path forced off (`WSACCEPT_BACKEND=portable`) and left to detection (unset,
/// or a batch backend without a single-key path of its own).
#[test]
fn single_key_forced_on_and_off() {
    let mut values = vec![String::new(), "portable".to_string()];
    values.extend(BackendKind::ALL.iter().map(|k| k.name().to_string()));
    for value in values {
        let exe = std::env::current_exe().unwrap();
        let runner = std::env::var("WSACCEPT_TEST_RUNNER").unwrap_or_default();
        let mut words = runner.split_whitespace();
        let mut cmd = match words.next() {
            Some(emulator) => {
                let mut cmd = std::process::Command::new(emulator);
                cmd.args(words).arg(&exe);
                cmd
            }
            None => std::process::Command::new(&exe),
        };
        let out = cmd
            .args(["--exact", "single_key_child", "--test-threads=1"])
            .env("WSACCEPT_BACKEND", &value)
            .env("WSACCEPT_TEST_CHILD", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success() && String::from_utf8_lossy(&out.stdout).contains("1 passed"),
            "WSACCEPT_BACKEND={value:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

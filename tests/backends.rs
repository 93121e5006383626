//! Every backend this CPU has, against the portable reference: every batch length around the
//! lane widths, invalid keys at every lane position, unaligned buffers, and neighbours of
//! invalid keys untouched. Backends the CPU lacks are named as skipped.

mod common;

use common::{oracle, Rng};
use wsaccept::{Backend, BackendKind, KeyStatus, ACCEPT_LEN, KEY_LEN};

/// Backends to test: all this CPU supports. Prints the ones it has to skip.
fn backends_under_test() -> Vec<Backend> {
    for kind in BackendKind::ALL {
        if !kind.is_available() {
            eprintln!(
                "SKIPPED backend {}: this CPU lacks the instructions",
                kind.name()
            );
        }
    }
    Backend::available().collect()
}

/// Runs `backend` and the reference on the same keys and demands identical bytes and statuses.
fn compare(backend: Backend, keys: &[[u8; KEY_LEN]], strict: bool) {
    let n = keys.len();
    let mut want = vec![[0u8; ACCEPT_LEN]; n];
    let mut want_st = vec![KeyStatus::Ok; n];
    let want_invalid = Backend::portable().accept_keys(keys, &mut want, &mut want_st, strict);

    // Poison the outputs so a slot the backend forgets to write shows up.
    let mut got = vec![[0xA5u8; ACCEPT_LEN]; n];
    let mut got_st = vec![KeyStatus::NonCanonical; n];
    let got_invalid = backend.accept_keys(keys, &mut got, &mut got_st, strict);
    for i in 0..n {
        assert_eq!(
            got_st[i],
            want_st[i],
            "{}: status of key {i} of {n}",
            backend.name()
        );
        assert_eq!(
            got[i],
            want[i],
            "{}: accept of key {i} of {n}",
            backend.name()
        );
    }
    assert_eq!(
        got_invalid,
        want_invalid,
        "{}: invalid count, n={n}",
        backend.name()
    );
}

#[test]
fn reference_matches_oracle() {
    let mut rng = Rng(1);
    let keys: Vec<[u8; KEY_LEN]> = (0..1000).map(|_| rng.valid_key()).collect();
    let mut out = vec![[0u8; ACCEPT_LEN]; keys.len()];
    let mut st = vec![KeyStatus::Ok; keys.len()];
    Backend::portable().accept_keys(&keys, &mut out, &mut st, true);
    for (k, o) in keys.iter().zip(&out) {
        assert_eq!(o.as_slice(), oracle(k).as_bytes());
    }
}

#[test]
fn every_length_valid_keys() {
    let mut rng = Rng(2);
    for backend in backends_under_test() {
        for n in (0..=100).chain([255, 256, 257, 1000, 4099]) {
            let keys: Vec<_> = (0..n).map(|_| rng.valid_key()).collect();
            compare(backend, &keys, true);
        }
    }
}

#[test]
fn invalid_key_at_every_lane_position() {
    let mut rng = Rng(3);
    for backend in backends_under_test() {
        for n in [
            1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 48, 64, 65, 100,
        ] {
            for bad in 0..n {
                let mut keys: Vec<_> = (0..n).map(|_| rng.valid_key()).collect();
                let (key, status) = rng.invalid_key();
                keys[bad] = key;
                compare(backend, &keys, true);
                // And the reference says what the maker of the bad key meant.
                let mut o = [[0u8; ACCEPT_LEN]];
                let mut s = [KeyStatus::Ok];
                Backend::portable().accept_keys(&keys[bad..=bad], &mut o, &mut s, true);
                assert_eq!(s[0], status, "key {:?}", String::from_utf8_lossy(&key));
            }
        }
    }
}

#[test]
fn every_byte_at_every_position() {
    // Each of the 256 byte values in each of the 24 positions of an otherwise valid key.
    let mut rng = Rng(4);
    for backend in backends_under_test() {
        let base = rng.valid_key();
        let mut keys = Vec::with_capacity(256 * KEY_LEN);
        for pos in 0..KEY_LEN {
            for byte in 0..=255u8 {
                let mut k = base;
                k[pos] = byte;
                keys.push(k);
            }
        }
        compare(backend, &keys, true);
        compare(backend, &keys, false);
    }
}

#[test]
fn mixed_batches_and_lenient() {
    let mut rng = Rng(5);
    for backend in backends_under_test() {
        for round in 0..200 {
            let n = rng.below(150);
            let keys: Vec<_> = (0..n)
                .map(|_| {
                    if rng.below(4) == 0 {
                        rng.invalid_key().0
                    } else {
                        rng.valid_key()
                    }
                })
                .collect();
            compare(backend, &keys, round % 2 == 0);
        }
    }
}

#[test]
fn unaligned_buffers() {
    let mut rng = Rng(6);
    for backend in backends_under_test() {
        for offset in 0..8 {
            let n = 37;
            let mut kbuf = vec![0u8; n * KEY_LEN + offset];
            for i in 0..n {
                let k = if i % 5 == 3 {
                    rng.invalid_key().0
                } else {
                    rng.valid_key()
                };
                kbuf[offset + i * KEY_LEN..offset + (i + 1) * KEY_LEN].copy_from_slice(&k);
            }
            let (keys, _) = kbuf[offset..].as_chunks::<KEY_LEN>();
            let mut obuf = vec![0u8; n * ACCEPT_LEN + offset];
            let (out, _) = obuf[offset..].as_chunks_mut::<ACCEPT_LEN>();
            let mut st = vec![KeyStatus::Ok; n];
            backend.accept_keys(keys, out, &mut st, true);
            for i in 0..n {
                // Contiguous slots are keys exactly (no OWS trimming), hence check_strict.
                match wsaccept::check_strict(&keys[i]) {
                    Ok(()) => {
                        let want = oracle(&keys[i]);
                        assert_eq!(
                            want.as_bytes(),
                            &out[i],
                            "{} offset {offset}",
                            backend.name()
                        )
                    }
                    Err(e) => {
                        assert_eq!(st[i], e.status());
                        assert_eq!(out[i], [0; ACCEPT_LEN]);
                    }
                }
            }
        }
    }
}

#[test]
fn forced_backend_is_used_by_batch_calls() {
    let mut rng = Rng(7);
    let keys: Vec<u8> = (0..300).flat_map(|_| rng.valid_key()).collect();
    for backend in backends_under_test() {
        let mut out = vec![0u8; 300 * ACCEPT_LEN];
        let opts = wsaccept::BatchOptions::default().backend(backend);
        assert_eq!(wsaccept::accept_batch(&keys, &mut out, None, &opts), Ok(0));
        for (k, o) in keys.chunks(KEY_LEN).zip(out.chunks(ACCEPT_LEN)) {
            assert_eq!(o, oracle(k).as_bytes());
        }
    }
}

/// In a child process (this binary re-run on this one test, `WSACCEPT_TEST_CHILD` set): the
/// process-wide choice under the `WSACCEPT_BACKEND` the parent set. The child works out what
/// to expect itself, so that it is right wherever it runs (natively, or under an emulator
/// with other CPU features than the parent's host).
#[test]
fn env_child() {
    if std::env::var_os("WSACCEPT_TEST_CHILD").is_none() {
        return; // Not a child: nothing to check.
    }
    let value = std::env::var("WSACCEPT_BACKEND").unwrap_or_default();
    let detected = Backend::detect();
    let (want_active, want_error) = if value.is_empty() {
        (detected, None)
    } else {
        match BackendKind::from_name(&value) {
            None => (
                detected,
                Some(wsaccept::BackendEnvError::UnknownName(value)),
            ),
            Some(kind) => match Backend::new(kind) {
                Some(backend) => (backend, None),
                None => (detected, Some(wsaccept::BackendEnvError::Unsupported(kind))),
            },
        }
    };
    assert_eq!(Backend::active(), want_active);
    assert_eq!(Backend::env_error(), want_error.as_ref());
    // And the reason reads as one: it names the value and the backend used instead.
    if let Some(err) = Backend::env_error() {
        let text = err.to_string();
        assert!(
            text.contains(&format!("using {}", detected.name())),
            "{text}"
        );
    }
}

/// `WSACCEPT_BACKEND` forces every backend this CPU has; a name that is no backend, or one
/// the CPU lacks, is ignored for the detected one and `Backend::env_error` says why.
#[test]
fn env_override_is_honoured_or_explained() {
    let mut values = vec![String::new(), "nope".to_string()];
    values.extend(BackendKind::ALL.iter().map(|k| k.name().to_string()));
    for value in values {
        // Under `WSACCEPT_TEST_RUNNER` (an emulator command line, set by tests/aarch64.sh) the
        // child runs through it, as cargo's runner runs this test: without binfmt_misc a
        // cross-built binary cannot be spawned directly.
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
            .args(["--exact", "env_child", "--test-threads=1"])
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

//! Property tests: the strict rules agree with an independent base64 decoder, accepts agree
//! with the oracle, batches agree with single calls, and nothing panics on arbitrary bytes.

mod common;

use base64::Engine as _;
use common::oracle;
use proptest::prelude::*;
use wsaccept::*;

/// Bytes mostly from the base64 alphabet plus '=', OWS and a few strangers, so that inputs
/// land near the boundary between valid and invalid much more often than uniform bytes do.
fn keyish_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        8 => prop::sample::select(
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".to_vec()
        ),
        2 => Just(b'='),
        1 => prop::sample::select(b" \t-_\0\r\n\x80\xff".to_vec()),
        1 => any::<u8>(),
    ]
}

fn keyish(len: impl Into<prop::collection::SizeRange>) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(keyish_byte(), len)
}

/// A valid key with random OWS around it.
fn valid_key_with_ows() -> impl Strategy<Value = (Vec<u8>, [u8; 16])> {
    (any::<[u8; 16]>(), "[ \t]{0,3}", "[ \t]{0,3}").prop_map(|(nonce, pre, post)| {
        let key = base64::engine::general_purpose::STANDARD.encode(nonce);
        (
            [pre.as_bytes(), key.as_bytes(), post.as_bytes()].concat(),
            nonce,
        )
    })
}

/// Cases per property: 2000, or proptest's own `PROPTEST_CASES` when set (tests/aarch64.sh
/// lowers it under qemu, where each case costs many times what it does natively).
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(cases()))]

    #[test]
    fn strict_accept_equals_oracle_for_valid_keys((key, _) in valid_key_with_ows()) {
        let trimmed = trim_ows(&key);
        let want = oracle(trimmed);
        prop_assert_eq!(accept(&key).unwrap(), want.as_str());
        prop_assert!(verify(&key, oracle(trimmed)).unwrap());
    }

    #[test]
    fn strict_validity_matches_an_independent_decoder(key in keyish(20..28)) {
        // The `base64` crate rejects non-canonical trailing bits and bad padding by default:
        // a key is valid exactly when it decodes to 16 bytes.
        let decoded = base64::engine::general_purpose::STANDARD.decode(trim_ows(&key));
        let valid = matches!(&decoded, Ok(bytes) if bytes.len() == 16);
        let ours = accept(&key);
        prop_assert_eq!(ours.is_ok(), valid, "{:?} -> {:?}", String::from_utf8_lossy(&key), ours);
        if let Ok(a) = ours {
            let want = oracle(trim_ows(&key));
            prop_assert_eq!(a, want.as_str());
        }
    }

    #[test]
    fn lenient_hashes_trimmed_bytes(key in prop::collection::vec(any::<u8>(), 0..300)) {
        let trimmed = trim_ows(&key);
        match accept_lenient(&key) {
            Ok(a) => {
                prop_assert!(!trimmed.is_empty() && trimmed.len() <= MAX_LENIENT_KEY_LEN);
                let want = oracle(trimmed);
                prop_assert_eq!(a, want.as_str());
            }
            Err(KeyError::Empty) => prop_assert!(trimmed.is_empty()),
            Err(KeyError::TooLong { len }) => {
                prop_assert_eq!(len, trimmed.len());
                prop_assert!(len > MAX_LENIENT_KEY_LEN);
            }
            Err(e) => prop_assert!(false, "unexpected lenient error {e:?}"),
        }
    }

    #[test]
    fn nothing_panics_on_arbitrary_bytes(key in prop::collection::vec(any::<u8>(), 0..64),
                                         received in prop::collection::vec(any::<u8>(), 0..40)) {
        let _ = accept(&key);
        let _ = accept_lenient(&key);
        let _ = verify(&key, &received);
        let _ = verify_with_mode(&key, &received, Mode::Lenient);
        let _ = Key::parse(&key);
        if let Err(e) = accept(&key) {
            prop_assert!(!e.to_string().is_empty());
        }
    }

    #[test]
    fn contiguous_batch_equals_single_calls(keys in prop::collection::vec(keyish(24..=24), 0..80),
                                            threads in 0usize..3) {
        let flat: Vec<u8> = keys.concat();
        let n = keys.len();
        let mut out = vec![0xAAu8; n * ACCEPT_LEN];
        let mut status = vec![KeyStatus::Ok; n];
        let opts = BatchOptions::default().threads(threads);
        let invalid = accept_batch(&flat, &mut out, Some(&mut status), &opts).unwrap();
        let mut want_invalid = 0;
        for (i, k) in keys.iter().enumerate() {
            let slot = &out[i * ACCEPT_LEN..(i + 1) * ACCEPT_LEN];
            // Contiguous slots are keys exactly: checked without trimming.
            match check_strict(k.as_slice().try_into().unwrap()) {
                Ok(()) => {
                    prop_assert_eq!(status[i], KeyStatus::Ok);
                    let want = oracle(k);
                    prop_assert_eq!(slot, want.as_bytes());
                }
                Err(e) => {
                    want_invalid += 1;
                    prop_assert_eq!(status[i], e.status());
                    prop_assert_eq!(slot, &[0u8; ACCEPT_LEN][..]);
                }
            }
        }
        prop_assert_eq!(invalid, want_invalid);
    }

    #[test]
    fn scattered_batch_equals_single_calls(keys in prop::collection::vec(keyish(0..30), 0..80),
                                           lenient in any::<bool>()) {
        let mode = if lenient { Mode::Lenient } else { Mode::Strict };
        let n = keys.len();
        let mut out = vec![Accept::ZEROED; n];
        let mut status = vec![KeyStatus::Ok; n];
        let opts = BatchOptions::default().mode(mode);
        let invalid = accept_scattered(&keys, &mut out, Some(&mut status), &opts).unwrap();
        let mut want_invalid = 0;
        for (i, k) in keys.iter().enumerate() {
            match accept_with_mode(k, mode) {
                Ok(a) => {
                    prop_assert_eq!(out[i], a);
                    prop_assert_eq!(status[i], KeyStatus::Ok);
                }
                Err(e) => {
                    want_invalid += 1;
                    prop_assert_eq!(out[i], Accept::ZEROED);
                    prop_assert_eq!(status[i], e.status());
                }
            }
        }
        prop_assert_eq!(invalid, want_invalid);
    }
}

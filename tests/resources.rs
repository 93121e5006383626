//! Bounded resources: batch calls do not allocate per key (a counting global allocator, alone in
//! this test binary, counts the allocations of each call on the calling thread); sizes whose
//! buffers cannot exist are refused with `WSACCEPT_BAD_ARGUMENT` before anything is touched or
//! allocated; and lenient mode's key-length bound holds at every layer (Rust, C ABI, CLI).

mod common;

use std::cell::Cell;

use common::capi::{self as ffi, wsaccept_status};
use common::{oracle, Rng};
use wsaccept::{
    accept_batch, accept_keys, accept_scattered, verify_batch, Accept, BatchOptions, KeyStatus,
    Mode, MAX_LENIENT_KEY_LEN,
};

#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::{allocations, BYTES};

/// `n` keys back to back, every fourth one invalid, and their expected accepts.
fn batch(n: usize) -> (Vec<u8>, Vec<u8>) {
    let mut rng = Rng(n as u64);
    let mut keys = Vec::with_capacity(n * 24);
    let mut want = Vec::with_capacity(n * 28);
    for i in 0..n {
        if i % 4 == 1 {
            keys.extend_from_slice(&rng.invalid_key().0);
            want.extend_from_slice(&[0; 28]);
        } else {
            let k = rng.valid_key();
            keys.extend_from_slice(&k);
            want.extend_from_slice(oracle(&k).as_bytes());
        }
    }
    (keys, want)
}

/// The allocations of each batch call on `n` keys (threads = 1), results checked.
fn batch_allocations(n: usize) -> Vec<(&'static str, u64)> {
    let (keys, want) = batch(n);
    let opts = BatchOptions::default().threads(1);
    let lenient = opts.mode(Mode::Lenient);
    let mut out = vec![0u8; n * 28];
    let mut status = vec![KeyStatus::Ok; n];
    let mut accepts = vec![Accept::ZEROED; n];
    let slots: Vec<[u8; 24]> = keys.as_chunks::<24>().0.to_vec();
    let scattered: Vec<&[u8]> = keys.chunks(24).collect();
    let mut verdicts = vec![wsaccept::Verdict::Match; n];
    let mut raw_status = vec![0i8; n];
    let ptrs: Vec<*const std::ffi::c_char> = scattered.iter().map(|k| k.as_ptr().cast()).collect();
    let lens = vec![24usize; n];
    let mut outs = vec![[0u8; 28]; n];
    let out_ptrs: Vec<*mut std::ffi::c_char> =
        outs.iter_mut().map(|o| o.as_mut_ptr().cast()).collect();
    let mut gen_keys = vec![0u8; n * 24];
    let mut gen_accepts = vec![0u8; n * 28];

    let mut counts = vec![
        (
            "accept_batch with status",
            allocations(|| {
                accept_batch(&keys, &mut out, Some(&mut status), &opts).unwrap();
            }),
        ),
        (
            "accept_batch without status",
            allocations(|| {
                accept_batch(&keys, &mut out, None, &lenient).unwrap();
            }),
        ),
        (
            "accept_keys",
            allocations(|| {
                accept_keys(&slots, &mut accepts, None, &opts).unwrap();
            }),
        ),
        (
            "accept_scattered",
            allocations(|| {
                accept_scattered(&scattered, &mut accepts, Some(&mut status), &opts).unwrap();
            }),
        ),
        (
            "verify_batch",
            allocations(|| {
                verify_batch(&keys, &want, Some(&mut verdicts), &opts).unwrap();
            }),
        ),
    ];
    let flat: Vec<u8> = accepts.iter().flat_map(|a| *a.as_bytes()).collect();
    assert_eq!(flat, want);
    let invalid = (0..n).filter(|i| i % 4 == 1).count() as i64;
    counts.extend([
        (
            "wsaccept_accept_batch",
            // SAFETY: every buffer holds exactly what `n` items need; none overlap.
            allocations(|| unsafe {
                let rc = ffi::wsaccept_accept_batch(
                    keys.as_ptr().cast(),
                    n,
                    out.as_mut_ptr().cast(),
                    raw_status.as_mut_ptr(),
                    1,
                );
                assert_eq!(rc, invalid);
            }),
        ),
        (
            "wsaccept_verify_batch",
            // SAFETY: every buffer holds exactly what `n` items need; none overlap.
            allocations(|| unsafe {
                ffi::wsaccept_verify_batch(
                    keys.as_ptr().cast(),
                    want.as_ptr().cast(),
                    n,
                    raw_status.as_mut_ptr(),
                    1,
                );
            }),
        ),
        (
            "wsaccept_accept_scattered",
            // SAFETY: every buffer holds exactly what `n` items need; none overlap.
            allocations(|| unsafe {
                ffi::wsaccept_accept_scattered(
                    ptrs.as_ptr(),
                    lens.as_ptr(),
                    n,
                    out_ptrs.as_ptr(),
                    raw_status.as_mut_ptr(),
                    ffi::WSACCEPT_MODE_STRICT,
                    1,
                );
            }),
        ),
        (
            "wsaccept_generate",
            // SAFETY: every buffer holds exactly what `n` items need; none overlap.
            allocations(|| unsafe {
                ffi::wsaccept_generate(
                    gen_keys.as_mut_ptr().cast(),
                    gen_accepts.as_mut_ptr().cast(),
                    n,
                    7,
                );
            }),
        ),
    ]);
    assert_eq!(out, want);
    assert_eq!(outs.as_flattened(), &want[..]);
    counts
}

#[test]
fn batch_calls_do_not_allocate_per_key() {
    // Warm up once-initialised state (backend choice) so it is not counted.
    let _ = batch_allocations(1);
    let small = batch_allocations(10);
    let large = batch_allocations(100_000);
    for ((name, a), (_, b)) in small.iter().zip(&large) {
        eprintln!("{name}: {a} allocations for 10 keys, {b} for 100,000");
        assert_eq!(a, b, "{name} allocates per key");
    }
    // No batch call allocates at all: not the Rust API, not the C ABI (the scattered call
    // reads and writes through the caller's pointers, generation keeps its state inline).
    assert!(small.iter().all(|(_, a)| *a == 0), "{small:?}");
}

#[test]
fn scattered_c_call_allocates_nothing_for_any_size() {
    // A huge scattered batch must not need memory in proportion to its size (an allocation
    // failure would abort the server): it allocates nothing at all.
    for n in [10usize, 65_536, 65_537, 100_000] {
        let (keys, want) = batch(n);
        let ptrs: Vec<*const std::ffi::c_char> =
            keys.chunks(24).map(|k| k.as_ptr().cast()).collect();
        let lens = vec![24usize; n];
        let mut outs = vec![[0u8; 28]; n];
        let out_ptrs: Vec<*mut std::ffi::c_char> =
            outs.iter_mut().map(|o| o.as_mut_ptr().cast()).collect();
        let mut status = vec![0x55i8; n];
        let before = BYTES.with(Cell::get);
        // SAFETY: n entries per array, 24 readable bytes per key, 28 writable per output.
        let rc = unsafe {
            ffi::wsaccept_accept_scattered(
                ptrs.as_ptr(),
                lens.as_ptr(),
                n,
                out_ptrs.as_ptr(),
                status.as_mut_ptr(),
                ffi::WSACCEPT_MODE_STRICT,
                1,
            )
        };
        let bytes = BYTES.with(Cell::get) - before;
        eprintln!("wsaccept_accept_scattered, {n} keys: {bytes} bytes allocated");
        assert_eq!(bytes, 0, "{n} keys: {bytes} bytes allocated");
        assert_eq!(rc, (0..n).filter(|i| i % 4 == 1).count() as i64);
        assert_eq!(outs.as_flattened(), &want[..]);
        for (i, &st) in status.iter().enumerate() {
            assert_eq!(st == 0, i % 4 != 1, "status {i}");
        }
    }
}

#[test]
fn impossible_sizes_are_refused_before_anything_is_touched() {
    let bad = wsaccept_status::WSACCEPT_BAD_ARGUMENT as i64;
    let mut byte = [0u8; 64];
    let p = byte.as_mut_ptr();
    for n in [
        usize::MAX / 28 - 1,
        usize::MAX / 28,
        usize::MAX / 28 + 1,
        usize::MAX / 24,
        usize::MAX / 24 + 1,
        isize::MAX as usize / 28 + 1,
        isize::MAX as usize / 8 + 1,
        usize::MAX,
    ] {
        // SAFETY: each call must refuse `n` from its value alone, before reading any pointer;
        // the pointers are valid for 64 bytes in case it does not (then the assertion fails).
        let rcs = allocations(|| unsafe {
            let q = p.cast::<std::ffi::c_char>();
            assert_eq!(
                ffi::wsaccept_accept_batch(q, n, q, p.cast(), 1),
                bad,
                "n={n}"
            );
            assert_eq!(
                ffi::wsaccept_verify_batch(q, q, n, p.cast(), 0),
                bad,
                "n={n}"
            );
            assert_eq!(i64::from(ffi::wsaccept_generate(q, q, n, 1)), bad, "n={n}");
            if n > isize::MAX as usize / 8 {
                let arr = [q.cast_const(); 1];
                let lens = [0usize; 1];
                let outs = [q; 1];
                let rc = ffi::wsaccept_accept_scattered(
                    arr.as_ptr(),
                    lens.as_ptr(),
                    n,
                    outs.as_ptr(),
                    p.cast(),
                    0,
                    1,
                );
                assert_eq!(rc, bad, "scattered n={n}");
            }
        });
        assert_eq!(rcs, 0, "n={n}: allocated while refusing");
    }
    assert!(byte.iter().all(|&b| b == 0), "a refused call wrote");
}

#[test]
fn lenient_bound_holds_at_every_layer() {
    for (len, ok) in [
        (1, true),
        (MAX_LENIENT_KEY_LEN, true),
        (MAX_LENIENT_KEY_LEN + 1, false),
    ] {
        let key = vec![b'k'; len];
        let padded = [&b" \t"[..], &key, &b"\t "[..]].concat();
        // Rust API, single and scattered.
        let single = wsaccept::accept_lenient(&padded);
        assert_eq!(single.is_ok(), ok, "Rust, {len} bytes");
        let mut out = [Accept::ZEROED];
        let mut st = [KeyStatus::Ok];
        accept_scattered(
            &[&padded[..]],
            &mut out,
            Some(&mut st),
            &BatchOptions::default().mode(Mode::Lenient),
        )
        .unwrap();
        assert_eq!(st[0].is_ok(), ok, "scattered, {len} bytes");
        // C ABI, single, scattered and the response writer.
        let mut c_out = [0u8; 28];
        // SAFETY: `padded` is readable for its length; `c_out` has 28 writable bytes.
        let rc = unsafe {
            ffi::wsaccept_accept_lenient(
                padded.as_ptr().cast(),
                padded.len(),
                c_out.as_mut_ptr().cast(),
            )
        };
        let want_rc = if ok {
            0
        } else {
            wsaccept_status::WSACCEPT_KEY_LENGTH as i32
        };
        assert_eq!(rc, want_rc, "C ABI, {len} bytes");
        if ok {
            assert_eq!(&c_out[..], oracle(&key).as_bytes());
        }
        let mut resp = [0u8; 256];
        // SAFETY: key readable for its length, no protocol, `resp` writable for 256 bytes.
        let rc = unsafe {
            ffi::wsaccept_write_response(
                padded.as_ptr().cast(),
                padded.len(),
                std::ptr::null(),
                0,
                ffi::WSACCEPT_MODE_LENIENT,
                resp.as_mut_ptr().cast(),
                resp.len(),
            )
        };
        assert_eq!(rc > 0, ok, "write_response, {len} bytes: {rc}");
        // The CLI's side of this bound: cli/tests/cli.rs, lenient_bound_holds_at_the_cli.
    }
}

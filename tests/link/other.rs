//! Another Rust static library a C program links next to libwsaccept.a (as a server might link
//! rustls-ffi's): its own copy of std, used the ways a real one is (allocation, formatting, a
//! thread, a caught panic).

/// The total length of the decimal numbers 0..n, counted on a thread; 0 after a caught panic
/// when `n` is 0, so unwinding is exercised too.
#[no_mangle]
pub extern "C" fn other_digits(n: u64) -> u64 {
    std::panic::set_hook(Box::new(|_| {}));
    std::panic::catch_unwind(|| {
        assert!(n > 0, "no numbers");
        let numbers: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        std::thread::spawn(move || numbers.iter().map(|s| s.len() as u64).sum())
            .join()
            .unwrap_or(0)
    })
    .unwrap_or(0)
}

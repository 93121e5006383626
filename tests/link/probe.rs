//! A Rust cdylib (a plugin, a Python extension) whose dependency tree holds two major versions
//! of wsaccept (`this_version` is the tree under test, `next_version` a copy of it with another
//! major version). It must link, export only its own symbol, and load next to libwsaccept.so.

use std::ffi::c_int;

const KEY: &str = "dGhlIHNhbXBsZSBub25jZQ==";
const ACCEPT: &str = "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=";

/// 1 when both versions compute the RFC 6455 sample accept, one key and a batch; else 0.
#[no_mangle]
pub extern "C" fn probe_both_versions() -> c_int {
    let one = this_version::accept(KEY).is_ok_and(|a| a.as_str() == ACCEPT)
        && next_version::accept(KEY).is_ok_and(|a| a.as_str() == ACCEPT);
    let keys = KEY.repeat(3);
    let mut this_out = [0u8; 3 * 28];
    let mut next_out = [0u8; 3 * 28];
    let batches = this_version::accept_batch(keys.as_bytes(), &mut this_out, None, &Default::default())
        == Ok(0)
        && next_version::accept_batch(keys.as_bytes(), &mut next_out, None, &Default::default())
            == Ok(0)
        && this_out == next_out
        && this_out.starts_with(ACCEPT.as_bytes());
    c_int::from(one && batches)
}

//! The client half of the C ABI: what a load generator sends besides keys.

use std::ffi::c_int;

use super::*;
use crate::mask::{MaskGen, MASK_LEN};

/// Bytes of one frame masking key (RFC 6455 §5.3).
pub const WSACCEPT_MASK_LEN: usize = 4;

const _: () = assert!(WSACCEPT_MASK_LEN == MASK_LEN);

/// Fills `masks` (`n * 4` bytes) with fresh frame masking keys, one per frame a client will
/// send (RFC 6455 §5.3: a new, unpredictable key for every frame). `seed` 0 draws from the
/// operating system's random source (what real clients must use); any other seed gives a
/// reproducible stream, the same on every platform and independent of the keys
/// `wsaccept_generate` makes from that seed.
///
/// Returns `WSACCEPT_OK`, `WSACCEPT_RANDOM_FAILURE` (`masks` zeroed), or another negative code
/// (nothing written).
///
/// # Safety
/// `masks` must point to `n * 4` writable bytes (it may be NULL only when `n` is 0).
#[no_mangle]
pub unsafe extern "C" fn wsaccept_generate_masks(masks: *mut u8, n: usize, seed: u64) -> c_int {
    ffi_guard!({
        let len = ffi_try!(buffer_len(n, MASK_LEN));
        // SAFETY: the caller vouches for `n * 4` writable bytes at `masks`.
        let out = ffi_try!(unsafe { bytes_out(masks.cast(), len) });
        if MaskGen::from_seed_or_os(seed).try_fill_bytes(out).is_err() {
            return WSACCEPT_RANDOM_FAILURE as c_int;
        }
        WSACCEPT_OK as c_int
    })
}

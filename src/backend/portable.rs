//! The reference backend: one key at a time through `sha1::compress` (software SHA-1 on CPUs
//! the `sha1` crate has no intrinsics for, aarch64 among them) and the scalar base64 encoder of
//! `crate::compute`.

use crate::compute::accept_24_portable;
use crate::key::{check_strict, KeyStatus, ACCEPT_LEN, KEY_LEN};

/// Keys handled at once.
pub(crate) const LANES: usize = 1;

/// The backend contract (see `backend` module docs), one key at a time.
#[inline]
pub(crate) fn accept_keys(
    keys: &[[u8; KEY_LEN]],
    out: &mut [[u8; ACCEPT_LEN]],
    status: &mut [KeyStatus],
    strict: bool,
) -> usize {
    let mut invalid = 0;
    for ((key, slot), st) in keys.iter().zip(out.iter_mut()).zip(status.iter_mut()) {
        match if strict { check_strict(key) } else { Ok(()) } {
            Ok(()) => {
                accept_24_portable(key, slot);
                *st = KeyStatus::Ok;
            }
            Err(err) => {
                *slot = [0; ACCEPT_LEN];
                *st = err.status();
                invalid += 1;
            }
        }
    }
    invalid
}

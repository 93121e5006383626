//! What `accept` and `verify` share to hand keys to the library's batch calls: the strict
//! fast path over a block of fixed-size lines, the rule for a line the batch takes as it is,
//! the reused key slots and a worker's batch options.

use wsaccept::{Accept, BatchOptions, Mode, KEY_LEN};

use crate::blocks::is_ows;

/// Whether a line is a key as the contiguous batch takes it: exactly 24 bytes with no OWS to
/// trim. (OWS inside makes it invalid in strict mode and is hashed as given in lenient mode,
/// on both paths.)
#[inline]
pub fn is_bare_key(line: &[u8]) -> bool {
    line.len() == KEY_LEN && !is_ows(line[0]) && !is_ows(line[KEY_LEN - 1])
}

/// `n` key slots, reusing the buffer's old contents: every slot used is written before it is
/// read, so growing is the only fill.
pub fn key_slots(keys: &mut Vec<[u8; KEY_LEN]>, n: usize) -> &mut [[u8; KEY_LEN]] {
    if keys.len() < n {
        keys.resize(n, [0; KEY_LEN]);
    }
    &mut keys[..n]
}

/// The strict fast path of `accept` and `verify`: `data` as lines of exactly `L` bytes, each a
/// key followed by bytes `tail_ok` accepts, every key valid. Gives the lines, their keys'
/// accepts left in `accepts`, or `None` when the block is not of that shape or a key is invalid
/// (the block is then done line by line).
pub fn uniform_lines<'a, const L: usize>(
    data: &'a [u8],
    mode: Mode,
    keys: &mut Vec<[u8; KEY_LEN]>,
    accepts: &mut Vec<Accept>,
    tail_ok: impl Fn(&[u8]) -> bool,
) -> Option<&'a [[u8; L]]> {
    let (lines, rest) = data.as_chunks::<L>();
    if !rest.is_empty() {
        return None;
    }
    let keys = key_slots(keys, lines.len());
    let mut shape = true;
    for (key, line) in keys.iter_mut().zip(lines) {
        let (k, tail) = line
            .split_first_chunk::<KEY_LEN>()
            .expect("a line holds a key");
        *key = *k;
        shape &= tail_ok(tail);
    }
    if !shape {
        return None;
    }
    accepts.resize(keys.len(), Accept::ZEROED);
    let invalid = wsaccept::accept_keys(keys, accepts, None, &batch_options(mode))
        .expect("buffers sized to the keys");
    (invalid == 0).then_some(lines)
}

/// Batch options for a worker: parallelism is across blocks, so each batch stays on its
/// worker's thread.
pub fn batch_options(mode: Mode) -> BatchOptions {
    BatchOptions::default().mode(mode).threads(1)
}

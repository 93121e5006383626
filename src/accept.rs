//! The accept value: 28 bytes of base64, with the comparisons a client or test needs.

use core::fmt;

use crate::key::ACCEPT_LEN;

/// A `Sec-WebSocket-Accept` value: base64 of a SHA-1 digest, always 28 ASCII bytes.
///
/// `repr(transparent)` over `[u8; 28]`, so a slice of `Accept` is a slice of 28-byte slots and
/// batch calls can write into it directly.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Accept(pub(crate) [u8; ACCEPT_LEN]);

impl Accept {
    /// An all-zero slot: what a batch call leaves for an invalid key. Not a valid accept.
    pub const ZEROED: Accept = Accept([0; ACCEPT_LEN]);

    pub fn as_bytes(&self) -> &[u8; ACCEPT_LEN] {
        &self.0
    }

    /// The value as text. For a zeroed slot this is 28 NUL characters.
    pub fn as_str(&self) -> &str {
        // Every constructor writes base64 (ASCII) or zeros, so this never fails; the fallback
        // keeps the function free of `unsafe` at no measurable cost.
        core::str::from_utf8(&self.0).unwrap_or("")
    }

    /// Views a slice of accepts as 28-byte slots, for writing by the backends.
    pub(crate) fn slots_mut(accepts: &mut [Accept]) -> &mut [[u8; ACCEPT_LEN]] {
        // SAFETY: Accept is repr(transparent) over [u8; 28], so the layouts are identical and
        // any bytes are a valid [u8; 28]. Callers only write base64 or zeros into the slots.
        unsafe { &mut *(accepts as *mut [Accept] as *mut [[u8; ACCEPT_LEN]]) }
    }

    /// Compares with a received header value, ignoring surrounding OWS, in time that does not
    /// depend on where the first difference is.
    pub fn matches(&self, received: &[u8]) -> bool {
        let received = crate::key::trim_ows(received);
        received.len() == ACCEPT_LEN
            && self
                .0
                .iter()
                .zip(received)
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    }
}

impl From<Accept> for [u8; ACCEPT_LEN] {
    fn from(accept: Accept) -> Self {
        accept.0
    }
}

impl AsRef<[u8]> for Accept {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Display for Accept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Accept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Accept({:?})", self.as_str())
    }
}

impl PartialEq<str> for Accept {
    fn eq(&self, other: &str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<&str> for Accept {
    fn eq(&self, other: &&str) -> bool {
        self.0 == other.as_bytes()
    }
}

impl PartialEq<[u8]> for Accept {
    fn eq(&self, other: &[u8]) -> bool {
        self.0 == other
    }
}

impl PartialEq<&[u8]> for Accept {
    fn eq(&self, other: &&[u8]) -> bool {
        self.0 == *other
    }
}

impl PartialEq<Accept> for str {
    fn eq(&self, other: &Accept) -> bool {
        other == self
    }
}

impl PartialEq<Accept> for &str {
    fn eq(&self, other: &Accept) -> bool {
        other == self
    }
}

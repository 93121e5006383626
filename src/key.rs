//! Client keys: the RFC 6455 §4.1 rules for `Sec-WebSocket-Key`, strict and lenient.
//!
//! Strict mode is what the RFC says: 16 bytes, base64-encoded, so exactly 24 characters of the
//! standard alphabet ending in `==`, with the unused low bits of the last data character zero.
//! Lenient mode hashes whatever bytes arrived (after trimming OWS), as many servers do, but still
//! refuses an empty key and keys longer than [`MAX_LENIENT_KEY_LEN`].

use core::fmt;

/// Length of a strict key: base64 of 16 bytes.
pub const KEY_LEN: usize = 24;
/// Length of an accept value: base64 of a 20-byte SHA-1 digest.
pub const ACCEPT_LEN: usize = 28;
/// The GUID that RFC 6455 §4.2.2 appends to every key before hashing.
pub const GUID: &[u8; 36] = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
/// Longest key lenient mode accepts (after trimming). Real clients send 24 bytes; a few devices
/// send 12 or 32. Anything near this bound is an attack or a bug, and refusing it keeps the
/// lenient hash on a small, fixed stack buffer.
pub const MAX_LENIENT_KEY_LEN: usize = 256;

/// How strictly a key is checked before it is hashed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Mode {
    /// RFC 6455: exactly 24 canonical base64 characters decoding to 16 bytes.
    #[default]
    Strict,
    /// Hash the trimmed bytes as given; refuse only empty and overlong keys.
    Lenient,
}

/// Why a key was refused. Positions are 0-based offsets into the key *after* trimming OWS.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyError {
    /// Strict mode: the trimmed key is not 24 bytes long.
    Length { len: usize },
    /// Lenient mode: nothing left after trimming.
    Empty,
    /// Lenient mode: longer than [`MAX_LENIENT_KEY_LEN`].
    TooLong { len: usize },
    /// A byte outside the base64 alphabet (`A-Z a-z 0-9 + /`).
    Alphabet { pos: usize, byte: u8 },
    /// `=` where a data character belongs, or something other than `=` in the last two places.
    Padding { pos: usize, byte: u8 },
    /// The last data character has non-zero unused bits, so it is not the canonical encoding.
    NonCanonical { pos: usize, byte: u8 },
}

impl KeyError {
    /// The compact per-item status code for this error (what batch calls and the C ABI report).
    pub fn status(self) -> KeyStatus {
        match self {
            KeyError::Length { .. } | KeyError::Empty | KeyError::TooLong { .. } => {
                KeyStatus::Length
            }
            KeyError::Alphabet { .. } => KeyStatus::Alphabet,
            KeyError::Padding { .. } => KeyStatus::Padding,
            KeyError::NonCanonical { .. } => KeyStatus::NonCanonical,
        }
    }
}

/// Shows a byte as a character when printable, else as hex.
struct ShowByte(u8);

impl fmt::Display for ShowByte {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_ascii_graphic() {
            write!(f, "'{}'", self.0 as char)
        } else {
            write!(f, "0x{:02x}", self.0)
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            KeyError::Length { len } => {
                write!(f, "key is {len} bytes long, expected {KEY_LEN}")
            }
            KeyError::Empty => f.write_str("key is empty"),
            KeyError::TooLong { len } => write!(
                f,
                "key is {len} bytes long, longer than the lenient limit of {MAX_LENIENT_KEY_LEN}"
            ),
            KeyError::Alphabet { pos, byte } => write!(
                f,
                "byte {} at position {pos} is not in the base64 alphabet",
                ShowByte(byte)
            ),
            KeyError::Padding { pos, byte: b'=' } => {
                write!(f, "padding '=' at position {pos} before the end of the key")
            }
            KeyError::Padding { pos, byte } => write!(
                f,
                "byte {} at position {pos} should be padding '='",
                ShowByte(byte)
            ),
            KeyError::NonCanonical { pos, byte } => write!(
                f,
                "byte {} at position {pos} has non-zero unused bits (not canonical base64)",
                ShowByte(byte)
            ),
        }
    }
}

impl std::error::Error for KeyError {}

/// Per-item result of a batch call, one byte each. The values are the C ABI's status codes.
#[repr(i8)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum KeyStatus {
    /// The key was valid and its accept was written.
    #[default]
    Ok = 0,
    /// Wrong length (strict), empty or overlong (lenient).
    Length = -2,
    /// A byte outside the base64 alphabet.
    Alphabet = -3,
    /// Misplaced or missing `=` padding.
    Padding = -4,
    /// Non-zero unused bits in the last data character.
    NonCanonical = -5,
}

impl KeyStatus {
    pub fn is_ok(self) -> bool {
        self == KeyStatus::Ok
    }

    /// The numeric code (0 or negative), as the C ABI reports it.
    pub fn code(self) -> i8 {
        self as i8
    }
}

/// Removes HTTP optional whitespace (space and tab) from both ends.
pub fn trim_ows(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|&b| b != b' ' && b != b'\t')
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|&b| b != b' ' && b != b'\t')
        .map_or(start, |i| i + 1);
    &bytes[start..end]
}

/// The 6-bit value of a standard base64 character, or `None` outside the alphabet.
pub(crate) fn base64_value(byte: u8) -> Option<u8> {
    match byte {
        b'A'..=b'Z' => Some(byte - b'A'),
        b'a'..=b'z' => Some(byte - b'a' + 26),
        b'0'..=b'9' => Some(byte - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    }
}

/// Checks a 24-byte key against the strict rules, reporting the first problem by position.
pub fn check_strict(key: &[u8; KEY_LEN]) -> Result<(), KeyError> {
    for (pos, &byte) in key[..22].iter().enumerate() {
        if base64_value(byte).is_none() {
            return Err(if byte == b'=' {
                KeyError::Padding { pos, byte }
            } else {
                KeyError::Alphabet { pos, byte }
            });
        }
    }
    for (pos, &byte) in key.iter().enumerate().skip(22) {
        if byte != b'=' {
            return Err(KeyError::Padding { pos, byte });
        }
    }
    // 22 characters carry 132 bits; 16 bytes use 128, so the last one's low 4 bits must be zero.
    let last = key[21];
    if base64_value(last).is_some_and(|v| v & 0x0f != 0) {
        return Err(KeyError::NonCanonical {
            pos: 21,
            byte: last,
        });
    }
    Ok(())
}

/// Trims OWS and checks the strict rules; on success returns the 24 key bytes.
pub fn parse_strict(raw: &[u8]) -> Result<&[u8; KEY_LEN], KeyError> {
    let trimmed = trim_ows(raw);
    let key: &[u8; KEY_LEN] = trimmed
        .try_into()
        .map_err(|_| KeyError::Length { len: trimmed.len() })?;
    check_strict(key)?;
    Ok(key)
}

/// Trims OWS and checks the lenient rules (non-empty, not overlong); returns the bytes to hash.
pub fn parse_lenient(raw: &[u8]) -> Result<&[u8], KeyError> {
    let trimmed = trim_ows(raw);
    match trimmed.len() {
        0 => Err(KeyError::Empty),
        len if len > MAX_LENIENT_KEY_LEN => Err(KeyError::TooLong { len }),
        _ => Ok(trimmed),
    }
}

/// A validated strict key: 24 bytes of canonical base64. Generated keys are of this type.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key([u8; KEY_LEN]);

impl Key {
    /// Parses a key (OWS trimmed) under the strict rules.
    pub fn parse(raw: impl AsRef<[u8]>) -> Result<Key, KeyError> {
        parse_strict(raw.as_ref()).map(|k| Key(*k))
    }

    /// Encodes 16 nonce bytes as a key.
    pub fn from_nonce(nonce: &[u8; 16]) -> Key {
        let mut key = [0u8; KEY_LEN];
        let _ = base64_simd::STANDARD.encode(nonce, base64_simd::Out::from_slice(&mut key));
        Key(key)
    }

    pub fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    pub fn as_str(&self) -> &str {
        // SAFETY: a Key is only built from validated or freshly encoded base64, which is ASCII.
        unsafe { core::str::from_utf8_unchecked(&self.0) }
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Debug for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({:?})", self.as_str())
    }
}

impl AsRef<[u8]> for Key {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

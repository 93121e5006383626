//! The server's handshake answer: the whole `101 Switching Protocols` response, written into a
//! caller's buffer without allocating.

use core::fmt;

use crate::accept::Accept;

const STATUS_LINE: &[u8] = b"HTTP/1.1 101 Switching Protocols\r\n";
const UPGRADE: &[u8] = b"Upgrade: websocket\r\n";
const CONNECTION: &[u8] = b"Connection: Upgrade\r\n";
const ACCEPT_NAME: &[u8] = b"Sec-WebSocket-Accept: ";
const PROTOCOL_NAME: &[u8] = b"Sec-WebSocket-Protocol: ";
const CRLF: &[u8] = b"\r\n";

/// Length of the response without a `Sec-WebSocket-Protocol` header (129 bytes).
pub const RESPONSE_LEN: usize = STATUS_LINE.len()
    + UPGRADE.len()
    + CONNECTION.len()
    + ACCEPT_NAME.len()
    + crate::key::ACCEPT_LEN
    + CRLF.len()
    + CRLF.len();

/// Bytes a `Sec-WebSocket-Protocol` header adds besides its value (name and CRLF: 26).
pub const PROTOCOL_HEADER_OVERHEAD: usize = PROTOCOL_NAME.len() + CRLF.len();

/// Why no response was written. The buffer is untouched.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseError {
    /// The protocol value holds CR, LF or NUL at `pos` (it would split or end the header).
    BadProtocol { pos: usize },
    /// The buffer holds fewer than `needed` bytes.
    BufferTooSmall { needed: usize },
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ResponseError::BadProtocol { pos } => {
                write!(f, "protocol value has CR, LF or NUL at position {pos}")
            }
            ResponseError::BufferTooSmall { needed } => {
                write!(f, "response needs {needed} bytes, buffer is smaller")
            }
        }
    }
}

impl std::error::Error for ResponseError {}

/// Length of the response for `protocol` (`None` or empty: no protocol header).
pub fn response_len(protocol: Option<&[u8]>) -> usize {
    match protocol {
        Some(p) if !p.is_empty() => RESPONSE_LEN + PROTOCOL_HEADER_OVERHEAD + p.len(),
        _ => RESPONSE_LEN,
    }
}

/// Writes the `101 Switching Protocols` response carrying `accept` (and `protocol`, when given
/// and non-empty) into the front of `buf`, ending with the blank line. Returns its length.
/// Nothing is written on error.
pub fn write_response(
    accept: &Accept,
    protocol: Option<&[u8]>,
    buf: &mut [u8],
) -> Result<usize, ResponseError> {
    let protocol = protocol.filter(|p| !p.is_empty());
    if let Some(pos) = protocol.and_then(|p| p.iter().position(|&b| matches!(b, b'\r' | b'\n' | 0)))
    {
        return Err(ResponseError::BadProtocol { pos });
    }
    let needed = response_len(protocol);
    if buf.len() < needed {
        return Err(ResponseError::BufferTooSmall { needed });
    }
    let mut parts: [&[u8]; 10] = [
        STATUS_LINE,
        UPGRADE,
        CONNECTION,
        ACCEPT_NAME,
        accept.as_bytes(),
        CRLF,
        &[],
        &[],
        &[],
        CRLF,
    ];
    if let Some(p) = protocol {
        parts[6] = PROTOCOL_NAME;
        parts[7] = p;
        parts[8] = CRLF;
    }
    let mut at = 0;
    for part in parts {
        buf[at..at + part.len()].copy_from_slice(part);
        at += part.len();
    }
    debug_assert_eq!(at, needed);
    Ok(at)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout() {
        let accept = crate::accept("dGhlIHNhbXBsZSBub25jZQ==").unwrap();
        let mut buf = [0u8; 256];
        let n = write_response(&accept, None, &mut buf).unwrap();
        assert_eq!(n, RESPONSE_LEN);
        assert_eq!(
            &buf[..n],
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"
        );
        let n = write_response(&accept, Some(b"chat"), &mut buf).unwrap();
        assert_eq!(n, response_len(Some(b"chat")));
        assert!(buf[..n].ends_with(b"Sec-WebSocket-Protocol: chat\r\n\r\n"));
        assert_eq!(
            write_response(&accept, Some(b"a\nb"), &mut buf),
            Err(ResponseError::BadProtocol { pos: 1 })
        );
        let mut small = [7u8; RESPONSE_LEN - 1];
        assert_eq!(
            write_response(&accept, None, &mut small),
            Err(ResponseError::BufferTooSmall {
                needed: RESPONSE_LEN
            })
        );
        assert!(small.iter().all(|&b| b == 7));
    }
}

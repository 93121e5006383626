//! One key at a time: a server's accept and response, a client's check. These never release
//! the GIL: each takes well under a microsecond, less than releasing and taking it back.

use pyo3::prelude::*;
use pyo3::types::PyBytes;
use wsaccept::{Mode, ResponseError};

use crate::input::{ByteArg, Flag};
use crate::status::{self, BAD_ARGUMENT};

fn mode(lenient: Flag) -> Mode {
    if lenient.0 {
        Mode::Lenient
    } else {
        Mode::Strict
    }
}

/// The 28-byte Sec-WebSocket-Accept value for ``key`` (spaces and tabs around it are
/// trimmed). Strict by default: the key must be 24 bytes of canonical base64; with
/// ``lenient=True`` any non-empty key of at most ``MAX_LENIENT_KEY_LEN`` bytes is hashed as
/// given. Raises ``WsacceptError`` for a refused key.
#[pyfunction]
#[pyo3(signature = (key, lenient = Flag(false)), text_signature = "(key, lenient=False)")]
pub(crate) fn accept<'py>(
    py: Python<'py>,
    key: ByteArg<'_>,
    lenient: Flag,
) -> PyResult<Bound<'py, PyBytes>> {
    match wsaccept::accept_with_mode(key.bytes(), mode(lenient)) {
        Ok(accept) => Ok(PyBytes::new(py, accept.as_bytes())),
        Err(e) => Err(status::key_error(py, e)),
    }
}

/// Client side: whether ``accept_value`` (a received Sec-WebSocket-Accept value; spaces and
/// tabs around it are ignored) is the accept for ``key``. The comparison takes the same time
/// wherever the first difference is. An invalid key raises ``WsacceptError``, it is not a
/// ``False``.
#[pyfunction]
#[pyo3(text_signature = "(key, accept_value)")]
pub(crate) fn verify(
    py: Python<'_>,
    key: ByteArg<'_>,
    accept_value: ByteArg<'_>,
) -> PyResult<bool> {
    wsaccept::verify(key.bytes(), accept_value.bytes()).map_err(|e| status::key_error(py, e))
}

/// The complete ``101 Switching Protocols`` response for ``key``, ending with the blank line,
/// with a ``Sec-WebSocket-Protocol`` header when ``protocol`` is given and not empty. A
/// protocol holding CR, LF or NUL raises ``WsacceptError`` (``WSACCEPT_BAD_ARGUMENT``), a
/// refused key its key error.
#[pyfunction]
#[pyo3(
    signature = (key, protocol = None, lenient = Flag(false)),
    text_signature = "(key, protocol=None, lenient=False)"
)]
pub(crate) fn response<'py>(
    py: Python<'py>,
    key: ByteArg<'_>,
    protocol: Option<ByteArg<'_>>,
    lenient: Flag,
) -> PyResult<Bound<'py, PyBytes>> {
    let accept = wsaccept::accept_with_mode(key.bytes(), mode(lenient))
        .map_err(|e| status::key_error(py, e))?;
    let protocol = protocol.as_ref().map(ByteArg::bytes);
    let len = wsaccept::response_len(protocol);
    PyBytes::new_with(py, len, |buf| {
        match wsaccept::write_response(&accept, protocol, buf) {
            Ok(_) => Ok(()),
            Err(e @ ResponseError::BadProtocol { .. }) => {
                Err(status::error(py, BAD_ARGUMENT, e.to_string()))
            }
            // `len` is what the response needs.
            Err(e @ ResponseError::BufferTooSmall { .. }) => {
                Err(pyo3::exceptions::PyRuntimeError::new_err(e.to_string()))
            }
        }
    })
}

//! Status codes and `WsacceptError`.
//!
//! The codes, names and texts are the C ABI's (`include/wsaccept.h`, `wsaccept_strerror`), so a
//! Python error reads like the C library's; tests/test_header.py checks the codes and names
//! against the header. The crate exports no such table without its `capi` feature, which this
//! module does not enable, so it is written out here once, as data.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// One status code as the C header names and `wsaccept_strerror` describes it.
pub(crate) struct Status {
    pub code: i32,
    pub name: &'static str,
    pub text: &'static str,
}

pub(crate) const BAD_ARGUMENT: i32 = -6;
pub(crate) const RANDOM_FAILURE: i32 = -9;

/// Every code of `enum wsaccept_status`, in the header's order.
pub(crate) const STATUSES: [Status; 10] = [
    st(0, "WSACCEPT_OK", "success"),
    st(-1, "WSACCEPT_NULL_POINTER", "a required pointer is NULL"),
    st(-2, "WSACCEPT_KEY_LENGTH", "key has the wrong length"),
    st(
        -3,
        "WSACCEPT_KEY_ALPHABET",
        "key has a byte outside the base64 alphabet",
    ),
    st(
        -4,
        "WSACCEPT_KEY_PADDING",
        "key has missing or misplaced '=' padding",
    ),
    st(
        -5,
        "WSACCEPT_KEY_NONCANONICAL",
        "key is not canonical base64 (non-zero unused bits)",
    ),
    st(
        BAD_ARGUMENT,
        "WSACCEPT_BAD_ARGUMENT",
        "an argument is out of range",
    ),
    st(
        -7,
        "WSACCEPT_BUFFER_TOO_SMALL",
        "output buffer is too small",
    ),
    st(
        -8,
        "WSACCEPT_INTERNAL_ERROR",
        "internal error in wsaccept (caught panic)",
    ),
    st(
        RANDOM_FAILURE,
        "WSACCEPT_RANDOM_FAILURE",
        "the operating system's random source failed",
    ),
];

const fn st(code: i32, name: &'static str, text: &'static str) -> Status {
    Status { code, name, text }
}

/// The text for any code; unknown codes get a generic one, as from `wsaccept_strerror`.
pub(crate) fn text(code: i32) -> &'static str {
    STATUSES
        .iter()
        .find(|s| s.code == code)
        .map_or("unknown wsaccept status code", |s| s.text)
}

/// `wsaccept._types.WsacceptError`, looked up on first use: the class is Python (an exception
/// with `status` and `name`), defined in the package this module belongs to.
fn error_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    static CLASS: PyOnceLock<Py<PyType>> = PyOnceLock::new();
    CLASS.import(py, "wsaccept._types", "WsacceptError")
}

/// A `WsacceptError` for `code`, its message the C name, the code and `detail` (the reason in
/// this call's terms, e.g. which byte of the key).
pub(crate) fn error(py: Python<'_>, code: i32, detail: String) -> PyErr {
    match error_class(py).and_then(|class| class.call1((code, detail))) {
        Ok(value) => PyErr::from_value(value),
        Err(e) => e,
    }
}

/// The `WsacceptError` for a refused key: its code is the key status, its detail the crate's
/// description (position and byte).
pub(crate) fn key_error(py: Python<'_>, e: wsaccept::KeyError) -> PyErr {
    error(py, i32::from(e.status().code()), e.to_string())
}

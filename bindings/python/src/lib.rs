//! `wsaccept._libwsaccept`: the Python extension module over the wsaccept crate (PyO3, abi3 for
//! CPython 3.11+). The package `wsaccept` (bindings/python/wsaccept) re-exports it with the
//! result and error classes, which are Python (`wsaccept/_types.py`).
//!
//! One module per concern: `input` (how arguments are read: bytes-like objects, writable
//! buffers, range-checked integers), `status` (the C ABI's codes, `WsacceptError`), `one_key`
//! (accept, verify, response), `output` (new `bytes` results, written in place), `batch` (buffers of many keys, key generation). A further API,
//! such as the crate's handshake once it lands, is a module of its own registered below.

use pyo3::prelude::*;
use pyo3::types::PyDict;

mod batch;
mod input;
mod one_key;
mod output;
mod status;

/// The most parallel parts a batch may ask for (`WSACCEPT_MAX_THREADS` of the C header).
pub(crate) const MAX_THREADS: usize = 256;

/// The wsaccept version, e.g. ``"0.1.0"`` (the Python package's, from its Cargo.toml, which is
/// kept equal to the library's).
#[pyfunction]
fn version() -> &'static str {
    env!("CARGO_PKG_VERSION")
}

/// The backend batch calls use, e.g. ``"avx512"`` or ``"portable"``: chosen from the CPU once
/// per process (the environment variable ``WSACCEPT_BACKEND`` forces one).
#[pyfunction]
fn backend() -> &'static str {
    wsaccept::backend()
}

/// The library's English text for a status code (any C ``int``; unknown codes get a generic
/// text).
#[pyfunction]
#[pyo3(text_signature = "(status)")]
fn strerror(status: input::StatusCode) -> &'static str {
    status::text(status.0)
}

#[pymodule]
fn _libwsaccept(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("KEY_LEN", wsaccept::KEY_LEN)?;
    m.add("ACCEPT_LEN", wsaccept::ACCEPT_LEN)?;
    m.add("MAX_THREADS", MAX_THREADS)?;
    m.add("MODE_STRICT", 0)?;
    m.add("MODE_LENIENT", 1)?;
    m.add("MAX_LENIENT_KEY_LEN", wsaccept::MAX_LENIENT_KEY_LEN)?;
    // The crate exports the lengths as a function: without and with a one-byte protocol.
    let response_len = wsaccept::response_len(None);
    m.add("RESPONSE_LEN", response_len)?;
    let with_protocol = wsaccept::response_len(Some(b"p"));
    m.add("PROTOCOL_HEADER_OVERHEAD", with_protocol - response_len - 1)?;
    let names = PyDict::new(py);
    for s in &status::STATUSES {
        names.set_item(s.code, s.name)?;
        m.add(s.name, s.code)?;
    }
    m.add("STATUS_NAMES", names)?;

    m.add_function(wrap_pyfunction!(version, m)?)?;
    m.add_function(wrap_pyfunction!(backend, m)?)?;
    m.add_function(wrap_pyfunction!(strerror, m)?)?;
    m.add_function(wrap_pyfunction!(one_key::accept, m)?)?;
    m.add_function(wrap_pyfunction!(one_key::verify, m)?)?;
    m.add_function(wrap_pyfunction!(one_key::response, m)?)?;
    m.add_function(wrap_pyfunction!(batch::accept_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batch::accept_batch_into, m)?)?;
    m.add_function(wrap_pyfunction!(batch::verify_batch, m)?)?;
    m.add_function(wrap_pyfunction!(batch::verify_batch_into, m)?)?;
    m.add_function(wrap_pyfunction!(batch::accept_scattered, m)?)?;
    m.add_function(wrap_pyfunction!(batch::generate, m)?)?;
    m.add_function(wrap_pyfunction!(batch::generate_into, m)?)?;
    Ok(())
}

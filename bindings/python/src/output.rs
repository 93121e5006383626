//! New `bytes` results, written in place before Python sees them: no copy, and memory that is
//! written only once where the writer can append (a fresh allocation's first touch costs most
//! of the time of writing it).

use core::ptr;

use pyo3::exceptions::PyOverflowError;
use pyo3::ffi;
use pyo3::prelude::*;
use pyo3::types::PyBytes;

/// The buffer of a `bytes` object being made, written front to back. What is not written by
/// the end is zeroed: Python never sees uninitialised bytes.
pub(crate) struct Filling {
    ptr: *mut u8,
    len: usize,
    /// Bytes written so far (the front of the buffer).
    at: usize,
}

// SAFETY: the buffer belongs to a bytes object no Python code has seen yet, so `Filling` is its
// only way in; moving that to another thread (the GIL-released part of a call) is fine.
unsafe impl Send for Filling {}

impl Filling {
    /// Appends `bytes`. Panics past the end (a bug: each caller sizes the buffer for what it
    /// writes).
    pub fn push(&mut self, bytes: &[u8]) {
        assert!(
            bytes.len() <= self.len - self.at,
            "write past the end of a new bytes object"
        );
        // SAFETY: `at + bytes.len() <= len` (checked above), so the destination lies inside
        // the buffer's `len` bytes; `bytes` is Rust memory, not this new object's.
        unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.add(self.at), bytes.len()) };
        self.at += bytes.len();
    }

    /// The rest of the buffer, zeroed, as a slice (for writers that take one).
    pub fn rest_zeroed(&mut self) -> &mut [u8] {
        let rest = self.len - self.at;
        // SAFETY: the `rest` bytes from `at` lie inside the buffer; they are zeroed before the
        // slice is made, so it covers initialised bytes; `&mut self` makes it the only one.
        let slice = unsafe {
            let start = self.ptr.add(self.at);
            ptr::write_bytes(start, 0, rest);
            core::slice::from_raw_parts_mut(start, rest)
        };
        self.at = self.len;
        slice
    }
}

/// A new `bytes` object of `len` bytes, written by `fill` (what it leaves unwritten is zeroed).
/// `OverflowError` for a length no `bytes` can have, `MemoryError` if it cannot be allocated,
/// and `fill`'s error (the object is then dropped unseen).
pub(crate) fn new_bytes<'py, R>(
    py: Python<'py>,
    len: usize,
    fill: impl FnOnce(&mut Filling) -> PyResult<R>,
) -> PyResult<(Bound<'py, PyBytes>, R)> {
    let Ok(size) = ffi::Py_ssize_t::try_from(len) else {
        return Err(PyOverflowError::new_err(format!(
            "a result of {len} bytes is larger than a bytes object can be"
        )));
    };
    // SAFETY: with a NULL source CPython allocates a bytes object of `size` (>= 0) bytes whose
    // contents the caller writes; it returns NULL with an exception set if it cannot.
    let object = unsafe {
        Bound::from_owned_ptr_or_err(py, ffi::PyBytes_FromStringAndSize(ptr::null(), size))
    }?;
    // SAFETY: `object` is a bytes object; `PyBytes_AsString` returns its buffer.
    let buf = unsafe { ffi::PyBytes_AsString(object.as_ptr()) }.cast::<u8>();
    let mut filling = Filling {
        ptr: buf,
        len,
        at: 0,
    };
    let result = fill(&mut filling)?;
    filling.rest_zeroed();
    // SAFETY: `object` was created as bytes above.
    Ok((unsafe { object.cast_into_unchecked() }, result))
}

/// Two new `bytes` objects of `a` and `b` bytes, written by `fill` as for [`new_bytes`].
pub(crate) fn two_bytes<'py, R>(
    py: Python<'py>,
    a: usize,
    b: usize,
    fill: impl FnOnce(&mut Filling, &mut Filling) -> PyResult<R>,
) -> PyResult<(Bound<'py, PyBytes>, Bound<'py, PyBytes>, R)> {
    let (first, (second, result)) = new_bytes(py, a, |first| {
        new_bytes(py, b, |second| fill(first, second))
    })?;
    Ok((first, second, result))
}

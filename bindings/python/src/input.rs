//! Arguments as the Python API takes them: byte strings in any form (bytes, any buffer exporter,
//! ASCII str), writable buffers, and integers checked against the range of what they mean.
//!
//! Each type here is a `FromPyObject`, so a bad argument fails in PyO3's argument parsing with
//! this module's message and a note naming the parameter.

use core::ops::Range;

use pyo3::buffer::PyUntypedBuffer;
use pyo3::exceptions::{PyOverflowError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyInt, PyString};

/// A bytes-like argument's bytes, readable while this value lives.
///
/// `bytes` and `str` are immutable and borrowed in place. Any other exporter (bytearray,
/// memoryview, array.array, numpy, mmap) is held through its buffer export until this is
/// dropped, which keeps its memory where it is: a bytearray cannot be resized meanwhile (its
/// resize raises `BufferError`), so reading it with the GIL released is safe. Its *contents*
/// can still be changed by other threads (as for `hashlib`, which also reads buffers without
/// the GIL): the keys read at that moment are used, whatever they are, and the results are
/// those of what was read.
pub(crate) struct ByteArg<'a> {
    bytes: &'a [u8],
    /// The export behind `bytes` (for exporters other than `bytes` and `str`); released on drop.
    _export: Option<PyUntypedBuffer>,
}

impl ByteArg<'_> {
    pub fn bytes(&self) -> &[u8] {
        self.bytes
    }
}

impl<'a> FromPyObject<'a, '_> for ByteArg<'a> {
    type Error = PyErr;

    fn extract(obj: Borrowed<'a, '_, PyAny>) -> PyResult<Self> {
        if let Ok(bytes) = obj.extract::<&'a [u8]>() {
            return Ok(ByteArg {
                bytes,
                _export: None,
            });
        }
        if obj.is_instance_of::<PyString>() {
            let text: &'a str = obj.extract()?;
            if let Some(pos) = text.bytes().position(|b| !b.is_ascii()) {
                return Err(PyValueError::new_err(format!(
                    "a str argument must be ASCII: non-ASCII character at UTF-8 byte {pos} \
                     (pass bytes to hash other bytes)"
                )));
            }
            return Ok(ByteArg {
                bytes: text.as_bytes(),
                _export: None,
            });
        }
        let export = export(&obj)?;
        // SAFETY: the export holds the exporter's memory in place (and the object alive) until
        // it is released, which happens when the returned value drops it; the pointer and
        // length are the export's, of a C-contiguous buffer (checked by `export`). Other
        // threads may write the bytes meanwhile (see the type's comment): nothing here relies
        // on them staying the same, every byte read is only hashed or compared.
        let bytes = unsafe { export_slice(&export) };
        Ok(ByteArg {
            bytes,
            _export: Some(export),
        })
    }
}

/// A writable, C-contiguous buffer argument (the `*_into` functions' outputs), held through its
/// export as for [`ByteArg`].
pub(crate) struct OutBuffer {
    export: PyUntypedBuffer,
}

impl OutBuffer {
    pub fn len(&self) -> usize {
        self.export.len_bytes()
    }

    /// The buffer's bytes, to be written. The caller must check that no input it reads at the
    /// same time overlaps them ([`check_disjoint`]).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        if self.len() == 0 {
            return &mut [];
        }
        // SAFETY: a writable (checked at extraction), C-contiguous export of `len` bytes that
        // stays valid while `self.export` lives, which outlives this borrow; `&mut self`
        // keeps this the only slice made from it in this call. Other threads may write the
        // same memory (as for any buffer an extension writes without the GIL): the bytes are
        // plain `u8`, so such a race garbles the results and nothing else.
        unsafe { core::slice::from_raw_parts_mut(self.export.buf_ptr().cast::<u8>(), self.len()) }
    }

    /// The address range of the buffer, for [`check_disjoint`].
    fn range(&self) -> Range<usize> {
        let start = self.export.buf_ptr() as usize;
        start..start + self.len()
    }
}

impl FromPyObject<'_, '_> for OutBuffer {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        let export = export(&obj)?;
        if export.readonly() {
            return Err(PyTypeError::new_err(format!(
                "an output buffer must be writable, not a read-only {}",
                type_name(&obj)
            )));
        }
        Ok(OutBuffer { export })
    }
}

/// `ValueError` if an output buffer overlaps an input or another output: the call would read
/// what it is writing.
pub(crate) fn check_disjoint(inputs: &[&[u8]], outputs: &[&OutBuffer]) -> PyResult<()> {
    let overlap = |a: &Range<usize>, b: &Range<usize>| {
        !a.is_empty() && !b.is_empty() && a.start < b.end && b.start < a.end
    };
    let inputs: Vec<Range<usize>> = inputs
        .iter()
        .map(|b| b.as_ptr() as usize..b.as_ptr() as usize + b.len())
        .collect();
    let outputs: Vec<Range<usize>> = outputs.iter().map(|o| o.range()).collect();
    for (i, out) in outputs.iter().enumerate() {
        if inputs
            .iter()
            .chain(&outputs[i + 1..])
            .any(|r| overlap(out, r))
        {
            return Err(PyValueError::new_err(
                "an output buffer overlaps an input or another output buffer",
            ));
        }
    }
    Ok(())
}

/// The buffer export of `obj`, C-contiguous; a `TypeError` saying why not otherwise.
fn export(obj: &Borrowed<'_, '_, PyAny>) -> PyResult<PyUntypedBuffer> {
    let export = PyUntypedBuffer::get(obj).map_err(|cause| {
        let err = PyTypeError::new_err(format!(
            "expected bytes, a buffer (bytearray, memoryview, array.array, numpy array, ...) \
             or an ASCII str, not {}",
            type_name(obj)
        ));
        err.set_cause(obj.py(), Some(cause));
        err
    })?;
    if !export.is_c_contiguous() {
        return Err(PyTypeError::new_err(format!(
            "a {} buffer that is not C-contiguous (copy it first, e.g. bytes(view))",
            type_name(obj)
        )));
    }
    Ok(export)
}

/// The bytes of a C-contiguous export.
///
/// # Safety
/// The slice must not outlive `export`, and nothing may rely on its bytes staying unchanged
/// (other code may write an exporter's memory).
unsafe fn export_slice<'a>(export: &PyUntypedBuffer) -> &'a [u8] {
    let len = export.len_bytes();
    if len == 0 {
        return &[];
    }
    // SAFETY: a C-contiguous export's `buf` points to `len` bytes, valid while it is held (the
    // caller's obligation); `u8` has alignment 1 and every bit pattern is a valid `u8`.
    unsafe { core::slice::from_raw_parts(export.buf_ptr().cast::<u8>(), len) }
}

fn type_name(obj: &Borrowed<'_, '_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map_or_else(|_| "object".to_string(), |n| n.to_string())
}

/// A flag argument (`lenient`): any object, by its truth value, as `if lenient:` would.
pub(crate) struct Flag(pub bool);

impl FromPyObject<'_, '_> for Flag {
    type Error = PyErr;

    fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
        obj.is_truthy().map(Flag)
    }
}

/// An integer argument as `operator.index` reads it (a `bool` refused), within `[low, high]`:
/// `TypeError` for a non-integer, `ValueError` for a negative value where only non-negative
/// ones make sense, `OverflowError` beyond the range otherwise. Nothing wraps.
fn int_in(obj: &Borrowed<'_, '_, PyAny>, what: &str, low: i128, high: i128) -> PyResult<i128> {
    if obj.is_instance_of::<PyBool>() {
        return Err(PyTypeError::new_err(format!(
            "{what} must be an int, not bool"
        )));
    }
    // An int as it is; anything else through its `__index__`, as `operator.index` does.
    let index = if obj.is_instance_of::<PyInt>() {
        (**obj).clone()
    } else {
        obj.call_method0(pyo3::intern!(obj.py(), "__index__"))
            .map_err(|_| {
                PyTypeError::new_err(format!("{what} must be an int, not {}", type_name(obj)))
            })?
    };
    let value = match index.extract::<i64>() {
        Ok(v) => Some(i128::from(v)),
        Err(_) => index.extract::<u64>().ok().map(i128::from),
    };
    let negative = match value {
        Some(v) => v < 0,
        None => index.lt(0)?,
    };
    if negative && low >= 0 {
        return Err(PyValueError::new_err(format!(
            "{what} must be >= 0, got {index}"
        )));
    }
    match value {
        Some(v) if (low..=high).contains(&v) => Ok(v),
        _ => Err(PyOverflowError::new_err(format!(
            "{what}={index} is outside the range [{low}, {high}]"
        ))),
    }
}

/// Declares an integer argument type: its name in messages and its range.
macro_rules! int_arg {
    ($(#[$doc:meta])* $name:ident($ty:ty), $what:literal, $low:expr, $high:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub(crate) struct $name(pub $ty);

        impl FromPyObject<'_, '_> for $name {
            type Error = PyErr;

            fn extract(obj: Borrowed<'_, '_, PyAny>) -> PyResult<Self> {
                let v = int_in(&obj, $what, $low as i128, $high as i128)?;
                // In range, so the conversion cannot fail.
                <$ty>::try_from(v)
                    .map($name)
                    .map_err(|_| PyOverflowError::new_err(concat!($what, " is out of range")))
            }
        }
    };
}

int_arg!(
    /// `threads`: the C `size_t` range (the limit of `MAX_THREADS` is the call's own check, a
    /// `WsacceptError`, as from the C library).
    Threads(u64), "threads", 0, u64::MAX
);
int_arg!(
    /// `seed`: a `uint64_t`.
    Seed(u64), "seed", 0, u64::MAX
);
int_arg!(
    /// `status`: a C `int`.
    StatusCode(i32), "status", i32::MIN, i32::MAX
);
int_arg!(
    /// `n`, a number of keys: its buffers (`n * 28` bytes) must be sizable.
    Count(u64), "n", 0, u64::MAX / wsaccept::ACCEPT_LEN as u64
);

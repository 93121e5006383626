//! The server handshake exports: a configuration made once, a per-connection state the caller
//! owns, one call per read (or one batch call per wakeup) that writes the 101 or the refusal,
//! under the rules in the module above.

use super::*;
use crate::handshake::head::HeaderSlot;
use crate::handshake::server::{
    HandshakeJob, Negotiated, Outcome, Reason, RequestInfo, ServerConfig, ServerHandshake,
};
use crate::handshake::tokens::DeflateParams;

/// `wsaccept_handshake_result.outcome`: the head is not complete; read more, append it to the
/// same buffer, call again with the same connection state and slots.
pub const WSACCEPT_HANDSHAKE_NEED_MORE: c_int = 0;
/// `wsaccept_handshake_result.outcome`: the 101 is in the response buffer; after sending it the
/// connection speaks WebSocket, starting with the bytes after `head_len`.
pub const WSACCEPT_HANDSHAKE_ACCEPTED: c_int = 1;
/// `wsaccept_handshake_result.outcome`: the refusal is in the response buffer; send it, then
/// close the connection.
pub const WSACCEPT_HANDSHAKE_REFUSED: c_int = 2;
/// Header slots a connection needs for the default header-count limit.
pub const WSACCEPT_DEFAULT_MAX_HEADERS: usize = 64;
/// The default head-size limit (8 KiB).
pub const WSACCEPT_DEFAULT_MAX_HEAD: usize = 8192;

/// A range `start..end` of the caller's request buffer.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct wsaccept_span {
    pub start: u32,
    pub end: u32,
}

/// One header line's name and value (without surrounding spaces/tabs) in the request buffer.
/// The caller lends an array of these per connection; the library fills them.
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct wsaccept_header_slot {
    pub name: wsaccept_span,
    pub value: wsaccept_span,
}

// The C slots are the Rust slots: same fields, same order, same layout; the C defaults are
// the Rust ones.
const _: () = {
    assert!(WSACCEPT_DEFAULT_MAX_HEADERS == crate::handshake::server::DEFAULT_MAX_HEADERS);
    assert!(WSACCEPT_DEFAULT_MAX_HEAD == crate::handshake::head::DEFAULT_MAX_HEAD);
    assert!(size_of::<wsaccept_header_slot>() == size_of::<HeaderSlot>());
    assert!(align_of::<wsaccept_header_slot>() == align_of::<HeaderSlot>());
    assert!(size_of::<wsaccept_span>() == size_of::<crate::handshake::head::Span>());
};

/// What `wsaccept_server_new` builds the server from. Zero-initialise it, then set what you
/// need: zeros mean the defaults (8 KiB heads, 64 header lines, no subprotocol, any origin, no
/// extension).
#[repr(C)]
pub struct wsaccept_server_options {
    /// The longest head accepted; 0: `WSACCEPT_DEFAULT_MAX_HEAD`.
    pub max_head: usize,
    /// The most header lines accepted; 0: `WSACCEPT_DEFAULT_MAX_HEADERS`.
    pub max_headers: usize,
    /// `n_subprotocols` NUL-terminated tokens, in preference order (copied).
    pub subprotocols: *const *const c_char,
    pub n_subprotocols: usize,
    /// `n_origins` NUL-terminated origins that may connect (copied); with `n_origins == 0` any.
    pub origins: *const *const c_char,
    pub n_origins: usize,
    /// Non-zero: accept the first valid permessage-deflate offer (RFC 7692), with the four
    /// parameters below (window bits 8..=15, 0 for no limit).
    pub deflate: c_int,
    pub deflate_server_no_context_takeover: c_int,
    pub deflate_client_no_context_takeover: c_int,
    pub deflate_server_max_window_bits: c_int,
    pub deflate_client_max_window_bits: c_int,
}

/// A server configuration (opaque): made by `wsaccept_server_new`, read-only afterwards (any
/// number of threads may use it at once), freed by `wsaccept_server_free`.
pub struct wsaccept_server {
    config: ServerConfig,
}

/// One connection's handshake state (opaque, caller-allocated, e.g. inside the connection's
/// struct). Set up by `wsaccept_server_conn_init` before the first call for a connection.
/// Its contents are private: only `wsaccept_server_conn_init` and the handshake call touch them.
#[repr(C)]
pub struct wsaccept_server_conn {
    pub opaque: [u64; WSACCEPT_SERVER_CONN_WORDS],
}

/// Size of `wsaccept_server_conn` in 64-bit words.
pub const WSACCEPT_SERVER_CONN_WORDS: usize = 17;
const CONN_BYTES: usize = WSACCEPT_SERVER_CONN_WORDS * 8;
const CONN_MAGIC: u64 = 0x7773_6163_6370_7401;

/// The Rust view of a `wsaccept_server_conn`: a tag that `conn_init` set, then the state.
#[repr(C)]
struct ConnRepr {
    magic: u64,
    state: ServerHandshake,
}

const _: () = {
    assert!(size_of::<ConnRepr>() <= CONN_BYTES);
    assert!(align_of::<ConnRepr>() <= 8);
};

/// The answer to one request (or to the bytes read so far).
#[repr(C)]
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct wsaccept_handshake_result {
    /// `WSACCEPT_HANDSHAKE_NEED_MORE`, `_ACCEPTED` or `_REFUSED`.
    pub outcome: c_int,
    /// The response's status: 101, or 400 / 403 / 405 / 426 / 431 / 505; 0 when more is needed.
    pub http_status: c_int,
    /// Why it was refused (`wsaccept_reason_text`); 0 otherwise.
    pub reason: c_int,
    /// Bytes of the response written at the start of the response buffer.
    pub response_len: usize,
    /// Accepted: the head's length; the bytes after it are the client's first frames.
    pub head_len: usize,
    /// Accepted: header slots filled.
    pub headers: usize,
    pub target: wsaccept_span,
    pub host: wsaccept_span,
    /// Accepted and `has_origin`: the Origin header's value.
    pub origin: wsaccept_span,
    pub has_origin: c_int,
    pub key: wsaccept_span,
    /// Index of the selected subprotocol in the options' list, or -1 for none.
    pub subprotocol: c_int,
    /// Non-zero when permessage-deflate was agreed, with these parameters (window bits 0: not
    /// in the response, 15 applies).
    pub deflate: c_int,
    pub deflate_server_no_context_takeover: c_int,
    pub deflate_client_no_context_takeover: c_int,
    pub deflate_server_max_window_bits: c_int,
    pub deflate_client_max_window_bits: c_int,
}

/// One connection's complete request head in a batch, its response buffer, and the answer.
#[repr(C)]
pub struct wsaccept_handshake_job {
    pub request: *const c_char,
    pub request_len: usize,
    pub response: *mut c_char,
    pub response_cap: usize,
    /// Out: `WSACCEPT_OK`, or the failure for this job alone (`WSACCEPT_NULL_POINTER`,
    /// `WSACCEPT_BUFFER_TOO_SMALL`); `result` is written only when it is `WSACCEPT_OK`.
    pub status: c_int,
    pub result: wsaccept_handshake_result,
}

fn span(s: crate::handshake::head::Span) -> wsaccept_span {
    wsaccept_span {
        start: s.start,
        end: s.end,
    }
}

fn result_of(outcome: &Outcome) -> wsaccept_handshake_result {
    match *outcome {
        Outcome::NeedMore => wsaccept_handshake_result {
            outcome: WSACCEPT_HANDSHAKE_NEED_MORE,
            subprotocol: -1,
            ..Default::default()
        },
        Outcome::Refused {
            reason,
            response_len,
        } => wsaccept_handshake_result {
            outcome: WSACCEPT_HANDSHAKE_REFUSED,
            http_status: c_int::from(reason.status().code()),
            reason: c_int::from(reason.code()),
            response_len,
            subprotocol: -1,
            ..Default::default()
        },
        Outcome::Accepted {
            response_len,
            request,
            negotiated,
        } => accepted_result(response_len, &request, &negotiated),
    }
}

fn accepted_result(
    response_len: usize,
    request: &RequestInfo,
    negotiated: &Negotiated,
) -> wsaccept_handshake_result {
    let deflate = negotiated.deflate.unwrap_or_default();
    let bits = |b: Option<u8>| b.map_or(0, c_int::from);
    wsaccept_handshake_result {
        outcome: WSACCEPT_HANDSHAKE_ACCEPTED,
        http_status: 101,
        reason: 0,
        response_len,
        head_len: request.head_len,
        headers: request.headers,
        target: span(request.target),
        host: span(request.host),
        origin: request.origin.map(span).unwrap_or_default(),
        has_origin: c_int::from(request.origin.is_some()),
        key: span(request.key),
        subprotocol: negotiated
            .subprotocol
            .and_then(|i| c_int::try_from(i).ok())
            .unwrap_or(-1),
        deflate: c_int::from(negotiated.deflate.is_some()),
        deflate_server_no_context_takeover: c_int::from(deflate.server_no_context_takeover),
        deflate_client_no_context_takeover: c_int::from(deflate.client_no_context_takeover),
        deflate_server_max_window_bits: bits(deflate.server_max_window_bits),
        deflate_client_max_window_bits: bits(deflate.client_max_window_bits),
    }
}

/// Copies `n` NUL-terminated strings.
///
/// # Safety
/// `list` must be NULL with `n == 0`, or point to `n` pointers to NUL-terminated strings.
unsafe fn c_strings(list: *const *const c_char, n: usize) -> Result<Vec<Vec<u8>>, wsaccept_status> {
    if n == 0 {
        return Ok(Vec::new());
    }
    check_null_result(list)?;
    // SAFETY: non-NULL, and the caller vouches for `n` readable pointers.
    let ptrs = unsafe { slice::from_raw_parts(list, n) };
    ptrs.iter()
        .map(|&p| {
            check_null_result(p)?;
            // SAFETY: the caller vouches for a NUL-terminated string at each non-NULL pointer.
            Ok(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
        })
        .collect()
}

fn check_null_result<T>(p: *const T) -> Result<(), wsaccept_status> {
    if p.is_null() {
        Err(WSACCEPT_NULL_POINTER)
    } else {
        Ok(())
    }
}

fn window_bits(v: c_int) -> Result<Option<u8>, wsaccept_status> {
    match v {
        0 => Ok(None),
        8..=15 => Ok(Some(v as u8)),
        _ => Err(WSACCEPT_BAD_ARGUMENT),
    }
}

/// Makes a server configuration from `options` (NULL: all defaults) and stores it in `*out`.
/// Returns `WSACCEPT_OK`, `WSACCEPT_NULL_POINTER`, or `WSACCEPT_BAD_ARGUMENT` (a subprotocol
/// that is not a token, window bits outside 8..=15). The lists are copied: they may be freed
/// after the call. This is the only server call that allocates.
///
/// # Safety
/// `options` must be NULL or point to a valid `wsaccept_server_options` whose lists hold the
/// counts of valid NUL-terminated strings they claim; `out` must be valid for one write.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_server_new(
    options: *const wsaccept_server_options,
    out: *mut *mut wsaccept_server,
) -> c_int {
    ffi_guard!({
        check_null!(out);
        let mut config = ServerConfig::new();
        if !options.is_null() {
            // SAFETY: non-NULL, and the caller vouches for a valid options struct.
            let o = unsafe { &*options };
            if o.max_head != 0 {
                config = config.max_head(o.max_head);
            }
            if o.max_headers != 0 {
                config = config.max_headers(o.max_headers);
            }
            // SAFETY: the caller vouches for the lists and their counts.
            let protocols = ffi_try!(unsafe { c_strings(o.subprotocols, o.n_subprotocols) });
            config = ffi_try!(config
                .subprotocols(&protocols)
                .map_err(|_| WSACCEPT_BAD_ARGUMENT));
            if o.n_origins != 0 {
                // SAFETY: as above.
                let origins = ffi_try!(unsafe { c_strings(o.origins, o.n_origins) });
                config = config.allowed_origins(&origins);
            }
            if o.deflate != 0 {
                let params = DeflateParams {
                    server_no_context_takeover: o.deflate_server_no_context_takeover != 0,
                    client_no_context_takeover: o.deflate_client_no_context_takeover != 0,
                    server_max_window_bits: ffi_try!(window_bits(o.deflate_server_max_window_bits)),
                    client_max_window_bits: ffi_try!(window_bits(o.deflate_client_max_window_bits)),
                };
                config = ffi_try!(config
                    .deflate(Some(params))
                    .map_err(|_| WSACCEPT_BAD_ARGUMENT));
            }
        }
        let server = Box::new(wsaccept_server { config });
        // SAFETY: `out` is non-NULL and the caller vouches for one writable pointer.
        unsafe { out.write(Box::into_raw(server)) };
        WSACCEPT_OK as c_int
    })
}

/// Frees a configuration from `wsaccept_server_new` (NULL: nothing). No call may be using it.
///
/// # Safety
/// `server` must be NULL or a pointer from `wsaccept_server_new` not freed before.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_server_free(server: *mut wsaccept_server) {
    let _: c_int = ffi_guard!({
        if !server.is_null() {
            // SAFETY: the caller vouches that it came from `Box::into_raw` in
            // `wsaccept_server_new` and is freed once.
            drop(unsafe { Box::from_raw(server) });
        }
        WSACCEPT_OK as c_int
    });
}

/// The response buffer length that never gets `WSACCEPT_BUFFER_TOO_SMALL` with this
/// configuration, or a negative status (`WSACCEPT_NULL_POINTER`).
///
/// # Safety
/// `server` must be NULL or a live pointer from `wsaccept_server_new`.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_server_response_buf_len(server: *const wsaccept_server) -> i64 {
    ffi_guard!({
        check_null!(server);
        // SAFETY: non-NULL and live, as the caller vouches.
        let server = unsafe { &*server };
        server.config.max_response_len() as i64
    })
}

/// Sets up `conn` for a new connection's handshake (also to reuse it for the next one).
///
/// # Safety
/// `server` must be a live pointer from `wsaccept_server_new`; `conn` must be valid for writes
/// of a `wsaccept_server_conn`.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_server_conn_init(
    server: *const wsaccept_server,
    conn: *mut wsaccept_server_conn,
) -> c_int {
    ffi_guard!({
        check_null!(server, conn);
        // SAFETY: non-NULL and live, as the caller vouches.
        let server = unsafe { &*server };
        let repr = ConnRepr {
            magic: CONN_MAGIC,
            state: ServerHandshake::new(&server.config),
        };
        // SAFETY: `conn` is non-NULL, writable for CONN_BYTES >= size_of::<ConnRepr>() bytes and
        // 8-aligned (the struct's alignment), which ConnRepr's alignment does not exceed.
        unsafe { conn.cast::<ConnRepr>().write(repr) };
        WSACCEPT_OK as c_int
    })
}

/// Views `n` C slots as the Rust slots.
///
/// # Safety
/// As for `bytes_out`, for `n` slots.
unsafe fn slots_out<'a>(
    slots: *mut wsaccept_header_slot,
    n: usize,
) -> Result<&'a mut [HeaderSlot], wsaccept_status> {
    if n == 0 {
        return Ok(&mut []);
    }
    check_null_result(slots)?;
    buffer_len(n, size_of::<HeaderSlot>())?;
    // SAFETY: non-NULL, the caller vouches for `n` writable slots; wsaccept_header_slot has
    // HeaderSlot's layout (asserted above) and any bytes are valid for both (plain u32s).
    Ok(unsafe { slice::from_raw_parts_mut(slots.cast::<HeaderSlot>(), n) })
}

/// Reads what `buf` (`len` bytes: everything read on the connection so far, the earlier bytes
/// unchanged) adds, and answers once the head is complete or can no longer be valid: the 101 or
/// the refusal is written into `out` (`out_len` bytes; `wsaccept_server_response_buf_len` is
/// always enough) and described in `*result`. `slots` (`n_slots`, e.g.
/// `WSACCEPT_DEFAULT_MAX_HEADERS`) are the connection's: pass the same ones at every call; their
/// number limits the header lines too. Returns `WSACCEPT_OK` (then `*result` is written),
/// `WSACCEPT_NULL_POINTER`, `WSACCEPT_BAD_ARGUMENT` (`conn` not initialised) or
/// `WSACCEPT_BUFFER_TOO_SMALL` (nothing written to `out` or `*result`). Never allocates.
///
/// # Safety
/// `server` live; `conn` initialised by `wsaccept_server_conn_init` and used by one thread at a
/// time; `buf`, `slots`, `out` valid for their lengths and not overlapping; `result` writable.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_server_handshake(
    server: *const wsaccept_server,
    conn: *mut wsaccept_server_conn,
    buf: *const c_char,
    len: usize,
    slots: *mut wsaccept_header_slot,
    n_slots: usize,
    out: *mut c_char,
    out_len: usize,
    result: *mut wsaccept_handshake_result,
) -> c_int {
    ffi_guard!({
        check_null!(server, conn, result);
        // SAFETY: non-NULL and live, as the caller vouches.
        let server = unsafe { &*server };
        // SAFETY: the caller vouches for each buffer and its length.
        let buf = ffi_try!(unsafe { bytes_in(buf, len) });
        // SAFETY: as above.
        let slots = ffi_try!(unsafe { slots_out(slots, n_slots) });
        // SAFETY: as above.
        let out = ffi_try!(unsafe { bytes_out(out, out_len) });
        let repr = conn.cast::<ConnRepr>();
        // SAFETY: `conn` is non-NULL, 8-aligned and CONN_BYTES long; its first word is plain
        // bytes, readable whatever the caller put there.
        if unsafe { (*repr).magic } != CONN_MAGIC {
            return WSACCEPT_BAD_ARGUMENT as c_int;
        }
        // SAFETY: the tag says `wsaccept_server_conn_init` wrote a ConnRepr here, and the
        // caller vouches that only this thread uses it during the call.
        let state = unsafe { &mut (*repr).state };
        let outcome = ffi_try!(server
            .config
            .handshake(state, buf, slots, out)
            .map_err(|_| WSACCEPT_BUFFER_TOO_SMALL));
        // SAFETY: non-NULL and writable, as the caller vouches.
        unsafe { result.write(result_of(&outcome)) };
        WSACCEPT_OK as c_int
    })
}

/// The text of a refusal reason code (`wsaccept_handshake_result.reason`): static,
/// NUL-terminated, never NULL.
///
/// # Safety
/// Always safe to call. The string must not be freed or written.
#[no_mangle]
pub extern "C" fn wsaccept_reason_text(reason: c_int) -> *const c_char {
    ffi_guard!({
        let found = usize::try_from(reason)
            .ok()
            .and_then(|r| r.checked_sub(1))
            .and_then(|i| Reason::ALL.get(i));
        match found {
            Some(r) => r.c_text().as_ptr(),
            None => c"not a refusal reason".as_ptr(),
        }
    })
}

/// Answers the complete heads of `n` connections in one call (an event loop's wakeup): each
/// job gets its own `status` and `result`, as `wsaccept_server_handshake` would give them
/// (an incomplete head: `WSACCEPT_HANDSHAKE_NEED_MORE`); the accepts of all accepted requests
/// are computed together by the multi-buffer backend, on the calling thread. `slots` are
/// scratch space reused per job (their number limits the header lines). Returns `WSACCEPT_OK`
/// or, for unusable arguments (nothing written), `WSACCEPT_NULL_POINTER` /
/// `WSACCEPT_BAD_ARGUMENT`. Never allocates.
///
/// # Safety
/// `server` live; `jobs` valid for `n` jobs whose buffers are valid for their lengths; no
/// buffer overlaps another.
#[no_mangle]
pub unsafe extern "C" fn wsaccept_server_handshake_batch(
    server: *const wsaccept_server,
    jobs: *mut wsaccept_handshake_job,
    n: usize,
    slots: *mut wsaccept_header_slot,
    n_slots: usize,
) -> c_int {
    ffi_guard!({
        check_null!(server);
        // SAFETY: non-NULL and live, as the caller vouches.
        let server = unsafe { &*server };
        if n == 0 {
            return WSACCEPT_OK as c_int;
        }
        check_null!(jobs);
        ffi_try!(buffer_len(n, size_of::<wsaccept_handshake_job>()));
        // SAFETY: non-NULL, the caller vouches for `n` jobs.
        let jobs = unsafe { slice::from_raw_parts_mut(jobs, n) };
        // SAFETY: the caller vouches for the slots.
        let slots = ffi_try!(unsafe { slots_out(slots, n_slots) });
        const CHUNK: usize = 64;
        for chunk in jobs.chunks_mut(CHUNK) {
            let mut rust_jobs: [Option<HandshakeJob<'_>>; CHUNK] = [const { None }; CHUNK];
            let mut index = [0usize; CHUNK];
            let mut m = 0;
            for (i, job) in chunk.iter_mut().enumerate() {
                // SAFETY: the caller vouches for each job's buffers and lengths.
                let buffers = unsafe {
                    bytes_in(job.request, job.request_len)
                        .and_then(|r| Ok((r, bytes_out(job.response, job.response_cap)?)))
                };
                match buffers {
                    Ok((request, response)) => {
                        rust_jobs[m] = Some(HandshakeJob::new(request, response));
                        index[m] = i;
                        m += 1;
                    }
                    Err(status) => job.status = status as c_int,
                }
            }
            let mut packed: [HandshakeJob<'_>; CHUNK] = core::array::from_fn(|k| {
                rust_jobs[k]
                    .take()
                    .unwrap_or_else(|| HandshakeJob::new(&[], &mut []))
            });
            server.config.handshake_batch(&mut packed[..m], slots);
            for (k, job) in packed[..m].iter().enumerate() {
                let c_job = &mut chunk[index[k]];
                match job.outcome {
                    Ok(outcome) => {
                        c_job.result = result_of(&outcome);
                        c_job.status = WSACCEPT_OK as c_int;
                    }
                    Err(_) => c_job.status = WSACCEPT_BUFFER_TOO_SMALL as c_int,
                }
            }
        }
        WSACCEPT_OK as c_int
    })
}

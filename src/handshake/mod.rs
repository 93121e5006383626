//! The opening handshake, sans-I/O: bytes a connection has read go in, the response to send
//! comes out, written into the caller's buffer; no socket, no allocation, no thread.
//!
//! - [`head`]: the resumable scanner for a request or status line and its header lines.
//! - [`tokens`]: comma lists, tokens, extension offers and permessage-deflate parameters.
//! - [`server`]: the RFC 6455 §4.2 checks as a table of header rules, the answers (101 or
//!   the refusal with its status), the two-step and one-call forms and the batch form.

pub(crate) mod head;
pub(crate) mod server;
pub(crate) mod tokens;

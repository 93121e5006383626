//! `wsaccept backends`: the library's backends, whether this CPU has each, and which one is
//! in use.

use std::io::{self, Write};

use wsaccept::{Backend, BackendKind};

use crate::common::Outcome;

/// `wsaccept backends`: one line per backend, `NAME LANES available|unavailable [active]`.
pub fn run() -> Outcome {
    let active = Backend::active().kind();
    let mut out = io::stdout().lock();
    for &kind in BackendKind::ALL {
        writeln!(
            out,
            "{:<10} {:>2} {}{}",
            kind.name(),
            kind.lanes(),
            if kind.is_available() {
                "available"
            } else {
                "unavailable"
            },
            if kind == active { " active" } else { "" }
        )?;
    }
    // The library prints nothing: an ignored WSACCEPT_BACKEND is reported here.
    if let Some(err) = Backend::env_error() {
        // A failing stderr must not turn the listing into an error or a panic.
        let _ = writeln!(io::stderr(), "wsaccept: {err}");
    }
    out.flush()?;
    Ok(true)
}

//! What the subcommands share: input opening, error reporting, progress display and exit
//! codes.

use std::fs::File;
use std::io::{self, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wsaccept::{KeyError, Mode, MAX_LENIENT_KEY_LEN};

use crate::EngineArgs;

/// Inputs at least this large get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 64 << 20;

/// How a command ended: `Ok(true)` all good (exit 0), `Ok(false)` some input was bad (exit 1).
pub type Outcome = io::Result<bool>;

/// Turns an outcome into the exit status; a closed stdout (`| head`) ends quietly.
pub fn finish(result: Outcome) -> ExitCode {
    match result {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            report(&e);
            ExitCode::from(2)
        }
    }
}

/// Prints clap's usage error (stderr, exit 2) or its help or version text (stdout, exit 0).
/// Unlike `Cli::parse`, a failed write of the help text is reported (exit 2), and a closed pipe
/// (`--help | head -1`) ends quietly.
pub fn usage(e: &clap::Error) -> ExitCode {
    match e.print() {
        Err(pe) if !e.use_stderr() && pe.kind() != io::ErrorKind::BrokenPipe => {
            report(&pe);
            ExitCode::from(2)
        }
        _ => ExitCode::from(e.exit_code().clamp(0, 255) as u8),
    }
}

/// The per-line diagnostics on stderr (`line N: reason`), buffered. Writing them can fail
/// (`2>/dev/full`, a closed pipe): the work goes on without them, since stdout and the exit
/// status (1: some line was bad) still carry the result; after the first failure no more
/// writes are tried.
pub struct Diagnostics {
    out: Option<io::BufWriter<io::StderrLock<'static>>>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics {
            out: Some(io::BufWriter::new(io::stderr().lock())),
        }
    }

    pub fn line(&mut self, args: std::fmt::Arguments) {
        if let Some(out) = &mut self.out {
            if out
                .write_fmt(args)
                .and_then(|()| out.write_all(b"\n"))
                .is_err()
            {
                self.out = None;
            }
        }
    }

    pub fn flush(&mut self) {
        if let Some(out) = &mut self.out {
            if out.flush().is_err() {
                self.out = None;
            }
        }
    }
}

/// Writes `wsaccept: ERROR` to stderr. A failing stderr (`2>/dev/full`) is ignored: the exit
/// status still says what happened, and `eprintln!` would panic instead.
pub fn report(e: &dyn std::fmt::Display) {
    let _ = writeln!(io::stderr(), "wsaccept: {e}");
}

impl EngineArgs {
    pub fn mode(&self) -> Mode {
        if self.lenient {
            Mode::Lenient
        } else {
            Mode::Strict
        }
    }
}

/// An opened input and its size when known.
pub struct Input {
    pub reader: Box<dyn Read + Send>,
    pub size: Option<u64>,
}

/// Opens FILE, or stdin for `None` or `-`.
pub fn open_input(path: &Option<PathBuf>) -> io::Result<Input> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let name = p.display().to_string();
            let file = File::open(p).map_err(|e| named_error(&name, e))?;
            let size = file.metadata().ok().map(|m| m.len());
            Ok(Input {
                reader: Box::new(Named { inner: file, name }),
                size,
            })
        }
        _ => Ok(Input {
            reader: Box::new(io::stdin()),
            size: None,
        }),
    }
}

/// `e` with the input's name in front, keeping its kind.
fn named_error(name: &str, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{name}: {e}"))
}

/// A reader whose errors name their input: opening a directory succeeds on Linux and only the
/// first read fails (`EISDIR`), and "Is a directory" alone does not say which argument was wrong.
struct Named<R> {
    inner: R,
    name: String,
}

impl<R: Read> Read for Named<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner.read(buf).map_err(|e| {
            if e.kind() == io::ErrorKind::Interrupted {
                e
            } else {
                named_error(&self.name, e)
            }
        })
    }
}

/// A progress display on stderr, shown only when stderr is a terminal and the input is large:
/// a bar for files of known size, a byte counter for pipes once enough has gone through.
pub struct Progress {
    bar: ProgressBar,
    /// For a pipe: the counter is switched on once this many bytes were read.
    show_after: Option<u64>,
}

impl Progress {
    /// No display.
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
            show_after: None,
        }
    }

    pub fn new(input: &Input) -> Progress {
        let hidden = Progress::hidden();
        if !io::stderr().is_terminal() {
            return hidden;
        }
        match input.size {
            Some(size) if size >= PROGRESS_MIN_BYTES => {
                let bar = ProgressBar::new(size);
                bar.set_style(
                    ProgressStyle::with_template(
                        "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                    )
                    .expect("valid template"),
                );
                Progress {
                    bar,
                    show_after: None,
                }
            }
            Some(_) => hidden,
            None => {
                // Counted from the start (so the rate is right) but drawn only once it is large.
                let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::hidden());
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {bytes} read, {bytes_per_sec}")
                        .expect("valid template"),
                );
                Progress {
                    bar,
                    show_after: Some(PROGRESS_MIN_BYTES),
                }
            }
        }
    }

    /// Records that `bytes` of input have been read in all.
    pub fn set(&mut self, bytes: u64) {
        if self.show_after.is_some_and(|min| bytes >= min) {
            self.show_after = None;
            self.bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        self.bar.set_position(bytes);
    }

    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// The detailed reason a key was refused (batch calls report only a status).
pub fn parse_error(key: &[u8], mode: Mode) -> Option<KeyError> {
    match mode {
        Mode::Strict => wsaccept::parse_strict(key).err(),
        Mode::Lenient => wsaccept::parse_lenient(key).err(),
    }
}

/// The error the key parser gives a key of `len` bytes (after trimming OWS) that is longer
/// than any valid key: for a line too long to keep, whose bytes are gone.
pub fn length_error(len: usize, mode: Mode) -> KeyError {
    debug_assert!(len > MAX_LENIENT_KEY_LEN);
    match mode {
        Mode::Strict => KeyError::Length { len },
        Mode::Lenient => KeyError::TooLong { len },
    }
}

//! What the subcommands share: input opening, chunked processing, progress display and exit
//! codes.

use std::fs::File;
use std::io::{self, BufRead, BufReader, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use wsaccept::{BatchOptions, Mode};

use crate::EngineArgs;

/// Lines handled per batch call: large enough to amortise the call and fill the cores, small
/// enough that a chunk's buffers stay a few MiB whatever the input size.
pub const LINES_PER_CHUNK: usize = 64 * 1024;

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
            eprintln!("wsaccept: {e}");
            ExitCode::from(2)
        }
    }
}

impl EngineArgs {
    pub fn options(&self) -> BatchOptions {
        let mode = if self.lenient {
            Mode::Lenient
        } else {
            Mode::Strict
        };
        BatchOptions::default().mode(mode).threads(self.threads)
    }
}

/// An opened input and its size when known.
pub struct Input {
    pub reader: Box<dyn BufRead>,
    pub size: Option<u64>,
}

/// Opens FILE, or stdin for `None` or `-`.
pub fn open_input(path: &Option<PathBuf>) -> io::Result<Input> {
    match path {
        Some(p) if p.as_os_str() != "-" => {
            let file = File::open(p)
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", p.display())))?;
            let size = file.metadata().ok().map(|m| m.len());
            Ok(Input {
                reader: Box::new(BufReader::with_capacity(1 << 16, file)),
                size,
            })
        }
        _ => Ok(Input {
            reader: Box::new(BufReader::with_capacity(1 << 16, io::stdin())),
            size: None,
        }),
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
    pub fn new(input: &Input) -> Progress {
        let hidden = Progress {
            bar: ProgressBar::hidden(),
            show_after: None,
        };
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

/// Reads up to [`LINES_PER_CHUNK`] lines into `lines` (reusing their buffers); returns how
/// many were read, 0 at end of input.
pub fn read_chunk<R: BufRead>(
    reader: &mut crate::lines::LineReader<R>,
    lines: &mut Vec<crate::lines::Line>,
) -> io::Result<usize> {
    let mut n = 0;
    while n < LINES_PER_CHUNK {
        if lines.len() == n {
            lines.push(crate::lines::Line::default());
        }
        if !reader.read_line(&mut lines[n])? {
            break;
        }
        n += 1;
    }
    Ok(n)
}

/// The detailed reason a key was refused (batch calls report only a status).
pub fn parse_error(key: &[u8], mode: Mode) -> Option<wsaccept::KeyError> {
    match mode {
        Mode::Strict => wsaccept::parse_strict(key).err(),
        Mode::Lenient => wsaccept::parse_lenient(key).err(),
    }
}

/// [`parse_error`] for a whole line, including one cut short for its length.
pub fn line_key_error(line: &crate::lines::Line, mode: Mode) -> Option<wsaccept::KeyError> {
    use wsaccept::KeyError;
    match (line.trimmed(), mode) {
        (Some(key), _) => parse_error(key, mode),
        (None, Mode::Strict) => Some(KeyError::Length {
            len: line.trimmed_len,
        }),
        (None, Mode::Lenient) => Some(KeyError::TooLong {
            len: line.trimmed_len,
        }),
    }
}

/// The bytes to hand to the batch call for a line: the trimmed key, or (for a line cut short)
/// the kept bytes, which are longer than any key and so refused for their length.
pub fn key_bytes(line: &crate::lines::Line) -> &[u8] {
    line.trimmed().unwrap_or(&line.kept)
}

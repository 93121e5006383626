//! `wsaccept accept [FILE]`: one accept per key line, streamed in chunks.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use wsaccept::{Accept, KeyStatus};

use crate::common::{
    key_bytes, line_key_error, open_input, read_chunk, Diagnostics, Outcome, Progress,
};
use crate::lines::LineReader;
use crate::EngineArgs;

#[derive(Args, Clone)]
pub struct AcceptArgs {
    /// Input file with one key per line; stdin if absent or `-`.
    file: Option<PathBuf>,
    #[command(flatten)]
    engine: EngineArgs,
}

pub fn run(args: &AcceptArgs) -> Outcome {
    let opts = args.engine.options();
    let input = open_input(&args.file)?;
    let mut progress = Progress::new(&input);
    let mut reader = LineReader::new(input.reader);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = Diagnostics::new();

    let mut lines = Vec::new();
    let mut accepts = Vec::new();
    let mut status = Vec::new();
    let mut first_line = 1u64;
    let mut all_valid = true;
    loop {
        let n = read_chunk(&mut reader, &mut lines)?;
        if n == 0 {
            break;
        }
        let keys: Vec<&[u8]> = lines[..n].iter().map(key_bytes).collect();
        accepts.resize(n, Accept::ZEROED);
        status.resize(n, KeyStatus::Ok);
        wsaccept::accept_scattered(&keys, &mut accepts, Some(&mut status), &opts)
            .expect("buffers sized to the chunk");
        for i in 0..n {
            if status[i].is_ok() {
                out.write_all(accepts[i].as_bytes())?;
            } else {
                all_valid = false;
                let reason = line_key_error(&lines[i], opts.mode)
                    .expect("the batch refused the key, so the parser does too");
                err.line(format_args!("line {}: {reason}", first_line + i as u64));
            }
            out.write_all(b"\n")?;
        }
        first_line += n as u64;
        progress.set(reader.bytes_read);
    }
    out.flush()?;
    err.flush();
    progress.finish();
    Ok(all_valid)
}

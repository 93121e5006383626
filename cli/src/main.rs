//! The `wsaccept` command: accepts for keys, key generation, verification and a benchmark.

mod accept;
mod backends;
mod batching;
mod bench;
mod blocks;
mod chunks;
mod common;
mod gen;
mod pipeline;
mod verify;

use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

/// Compute and check WebSocket Sec-WebSocket-Accept values (RFC 6455) in bulk.
#[derive(Parser)]
#[command(name = "wsaccept", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// With no subcommand, `wsaccept` runs `accept`.
    #[command(flatten)]
    accept: accept::AcceptArgs,
}

#[derive(Subcommand)]
enum Command {
    /// Keys one per line -> accepts one per line, same order (an invalid key gives an empty
    /// line and a `line N: reason` message on stderr; exit status 1 if any key was invalid).
    Accept(accept::AcceptArgs),
    /// Print N random keys with their accepts as `KEY<TAB>ACCEPT` lines.
    Gen(gen::GenArgs),
    /// Check `KEY<TAB>ACCEPT` lines; print a summary, list failures on stderr, exit 1 if any.
    Verify(verify::VerifyArgs),
    /// Measure keys/s for every backend this CPU has against the naive per-key baseline.
    Bench(bench::BenchArgs),
    /// List the backends: name, keys per step, whether this CPU has it, which one is in use.
    Backends,
}

/// Options shared by the commands that compute accepts.
#[derive(Args, Clone, Copy)]
pub struct EngineArgs {
    /// Hash keys as given (trimmed), refusing only empty and overlong ones.
    #[arg(long)]
    lenient: bool,
    /// Threads: 1 = this thread only; N = N threads (this one included) each reading and
    /// computing blocks, this one also writing them in order; 0 = one per core.
    #[arg(long, default_value_t = 0)]
    threads: usize,
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return common::usage(&e),
    };
    let result = match cli.command {
        None => accept::run(&cli.accept),
        Some(Command::Accept(args)) => accept::run(&args),
        Some(Command::Gen(args)) => gen::run(&args),
        Some(Command::Verify(args)) => verify::run(&args),
        Some(Command::Bench(args)) => bench::run(&args),
        Some(Command::Backends) => backends::run(),
    };
    common::finish(result)
}

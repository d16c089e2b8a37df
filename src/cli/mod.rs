//! `mwsiem replay`: the native host harness.
//!
//! Reads files, mirrored SFTP trees or stdin, runs every record through the core, writes one OCSF
//! event per line and one dead letter per rejected record, and prints a summary on stderr.
//! Exit status: 0 when the run completed (rejected records included), 1 on an I/O failure,
//! 2 on bad usage or configuration.

mod dead_letter;
mod sources;
mod summary;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use dead_letter::DeadLetters;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mwsiem::{Config, Framer, Pipeline};
use sources::Input;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;
use summary::Summary;

#[derive(Parser, Debug)]
#[command(
    name = "mwsiem",
    version,
    about = "Moveworks SIEM audit-log exports to OCSF 1.8.0 events"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Normalize export files, mirrored SFTP trees (`logs/...`, `logs/v1/...`) or stdin.
    Replay(ReplayArgs),
}

#[derive(clap::Args, Debug)]
struct ReplayArgs {
    /// Files, directories (walked in date order) or `-` for stdin.
    #[arg(value_name = "PATH", default_value = "-")]
    paths: Vec<PathBuf>,
    /// Write events here instead of stdout (one JSON object per line).
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write rejected records here (NDJSON: reason, source, exact record; mode 0600).
    /// Without it, rejects are only reported on stderr, without their content.
    #[arg(long, value_name = "FILE")]
    dead_letter: Option<PathBuf>,
    /// mwsiem.toml configuration.
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Which implementation of the core runs the records.
    #[arg(long, value_enum, default_value_t = Engine::Native)]
    engine: Engine,
    /// No summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    /// The core compiled into this binary.
    Native,
}

/// How many rejects are described on stderr when there is no dead-letter file.
const STDERR_REJECT_LINES: u64 = 20;

pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Replay(args) => match replay(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(Failure::Usage(e)) => {
                eprintln!("mwsiem: {e:#}");
                ExitCode::from(2)
            }
            Err(Failure::Io(e)) => {
                eprintln!("mwsiem: {e:#}");
                ExitCode::from(1)
            }
        },
    }
}

enum Failure {
    Usage(anyhow::Error),
    Io(anyhow::Error),
}

fn load_config(path: Option<&PathBuf>) -> Result<Config, Failure> {
    let Some(path) = path else { return Ok(Config::default()) };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read config {}", path.display()))
        .map_err(Failure::Usage)?;
    Config::from_toml(&text)
        .with_context(|| format!("config {}", path.display()))
        .map_err(Failure::Usage)
}

fn replay(args: ReplayArgs) -> Result<(), Failure> {
    let config = load_config(args.config.as_ref())?;
    let Engine::Native = args.engine;
    let pipeline = Pipeline::new(config);
    let inputs = sources::discover(&args.paths).map_err(|e| Failure::Io(e.into()))?;

    let mut out: Box<dyn Write> = match &args.output {
        Some(p) => Box::new(BufWriter::with_capacity(
            1 << 16,
            std::fs::File::create(p)
                .with_context(|| format!("cannot create {}", p.display()))
                .map_err(Failure::Io)?,
        )),
        None => Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    let mut dead = match &args.dead_letter {
        Some(p) => Some(
            DeadLetters::create(p)
                .with_context(|| format!("cannot create {}", p.display()))
                .map_err(Failure::Io)?,
        ),
        None => None,
    };

    let progress = progress_bar(&args, &inputs);
    let mut summary = Summary::default();
    let started = Instant::now();
    let mut event = Vec::with_capacity(4096);
    for input in &inputs {
        let bytes = read_input(input).map_err(Failure::Io)?;
        let name = input.display();
        summary.files += 1;
        summary.bytes += bytes.len() as u64;
        for record in Framer::new(&bytes) {
            event.clear();
            match pipeline.process_into(record.bytes, &mut event) {
                Ok(kind) => {
                    event.push(b'\n');
                    out.write_all(&event)
                        .context("cannot write events")
                        .map_err(Failure::Io)?;
                    summary.event(kind);
                }
                Err(err) => {
                    summary.dead_letter(err.code());
                    match dead.as_mut() {
                        Some(d) => d
                            .write(&name, &record, &err)
                            .context("cannot write dead letters")
                            .map_err(Failure::Io)?,
                        None if summary.dead_letters <= STDERR_REJECT_LINES => {
                            progress.suspend(|| eprintln!("mwsiem: rejected {name}:{}: {err}", record.line));
                        }
                        None => {}
                    }
                }
            }
        }
        progress.inc(bytes.len() as u64);
    }
    out.flush().context("cannot write events").map_err(Failure::Io)?;
    if let Some(d) = dead {
        d.finish().context("cannot write dead letters").map_err(Failure::Io)?;
    }
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    if !args.quiet {
        if args.dead_letter.is_none() && summary.dead_letters > STDERR_REJECT_LINES {
            eprintln!(
                "mwsiem: {} more rejects not shown; use --dead-letter FILE to keep them",
                summary.dead_letters - STDERR_REJECT_LINES
            );
        }
        eprint!("{summary}");
    }
    Ok(())
}

fn read_input(input: &Input) -> anyhow::Result<Vec<u8>> {
    match input {
        Input::Stdin => {
            let mut buf = Vec::new();
            io::stdin().lock().read_to_end(&mut buf).context("cannot read stdin")?;
            Ok(buf)
        }
        Input::File(p) => std::fs::read(p).with_context(|| format!("cannot read {}", p.display())),
    }
}

/// A byte-based progress bar, only on an interactive terminal.
fn progress_bar(args: &ReplayArgs, inputs: &[Input]) -> ProgressBar {
    if args.quiet || args.no_progress || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let total: u64 = inputs
        .iter()
        .filter_map(|i| match i {
            Input::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {bytes_per_sec} eta {eta}") {
        bar.set_style(style);
    }
    bar
}

//! `mwsiem replay`: the native host harness.
//!
//! Reads files, mirrored SFTP trees or stdin, runs every record through the core, writes one OCSF
//! event per line and one dead letter per rejected record, and prints a summary on stderr.
//! Exit status: 0 when the run completed (rejected records included), 1 on an I/O failure,
//! 2 on bad usage or configuration.

mod dead_letter;
mod engine;
mod sources;
mod summary;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use dead_letter::DeadLetters;
use engine::{Outcome, Runner};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mwsiem::enrich::{NoDirectory, StaticDirectory, UserDirectory};
use mwsiem::host::{ComponentEngine, cache::CompileCache};
use mwsiem::redact::Profile;
use mwsiem::{Config, Framer, Pipeline, Record, RecordMeta};
use sources::Input;
use std::borrow::Cow;
use std::io::{self, BufWriter, IsTerminal, Read, Write};
use std::path::Path;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
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
    /// Write the embedded WebAssembly component (mwsiem:transform@0.1.0) to a file, for other
    /// component hosts or `wasm-tools component wit`.
    ExportComponent {
        /// Where to write the `.wasm` file.
        #[arg(value_name = "FILE.wasm")]
        output: PathBuf,
    },
    /// Write the embedded Fluent Bit `wasm` filter module (function `mwsiem_filter`) to a file.
    ExportFluentbitModule {
        /// Where to write the `.wasm` file (Fluent Bit's `wasm_path`).
        #[arg(value_name = "FILE.wasm")]
        output: PathBuf,
    },
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
    #[arg(long, value_enum, default_value_t = Engine::Component)]
    engine: Engine,
    /// Run this component build instead of the one embedded in the binary.
    #[arg(long, value_name = "FILE.wasm")]
    component: Option<PathBuf>,
    /// Compile the component on every start instead of using the precompiled cache.
    #[arg(long)]
    no_cache: bool,
    /// Who will read the events: `restricted` hides request content (query values, bodies,
    /// headers, LDAP filter values), `full` only credentials. Overrides `redaction.profile`.
    #[arg(long, value_enum)]
    profile: Option<ProfileArg>,
    /// Users for enrichment (CSV with a user_id column, or JSON); overrides
    /// `enrichment.users_file` of the config.
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// No summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum ProfileArg {
    Restricted,
    Full,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Engine {
    /// The WebAssembly component on wasmtime (embedded, or --component).
    Component,
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
    let result = match cli.command {
        Command::Replay(args) => replay(args),
        Command::ExportComponent { output } => std::fs::write(&output, mwsiem::host::embedded_component())
            .with_context(|| format!("cannot write {}", output.display()))
            .map_err(Failure::Io),
        Command::ExportFluentbitModule { output } => std::fs::write(&output, mwsiem::host::embedded_fluentbit_module())
            .with_context(|| format!("cannot write {}", output.display()))
            .map_err(Failure::Io),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(e)) => {
            eprintln!("mwsiem: {e:#}");
            ExitCode::from(2)
        }
        Err(Failure::Io(e)) => {
            eprintln!("mwsiem: {e:#}");
            ExitCode::from(1)
        }
    }
}

enum Failure {
    Usage(anyhow::Error),
    Io(anyhow::Error),
}

/// The effective configuration: the file, `MWSIEM_HMAC_KEY`, then the command line; and the
/// same as TOML text for the component, which parses it itself.
fn load_config(args: &ReplayArgs) -> Result<(Config, String), Failure> {
    let (text, origin) = match &args.config {
        Some(path) => (
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config {}", path.display()))
                .map_err(Failure::Usage)?,
            format!("config {}", path.display()),
        ),
        None => (String::new(), "configuration".to_owned()),
    };
    let env_key = std::env::var("MWSIEM_HMAC_KEY").ok();
    let mut config = Config::from_toml_with_key(&text, env_key)
        .with_context(|| origin.clone())
        .map_err(Failure::Usage)?;
    if let Some(p) = args.profile {
        config.redaction.profile = match p {
            ProfileArg::Restricted => Profile::Restricted,
            ProfileArg::Full => Profile::Full,
        };
        config
            .validate()
            .with_context(|| origin.clone())
            .map_err(Failure::Usage)?;
    }
    let effective = toml::to_string(&config)
        .context("cannot write the effective configuration for the component")
        .map_err(Failure::Usage)?;
    Ok((config, effective))
}

/// The user directory from `--users`, else from the config's `enrichment.users_file`
/// (relative to the config file).
fn load_users(args: &ReplayArgs, config: &Config) -> Result<Arc<dyn UserDirectory>, Failure> {
    let config_dir = args.config.as_deref().and_then(Path::parent).unwrap_or(Path::new(""));
    let Some(path) = args.users.clone().or_else(|| config.enrichment.users_path(config_dir)) else {
        return Ok(Arc::new(NoDirectory));
    };
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("cannot read users file {}", path.display()))
        .map_err(Failure::Usage)?;
    let dir = StaticDirectory::parse(&text)
        .with_context(|| format!("{}", path.display()))
        .map_err(Failure::Usage)?;
    Ok(Arc::new(dir))
}

fn replay(args: ReplayArgs) -> Result<(), Failure> {
    let (config, config_text) = load_config(&args)?;
    let directory = load_users(&args, &config)?;
    let inputs = sources::discover(&args.paths).map_err(|e| Failure::Io(e.into()))?;

    let component_engine = match args.engine {
        Engine::Native => None,
        Engine::Component => {
            let bytes = match &args.component {
                Some(p) => Cow::Owned(
                    std::fs::read(p)
                        .with_context(|| format!("cannot read component {}", p.display()))
                        .map_err(Failure::Usage)?,
                ),
                None => Cow::Borrowed(mwsiem::host::embedded_component()),
            };
            let cache = if args.no_cache {
                CompileCache::Off
            } else {
                CompileCache::default_location()
            };
            Some(ComponentEngine::new(&bytes, &config.host, &cache).map_err(|e| Failure::Usage(e.into()))?)
        }
    };
    let batch_size = config.host.batch_size;
    let mut runner = match &component_engine {
        None => Runner::Native(Pipeline::new(config.clone()).with_directory(Arc::clone(&directory))),
        Some(engine) => Runner::Component(
            engine
                .pipeline(&config_text, Arc::clone(&directory))
                .map_err(|e| Failure::Usage(e.into()))?,
        ),
    };

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
    let mut outcomes = Vec::with_capacity(batch_size);
    for input in &inputs {
        let bytes = read_input(input).map_err(Failure::Io)?;
        let name = input.display();
        summary.files += 1;
        summary.bytes += bytes.len() as u64;
        let meta = RecordMeta {
            source: Some(&name),
            timestamp_ms: None,
        };
        let records: Vec<Record<'_>> = Framer::new(&bytes).collect();
        for batch in records.chunks(batch_size) {
            outcomes.clear();
            runner.run(batch, &meta, &mut outcomes);
            for (record, outcome) in batch.iter().zip(outcomes.drain(..)) {
                match outcome {
                    Outcome::Event { kind, mut json } => {
                        json.push(b'\n');
                        out.write_all(&json)
                            .context("cannot write events")
                            .map_err(Failure::Io)?;
                        summary.event(kind);
                    }
                    Outcome::Rejected { code, message } => {
                        summary.dead_letter(code);
                        match dead.as_mut() {
                            Some(d) => d
                                .write(&name, record, code, &message)
                                .context("cannot write dead letters")
                                .map_err(Failure::Io)?,
                            None if summary.dead_letters <= STDERR_REJECT_LINES => {
                                progress.suspend(|| eprintln!("mwsiem: rejected {name}:{}: {message}", record.line));
                            }
                            None => {}
                        }
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
    summary.engine = match args.engine {
        Engine::Component => "component",
        Engine::Native => "native",
    };
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

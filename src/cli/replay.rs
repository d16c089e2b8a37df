//! `mwsiem replay`: every record of the named files, trees or stdin, streamed through the core.

use super::Failure;
use super::engine::{EngineArgs, Setup};
use super::lake::{LakeArgs, lake_summary, open_lake};
use crate::ingest::output::{Role, STDERR_REJECT_LINES, Sink, write_outcome};
use crate::ingest::process::Outcome;
use crate::ingest::process::run_batch;
use crate::ingest::read::{Batch, Filled, FrameReader};
use crate::ingest::sources::{self, Input};
use crate::ingest::summary::Summary;
use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mwsiem::RecordMeta;
use std::io::{self, IsTerminal, Read};
use std::path::PathBuf;
use std::time::Instant;

#[derive(clap::Args, Debug)]
pub struct ReplayArgs {
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
    #[command(flatten)]
    lake: LakeArgs,
    #[command(flatten)]
    engine: EngineArgs,
    /// No summary on stderr.
    #[arg(short, long)]
    quiet: bool,
    /// No progress bar, even on a terminal.
    #[arg(long)]
    no_progress: bool,
}

pub fn replay(args: ReplayArgs) -> Result<(), Failure> {
    let setup = Setup::load(&args.engine)?;
    let inputs = sources::discover(&args.paths).map_err(|e| Failure::Io(e.into()))?;
    let mut runner = setup.runner()?;
    let batch_size = setup.config.host.batch_size;
    let limit = setup.config.limits.max_record_bytes;

    let mut out = match &args.output {
        Some(p) => Sink::create(Role::Events, p)
            .with_context(|| format!("cannot create {}", p.display()))
            .map_err(Failure::Io)?,
        None => Sink::stdout(Role::Events),
    };
    let mut dead = match &args.dead_letter {
        Some(p) => Some(
            Sink::create(Role::DeadLetters, p)
                .with_context(|| format!("cannot create {}", p.display()))
                .map_err(Failure::Io)?,
        ),
        None => None,
    };

    // The spool of a replay is scratch: its rows become objects at the end (or whenever it
    // holds roll_bytes).
    let spool_dir = std::env::temp_dir().join(format!("mwsiem-lake-{}", std::process::id()));
    let mut lake = open_lake(&args.lake, &setup.config, &spool_dir, &[], args.quiet)?;
    let lake_failed = |e: crate::lake::writer::LakeError| Failure::Io(anyhow::Error::new(e));

    let progress = progress_bar(&args, &inputs);
    let mut summary = Summary::default();
    let started = Instant::now();
    let mut batch = Batch::default();
    let mut outcomes = Vec::with_capacity(batch_size);
    for input in &inputs {
        let name = input.display();
        let source: Box<dyn Read> = match input {
            Input::Stdin => Box::new(io::stdin().lock()),
            Input::File(p) => Box::new(
                std::fs::File::open(p)
                    .with_context(|| format!("cannot read {}", p.display()))
                    .map_err(Failure::Io)?,
            ),
        };
        let mut reader = FrameReader::new(source, limit);
        summary.files += 1;
        let meta = RecordMeta {
            source: Some(&name),
            timestamp_ms: None,
        };
        let mut read_before = 0;
        loop {
            batch.clear();
            let filled = reader
                .next_batch(&mut batch, batch_size)
                .with_context(|| format!("cannot read {name}"))
                .map_err(Failure::Io)?;
            run_batch(&mut runner, &batch, &meta, limit, &mut outcomes);
            for (entry, outcome) in batch.entries().iter().zip(outcomes.drain(..)) {
                let record = batch.record(entry);
                if let (Some((lake, _)), Outcome::Event { json, .. }) = (lake.as_mut(), &outcome) {
                    lake.push(json).map_err(lake_failed)?;
                    lake.write_if_full().map_err(lake_failed)?;
                }
                write_outcome(
                    &mut out,
                    dead.as_mut(),
                    &name,
                    &record,
                    entry.oversized,
                    outcome,
                    &mut summary,
                    |line| progress.suspend(|| eprintln!("{line}")),
                )
                .map_err(|(role, e)| Failure::Io(anyhow::Error::new(e).context(format!("cannot write {role}"))))?;
            }
            if filled == Filled::Waiting && *input == Input::Stdin {
                // A pipe that may stay open: what is complete leaves now.
                out.flush().context("cannot write events").map_err(Failure::Io)?;
            }
            progress.inc(reader.bytes_read - read_before);
            read_before = reader.bytes_read;
            if filled == Filled::End {
                break;
            }
        }
        summary.bytes += reader.bytes_read;
    }
    out.flush().context("cannot write events").map_err(Failure::Io)?;
    if let Some(d) = dead.as_mut() {
        d.flush().context("cannot write dead letters").map_err(Failure::Io)?;
    }
    let lake_result = lake.as_mut().map(|(l, _)| l.finish());
    let _ = std::fs::remove_dir_all(&spool_dir);
    progress.finish_and_clear();
    summary.elapsed = started.elapsed();
    summary.engine = args.engine.engine.name();
    if !args.quiet {
        if args.dead_letter.is_none() && summary.dead_letters > STDERR_REJECT_LINES {
            eprintln!(
                "mwsiem: {} more rejects not shown; use --dead-letter FILE to keep them",
                summary.dead_letters - STDERR_REJECT_LINES
            );
        }
        eprint!("{summary}");
        if let Some((l, destination)) = &lake {
            eprintln!("{}", lake_summary(&l.stats, destination));
        }
    }
    if let Some(Err(e)) = lake_result {
        return Err(lake_failed(e));
    }
    Ok(())
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

//! `mwsiem follow`: arguments, outputs and state for [`crate::ingest::follow`], and a clean stop
//! on SIGINT/SIGTERM (the current batch is written and committed).

use super::Failure;
use super::engine::{EngineArgs, Setup};
use crate::ingest::dedupe::Recovered;
use crate::ingest::duration::parse_duration;
use crate::ingest::follow::{FollowError, Follower, Options};
use crate::ingest::output::{Recovery, Role, Sink};
use crate::ingest::state::{Commit, OutputMark, State, StateError};
use anyhow::{Context as _, anyhow};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct FollowArgs {
    /// Mirrored SFTP trees (or files) to watch.
    #[arg(value_name = "DIR", required = true)]
    roots: Vec<PathBuf>,
    /// Where progress is kept (created if missing): a restart goes on from here.
    #[arg(long, value_name = "DIR")]
    state: PathBuf,
    /// Append events to this file instead of writing them to stdout. A file makes a crash
    /// exactly-once: what was written after the last commit is recognised on restart.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Append rejected records here (NDJSON: reason, source, exact record; mode 0600).
    #[arg(long, value_name = "FILE")]
    dead_letter: Option<PathBuf>,
    /// One catch-up pass, then exit (for cron or a systemd timer).
    #[arg(long)]
    once: bool,
    /// Time between passes over the tree.
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration)]
    poll: Duration,
    /// A last record without its newline leaves once its file is quiet this long.
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration)]
    settle: Duration,
    /// An incomplete last record is ended (a dead letter, as replay ends it) once its file has
    /// not changed for this long.
    #[arg(long, value_name = "DURATION", default_value = "15m", value_parser = parse_duration)]
    incomplete_after: Duration,
    /// How long the keys of emitted records are kept to drop what a refresh repeats.
    #[arg(long, value_name = "DURATION", default_value = "3d", value_parser = parse_duration)]
    dedupe_window: Duration,
    /// At most this long between commits while reading. On stdout a crash repeats at most what
    /// was written in this time (default 250ms); with --output nothing is repeated and each
    /// commit fsyncs the file (default 1s).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    commit_interval: Option<Duration>,
    #[command(flatten)]
    engine: EngineArgs,
    /// No per-pass summary on stderr.
    #[arg(short, long)]
    quiet: bool,
}

static STOP: AtomicBool = AtomicBool::new(false);

extern "C" fn request_stop(_: libc::c_int) {
    STOP.store(true, Ordering::Relaxed);
}

fn install_stop_handlers() {
    // SAFETY: the handler only stores to an atomic, which is async-signal-safe.
    unsafe {
        libc::signal(libc::SIGINT, request_stop as *const () as libc::sighandler_t);
        libc::signal(libc::SIGTERM, request_stop as *const () as libc::sighandler_t);
    }
}

pub fn follow(args: FollowArgs) -> Result<(), Failure> {
    // First, so a stop asked for during start-up is still a clean one.
    install_stop_handlers();
    for root in &args.roots {
        if !root.exists() {
            return Err(Failure::Usage(anyhow!("{}: no such file or directory", root.display())));
        }
    }
    let setup = Setup::load(&args.engine)?;
    let mut state = State::open(&args.state).map_err(|e| Failure::Usage(e.into()))?;
    // What a run before the last crash recovered and no record has cancelled yet.
    let mut recovered = Recovered::from_saved(state.recovered().map_err(|e| Failure::Usage(e.into()))?);
    let mut baselines = Vec::new();
    let events = match &args.output {
        Some(p) => open_output(Role::Events, p, &state, &mut recovered, &mut baselines)?,
        None => Sink::stdout(Role::Events),
    };
    let dead = match &args.dead_letter {
        Some(p) => Some(open_output(
            Role::DeadLetters,
            p,
            &state,
            &mut recovered,
            &mut baselines,
        )?),
        None => None,
    };
    if !baselines.is_empty() {
        // An output new to this state is committed at its current length before anything is
        // written to it: a crash before the first commit then still finds what it wrote.
        state
            .commit(&Commit {
                outputs: baselines,
                recovered: recovered.take_changes(),
                window_secs: i64::MAX,
                ..Commit::default()
            })
            .map_err(|e| failure(e.into()))?;
    }
    let mut runner = setup.runner()?;
    let opts = Options {
        roots: args.roots.clone(),
        once: args.once,
        poll: args.poll,
        settle: args.settle,
        incomplete_after: args.incomplete_after,
        window: args.dedupe_window,
        commit_interval: args.commit_interval.unwrap_or(if args.output.is_some() {
            Duration::from_secs(1)
        } else {
            Duration::from_millis(250)
        }),
        batch_size: setup.config.host.batch_size,
        max_record_bytes: setup.config.limits.max_record_bytes,
        quiet: args.quiet,
    };
    let mut follower = Follower::new(opts, state, events, dead, recovered, &mut runner, &STOP).map_err(failure)?;
    let result = follower.run();
    // Whatever ended the run, what was written is committed if it can be.
    let committed = follower.finish();
    result.and(committed).map_err(failure)
}

fn open_output(
    role: Role,
    path: &std::path::Path,
    state: &State,
    recovered: &mut Recovered,
    baselines: &mut Vec<OutputMark>,
) -> Result<Sink, Failure> {
    let mark = state.output(role.name()).map_err(|e| Failure::Usage(e.into()))?;
    let (sink, how) = Sink::append(role, path, mark.as_ref(), recovered)
        .with_context(|| format!("cannot open {}", path.display()))
        .map_err(Failure::Io)?;
    match how {
        Recovery::Recovered { lines, torn } => eprintln!(
            "mwsiem: {}: {lines} lines written after the last commit are kept and will not be written again{}",
            path.display(),
            if torn > 0 {
                format!("; a torn last line of {torn} bytes was cut")
            } else {
                String::new()
            }
        ),
        Recovery::Replaced => eprintln!(
            "mwsiem: {} is not the file the last run wrote (rotated or truncated): appending to it",
            path.display()
        ),
        Recovery::New | Recovery::Clean => {}
    }
    if matches!(how, Recovery::New | Recovery::Replaced) {
        baselines.extend(sink.mark());
    }
    Ok(sink)
}

fn failure(e: FollowError) -> Failure {
    match e {
        FollowError::State(StateError::Io { .. } | StateError::Sqlite { .. }) | FollowError::Output { .. } => {
            Failure::Io(e.into())
        }
        FollowError::State(_) => Failure::Usage(e.into()),
    }
}

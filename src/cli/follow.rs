//! `mwsiem follow`: arguments, outputs and state for [`crate::ingest::follow`], and a clean stop
//! on SIGINT/SIGTERM (the current batch is written and committed). With `--sftp`, a thread
//! pulls the server's tree into the mirror every `--interval` while the follower reads it.

use super::Failure;
use super::engine::{EngineArgs, Setup};
use super::lake::{LakeArgs, lake_summary, open_lake};
use super::pull::{SftpArgs, resolve, run_pull};
use crate::ingest::dedupe::Recovered;
use crate::ingest::duration::parse_duration;
use crate::ingest::follow::{FollowError, Follower, Options};
use crate::ingest::output::{Recovery, Role, Sink};
use crate::ingest::state::{Commit, OutputMark, State, StateError};
use crate::pull::{PullError, PullOptions, pull_every, report_to_stderr};
use anyhow::{Context as _, anyhow};
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(clap::Args, Debug)]
pub struct FollowArgs {
    /// Mirrored SFTP trees (or files) to watch.
    #[arg(value_name = "DIR", required_unless_present = "sftp")]
    roots: Vec<PathBuf>,
    /// Pull this server's export tree into --mirror and follow the mirror
    /// (sftp://USER@HOST[:PORT]/ROOT; without a value, the config's sftp.url).
    #[arg(long, value_name = "URL", num_args = 0..=1, default_missing_value = "")]
    sftp: Option<String>,
    /// Time between pulls with --sftp [default: sftp.interval, else 15m].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration, requires = "sftp")]
    interval: Option<Duration>,
    #[command(flatten)]
    pull: SftpArgs,
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
    lake: LakeArgs,
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
    let setup = Setup::load(&args.engine)?;
    let mut roots = args.roots.clone();
    let mut puller = None;
    if let Some(url) = &args.sftp {
        let url = Some(url.as_str()).filter(|u| !u.is_empty());
        let resolved = resolve(
            url,
            &args.pull,
            args.engine.config.as_deref(),
            setup.config.sftp.as_ref(),
        )?;
        let mirror = resolved.options.mirror.mirror.clone();
        std::fs::create_dir_all(&mirror)
            .with_context(|| format!("cannot create the mirror {}", mirror.display()))
            .map_err(Failure::Io)?;
        roots.push(mirror);
        if args.once {
            // One pull, then one pass over what it mirrored. A refusal (host key, credentials)
            // stops here; a server that is down still lets the mirror be read, and fails after.
            match run_pull(&resolved.options, args.quiet) {
                Err(Failure::Usage(e)) => return Err(Failure::Usage(e)),
                r => puller = Some(Puller::Done(r.err())),
            }
        } else {
            puller = Some(Puller::start(
                resolved.options,
                args.interval.unwrap_or(resolved.interval),
                args.quiet,
            ));
        }
    } else if args.pull.is_given() {
        return Err(Failure::Usage(anyhow!(
            "--mirror, --identity and the other SFTP options need --sftp"
        )));
    }
    for root in &roots {
        if !root.exists() {
            return Err(Failure::Usage(anyhow!("{}: no such file or directory", root.display())));
        }
    }
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
    // The lake's spool lives with the state: its committed length is part of each commit.
    let marks = state
        .outputs_with_prefix(crate::lake::writer::OPEN_ROLE)
        .map_err(|e| Failure::Usage(e.into()))?;
    let mut lake = open_lake(
        &args.lake,
        &setup.config,
        &args.state.join("security-lake"),
        &marks,
        args.quiet,
    )?;
    let mut runner = setup.runner()?;
    let opts = Options {
        roots,
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
    if let Some((writer, _)) = lake.as_mut() {
        follower = follower.with_batched(writer);
    }
    let result = follower.run();
    // Whatever ended the run, what was written is committed if it can be.
    let committed = follower.finish();
    drop(follower);
    if let (Some((writer, destination)), false) = (&lake, args.quiet) {
        eprintln!("mwsiem: {}", lake_summary(&writer.stats, destination));
    }
    result.and(committed).map_err(failure)?;
    match puller {
        Some(p) => p.outcome(),
        None => Ok(()),
    }
}

/// The pulls beside a follow.
enum Puller {
    /// `--once`: the pull already ran; its failure, if any, is the run's.
    Done(Option<Failure>),
    /// A thread pulling every interval. A refusal (host key, credentials) stops the follow:
    /// it will not fix itself, and a security refusal must not go unnoticed in a log.
    Running {
        refusal: Arc<Mutex<Option<(String, PullError)>>>,
    },
}

impl Puller {
    fn start(opts: PullOptions, interval: Duration, quiet: bool) -> Puller {
        let refusal = Arc::new(Mutex::new(None));
        let slot = Arc::clone(&refusal);
        std::thread::spawn(move || {
            let url = &opts.connect.url;
            pull_every(&opts, interval, &STOP, |outcome| match outcome {
                Ok((report, took)) => {
                    report_to_stderr(url, &report, took, quiet);
                    ControlFlow::Continue(())
                }
                Err(e) if e.is_refusal() => {
                    *slot.lock().unwrap_or_else(|p| p.into_inner()) = Some((url.to_string(), e));
                    STOP.store(true, Ordering::Relaxed);
                    ControlFlow::Break(())
                }
                Err(e) => {
                    eprintln!("mwsiem: pull {url}: {e}; the next pull is in {}s", interval.as_secs());
                    ControlFlow::Continue(())
                }
            });
        });
        Puller::Running { refusal }
    }

    fn outcome(self) -> Result<(), Failure> {
        match self {
            Puller::Done(None) => Ok(()),
            Puller::Done(Some(f)) => Err(f),
            Puller::Running { refusal } => match refusal.lock().unwrap_or_else(|p| p.into_inner()).take() {
                Some((url, e)) => Err(Failure::Usage(anyhow::Error::new(e).context(format!("pull {url}")))),
                None => Ok(()),
            },
        }
    }
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

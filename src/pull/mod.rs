//! `pull`: the vendor's SFTP export tree into a local mirror that `replay` and `follow` read.
//!
//! ```text
//! url ─► session (russh: host key via known_hosts, key or password login, SFTP, read-only)
//!            │
//!            ▼
//!        mirror (list logs/ and logs/v1/ date dirs since --since; per file: unchanged, append a
//!                verified tail, or fetch whole to a hidden part file, verify, rename)
//!            │
//!            ▼
//!        local tree  ─► follow / replay
//! ```
//!
//! * [`url`] parses `sftp://USER@HOST[:PORT]/ROOT`.
//! * [`known_hosts`] reads OpenSSH's file; an unknown key is refused unless accepting new keys
//!   was asked for, a changed or revoked one always.
//! * [`secrets`] loads private keys and passwords and refuses files others can read
//!   (`short_ecdsa` loads the ECDSA keys the key crate refuses).
//! * [`session`] is the only module that knows the SSH library.
//! * [`listing`] takes day directories and export files from the server's listings, and says
//!   where each file lands (pure, and fuzzed: a file never lands outside the mirror).
//! * [`mirror`] decides per file and transfers so that the mirror only ever holds verified bytes.
//! * [`config`] is the `[sftp]` table of mwsiem.toml.
//!
//! Why russh + russh-sftp rather than the libssh2 bindings (`ssh2`): both were measured here
//! against OpenSSH 9.2 (a 200 MB tree: russh 0.62 s, ssh2 0.76 s, OpenSSH's `sftp` 0.86-1.13 s).
//! A pull client parses what a remote server sends; libssh2's record there is memory-safety
//! bugs up to remote code execution (CVE-2019-3855..3863, CVE-2026-55200), russh's is panics
//! and allocation limits, fixed within days. russh links nothing but libc (ssh2 needs the
//! system OpenSSL or 3.5 minutes to build one), its timeouts bound the whole operation (ssh2's
//! apply per call: 12 s to notice a server frozen with a 3 s timeout) and its errors are typed.
//! The cost is about 2 minutes of cold build on 2 cores with `ring`.
//!
//! Errors: [`PullError::is_refusal`] ones (host key, credentials, configuration) are never
//! retried and exit 2; a server that is down, hangs or drops the connection is retried with
//! backoff; files or directories the server will not let us read are reported and skipped.

pub mod config;
pub mod known_hosts;
pub mod listing;
pub mod mirror;
pub mod secrets;
pub mod session;
mod short_ecdsa;
pub mod url;

pub use mirror::{MirrorOptions, Report};
pub use session::ConnectOptions;

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("{0}")]
    Config(String),
    #[error(transparent)]
    Credentials(secrets::CredentialError),
    #[error("{0}")]
    HostKey(String),
    #[error("authentication as {login} failed (tried: {tried})")]
    Auth { login: String, tried: String },
    #[error("cannot connect to {0}: {1}")]
    Connect(String, String),
    #[error("timed out: {0}")]
    Timeout(String),
    #[error("SSH session failed: {0}")]
    Session(String),
    #[error("{path}: {why}")]
    Refused { path: String, why: String, missing: bool },
    #[error("{path}: {source}")]
    Local {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("writing the mirror: {0}")]
    LocalWrite(#[source] std::io::Error),
    #[error("{0} is being written by another pull (its .mwsiem-pull.lock is held); not pulling into it twice")]
    Busy(PathBuf),
    #[error("giving up after {attempts} attempts: {last}")]
    Unavailable { attempts: u32, last: Box<PullError> },
}

impl PullError {
    pub(crate) fn local(path: &Path, source: std::io::Error) -> PullError {
        PullError::Local {
            path: path.to_owned(),
            source,
        }
    }

    /// Refused by us or by the server's decision about us: retrying cannot help, and a
    /// security refusal must not look like a flaky network.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            PullError::Config(_) | PullError::Credentials(_) | PullError::HostKey(_) | PullError::Auth { .. }
        )
    }

    fn is_transient(&self) -> bool {
        matches!(
            self,
            PullError::Connect(..) | PullError::Timeout(_) | PullError::Session(_)
        )
    }
}

/// Everything one pull needs.
#[derive(Debug, Clone)]
pub struct PullOptions {
    pub connect: ConnectOptions,
    pub mirror: MirrorOptions,
    /// Retries of a failed connection or transfer, after the first attempt.
    pub retries: u32,
    /// The first retry waits this long; each further one twice as long, at most a minute.
    pub backoff: Duration,
}

/// One pull, retried with backoff while the server is unreachable or drops the connection.
/// What earlier attempts mirrored stays, and an interrupted file goes on from its part.
pub fn pull(opts: &PullOptions) -> Result<(Report, Duration), PullError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| PullError::Config(format!("cannot start the I/O runtime: {e}")))?;
    let start = Instant::now();
    // Two pulls into one mirror (an overlapping cron run, a pull beside follow --sftp) would
    // write the same part files.
    let _lock = mirror::lock(&opts.mirror.mirror)?;
    let mut report = Report::default();
    let mut attempt = 0u32;
    loop {
        let result = runtime.block_on(async {
            let remote = session::Remote::connect(&opts.connect).await?;
            let result = mirror::mirror_tree(&remote, &opts.connect.url, &opts.mirror, &mut report).await;
            // A session that just failed may not answer a goodbye.
            let _ = tokio::time::timeout(Duration::from_secs(2), remote.close()).await;
            result
        });
        match result {
            Ok(()) => return Ok((report, start.elapsed())),
            Err(e) if e.is_transient() && attempt < opts.retries => {
                let delay = opts
                    .backoff
                    .saturating_mul(1 << attempt.min(16))
                    .min(Duration::from_secs(60));
                attempt += 1;
                report.retries += 1;
                eprintln!(
                    "mwsiem: pull {}: {e}; retry {attempt}/{} in {:.1}s",
                    opts.connect.url,
                    opts.retries,
                    delay.as_secs_f64()
                );
                std::thread::sleep(delay);
            }
            Err(e) if e.is_transient() => {
                return Err(PullError::Unavailable {
                    attempts: attempt + 1,
                    last: Box::new(e),
                });
            }
            Err(e) => return Err(e),
        }
    }
}

/// Pulls every `interval` until `stop` is set or `each`, handed every outcome, breaks (a
/// refusal under `follow --sftp`). The wait is cut short by `stop`.
pub fn pull_every(
    opts: &PullOptions,
    interval: Duration,
    stop: &AtomicBool,
    mut each: impl FnMut(Result<(Report, Duration), PullError>) -> ControlFlow<()>,
) {
    while !stop.load(Ordering::Relaxed) {
        if each(pull(opts)).is_break() {
            return;
        }
        let until = Instant::now() + interval;
        while !stop.load(Ordering::Relaxed) && Instant::now() < until {
            std::thread::sleep(Duration::from_millis(100).min(until - Instant::now()));
        }
    }
}

/// A pull's summary (unless `quiet`) and its problems, on stderr.
pub fn report_to_stderr(url: &url::SftpUrl, report: &Report, took: Duration, quiet: bool) {
    if !quiet {
        eprintln!("{}", summary_line(url, report, took));
    }
    for p in &report.problems {
        eprintln!("mwsiem: pull: {p}");
    }
}

/// The one line a pull leaves on stderr.
pub fn summary_line(url: &url::SftpUrl, r: &Report, took: Duration) -> String {
    let mb = r.bytes as f64 / 1e6;
    let secs = took.as_secs_f64();
    format!(
        "mwsiem: pull {url}: {} file{}: {} new, {} rewritten, {} appended, {} unchanged; {} resumed, {} changed during transfer, {} retries; {mb:.1} MB in {secs:.2}s ({:.1} MB/s){}",
        r.files,
        if r.files == 1 { "" } else { "s" },
        r.fetched_new,
        r.fetched_rewritten,
        r.appended,
        r.unchanged,
        r.resumed,
        r.changed_during_transfer,
        r.retries,
        if secs > 0.0 { mb / secs } else { 0.0 },
        if r.problems.is_empty() {
            String::new()
        } else {
            format!("; {} problems", r.problems.len())
        }
    )
}

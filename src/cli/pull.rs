//! `mwsiem pull`, and the SFTP options `follow --sftp` shares with it: flags over the config's
//! `[sftp]` table over OpenSSH's defaults.

use super::Failure;
use crate::ingest::duration::parse_duration;
use crate::pull::config::SftpConfig;
use crate::pull::secrets::{PasswordSource, default_identities};
use crate::pull::url::SftpUrl;
use crate::pull::{ConnectOptions, MirrorOptions, PullError, PullOptions, known_hosts, pull, report_to_stderr};
use anyhow::{Context as _, anyhow};
use chrono::NaiveDate;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// How to reach the server and where the mirror is (each overrides the `[sftp]` config key of
/// the same name).
#[derive(clap::Args, Debug)]
pub struct SftpArgs {
    /// The local mirror (created if missing); `replay` and `follow` read it.
    #[arg(long, value_name = "DIR")]
    pub mirror: Option<PathBuf>,
    /// Skip date directories before this date (YYYY-MM-DD) or this long ago (7d).
    #[arg(long, value_name = "DATE|DURATION")]
    pub since: Option<String>,
    /// Host keys the server's key is checked against [default: ~/.ssh/known_hosts].
    #[arg(long, value_name = "FILE")]
    pub known_hosts: Option<PathBuf>,
    /// Add the server's key to known_hosts when the host has no entry yet (a changed key is
    /// refused regardless). Only for a first connection whose key you have verified.
    #[arg(long)]
    pub accept_new_host_key: bool,
    /// Private key to log in with (repeatable) [default: ~/.ssh/id_ed25519, id_ecdsa, id_rsa].
    #[arg(short = 'i', long, value_name = "FILE")]
    pub identity: Vec<PathBuf>,
    /// Environment variable holding an encrypted key's passphrase [default: MWSIEM_SFTP_PASSPHRASE].
    #[arg(long, value_name = "NAME")]
    pub passphrase_env: Option<String>,
    /// Log in with the password in this environment variable.
    #[arg(long, value_name = "NAME", conflicts_with = "password_file")]
    pub password_env: Option<String>,
    /// Log in with the password in this file (first line; mode 0600).
    #[arg(long, value_name = "FILE")]
    pub password_file: Option<PathBuf>,
    /// Connecting, each SFTP request, and silence from the server [default: 30s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,
    /// Retries after a failed connection or a dropped transfer [default: 4].
    #[arg(long, value_name = "N")]
    pub retries: Option<u32>,
    /// Wait before the first retry; doubled each time, at most 1m [default: 1s].
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub backoff: Option<Duration>,
}

impl SftpArgs {
    /// Whether any option was given (they mean nothing without a server).
    pub fn is_given(&self) -> bool {
        self.mirror.is_some()
            || self.since.is_some()
            || self.known_hosts.is_some()
            || self.accept_new_host_key
            || !self.identity.is_empty()
            || self.passphrase_env.is_some()
            || self.password_env.is_some()
            || self.password_file.is_some()
            || self.timeout.is_some()
            || self.retries.is_some()
            || self.backoff.is_some()
    }
}

#[derive(clap::Args, Debug)]
pub struct PullArgs {
    /// sftp://USER@HOST[:PORT]/ROOT (ROOT holds `logs/`) [default: the config's sftp.url].
    #[arg(value_name = "URL")]
    url: Option<String>,
    /// mwsiem.toml with an [sftp] table.
    #[arg(short, long, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(flatten)]
    sftp: SftpArgs,
    /// No summary line on stderr.
    #[arg(short, long)]
    quiet: bool,
}

pub fn pull_command(args: PullArgs) -> Result<(), Failure> {
    let table = match &args.config {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read config {}", path.display()))
                .map_err(Failure::Usage)?;
            let config = mwsiem::Config::from_toml(&text)
                .with_context(|| format!("config {}", path.display()))
                .map_err(Failure::Usage)?;
            config.sftp
        }
        None => None,
    };
    let resolved = resolve(args.url.as_deref(), &args.sftp, args.config.as_deref(), table.as_ref())?;
    run_pull(&resolved.options, args.quiet)
}

/// One pull with its summary and problems on stderr; the exit status follows the outcome.
pub fn run_pull(opts: &PullOptions, quiet: bool) -> Result<(), Failure> {
    match pull(opts) {
        Ok((report, took)) => {
            report_to_stderr(&opts.connect.url, &report, took, quiet);
            if report.problems.is_empty() {
                Ok(())
            } else {
                Err(Failure::Io(anyhow!(
                    "pull {}: {} of the export could not be mirrored (see above); the rest was",
                    opts.connect.url,
                    plural(report.problems.len(), "part")
                )))
            }
        }
        Err(e) => Err(pull_failure(&opts.connect.url, e)),
    }
}

pub fn pull_failure(url: &SftpUrl, e: PullError) -> Failure {
    let refusal = e.is_refusal();
    let e = anyhow::Error::new(e).context(format!("pull {url}"));
    if refusal { Failure::Usage(e) } else { Failure::Io(e) }
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

pub struct Resolved {
    pub options: PullOptions,
    pub interval: Duration,
}

/// Flags, then the config's `[sftp]`, then defaults.
pub fn resolve(
    url: Option<&str>,
    args: &SftpArgs,
    config_path: Option<&Path>,
    table: Option<&serde_json::Map<String, serde_json::Value>>,
) -> Result<Resolved, Failure> {
    let usage = |m: String| Failure::Usage(anyhow!(m));
    let mut c = SftpConfig::from_table(table).map_err(usage)?;
    c.resolve_paths(config_path.and_then(Path::parent).unwrap_or(Path::new("")));
    let url_text = url
        .map(str::to_owned)
        .or(c.url.clone())
        .ok_or_else(|| usage("no server: give sftp://USER@HOST[:PORT]/ROOT or set sftp.url in the config".into()))?;
    let url = SftpUrl::parse(&url_text).map_err(|e| usage(e.to_string()))?;
    let mirror = args
        .mirror
        .clone()
        .or(c.mirror.clone())
        .ok_or_else(|| usage("no mirror directory: give --mirror DIR or set sftp.mirror".into()))?;
    let known_hosts = args
        .known_hosts
        .clone()
        .or(c.known_hosts.clone())
        .or_else(known_hosts::default_path)
        .ok_or_else(|| usage("no known_hosts file: give --known-hosts FILE (HOME is not set)".into()))?;
    let identities = if !args.identity.is_empty() {
        args.identity.clone()
    } else if let Some(ids) = &c.identity {
        ids.paths()
    } else {
        default_identities()
    };
    let password = match (
        &args.password_env,
        &args.password_file,
        &c.password_env,
        &c.password_file,
    ) {
        (Some(e), _, _, _) => Some(PasswordSource::Env(e.clone())),
        (_, Some(f), _, _) => Some(PasswordSource::File(f.clone())),
        (_, _, Some(e), _) => Some(PasswordSource::Env(e.clone())),
        (_, _, _, Some(f)) => Some(PasswordSource::File(f.clone())),
        _ => None,
    };
    let duration = |flag: Option<Duration>, key: &Option<String>, name: &str, default: Duration| match (flag, key) {
        (Some(d), _) => Ok(d),
        (None, Some(text)) => parse_duration(text).map_err(|e| usage(format!("sftp.{name}: {e}"))),
        (None, None) => Ok(default),
    };
    let timeout = duration(args.timeout, &c.timeout, "timeout", Duration::from_secs(30))?;
    if timeout.is_zero() {
        return Err(usage("the timeout must be longer than 0".into()));
    }
    let interval = duration(None, &c.interval, "interval", Duration::from_secs(900))?;
    let since = match args.since.as_ref().or(c.since.as_ref()) {
        Some(text) => Some(parse_since(text).map_err(usage)?),
        None => None,
    };
    Ok(Resolved {
        options: PullOptions {
            connect: ConnectOptions {
                url,
                known_hosts,
                accept_new_host_key: args.accept_new_host_key || c.accept_new_host_key.unwrap_or(false),
                identities,
                passphrase_env: args
                    .passphrase_env
                    .clone()
                    .or(c.passphrase_env.clone())
                    .unwrap_or_else(|| "MWSIEM_SFTP_PASSPHRASE".to_owned()),
                password,
                timeout,
            },
            mirror: MirrorOptions { mirror, since },
            retries: args.retries.or(c.retries).unwrap_or(4),
            backoff: duration(args.backoff, &c.backoff, "backoff", Duration::from_secs(1))?,
        },
        interval,
    })
}

/// `2025-10-01`, or a duration back from today (UTC): `7d`.
fn parse_since(text: &str) -> Result<NaiveDate, String> {
    if let Ok(d) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return Ok(d);
    }
    let back =
        parse_duration(text).map_err(|_| format!("--since `{text}`: give a date (2025-10-01) or a duration (7d)"))?;
    let days = i64::try_from(back.as_secs() / 86_400).unwrap_or(i64::MAX);
    let today = chrono::DateTime::from_timestamp(crate::ingest::dedupe::unix_now(), 0)
        .map(|t| t.date_naive())
        .unwrap_or_default();
    Ok(today
        .checked_sub_signed(chrono::TimeDelta::try_days(days).unwrap_or(chrono::TimeDelta::MAX))
        .unwrap_or(NaiveDate::MIN))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_forms() {
        assert_eq!(
            parse_since("2025-10-01"),
            Ok(NaiveDate::from_ymd_opt(2025, 10, 1).unwrap())
        );
        let a_week = parse_since("7d").unwrap();
        let today = chrono::DateTime::from_timestamp(crate::ingest::dedupe::unix_now(), 0)
            .unwrap()
            .date_naive();
        assert_eq!((today - a_week).num_days(), 7);
        assert!(parse_since("last week").is_err());
    }
}

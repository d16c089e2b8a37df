//! The `mwsiem` command line: the native host harness.
//!
//! `replay` normalizes files, mirrored SFTP trees or stdin, streaming; `follow` watches a mirror
//! and emits each record once across refreshes and restarts; `pull` mirrors the vendor's SFTP
//! export tree ([`crate::ingest`] and [`crate::pull`] do the work; this module parses arguments
//! and wires engines, outputs and state).
//! Exit status: 0 when the run completed (rejected records included), 1 on an I/O failure,
//! 2 on bad usage, configuration or state.

mod docs;
mod engine;
mod follow;
mod lake;
mod pull;
mod replay;

use anyhow::Context as _;
use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// What `mwsiem --version` names besides the crate version: the schema the events follow, the
/// interface the component exports, and the forwarder releases the shipped programs are checked
/// against (tests/cli.rs holds the first two to `ocsf::OCSF_VERSION` and `wit/mwsiem.wit`).
const LONG_VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    "\nOCSF 1.8.0 events (Security Lake objects: OCSF 1.3.0)",
    "\nWIT mwsiem:transform@0.1.0 (the component)",
    "\nVector 0.56.x to 0.59.x (transforms/vector: vrl 0.33.1 to 0.36.0)",
    "\nFluent Bit 5.1.x (transforms/fluent-bit: the wasm filter module, WAMR 2.4.1)",
);

#[derive(Parser, Debug)]
#[command(
    name = "mwsiem",
    version,
    long_version = LONG_VERSION,
    about = "Moveworks SIEM audit-log exports to OCSF 1.8.0 events"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Normalize export files, mirrored SFTP trees (`logs/...`, `logs/v1/...`) or stdin.
    Replay(replay::ReplayArgs),
    /// Watch mirrored SFTP trees and emit every record once, as files grow and are refreshed;
    /// progress is kept in a state directory, so a restart goes on where the last run stopped.
    Follow(Box<follow::FollowArgs>),
    /// Mirror the vendor's SFTP export tree (`logs/...`, `logs/v1/...`) into a local directory:
    /// only what is new or changed, verified, atomically; host keys checked against known_hosts.
    Pull(pull::PullArgs),
    /// Amazon Security Lake: what to register for `--security-lake`.
    #[command(subcommand)]
    SecurityLake(lake::LakeCommand),
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
    /// Write the man pages into a directory: mwsiem.1 and one per subcommand (mwsiem-replay.1,
    /// ...), from the same definitions as --help. Install with `install -m 644 DIR/*.1
    /// /usr/local/share/man/man1/`.
    Man {
        /// The directory to write the pages into (created if missing).
        #[arg(value_name = "DIR")]
        dir: PathBuf,
    },
    /// Print the completion script for a shell: `mwsiem completions bash >
    /// /etc/bash_completion.d/mwsiem` (zsh: a `_mwsiem` file on `$fpath`; fish:
    /// `~/.config/fish/completions/mwsiem.fish`).
    Completions {
        /// The shell.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProfileArg {
    Restricted,
    Full,
}

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
        Command::Replay(args) => replay::replay(args),
        Command::Follow(args) => follow::follow(*args),
        Command::Pull(args) => pull::pull_command(args),
        Command::SecurityLake(command) => lake::lake_command(command),
        Command::ExportComponent { output } => std::fs::write(&output, mwsiem::host::embedded_component())
            .with_context(|| format!("cannot write {}", output.display()))
            .map_err(Failure::Io),
        Command::ExportFluentbitModule { output } => std::fs::write(&output, mwsiem::host::embedded_fluentbit_module())
            .with_context(|| format!("cannot write {}", output.display()))
            .map_err(Failure::Io),
        Command::Man { dir } => docs::man_pages(&dir),
        Command::Completions { shell } => docs::completions(shell),
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

pub enum Failure {
    Usage(anyhow::Error),
    Io(anyhow::Error),
}

#[cfg(test)]
mod tests {
    /// The Security Lake version `--version` names is the one the lake writer stamps (tests/cli.rs
    /// checks the rest through the binary; this module is the binary's own).
    #[test]
    fn long_version_names_the_lake_ocsf_version() {
        let lake = format!("Security Lake objects: OCSF {}", crate::lake::schema::LAKE_OCSF_VERSION);
        assert!(super::LONG_VERSION.contains(&lake), "{}", super::LONG_VERSION);
    }
}

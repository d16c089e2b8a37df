//! The man pages and shell completions, generated from the clap definitions `--help` prints, so
//! neither can drift from the binary.

use super::{Cli, Failure};
use anyhow::Context as _;
use clap::CommandFactory as _;
use std::path::Path;

/// `mwsiem man DIR`: mwsiem.1 and one page per subcommand (mwsiem-replay.1, ...).
pub fn man_pages(dir: &Path) -> Result<(), Failure> {
    std::fs::create_dir_all(dir)
        .and_then(|()| clap_mangen::generate_to(Cli::command(), dir))
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))
        .map_err(Failure::Io)
}

/// `mwsiem completions SHELL`: the script on stdout.
pub fn completions(shell: clap_complete::Shell) -> Result<(), Failure> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "mwsiem", &mut out);
    std::io::Write::write_all(&mut std::io::stdout().lock(), &out)
        .context("cannot write the completion script")
        .map_err(Failure::Io)
}

//! The `mwsiem` command line: the native host harness over the `mwsiem` core.

mod cli;
mod ingest;
mod lake;
mod pull;

fn main() -> std::process::ExitCode {
    cli::main()
}

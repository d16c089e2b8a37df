//! `--security-lake` for `replay` and `follow`, and `mwsiem security-lake sources`.

use super::Failure;
use crate::ingest::state::OutputMark;
use crate::lake::config::{LAKE_CLASSES, LakeConfig};
use crate::lake::sources::{Registration, registration};
use crate::lake::store::{S3Settings, Store};
use crate::lake::writer::{LakeStats, LakeWriter};
use anyhow::{Context as _, anyhow};
use std::path::{Path, PathBuf};

#[derive(clap::Args, Debug, Default)]
pub struct LakeArgs {
    /// Also write Parquet objects for Amazon Security Lake custom sources (OCSF 1.3.0, one class
    /// per source, partitioned by event day) to this directory or bucket; needs the config's
    /// [security_lake] table. The events output stays.
    #[arg(long, value_name = "DIR|s3://BUCKET[/PREFIX]")]
    pub security_lake: Option<String>,
}

/// The lake output, if asked for: checks the config and the destination, says which classes
/// are not written, and resumes from `marks` (`follow`'s committed spools).
pub fn open_lake(
    args: &LakeArgs,
    config: &mwsiem::Config,
    spool_dir: &Path,
    marks: &[OutputMark],
    quiet: bool,
) -> Result<Option<(LakeWriter, String)>, Failure> {
    let Some(destination) = &args.security_lake else {
        return Ok(None);
    };
    let lake = LakeConfig::from_table(config.security_lake.as_ref()).map_err(|e| Failure::Usage(anyhow!(e)))?;
    let store = Store::open(
        destination,
        S3Settings {
            region: &lake.region,
            endpoint: lake.endpoint.as_deref(),
        },
    )
    .map_err(|e| Failure::Usage(e.into()))?;
    let writer = LakeWriter::resume(lake, store, spool_dir, marks).map_err(|e| Failure::Usage(e.into()))?;
    if !quiet {
        for (class, source) in writer.sources() {
            if source.is_none() {
                eprintln!(
                    "mwsiem: security lake: {class} has no source name in [security_lake.sources]: its events are not written to the lake"
                );
            }
        }
    }
    Ok(Some((writer, destination.clone())))
}

/// The summary line of the lake output.
pub fn lake_summary(stats: &LakeStats, destination: &str) -> String {
    let mut line = format!(
        "security lake: {} rows in {} objects ({} bytes) at {destination}",
        stats.rows, stats.objects, stats.object_bytes
    );
    for (class, n) in LAKE_CLASSES.iter().zip(stats.unnamed) {
        if n > 0 {
            line.push_str(&format!(
                "; {n} {} events not written (no source name)",
                class.class.name
            ));
        }
    }
    if stats.no_row > 0 {
        line.push_str(&format!("; {} events without a row", stats.no_row));
    }
    line
}

#[derive(clap::Subcommand, Debug)]
pub enum LakeCommand {
    /// Print what to register in Security Lake for the configured classes: one custom source
    /// per class, as AWS CLI commands.
    Sources(SourcesArgs),
}

#[derive(clap::Args, Debug)]
pub struct SourcesArgs {
    /// mwsiem.toml with a [security_lake] table.
    #[arg(short, long, value_name = "FILE")]
    config: PathBuf,
    /// The ARN of the IAM role Security Lake's Glue crawler uses.
    #[arg(long, value_name = "ARN")]
    glue_role_arn: Option<String>,
    /// The external ID the provider role is assumed with.
    #[arg(long, value_name = "ID")]
    external_id: Option<String>,
    /// The AWS account (or principal) that runs mwsiem and writes the objects
    /// [default: the configured account_id].
    #[arg(long, value_name = "PRINCIPAL")]
    principal: Option<String>,
}

pub fn lake_command(command: LakeCommand) -> Result<(), Failure> {
    match command {
        LakeCommand::Sources(args) => {
            let text = std::fs::read_to_string(&args.config)
                .with_context(|| format!("cannot read config {}", args.config.display()))
                .map_err(Failure::Usage)?;
            let config = mwsiem::Config::from_toml(&text)
                .with_context(|| format!("config {}", args.config.display()))
                .map_err(Failure::Usage)?;
            let lake = LakeConfig::from_table(config.security_lake.as_ref()).map_err(|e| Failure::Usage(anyhow!(e)))?;
            print!(
                "{}",
                registration(
                    &lake,
                    &Registration {
                        glue_role_arn: args.glue_role_arn.as_deref(),
                        external_id: args.external_id.as_deref(),
                        principal: args.principal.as_deref(),
                    }
                )
            );
            Ok(())
        }
    }
}

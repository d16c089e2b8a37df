//! The configuration and the engine a run uses: the core compiled into this binary, or the
//! component on wasmtime. Both give, per record, an event or a reason; the rest of the CLI treats
//! them alike through [`Process`].

use super::{Failure, ProfileArg};
use crate::ingest::process::{Outcome, Process};
use anyhow::Context as _;
use clap::ValueEnum;
use mwsiem::enrich::{NoDirectory, StaticDirectory, UserDirectory};
use mwsiem::host::{ComponentEngine, ComponentError, ComponentPipeline, cache::CompileCache};
use mwsiem::redact::Profile;
use mwsiem::{Config, EventKind, Pipeline, Record, RecordMeta};
use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The WebAssembly component on wasmtime (embedded, or --component).
    Component,
    /// The core compiled into this binary.
    Native,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Component => "component",
            Engine::Native => "native",
        }
    }
}

/// What `replay` and `follow` share: the configuration and the engine.
#[derive(clap::Args, Debug)]
pub struct EngineArgs {
    /// mwsiem.toml configuration.
    #[arg(short, long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Which implementation of the core runs the records.
    #[arg(long, value_enum, default_value_t = Engine::Component)]
    pub engine: Engine,
    /// Run this component build instead of the one embedded in the binary.
    #[arg(long, value_name = "FILE.wasm")]
    pub component: Option<PathBuf>,
    /// Compile the component on every start instead of using the precompiled cache.
    #[arg(long)]
    pub no_cache: bool,
    /// Who will read the events: `restricted` hides request content (query values, bodies,
    /// headers, LDAP filter values), `full` only credentials. Overrides `redaction.profile`.
    #[arg(long, value_enum)]
    pub profile: Option<ProfileArg>,
    /// Users for enrichment (CSV with a user_id column, or JSON); overrides
    /// `enrichment.users_file` of the config.
    #[arg(long, value_name = "FILE")]
    pub users: Option<PathBuf>,
}

/// The loaded configuration, users and (for the component) the compiled engine.
pub struct Setup {
    pub config: Config,
    config_text: String,
    directory: Arc<dyn UserDirectory>,
    component: Option<ComponentEngine>,
}

impl Setup {
    pub fn load(args: &EngineArgs) -> Result<Setup, Failure> {
        let (config, config_text) = load_config(args)?;
        let directory = load_users(args, &config)?;
        let component = match args.engine {
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
        Ok(Setup {
            config,
            config_text,
            directory,
            component,
        })
    }

    pub fn runner(&self) -> Result<Runner<'_>, Failure> {
        Ok(match &self.component {
            None => Runner::Native(Pipeline::new(self.config.clone()).with_directory(Arc::clone(&self.directory))),
            Some(engine) => Runner::Component(
                engine
                    .pipeline(&self.config_text, Arc::clone(&self.directory))
                    .map_err(|e| Failure::Usage(e.into()))?,
            ),
        })
    }
}

/// The effective configuration: the file, `MWSIEM_HMAC_KEY`, then the command line; and the
/// same as TOML text for the component, which parses it itself.
fn load_config(args: &EngineArgs) -> Result<(Config, String), Failure> {
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
fn load_users(args: &EngineArgs, config: &Config) -> Result<Arc<dyn UserDirectory>, Failure> {
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

// One runner per run, built once and never moved in a loop: the size of a variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Runner<'e> {
    Native(Pipeline),
    Component(ComponentPipeline<'e>),
}

impl Process for Runner<'_> {
    fn run(&mut self, records: &[Record<'_>], meta: &RecordMeta<'_>, outcomes: &mut Vec<Outcome>) {
        match self {
            Runner::Native(p) => {
                for r in records {
                    let mut json = Vec::with_capacity(r.bytes.len() * 3);
                    outcomes.push(match p.process_meta_into(r.bytes, meta, &mut json) {
                        Ok(kind) => Outcome::Event { kind, json },
                        Err(e) => Outcome::Rejected {
                            code: e.code(),
                            message: e.to_string(),
                        },
                    });
                }
            }
            Runner::Component(c) => {
                let bytes: Vec<&[u8]> = records.iter().map(|r| r.bytes).collect();
                for result in c.process_records(&bytes, meta) {
                    outcomes.push(match result {
                        Ok(json) => Outcome::Event {
                            kind: kind_of_event(&json),
                            json: json.into_bytes(),
                        },
                        Err(ComponentError::Record(e)) => Outcome::Rejected {
                            code: e.code(),
                            message: e.to_string(),
                        },
                        Err(ComponentError::Trap { reason, stderr }) => Outcome::Rejected {
                            code: "trap",
                            message: format!("the component trapped: {reason}; guest stderr: {:?}", stderr.trim()),
                        },
                    });
                }
            }
        }
    }
}

/// The component returns JSON only: its type, for the summary, is read back from the
/// `"event_code":"..."` the normalizer always writes.
fn kind_of_event(json: &str) -> EventKind {
    const KEY: &str = "\"event_code\":\"";
    json.find(KEY)
        .and_then(|i| {
            let rest = &json[i + KEY.len()..];
            rest.find('"').map(|end| EventKind::from_event_type(&rest[..end]))
        })
        .unwrap_or(EventKind::Unknown)
}

//! `mwsiem.toml`: the one configuration format of the CLI, the component and the Fluent Bit filter.
//!
//! Unknown keys are errors: a misspelled option in a security pipeline must not be ignored.

// `[redaction]`'s types live with the redactor (one home, no import circle): re-exported here
// beside the other sections.
use crate::redact::{Action, Profile};
pub use crate::redact::{FieldRule, RedactionConfig};
use serde::{Deserialize, Serialize};

/// The whole configuration. Every section and key is optional.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub output: OutputConfig,
    pub limits: Limits,
    pub redaction: RedactionConfig,
    pub enrichment: EnrichmentConfig,
    pub host: HostConfig,
    /// `[sftp]`: how the native `mwsiem pull` reaches the vendor's server, kept as it was
    /// written. The CLI checks its keys (src/pull/config.rs); the core and the guests never
    /// see it (it is not part of the effective configuration they are given).
    #[serde(skip_serializing)]
    pub sftp: Option<serde_json::Map<String, serde_json::Value>>,
    /// `[security_lake]`: where `--security-lake` writes Parquet objects for Amazon Security
    /// Lake; checked by the CLI (src/lake/config.rs), never seen by the core, like `[sftp]`.
    #[serde(skip_serializing)]
    pub security_lake: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Where the hosts find enrichment data (the core itself reads no files).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct EnrichmentConfig {
    /// A users file (CSV or JSON, see `enrich::users`), read by the CLI and the Fluent Bit filter.
    /// Relative paths are relative to the config file.
    pub users_file: Option<String>,
}

impl EnrichmentConfig {
    /// Where the users file is, for a config read from `config_dir` (an absolute `users_file`
    /// stands alone). Pure path arithmetic: the hosts do the reading.
    pub fn users_path(&self, config_dir: &std::path::Path) -> Option<std::path::PathBuf> {
        self.users_file.as_deref().map(|f| config_dir.join(f))
    }
}

/// How the native host runs the component (ignored by the guests themselves).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct HostConfig {
    /// Memory one component instance may grow to, in bytes.
    pub memory_limit_bytes: u64,
    /// CPU bound per call: `epoch` (a deadline in milliseconds) or `fuel` (instructions).
    pub cpu_limit: CpuLimitKind,
    /// Milliseconds one call may run with `cpu_limit = "epoch"`.
    pub call_timeout_ms: u64,
    /// Fuel one call may burn with `cpu_limit = "fuel"`, per input byte (plus a fixed allowance).
    pub fuel_per_byte: u64,
    /// Records per component call.
    pub batch_size: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum CpuLimitKind {
    Epoch,
    Fuel,
}

impl Default for HostConfig {
    fn default() -> Self {
        HostConfig {
            memory_limit_bytes: 256 * 1024 * 1024,
            cpu_limit: CpuLimitKind::Epoch,
            call_timeout_ms: 10_000,
            fuel_per_byte: 20_000,
            batch_size: 256,
        }
    }
}

/// What goes into each event besides the mapping.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct OutputConfig {
    /// Copy the original record into OCSF `raw_data`.
    pub raw_data: bool,
    /// Put what the host says of the record's origin into `metadata.log_name` (source tag or
    /// file) and `metadata.logged_time` (when the host received it). Off by default, so that
    /// every adapter emits the same bytes for the same record.
    pub source_metadata: bool,
    /// Write the captions a reader can derive from the ids (`class_name`, `category_name`,
    /// `activity_name`, `type_name`, `severity`, `status`, observables' `type`). On by default;
    /// a source word kept as a caption with id 99 is written either way.
    pub captions: bool,
    /// `metadata.tenant_uid`: which Moveworks organisation the export belongs to. Also part of
    /// `metadata.uid`, so that uids stay unique across tenants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tenant_uid: Option<String>,
    /// `metadata.log_name` (it wins over the host's source with `source_metadata`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_name: Option<String>,
}

impl Default for OutputConfig {
    fn default() -> Self {
        OutputConfig {
            raw_data: false,
            source_metadata: false,
            captions: true,
            tenant_uid: None,
            log_name: None,
        }
    }
}

/// Bounds that keep hostile input from costing unbounded time, memory or stack.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Limits {
    /// Records larger than this are rejected unparsed (`too_large`).
    pub max_record_bytes: usize,
    /// Nested arrays and objects deeper than this are rejected (`too_deep`).
    pub max_depth: usize,
    /// A record that would become more events than this (a PERMISSION_CHANGE naming more
    /// grantees) is rejected (`invalid_field`): each event repeats the record's shared fields,
    /// so the output of one record is bounded by this many times its size.
    pub max_events_per_record: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_record_bytes: 16 * 1024 * 1024,
            max_depth: 64,
            max_events_per_record: 10_000,
        }
    }
}

/// The upper bound of `limits.max_depth`: deeper trees would risk the guest's stack.
pub const MAX_DEPTH_CEILING: usize = 512;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("invalid configuration: {0}")]
    Toml(String),
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

impl Config {
    /// Parses and checks a `mwsiem.toml` text.
    pub fn from_toml(text: &str) -> Result<Self, ConfigError> {
        Self::from_toml_with_key(text, None)
    }

    /// Parses and checks a `mwsiem.toml` text; `env_key` (a host's `MWSIEM_HMAC_KEY`) is the
    /// HMAC key when the text names none.
    pub fn from_toml_with_key(text: &str, env_key: Option<String>) -> Result<Self, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::Toml(e.to_string().trim_end().to_owned()))?;
        if config.redaction.hmac_key.is_none() {
            config.redaction.hmac_key = env_key.filter(|k| !k.is_empty());
        }
        config.validate()?;
        Ok(config)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.limits.max_events_per_record == 0 {
            return Err(ConfigError::Invalid(
                "limits.max_events_per_record must be at least 1".into(),
            ));
        }
        if self.limits.max_depth == 0 || self.limits.max_depth > MAX_DEPTH_CEILING {
            return Err(ConfigError::Invalid(format!(
                "limits.max_depth must be between 1 and {MAX_DEPTH_CEILING}, not {}",
                self.limits.max_depth
            )));
        }
        if self.limits.max_record_bytes == 0 {
            return Err(ConfigError::Invalid(
                "limits.max_record_bytes must be at least 1".into(),
            ));
        }
        let r = &self.redaction;
        let hashes = r.credential_action == Action::Hash
            || r.content_action == Action::Hash
            || r.rules.iter().any(|rule| rule.action == Action::Hash);
        match &r.hmac_key {
            None if hashes => {
                return Err(ConfigError::Invalid(
                    "redaction: action \"hash\" needs a key: set redaction.hmac_key or MWSIEM_HMAC_KEY".into(),
                ));
            }
            Some(k) if k.len() < 16 => {
                return Err(ConfigError::Invalid(
                    "redaction.hmac_key must be at least 16 bytes".into(),
                ));
            }
            _ => {}
        }
        if let Some(rule) = r
            .rules
            .iter()
            .find(|rule| rule.path.is_empty() || rule.path.split('.').any(str::is_empty))
        {
            return Err(ConfigError::Invalid(format!(
                "redaction.rule path {:?} is not a dotted OCSF path",
                rule.path
            )));
        }
        for (key, value) in [
            ("output.tenant_uid", &self.output.tenant_uid),
            ("output.log_name", &self.output.log_name),
        ] {
            if value
                .as_deref()
                .is_some_and(|v| v.trim().is_empty() || v.chars().any(char::is_control))
            {
                return Err(ConfigError::Invalid(format!(
                    "{key} must be a non-empty string without control characters"
                )));
            }
        }
        if self.output.raw_data && r.profile == Profile::Restricted {
            return Err(ConfigError::Invalid(
                "output.raw_data copies request content into every event: it needs redaction.profile = \"full\"".into(),
            ));
        }
        if self.host.batch_size == 0 || self.host.batch_size > 65_536 {
            return Err(ConfigError::Invalid(format!(
                "host.batch_size must be between 1 and 65536, not {}",
                self.host.batch_size
            )));
        }
        if self.host.memory_limit_bytes < 4 * 1024 * 1024 {
            return Err(ConfigError::Invalid(
                "host.memory_limit_bytes must be at least 4 MiB".into(),
            ));
        }
        if self.host.call_timeout_ms == 0 || self.host.fuel_per_byte == 0 {
            return Err(ConfigError::Invalid(
                "host.call_timeout_ms and host.fuel_per_byte must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_text_is_the_default() {
        assert_eq!(Config::from_toml("").unwrap(), Config::default());
    }

    #[test]
    fn reads_every_key() {
        let c = Config::from_toml("[output]\nraw_data = true\n[limits]\nmax_record_bytes = 1024\nmax_depth = 10\nmax_events_per_record = 5\n[redaction]\nprofile = \"full\"\n")
            .unwrap();
        assert!(c.output.raw_data);
        assert_eq!(
            c.limits,
            Limits {
                max_record_bytes: 1024,
                max_depth: 10,
                max_events_per_record: 5
            }
        );
    }

    #[test]
    fn host_and_enrichment_sections() {
        let c = Config::from_toml(
            "[host]\ncpu_limit = \"fuel\"\nbatch_size = 100\n[enrichment]\nusers_file = \"users.csv\"\n",
        )
        .unwrap();
        assert_eq!(c.host.cpu_limit, CpuLimitKind::Fuel);
        assert_eq!(c.host.batch_size, 100);
        assert_eq!(c.enrichment.users_file.as_deref(), Some("users.csv"));
        assert!(Config::from_toml("[host]\ncpu_limit = \"wallclock\"\n").is_err());
        assert!(Config::from_toml("[host]\nbatch_size = 0\n").is_err());
    }

    #[test]
    fn redaction_section_and_its_checks() {
        let text = "[redaction]\nprofile = \"full\"\ncontent_action = \"drop\"\n[[redaction.rule]]\npath = \"actor.user.email_addr\"\naction = \"hash\"\n";
        let e = Config::from_toml(text).unwrap_err().to_string();
        assert!(e.contains("needs a key"), "{e}");
        let c = Config::from_toml_with_key(text, Some("0123456789abcdef".into())).unwrap();
        assert_eq!(c.redaction.profile, Profile::Full);
        assert_eq!(c.redaction.rules[0].action, Action::Hash);
        assert!(Config::from_toml_with_key(text, Some("short".into())).is_err());
        assert!(
            Config::from_toml("[output]\nraw_data = true\n")
                .unwrap_err()
                .to_string()
                .contains("profile")
        );
        assert!(Config::from_toml("[[redaction.rule]]\npath = \"a..b\"\naction = \"drop\"\n").is_err());
        assert!(Config::from_toml("[redaction]\nprofile = \"open\"\n").is_err());
    }

    #[test]
    fn rejects_unknown_keys_and_bad_values() {
        let e = Config::from_toml("[output]\nraw = true\n").unwrap_err().to_string();
        assert!(e.contains("unknown field `raw`"), "{e}");
        assert!(Config::from_toml("[limits]\nmax_depth = 0\n").is_err());
        assert!(Config::from_toml("[limits]\nmax_events_per_record = 0\n").is_err());
        assert!(Config::from_toml("[limits]\nmax_depth = 100000\n").is_err());
        assert!(Config::from_toml("[limits]\nmax_depth = \"deep\"\n").is_err());
        assert!(Config::from_toml("not toml at all").is_err());
    }
}

//! `[redaction]` of `mwsiem.toml`: what is hidden and how. Here, beside the redactor that
//! reads it, so `config` depends on `redact` and never the other way round.

use super::{Action, Profile};
use serde::{Deserialize, Serialize};

/// What is hidden, and how (see `redact`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct RedactionConfig {
    /// `restricted` (the default: no request content, like admins without the PII Viewer role)
    /// or `full` (everything but credentials).
    pub profile: Profile,
    /// What happens to credentials (under every profile).
    pub credential_action: Action,
    /// What happens to request content under `restricted`.
    pub content_action: Action,
    /// The HMAC-SHA256 key for `hash` (at least 16 bytes). The hosts also read
    /// `MWSIEM_HMAC_KEY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hmac_key: Option<String>,
    /// Extra rules by OCSF field path, applied last.
    #[serde(rename = "rule", skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<FieldRule>,
}

impl Default for RedactionConfig {
    fn default() -> Self {
        RedactionConfig {
            profile: Profile::Restricted,
            credential_action: Action::Mask,
            content_action: Action::Mask,
            hmac_key: None,
            rules: Vec::new(),
        }
    }
}

/// `[[redaction.rule]] path = "actor.user.email_addr"  action = "hash"`: arrays along the path
/// are entered transparently and `*` matches any one key.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FieldRule {
    pub path: String,
    pub action: Action,
}

//! The `[security_lake]` table of mwsiem.toml, and the classes a lake can receive.
//!
//! ```toml
//! [security_lake]
//! region = "us-east-1"                  # the lake's region (partition `region=`)
//! account_id = "123456789012"           # partition `accountId=`; "external" or
//!                                       # "external_<id>" for data from outside AWS
//! roll_interval = "5m"                  # follow: rows gather this long before objects are written
//! roll_bytes = 134217728                # ... or until the spool holds this many bytes
//! endpoint = "http://127.0.0.1:9000"    # an S3-compatible server instead of AWS (optional)
//!
//! [security_lake.sources]               # one custom source per class; a class left out is
//! api_activity = "mw-api-activity"      # not written to the lake (and mwsiem says so)
//! authentication = "mw-authentication"
//! ```
//!
//! Without a `sources` table every class goes to its default source name.

use super::schema::{ClassColumns, SchemaError};
use crate::ingest::duration::parse_duration;
use mwsiem::ocsf::table::{self, OcsfClass};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::time::Duration;

/// One class mwsiem emits, as Security Lake knows it.
#[derive(Debug)]
pub struct LakeClass {
    /// The key in `[security_lake.sources]` (the OCSF class name).
    pub key: &'static str,
    pub class: &'static OcsfClass,
    /// The value of `create-custom-log-source --event-classes`, where Security Lake's API lists
    /// one for the class (it lists none for User Access Management or Datastore Activity).
    pub event_class: Option<&'static str>,
    /// At most 20 characters: Security Lake names the provider role
    /// `AmazonSecurityLake-Provider-{source}-{region}` and a role name has 64 at most.
    pub default_source: &'static str,
    /// The OCSF 1.3.0 class schema the columns come from.
    schema: &'static str,
}

impl LakeClass {
    pub fn columns(&self) -> Result<ClassColumns, SchemaError> {
        ClassColumns::from_json_schema(self.key, self.schema)
    }
}

macro_rules! schema_file {
    ($name:literal) => {
        include_str!(concat!("../../testdata/ocsf/1.3.0/ocsf-1.3.0-", $name, ".schema.json"))
    };
}

pub const LAKE_CLASSES: [LakeClass; 5] = [
    LakeClass {
        key: "api_activity",
        class: &table::API_ACTIVITY,
        event_class: Some("API_ACTIVITY"),
        default_source: "mw-api-activity",
        schema: schema_file!("api_activity"),
    },
    LakeClass {
        key: "authentication",
        class: &table::AUTHENTICATION,
        event_class: Some("AUTHENTICATION"),
        default_source: "mw-authentication",
        schema: schema_file!("authentication"),
    },
    LakeClass {
        key: "user_access",
        class: &table::USER_ACCESS_MANAGEMENT,
        event_class: None,
        default_source: "mw-user-access",
        schema: schema_file!("user_access"),
    },
    LakeClass {
        key: "entity_management",
        class: &table::ENTITY_MANAGEMENT,
        event_class: Some("ENTITY_MANAGEMENT_AUDIT"),
        default_source: "mw-entity-mgmt",
        schema: schema_file!("entity_management"),
    },
    LakeClass {
        key: "datastore_activity",
        class: &table::DATASTORE_ACTIVITY,
        event_class: None,
        default_source: "mw-datastore",
        schema: schema_file!("datastore_activity"),
    },
];

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    region: Option<String>,
    account_id: Option<String>,
    roll_interval: Option<String>,
    roll_bytes: Option<u64>,
    endpoint: Option<String>,
    sources: Option<BTreeMap<String, String>>,
}

/// The checked `[security_lake]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LakeConfig {
    pub region: String,
    pub account_id: String,
    pub roll_interval: Duration,
    pub roll_bytes: u64,
    pub endpoint: Option<String>,
    /// The source name of each class in [`LAKE_CLASSES`] (same order); `None`: not written.
    pub sources: Vec<Option<String>>,
}

pub const DEFAULT_ROLL_INTERVAL: Duration = Duration::from_secs(300);
pub const DEFAULT_ROLL_BYTES: u64 = 128 << 20;

impl LakeConfig {
    /// From the table as the core kept it (`Config::security_lake`); `None` when there is none
    /// (the flag then says what is missing).
    pub fn from_table(table: Option<&serde_json::Map<String, serde_json::Value>>) -> Result<LakeConfig, String> {
        let Some(table) = table else {
            return Err(
                "--security-lake needs a [security_lake] table in the config (--config) with region and account_id"
                    .to_owned(),
            );
        };
        let t: Table = serde_json::from_value(serde_json::Value::Object(table.clone()))
            .map_err(|e| format!("[security_lake]: {e}"))?;
        let region = t
            .region
            .ok_or("[security_lake]: region is missing (the lake's AWS region)")?;
        if region.is_empty()
            || !region
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err(format!(
                "[security_lake] region: `{region}` is not an AWS region name (us-east-1)"
            ));
        }
        let account_id = t
            .account_id
            .ok_or("[security_lake]: account_id is missing (12 digits, or \"external\" for data from outside AWS)")?;
        let external = account_id == "external"
            || account_id
                .strip_prefix("external_")
                .is_some_and(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
        if !(external || (account_id.len() == 12 && account_id.bytes().all(|b| b.is_ascii_digit()))) {
            return Err(format!(
                "[security_lake] account_id: `{account_id}` is neither 12 digits nor external / external_<id>"
            ));
        }
        let roll_interval = match &t.roll_interval {
            Some(d) => parse_duration(d).map_err(|e| format!("[security_lake] roll_interval: {e}"))?,
            None => DEFAULT_ROLL_INTERVAL,
        };
        if roll_interval > Duration::from_secs(86_400) {
            return Err("[security_lake] roll_interval: at most 1d (Security Lake wants objects within a day)".into());
        }
        let roll_bytes = t.roll_bytes.unwrap_or(DEFAULT_ROLL_BYTES);
        if roll_bytes == 0 {
            return Err("[security_lake] roll_bytes: must be positive".into());
        }
        if let Some(e) = &t.endpoint
            && !(e.starts_with("http://") || e.starts_with("https://"))
        {
            return Err(format!(
                "[security_lake] endpoint: `{e}` is not an http:// or https:// URL"
            ));
        }
        let sources: Vec<Option<String>> = match &t.sources {
            None => LAKE_CLASSES.iter().map(|c| Some(c.default_source.to_owned())).collect(),
            Some(named) => {
                if let Some(unknown) = named.keys().find(|k| !LAKE_CLASSES.iter().any(|c| c.key == *k)) {
                    let known: Vec<&str> = LAKE_CLASSES.iter().map(|c| c.key).collect();
                    return Err(format!(
                        "[security_lake.sources]: unknown class `{unknown}` (the classes are {})",
                        known.join(", ")
                    ));
                }
                LAKE_CLASSES.iter().map(|c| named.get(c.key).cloned()).collect()
            }
        };
        let mut seen = Vec::new();
        for name in sources.iter().flatten() {
            check_source_name(name)?;
            if seen.contains(&name) {
                return Err(format!(
                    "[security_lake.sources]: `{name}` is named twice (a custom source holds one class)"
                ));
            }
            seen.push(name);
        }
        Ok(LakeConfig {
            region,
            account_id,
            roll_interval,
            roll_bytes,
            endpoint: t.endpoint,
            sources,
        })
    }
}

/// Security Lake's rule for a custom source name (`[\w\-_:.]`), and its 20-character limit.
fn check_source_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > 20 {
        return Err(format!(
            "[security_lake.sources]: `{name}` must be 1 to 20 characters (Security Lake's limit)"
        ));
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-:.".contains(&b)) {
        return Err(format!(
            "[security_lake.sources]: `{name}` may hold only letters, digits, `_`, `-`, `:` and `.`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<LakeConfig, String> {
        let c = mwsiem::Config::from_toml(text).map_err(|e| e.to_string())?;
        LakeConfig::from_table(c.security_lake.as_ref())
    }

    const BASE: &str = "[security_lake]\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n";

    #[test]
    fn defaults_and_named_sources() {
        let c = load(BASE).unwrap();
        assert_eq!(c.roll_interval, DEFAULT_ROLL_INTERVAL);
        assert_eq!(c.sources.iter().flatten().count(), 5);
        let c = load(&format!(
            "{BASE}roll_interval = \"10m\"\n[security_lake.sources]\napi_activity = \"mw-api\"\n"
        ))
        .unwrap();
        assert_eq!(c.roll_interval, Duration::from_secs(600));
        assert_eq!(c.sources[0].as_deref(), Some("mw-api"));
        assert_eq!(c.sources[1..].iter().flatten().count(), 0);
        for class in &LAKE_CLASSES {
            assert!(check_source_name(class.default_source).is_ok(), "{}", class.key);
            assert!(class.columns().is_ok(), "{}", class.key);
        }
        // The core's guests are never handed the table.
        let core = mwsiem::Config::from_toml(BASE).unwrap();
        assert!(!toml::to_string(&core).unwrap().contains("security_lake"));
    }

    #[test]
    fn mistakes_are_clear_errors() {
        let e = |text: &str| load(text).unwrap_err();
        assert!(e("").contains("needs a [security_lake] table"));
        assert!(e("[security_lake]\naccount_id = \"123456789012\"\n").contains("region is missing"));
        assert!(e("[security_lake]\nregion = \"us-east-1\"\naccount_id = \"12\"\n").contains("neither 12 digits"));
        assert!(e(&format!("{BASE}regoin = \"x\"\n")).contains("unknown field `regoin`"));
        assert!(e(&format!("{BASE}[security_lake.sources]\napi = \"x\"\n")).contains("unknown class `api`"));
        assert!(
            e(&format!(
                "{BASE}[security_lake.sources]\napi_activity = \"moveworks-api-activity\"\n"
            ))
            .contains("1 to 20")
        );
        assert!(e(&format!("{BASE}[security_lake.sources]\napi_activity = \"a/b\"\n")).contains("may hold only"));
        assert!(
            e(&format!(
                "{BASE}[security_lake.sources]\napi_activity = \"a\"\nauthentication = \"a\"\n"
            ))
            .contains("twice")
        );
        assert!(e(&format!("{BASE}roll_interval = \"2d\"\n")).contains("at most 1d"));
        assert!(e(&format!("{BASE}endpoint = \"localhost:9000\"\n")).contains("not an http"));
        assert!(load("[security_lake]\nregion = \"us-east-1\"\naccount_id = \"external_acme\"\n").is_ok());
    }
}

//! Static keys from the AWS shared files (`~/.aws/credentials`, `~/.aws/config`), for the
//! profile `AWS_PROFILE` names (else `default`), as the AWS CLI and SDKs read them.
//!
//! Only static keys (`aws_access_key_id`, `aws_secret_access_key`, `aws_session_token`): a
//! profile that assumes a role, signs in through SSO or runs a `credential_process` is refused
//! with a message, rather than silently skipped for a weaker source.

use std::path::PathBuf;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileKeys {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: Option<String>,
}

/// The keys of the selected profile; `None` when the files do not define it and `AWS_PROFILE`
/// was not set (the chain goes on to roles).
pub fn profile_keys() -> Result<Option<ProfileKeys>, String> {
    let named = std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty());
    let profile = named.clone().unwrap_or_else(|| "default".to_owned());
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let file = |var: &str, default: &str| {
        std::env::var_os(var)
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let mut found = false;
    let mut keys = Vec::new();
    for (path, in_config) in [
        (file("AWS_SHARED_CREDENTIALS_FILE", "credentials"), false),
        (file("AWS_CONFIG_FILE", "config"), true),
    ] {
        let Some(path) = path else { continue };
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        if let Some(section) = section(&text, &profile, in_config) {
            found = true;
            keys.extend(section);
        }
    }
    if !found {
        return match named {
            Some(p) => Err(format!(
                "AWS_PROFILE={p}: no such profile in ~/.aws/credentials or ~/.aws/config"
            )),
            None => Ok(None),
        };
    }
    let get = |k: &str| keys.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(access_key_id), Some(secret_access_key)) => Ok(Some(ProfileKeys {
            access_key_id,
            secret_access_key,
            session_token: get("aws_session_token"),
        })),
        _ if named.is_none() && keys.iter().all(|(k, _)| k == "region" || k == "output") => Ok(None),
        _ => Err(format!(
            "AWS profile `{profile}` has no static keys (aws_access_key_id and aws_secret_access_key); \
             role, SSO and credential_process profiles are not supported: export the keys, or run \
             with a web identity, container or instance role"
        )),
    }
}

/// The `key = value` pairs of one profile's section. The credentials file names sections
/// `[name]`; the config file `[profile name]` (and `[default]`).
fn section(text: &str, profile: &str, in_config: bool) -> Option<Vec<(String, String)>> {
    let mut inside = false;
    let mut found = None::<Vec<(String, String)>>;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let name = name.trim();
            let name = if in_config && name != "default" {
                name.strip_prefix("profile ").map(str::trim).unwrap_or("")
            } else {
                name
            };
            inside = name == profile;
            if inside {
                found.get_or_insert_with(Vec::new);
            }
            continue;
        }
        if inside && let Some((k, v)) = line.split_once('=') {
            found
                .get_or_insert_with(Vec::new)
                .push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_of_both_files() {
        let creds = "[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s1\n\n[ops]\n\
                     aws_access_key_id=AKIAOPS\naws_secret_access_key=s2\naws_session_token = t\n";
        assert_eq!(
            section(creds, "ops", false).unwrap(),
            vec![
                ("aws_access_key_id".into(), "AKIAOPS".into()),
                ("aws_secret_access_key".into(), "s2".into()),
                ("aws_session_token".into(), "t".into())
            ]
        );
        assert!(section(creds, "missing", false).is_none());
        let config = "[default]\nregion = us-east-1\n[profile ops]\n# a comment\nregion = eu-west-1\n[ops]\nx = 1\n";
        assert_eq!(
            section(config, "ops", true).unwrap(),
            vec![("region".into(), "eu-west-1".into())]
        );
        assert_eq!(
            section(config, "default", true).unwrap(),
            vec![("region".into(), "us-east-1".into())]
        );
    }
}

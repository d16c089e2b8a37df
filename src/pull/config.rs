//! The `[sftp]` table of mwsiem.toml. Every key has a command-line flag that overrides it.
//!
//! ```toml
//! [sftp]
//! url = "sftp://moveworks@sftp.example.com/exports"
//! mirror = "/var/lib/mwsiem/mirror"
//! known_hosts = "/etc/mwsiem/known_hosts"     # default ~/.ssh/known_hosts
//! accept_new_host_key = false                 # only for a first connection you have verified
//! identity = "/etc/mwsiem/id_ed25519"         # or a list; default ~/.ssh/id_{ed25519,ecdsa,rsa}
//! passphrase_env = "MWSIEM_SFTP_PASSPHRASE"   # an encrypted key's passphrase comes from here
//! password_env = "MWSIEM_SFTP_PASSWORD"       # or password_file = "/etc/mwsiem/sftp-password"
//! since = "7d"                                # or "2025-10-01"; date directories before are skipped
//! interval = "15m"                            # follow --sftp: time between pulls
//! timeout = "30s"
//! retries = 4
//! backoff = "1s"                              # the first retry's wait, doubled each time
//! ```
//!
//! Relative paths are relative to the config file. No key holds a secret itself.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SftpConfig {
    pub url: Option<String>,
    pub mirror: Option<PathBuf>,
    pub known_hosts: Option<PathBuf>,
    pub accept_new_host_key: Option<bool>,
    pub identity: Option<Identities>,
    pub passphrase_env: Option<String>,
    pub password_env: Option<String>,
    pub password_file: Option<PathBuf>,
    pub since: Option<String>,
    pub interval: Option<String>,
    pub timeout: Option<String>,
    pub retries: Option<u32>,
    pub backoff: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum Identities {
    One(PathBuf),
    Many(Vec<PathBuf>),
}

impl Identities {
    pub fn paths(&self) -> Vec<PathBuf> {
        match self {
            Identities::One(p) => vec![p.clone()],
            Identities::Many(v) => v.clone(),
        }
    }
}

impl SftpConfig {
    /// The table as the core kept it (`Config::sftp`).
    pub fn from_table(table: Option<&serde_json::Map<String, serde_json::Value>>) -> Result<SftpConfig, String> {
        let Some(table) = table else {
            return Ok(SftpConfig::default());
        };
        let c: SftpConfig =
            serde_json::from_value(serde_json::Value::Object(table.clone())).map_err(|e| format!("[sftp]: {e}"))?;
        if c.password_env.is_some() && c.password_file.is_some() {
            return Err("[sftp]: password_env and password_file are exclusive".to_owned());
        }
        if let Some(u) = &c.url
            && u.contains(':')
            && u.split("://")
                .nth(1)
                .and_then(|r| r.split('@').next())
                .is_some_and(|ui| ui.contains(':'))
        {
            return Err("[sftp] url: a password in the URL is refused; use password_env or password_file".to_owned());
        }
        Ok(c)
    }

    /// Paths relative to the config file's directory.
    pub fn resolve_paths(&mut self, config_dir: &Path) {
        let fix = |p: &mut PathBuf| {
            if p.is_relative() {
                *p = config_dir.join(&*p);
            }
        };
        for p in [&mut self.mirror, &mut self.known_hosts, &mut self.password_file]
            .into_iter()
            .flatten()
        {
            fix(p);
        }
        match &mut self.identity {
            Some(Identities::One(p)) => fix(p),
            Some(Identities::Many(v)) => v.iter_mut().for_each(fix),
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> Result<SftpConfig, String> {
        let c = mwsiem::Config::from_toml(text).map_err(|e| e.to_string())?;
        SftpConfig::from_table(c.sftp.as_ref())
    }

    #[test]
    fn keys_and_paths() {
        let mut c = table(
            "[sftp]\nurl = \"sftp://u@h/x\"\nidentity = [\"k1\", \"/abs/k2\"]\nmirror = \"m\"\nretries = 2\ntimeout = \"5s\"\n",
        )
        .unwrap();
        c.resolve_paths(Path::new("/etc/mwsiem"));
        assert_eq!(
            c.identity.unwrap().paths(),
            vec![PathBuf::from("/etc/mwsiem/k1"), PathBuf::from("/abs/k2")]
        );
        assert_eq!(c.mirror, Some(PathBuf::from("/etc/mwsiem/m")));
        assert_eq!((c.retries, c.timeout.as_deref()), (Some(2), Some("5s")));
        assert_eq!(table("").unwrap(), SftpConfig::default());
    }

    #[test]
    fn mistakes_are_errors() {
        let e = table("[sftp]\npasword_env = \"X\"\n").unwrap_err();
        assert!(e.contains("unknown field `pasword_env`"), "{e}");
        assert!(table("[sftp]\npassword_env = \"X\"\npassword_file = \"f\"\n").is_err());
        assert!(table("[sftp]\nretries = \"many\"\n").is_err());
        let e = table("[sftp]\nurl = \"sftp://u:hunter2@h/x\"\n").unwrap_err();
        assert!(e.contains("refused") && !e.contains("hunter2"), "{e}");
        // The component is never handed the table.
        let c = mwsiem::Config::from_toml("[sftp]\nurl = \"sftp://u@h/x\"\n").unwrap();
        assert!(!toml::to_string(&c).unwrap().contains("sftp"));
    }
}

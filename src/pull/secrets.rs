//! Credentials for the server: private keys and passwords, read so that none of them ends up
//! in a log, an error message or the process list.
//!
//! * A private key file, and a password file, of our own that its group or others can read are
//!   refused, as OpenSSH refuses such a key ("UNPROTECTED PRIVATE KEY FILE"): a readable key is
//!   a leaked key. The mode is read from the opened file, so a swap between check and read is
//!   caught.
//! * An encrypted key's passphrase and a password come from an environment variable (named in
//!   the config, so a service manager can inject it) or a file, never from the command line.
//! * [`Secret`] has no `Display` and a `Debug` that prints `***`.

use russh::keys::PrivateKey;
use std::fmt;
use std::io::Read as _;
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

/// A password or passphrase. Its bytes are overwritten when it is dropped.
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // SAFETY: zero bytes are valid UTF-8; the string is not used afterwards.
        unsafe { self.0.as_bytes_mut() }.iter_mut().for_each(|b| {
            // Volatile, so the wipe of a value about to be freed is not optimized away.
            unsafe { std::ptr::write_volatile(b, 0) }
        });
    }
}

/// Where a password comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// The value of this environment variable.
    Env(String),
    /// The first line of this file (mode 0600 or stricter).
    File(PathBuf),
}

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error(
        "{path}: permissions {mode:04o} are too open: a private key or password file must not be readable by group or others (chmod 600 {path})"
    )]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: the key is encrypted and ${env} is not set (its passphrase is read from there)")]
    NeedsPassphrase { path: PathBuf, env: String },
    #[error("{path}: cannot decrypt the key with the passphrase from ${env} (wrong passphrase?)")]
    BadPassphrase { path: PathBuf, env: String },
    #[error("{path}: not an OpenSSH or PEM private key this client can use: {reason}")]
    BadKey { path: PathBuf, reason: String },
    #[error("the password is read from ${0}, which is not set")]
    PasswordEnvUnset(String),
    #[error("{0}: the password file is empty")]
    EmptyPasswordFile(PathBuf),
}

/// Reads a file that holds a secret, refusing it when group or others may read it.
fn read_private(path: &Path) -> Result<String, CredentialError> {
    let read_err = |source| CredentialError::Read {
        path: path.to_owned(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    let mode = meta.permissions().mode();
    // OpenSSH's rule (sshkey_perm_ok): a file of our own that group or others may read. A key
    // another user owns and lets our group read (root:mwsiem 0640, as configuration
    // management deploys it) is accepted, as ssh accepts it.
    // SAFETY: geteuid has no preconditions and cannot fail.
    let ours = meta.uid() == unsafe { libc::geteuid() };
    if ours && mode & 0o077 != 0 {
        return Err(CredentialError::TooOpen {
            path: path.to_owned(),
            mode: mode & 0o7777,
        });
    }
    let mut text = String::new();
    file.read_to_string(&mut text).map_err(read_err)?;
    Ok(text)
}

/// Loads a private key, decrypting it with the passphrase in `$passphrase_env` when it is
/// encrypted.
pub fn load_key(path: &Path, passphrase_env: &str) -> Result<PrivateKey, CredentialError> {
    let text = Secret(read_private(path)?);
    let bad_passphrase = || CredentialError::BadPassphrase {
        path: path.to_owned(),
        env: passphrase_env.to_owned(),
    };
    let (passphrase, result) = match russh::keys::decode_secret_key(text.expose(), None) {
        Err(russh::keys::Error::KeyIsEncrypted) => {
            let passphrase =
                std::env::var(passphrase_env)
                    .map(Secret)
                    .map_err(|_| CredentialError::NeedsPassphrase {
                        path: path.to_owned(),
                        env: passphrase_env.to_owned(),
                    })?;
            let result = russh::keys::decode_secret_key(text.expose(), Some(passphrase.expose()));
            (Some(passphrase), result)
        }
        result => (None, result),
    };
    match result {
        Ok(key) => Ok(key),
        // ssh-key refuses 1 in 256 ECDSA keys (a short scalar): short_ecdsa rebuilds them.
        Err(e) if e.to_string().contains("length invalid") => {
            super::short_ecdsa::decode(text.expose(), passphrase.as_ref().map(Secret::expose)).map_err(|why| {
                if why == "wrong passphrase" {
                    bad_passphrase()
                } else {
                    CredentialError::BadKey {
                        path: path.to_owned(),
                        reason: format!("{e} ({why})"),
                    }
                }
            })
        }
        Err(_) if passphrase.is_some() => Err(bad_passphrase()),
        // The library's message names the format problem, never key material.
        Err(e) => Err(CredentialError::BadKey {
            path: path.to_owned(),
            reason: e.to_string(),
        }),
    }
}

pub fn read_password(source: &PasswordSource) -> Result<Secret, CredentialError> {
    match source {
        PasswordSource::Env(name) => std::env::var(name)
            .map(Secret)
            .map_err(|_| CredentialError::PasswordEnvUnset(name.clone())),
        PasswordSource::File(path) => {
            let text = Secret(read_private(path)?);
            let line = text.expose().lines().next().unwrap_or("");
            if line.is_empty() {
                return Err(CredentialError::EmptyPasswordFile(path.clone()));
            }
            Ok(Secret(line.to_owned()))
        }
    }
}

/// The keys ssh tries when none is named: `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`, those that
/// exist.
pub fn default_identities() -> Vec<PathBuf> {
    let Some(home) = std::env::var_os("HOME") else {
        return Vec::new();
    };
    ["id_ed25519", "id_ecdsa", "id_rsa"]
        .iter()
        .map(|n| PathBuf::from(&home).join(".ssh").join(n))
        .filter(|p| p.is_file())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::OpenOptionsExt as _;

    fn write(path: &Path, mode: u32, text: &str) {
        let _ = std::fs::remove_file(path);
        std::fs::OpenOptions::new()
            .create(true)
            .write(true)
            .mode(mode)
            .open(path)
            .unwrap();
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn readable_files_are_refused_and_secrets_never_print() {
        let dir = crate::ingest::scratch_dir("secrets");
        let p = dir.join("pw");
        write(&p, 0o640, "hunter2\n");
        let e = read_password(&PasswordSource::File(p.clone())).unwrap_err();
        assert!(matches!(e, CredentialError::TooOpen { mode: 0o640, .. }), "{e}");
        assert!(e.to_string().contains("chmod 600"));
        write(&p, 0o600, "hunter2\nignored\n");
        let s = read_password(&PasswordSource::File(p.clone())).unwrap();
        assert_eq!(s.expose(), "hunter2");
        assert_eq!(format!("{s:?}"), "***");
        write(&p, 0o600, "\n");
        assert!(matches!(
            read_password(&PasswordSource::File(p)),
            Err(CredentialError::EmptyPasswordFile(_))
        ));
        let e = read_password(&PasswordSource::Env("MWSIEM_TEST_SURELY_UNSET".into())).unwrap_err();
        assert_eq!(
            e.to_string(),
            "the password is read from $MWSIEM_TEST_SURELY_UNSET, which is not set"
        );
    }

    #[test]
    fn keys_are_checked_before_they_are_parsed() {
        let dir = crate::ingest::scratch_dir("secrets-key");
        let p = dir.join("id");
        write(&p, 0o644, "-----BEGIN OPENSSH PRIVATE KEY-----\n");
        assert!(matches!(
            load_key(&p, "X"),
            Err(CredentialError::TooOpen { mode: 0o644, .. })
        ));
        write(&p, 0o600, "not a key\n");
        assert!(matches!(load_key(&p, "X"), Err(CredentialError::BadKey { .. })));
    }

    #[test]
    fn another_users_group_readable_file_is_accepted_as_ssh_accepts_it() {
        // root:mwsiem 0640 as configuration management deploys it; here: owned by nobody, read
        // by root (the tests run as root).
        let dir = crate::ingest::scratch_dir("secrets-owner");
        let p = dir.join("pw");
        write(&p, 0o640, "hunter2\n");
        std::os::unix::fs::chown(&p, Some(65534), None).expect("the tests run as root");
        assert_eq!(read_password(&PasswordSource::File(p)).unwrap().expose(), "hunter2");
    }
}

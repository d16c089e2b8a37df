//! One SSH connection with its SFTP channel, read-only: listing, stat and reads at an offset.
//!
//! Everything russh-specific lives here, behind [`Remote`], so the mirror logic never sees the
//! library. Nothing here can write to the server: files are opened with the READ flag only and
//! no call that creates, renames or removes exists on [`Remote`].
//!
//! Host keys are checked in [`Client::check_server_key`] against our [`known_hosts`] reader;
//! the verdict is kept so the error says which line refused it, not just "unknown key".

use super::PullError;
use super::known_hosts::{self, Verdict};
use super::secrets::{self, CredentialError, PasswordSource, Secret};
use super::url::SftpUrl;
use russh::client;
use russh::keys::{PrivateKeyWithHashAlg, PublicKeyBase64 as _, PublicKeyOrCertificate};
use russh_sftp::client::SftpSession;
use russh_sftp::protocol::StatusCode;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncSeekExt as _};

/// How to reach and log in to the server.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    pub url: SftpUrl,
    pub known_hosts: PathBuf,
    /// Add the key of a host known_hosts has no entry for (OpenSSH's `accept-new`). A changed
    /// key is refused whatever this says.
    pub accept_new_host_key: bool,
    /// Private keys to try, in order.
    pub identities: Vec<PathBuf>,
    pub passphrase_env: String,
    pub password: Option<PasswordSource>,
    /// Connecting and logging in, each SFTP request, and silence on the connection.
    pub timeout: Duration,
}

/// What the host key check decided, for the error message.
#[derive(Debug, Clone)]
enum HostKeyOutcome {
    Accepted,
    Refused(String),
}

struct Client {
    host: String,
    port: u16,
    known_hosts: PathBuf,
    accept_new: bool,
    outcome: Arc<Mutex<Option<HostKeyOutcome>>>,
}

impl Client {
    fn decide(&self, key: &russh::keys::PublicKey) -> HostKeyOutcome {
        let algorithm = key.algorithm().as_str().to_owned();
        let blob = key.public_key_bytes();
        let fingerprint = key.fingerprint(russh::keys::HashAlg::Sha256);
        let name = known_hosts::host_name(&self.host, self.port);
        let file = self.known_hosts.display();
        let text = match std::fs::read_to_string(&self.known_hosts) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return HostKeyOutcome::Refused(format!("cannot read known_hosts {file}: {e}")),
        };
        match known_hosts::check(&text, &self.host, self.port, &algorithm, &blob) {
            Verdict::Known { .. } => HostKeyOutcome::Accepted,
            Verdict::Unknown if self.accept_new => {
                let line = known_hosts::entry_line(&self.host, self.port, &algorithm, &blob);
                match known_hosts::append(&self.known_hosts, &line) {
                    Ok(()) => {
                        eprintln!("mwsiem: pull: added the {algorithm} key of {name} ({fingerprint}) to {file}");
                        HostKeyOutcome::Accepted
                    }
                    Err(e) => HostKeyOutcome::Refused(format!("cannot add the host key to {file}: {e}")),
                }
            }
            Verdict::Unknown => HostKeyOutcome::Refused(format!(
                "host key of {name} is not in {file} ({algorithm} {fingerprint}); verify it with the vendor, then add it \
                 (ssh-keyscan) or run once with --accept-new-host-key"
            )),
            Verdict::Changed { lines, algorithms } => HostKeyOutcome::Refused(format!(
                "HOST KEY CHANGED for {name}: the server offered {algorithm} {fingerprint}, {file} has {} on line(s) {}; \
                 someone may be intercepting the connection, or the vendor changed the key: refusing",
                algorithms.join(", "),
                lines.iter().map(usize::to_string).collect::<Vec<_>>().join(", ")
            )),
            Verdict::Revoked { line } => HostKeyOutcome::Refused(format!(
                "host key of {name} ({algorithm} {fingerprint}) is marked @revoked on line {line} of {file}: refusing"
            )),
        }
    }
}

impl client::Handler for Client {
    type Error = russh::Error;

    async fn check_server_key(&mut self, key: &PublicKeyOrCertificate) -> Result<bool, Self::Error> {
        let outcome = match key {
            PublicKeyOrCertificate::PublicKey { key, .. } => self.decide(key),
            PublicKeyOrCertificate::Certificate(_) => HostKeyOutcome::Refused(
                "the server presented a host certificate; list its plain host key in known_hosts".to_owned(),
            ),
        };
        let accepted = matches!(outcome, HostKeyOutcome::Accepted);
        *self.outcome.lock().unwrap_or_else(|p| p.into_inner()) = Some(outcome);
        Ok(accepted)
    }
}

/// An entry of a remote directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteEntry {
    pub name: String,
    pub kind: EntryKind,
    pub size: u64,
    /// Seconds since the epoch (SFTP v3 has whole seconds only).
    pub mtime: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryKind {
    Dir,
    File,
    Other,
}

/// A logged-in SFTP session.
pub struct Remote {
    handle: client::Handle<Client>,
    sftp: SftpSession,
}

/// The SFTP read size russh-sftp pipelines; enough in flight to fill a 16 MiB window.
const READ_BUFFER: usize = 4 << 20;

impl Remote {
    pub async fn connect(opts: &ConnectOptions) -> Result<Remote, PullError> {
        // Credentials first: a bad key file is a config error, not a reason to touch the network.
        let mut keys = Vec::new();
        for path in &opts.identities {
            keys.push((path.clone(), secrets::load_key(path, &opts.passphrase_env)?));
        }
        let password = opts.password.as_ref().map(secrets::read_password).transpose()?;
        if keys.is_empty() && password.is_none() {
            return Err(PullError::Config(
                "no credentials: set sftp.identity (a private key) or sftp.password_env / sftp.password_file \
                 (no ~/.ssh/id_ed25519, id_ecdsa or id_rsa was found)"
                    .to_owned(),
            ));
        }
        let timeout = opts.timeout;
        let login = async {
            let outcome = Arc::new(Mutex::new(None));
            let client = Client {
                host: opts.url.host.clone(),
                port: opts.url.port,
                known_hosts: opts.known_hosts.clone(),
                accept_new: opts.accept_new_host_key,
                outcome: Arc::clone(&outcome),
            };
            let config = client::Config {
                inactivity_timeout: Some(timeout),
                // Enough data in flight for a high-latency link (the 2 MiB default halves the
                // rate at 40 ms RTT).
                window_size: 16 << 20,
                nodelay: true,
                ..client::Config::default()
            };
            let connected = client::connect(Arc::new(config), (opts.url.host.as_str(), opts.url.port), client).await;
            let refused = outcome.lock().unwrap_or_else(|p| p.into_inner()).clone();
            let mut handle = match (connected, refused) {
                (_, Some(HostKeyOutcome::Refused(why))) => return Err(PullError::HostKey(why)),
                (Ok(h), _) => h,
                (Err(e @ (russh::Error::InactivityTimeout | russh::Error::ConnectionTimeout)), _) => {
                    return Err(PullError::Timeout(format!("connecting to {}: {e}", opts.url)));
                }
                (Err(e), _) => return Err(PullError::Connect(opts.url.to_string(), e.to_string())),
            };
            authenticate(&mut handle, opts, keys, password).await?;
            let channel = handle.channel_open_session().await.map_err(ssh_error)?;
            channel.request_subsystem(true, "sftp").await.map_err(ssh_error)?;
            let sftp_config = russh_sftp::client::Config {
                max_concurrent_reads: 64,
                request_timeout_secs: timeout.as_secs().max(1),
                ..Default::default()
            };
            let sftp = SftpSession::new_with_config(channel.into_stream(), sftp_config)
                .await
                .map_err(|e| sftp_error("the SFTP start", e))?;
            Ok(Remote { handle, sftp })
        };
        match tokio::time::timeout(timeout * 2, login).await {
            Ok(r) => r,
            Err(_) => Err(PullError::Timeout(format!(
                "connecting to {} and logging in took longer than {:?}",
                opts.url,
                timeout * 2
            ))),
        }
    }

    /// Lists a directory (without `.` and `..`).
    pub async fn list(&self, path: &str) -> Result<Vec<RemoteEntry>, PullError> {
        let entries = self.sftp.read_dir(path).await.map_err(|e| sftp_error(path, e))?;
        Ok(entries
            .filter(|e| e.file_name() != "." && e.file_name() != "..")
            .map(|e| {
                let m = e.metadata();
                RemoteEntry {
                    name: e.file_name(),
                    kind: if m.is_dir() {
                        EntryKind::Dir
                    } else if m.is_regular() {
                        EntryKind::File
                    } else {
                        EntryKind::Other
                    },
                    size: m.size.unwrap_or(0),
                    mtime: m.mtime.unwrap_or(0),
                }
            })
            .collect())
    }

    /// Size and mtime of a file now.
    pub async fn stat(&self, path: &str) -> Result<(u64, u32), PullError> {
        let m = self.sftp.metadata(path).await.map_err(|e| sftp_error(path, e))?;
        Ok((m.size.unwrap_or(0), m.mtime.unwrap_or(0)))
    }

    /// Up to `len` bytes at `offset` (fewer only at the end of the file).
    pub async fn read_at(&self, path: &str, offset: u64, len: usize) -> Result<Vec<u8>, PullError> {
        let mut file = self.sftp.open(path).await.map_err(|e| sftp_error(path, e))?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| io_error(path, e))?;
        let mut out = Vec::with_capacity(len);
        (&mut file)
            .take(len as u64)
            .read_to_end(&mut out)
            .await
            .map_err(|e| io_error(path, e))?;
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut file).await;
        Ok(out)
    }

    /// Streams `[offset, end)` of a file into `sink`; returns how many bytes came (fewer when
    /// the file is shorter now).
    pub async fn copy_range(
        &self,
        path: &str,
        offset: u64,
        end: u64,
        sink: &mut dyn std::io::Write,
    ) -> Result<u64, PullError> {
        let mut file = self.sftp.open(path).await.map_err(|e| sftp_error(path, e))?;
        file.seek(std::io::SeekFrom::Start(offset))
            .await
            .map_err(|e| io_error(path, e))?;
        let mut buf = vec![0u8; READ_BUFFER];
        let mut done = 0u64;
        let want = end.saturating_sub(offset);
        while done < want {
            let cap = ((want - done) as usize).min(buf.len());
            let n = file.read(&mut buf[..cap]).await.map_err(|e| io_error(path, e))?;
            if n == 0 {
                break;
            }
            sink.write_all(&buf[..n]).map_err(PullError::LocalWrite)?;
            done += n as u64;
        }
        let _ = tokio::io::AsyncWriteExt::shutdown(&mut file).await;
        Ok(done)
    }

    pub async fn close(self) {
        let _ = self.sftp.close().await;
        let _ = self.handle.disconnect(russh::Disconnect::ByApplication, "", "en").await;
    }
}

async fn authenticate(
    handle: &mut client::Handle<Client>,
    opts: &ConnectOptions,
    keys: Vec<(PathBuf, russh::keys::PrivateKey)>,
    password: Option<Secret>,
) -> Result<(), PullError> {
    let user = opts.url.user.as_str();
    let mut tried = Vec::new();
    for (path, key) in keys {
        // RSA keys sign with the best SHA-2 the server allows (OpenSSH 8.8+ refuses SHA-1).
        let hash = handle.best_supported_rsa_hash().await.map_err(ssh_error)?.flatten();
        let result = handle
            .authenticate_publickey(user, PrivateKeyWithHashAlg::new(Arc::new(key), hash))
            .await
            .map_err(ssh_error)?;
        if result.success() {
            return Ok(());
        }
        tried.push(format!("public key {}", path.display()));
    }
    if let Some(pw) = password {
        let result = handle
            .authenticate_password(user, pw.expose())
            .await
            .map_err(ssh_error)?;
        if result.success() {
            return Ok(());
        }
        tried.push("password".to_owned());
    }
    Err(PullError::Auth {
        login: format!("{user}@{}", known_hosts::host_name(&opts.url.host, opts.url.port)),
        tried: tried.join(", "),
    })
}

fn ssh_error(e: russh::Error) -> PullError {
    match e {
        russh::Error::InactivityTimeout | russh::Error::ConnectionTimeout | russh::Error::KeepaliveTimeout => {
            PullError::Timeout(format!("the server stopped answering ({e})"))
        }
        e => PullError::Session(e.to_string()),
    }
}

fn sftp_error(path: &str, e: russh_sftp::client::error::Error) -> PullError {
    use russh_sftp::client::error::Error as E;
    match e {
        E::Status(s) => match s.status_code {
            StatusCode::PermissionDenied | StatusCode::NoSuchFile => PullError::Refused {
                path: path.to_owned(),
                missing: s.status_code == StatusCode::NoSuchFile,
                why: if s.error_message.is_empty() {
                    s.status_code.to_string()
                } else {
                    s.error_message
                },
            },
            _ => PullError::Session(format!("{path}: {}: {}", s.status_code, s.error_message)),
        },
        E::Timeout => PullError::Timeout(format!("{path}: the server did not answer an SFTP request")),
        e => session_error(path, &e),
    }
}

/// A failed request; "dropped"/"closed" is what russh-sftp says when the channel went away
/// under it.
fn session_error(path: &str, e: &dyn std::fmt::Display) -> PullError {
    let text = e.to_string();
    if text.contains("dropped") || text.contains("closed") {
        PullError::Session(format!("the connection was lost during {path} ({text})"))
    } else {
        PullError::Session(format!("{path}: {text}"))
    }
}

fn io_error(path: &str, e: std::io::Error) -> PullError {
    if e.kind() == std::io::ErrorKind::TimedOut || e.to_string().contains("Timeout") {
        PullError::Timeout(format!("{path}: the server did not answer a read"))
    } else {
        session_error(path, &e)
    }
}

impl From<CredentialError> for PullError {
    fn from(e: CredentialError) -> PullError {
        PullError::Credentials(e)
    }
}

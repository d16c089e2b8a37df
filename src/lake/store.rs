//! Where objects go: a directory laid out as the lake's bucket, or the bucket itself.
//!
//! A directory gets each object whole: written to a temporary name beside it, fsynced, renamed,
//! and the directory fsynced. S3 gets one PUT per object (atomic on S3: an object is there
//! whole or not at all), retried by `object_store` on connection errors and 5xx answers.
//!
//! Credentials for S3 come from the standard AWS chain, in its order: the environment
//! (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`), then the shared files'
//! profile (`AWS_PROFILE`, else `default`, in `~/.aws/credentials` and `~/.aws/config`: static
//! keys), then web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, as on EKS), the
//! container's role (ECS, EKS Pod Identity) and the instance's role (IMDSv2). The last three
//! are `object_store`'s; the profile files are read here, because it does not.

use super::profile::{ProfileKeys, profile_keys};
use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{BackoffConfig, ObjectStoreExt as _, PutPayload, RetryConfig};
use std::fs::{self, File};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("--security-lake {0}: expected a directory or s3://BUCKET[/PREFIX]")]
    BadDestination(String),
    #[error("cannot write {path}: {source}")]
    Dir {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot set up S3: {0}")]
    Setup(String),
    #[error("cannot upload s3://{bucket}/{key}: {message}")]
    Upload {
        bucket: String,
        key: String,
        message: String,
    },
}

/// An object destination.
pub enum Store {
    Dir(PathBuf),
    S3 {
        bucket: String,
        prefix: String,
        client: AmazonS3,
        runtime: tokio::runtime::Runtime,
    },
}

/// What S3 needs beside the destination.
pub struct S3Settings<'a> {
    pub region: &'a str,
    pub endpoint: Option<&'a str>,
}

impl Store {
    /// `DIR` or `s3://BUCKET[/PREFIX]`.
    pub fn open(destination: &str, s3: S3Settings<'_>) -> Result<Store, StoreError> {
        let Some(rest) = destination.strip_prefix("s3://") else {
            if destination.is_empty() || destination.contains("://") {
                return Err(StoreError::BadDestination(destination.to_owned()));
            }
            return Ok(Store::Dir(PathBuf::from(destination)));
        };
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(StoreError::BadDestination(destination.to_owned()));
        }
        // rustls needs one crypto provider for the process: ring, which russh already brings
        // (aws-lc-rs doubles the cold build). rustls 0.23.48 deprecates it for lacking
        // post-quantum key exchange; S3's TLS is still X25519/ECDHE, which it has.
        #[allow(deprecated)]
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .with_region(s3.region)
            .with_retry(RetryConfig {
                backoff: BackoffConfig {
                    init_backoff: Duration::from_millis(200),
                    max_backoff: Duration::from_secs(10),
                    base: 2.0,
                },
                max_retries: 6,
                retry_timeout: Duration::from_secs(60),
            });
        // The environment's keys come first in the chain; then the shared files' profile.
        if std::env::var_os("AWS_ACCESS_KEY_ID").is_none()
            && let Some(ProfileKeys {
                access_key_id,
                secret_access_key,
                session_token,
            }) = profile_keys().map_err(StoreError::Setup)?
        {
            builder = builder
                .with_access_key_id(access_key_id)
                .with_secret_access_key(secret_access_key);
            if let Some(t) = session_token {
                builder = builder.with_token(t);
            }
        }
        if let Some(endpoint) = s3.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"));
        }
        let client = builder.build().map_err(|e| StoreError::Setup(e.to_string()))?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| StoreError::Setup(e.to_string()))?;
        Ok(Store::S3 {
            bucket: bucket.to_owned(),
            prefix: prefix.trim_matches('/').to_owned(),
            client,
            runtime,
        })
    }

    /// Writes `bytes` at `key` (a relative path with `/`), replacing what is there.
    pub fn put(&self, key: &str, bytes: Vec<u8>) -> Result<(), StoreError> {
        match self {
            Store::Dir(dir) => put_file(&dir.join(key), &bytes),
            Store::S3 {
                bucket,
                prefix,
                client,
                runtime,
            } => {
                let key = join(prefix, key);
                let path = ObjectPath::from(key.as_str());
                runtime
                    .block_on(client.put(&path, PutPayload::from(bytes)))
                    .map(|_| ())
                    .map_err(|e| StoreError::Upload {
                        bucket: bucket.clone(),
                        key,
                        message: explain(&e),
                    })
            }
        }
    }
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_owned()
    } else {
        format!("{prefix}/{key}")
    }
}

/// The server's refusal in words a user can act on (object_store's message, which names the S3
/// error code, and what to check).
fn explain(e: &object_store::Error) -> String {
    let text = format!("{e}");
    let hint = if text.contains("SignatureDoesNotMatch") || text.contains("InvalidAccessKeyId") || text.contains("403")
    {
        " (the server refused the credentials: check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE \
          or the role, and its s3:PutObject permission)"
    } else if text.contains("NoSuchBucket") {
        " (no such bucket: check the bucket name and the region)"
    } else {
        ""
    };
    format!("{text}{hint}")
}

fn put_file(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let err = |source| StoreError::Dir {
        path: path.to_owned(),
        source,
    };
    let dir = path.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(err)?;
    let name = path.file_name().map(|n| n.to_string_lossy()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp-{}", std::process::id()));
    let write = || -> std::io::Result<()> {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        File::open(dir)?.sync_all()
    };
    write().map_err(|e| {
        let _ = fs::remove_file(&tmp);
        err(e)
    })?;
    // A run killed between writing and renaming left its temporary file. The state had not
    // committed, so this run wrote the same object again (same rows, same name): its leftovers
    // go now, or the lake keeps a stray file that a sync would upload.
    let stale = format!(".{name}.tmp-");
    for entry in fs::read_dir(dir).map_err(err)?.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&stale) {
            fs::remove_file(entry.path()).map_err(err)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s3() -> S3Settings<'static> {
        S3Settings {
            region: "us-east-1",
            endpoint: None,
        }
    }

    #[test]
    fn a_killed_writers_temporary_file_goes_when_the_object_is_written_again() {
        let dir = std::env::temp_dir().join(format!("mwsiem-store-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join(".a.parquet.tmp-1"), b"half").unwrap();
        fs::write(dir.join(".b.parquet.tmp-1"), b"other object").unwrap();
        put_file(&dir.join("a.parquet"), b"whole").unwrap();
        let mut names: Vec<String> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [".b.parquet.tmp-1", "a.parquet"]);
        assert_eq!(fs::read(dir.join("a.parquet")).unwrap(), b"whole");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn destinations() {
        assert!(matches!(Store::open("out/lake", s3()), Ok(Store::Dir(p)) if p == Path::new("out/lake")));
        assert!(matches!(Store::open("s3://", s3()), Err(StoreError::BadDestination(_))));
        assert!(matches!(
            Store::open("gs://b/x", s3()),
            Err(StoreError::BadDestination(_))
        ));
        let s = Store::open("s3://bucket/some/prefix/", s3()).unwrap();
        assert!(matches!(s, Store::S3 { ref bucket, ref prefix, .. } if bucket == "bucket" && prefix == "some/prefix"));
        assert_eq!(join("", "ext/a"), "ext/a");
    }

    #[test]
    fn a_directory_object_is_written_whole() {
        let dir = crate::ingest::scratch_dir("store");
        let store = Store::Dir(dir.clone());
        store.put("ext/s/region=r/o.parquet", b"PAR1".to_vec()).unwrap();
        store.put("ext/s/region=r/o.parquet", b"PAR1 again".to_vec()).unwrap();
        assert_eq!(fs::read(dir.join("ext/s/region=r/o.parquet")).unwrap(), b"PAR1 again");
        let names: Vec<_> = fs::read_dir(dir.join("ext/s/region=r"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 1, "no temporary file left: {names:?}");
        fs::remove_dir_all(&dir).unwrap();
    }
}

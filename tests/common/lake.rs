//! The Security Lake tests' side: the Python readers and S3 server (tests/lake/), configs, and
//! the read-back check every lake test ends with.
#![allow(dead_code)]

use super::repo;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The source of each class under the default `[security_lake]` table.
pub const DEFAULT_SOURCES: [(&str, u32); 5] = [
    ("mw-api-activity", 6003),
    ("mw-authentication", 3002),
    ("mw-user-access", 3005),
    ("mw-entity-mgmt", 3004),
    ("mw-datastore", 6005),
];

/// The Python with pyarrow, DuckDB and moto (tests/lake/python-env.sh installs it; the README's
/// test command and .ci/run run that first). Missing, the test fails: it never skips.
pub fn python() -> PathBuf {
    let p = repo().join("target/pyenv/bin/python");
    assert!(
        p.exists(),
        "{} is missing: run `sh tests/lake/python-env.sh` (the README's test command does)",
        p.display()
    );
    p
}

/// A config with a `[security_lake]` table (region us-east-1, account 123456789012) and
/// `extra` lines inside it.
pub fn lake_config(dir: &Path, extra: &str) -> PathBuf {
    let path = dir.join("lake.toml");
    std::fs::write(
        &path,
        format!("[security_lake]\nregion = \"us-east-1\"\naccount_id = \"123456789012\"\n{extra}"),
    )
    .unwrap();
    path
}

/// Reads every object under `lake` with pyarrow and DuckDB and compares them with the NDJSON
/// `events` (tests/lake/read_back.py): `Ok(summary)` or `Err(what differs)`.
pub fn read_back(events: &Path, lake: &Path, sources: &[(&str, u32)]) -> Result<String, String> {
    let out = Command::new(python())
        .arg(repo().join("tests/lake/read_back.py"))
        .arg(events)
        .arg(lake)
        .args(["us-east-1", "123456789012"])
        .arg(repo().join("testdata/ocsf/1.3.0"))
        .args(sources.iter().map(|(s, c)| format!("{s}={c}")))
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if out.status.success() { Ok(text) } else { Err(text) }
}

/// Every object file under `dir`, relative, sorted.
pub fn objects(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p.strip_prefix(dir).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}

/// A port nothing listens on now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

//! Which files a replay reads, in which order.
//!
//! A mirrored SFTP tree has `logs/YYYY-MM-DD/YYYY-MM-DD_audit_log.json` (schema "1") and
//! `logs/v1/YYYY-MM-DD/YYYY-MM-DD_audit_log.json` (schema "2"). Files are replayed in date order,
//! both layouts interleaved, the current layout first within a day; files without a date in their
//! path come last, by path.

use std::path::{Path, PathBuf};

/// One input of a replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn display(&self) -> String {
        match self {
            Input::Stdin => "-".to_owned(),
            Input::File(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{0}: directory tree deeper than {MAX_TREE_DEPTH} levels")]
    TooDeep(PathBuf),
}

/// Deeper trees are not an SFTP mirror; stop rather than wander.
const MAX_TREE_DEPTH: usize = 16;

/// Expands the command line's paths into the files to read, in replay order.
/// A file named on the command line is always read; a directory contributes its `.json`,
/// `.jsonl` and `.ndjson` files (hidden entries skipped, symlinked directories not followed).
pub fn discover(paths: &[PathBuf]) -> Result<Vec<Input>, SourceError> {
    let mut out = Vec::new();
    for p in paths {
        if p.as_os_str() == "-" {
            out.push(Input::Stdin);
            continue;
        }
        let meta = std::fs::metadata(p).map_err(|source| SourceError::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            let mut files = Vec::new();
            walk(p, 0, &mut files)?;
            files.sort_by_cached_key(|f| replay_key(f));
            out.extend(files.into_iter().map(Input::File));
        } else {
            out.push(Input::File(p.clone()));
        }
    }
    Ok(out)
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>) -> Result<(), SourceError> {
    if depth > MAX_TREE_DEPTH {
        return Err(SourceError::TooDeep(dir.to_owned()));
    }
    let io = |source| SourceError::Io {
        path: dir.to_owned(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let name = entry.file_name();
        if name.to_string_lossy().starts_with('.') {
            continue;
        }
        let path = entry.path();
        let kind = entry.file_type().map_err(io)?;
        if kind.is_dir() {
            walk(&path, depth + 1, files)?;
        } else if (kind.is_file() || (kind.is_symlink() && path.is_file())) && is_export_file(&path) {
            files.push(path);
        }
    }
    Ok(())
}

fn is_export_file(p: &Path) -> bool {
    p.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| ["json", "jsonl", "ndjson"].iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// The first `YYYY-MM-DD` at the start of a path component (directory or file name).
pub fn date_of(path: &Path) -> Option<(u16, u8, u8)> {
    path.components().rev().find_map(|c| {
        let s = c.as_os_str().to_str()?;
        let b = s.as_bytes();
        if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
            return None;
        }
        let num = |r: std::ops::Range<usize>| s.get(r)?.parse::<u16>().ok();
        Some((
            num(0..4)?,
            u8::try_from(num(5..7)?).ok()?,
            u8::try_from(num(8..10)?).ok()?,
        ))
    })
}

/// Sort key: dated files first by date, current layout before `v1/` within a day, then by path.
fn replay_key(path: &Path) -> (bool, Option<(u16, u8, u8)>, bool, PathBuf) {
    let date = date_of(path);
    let new_layout = path.components().any(|c| c.as_os_str() == "v1");
    (date.is_none(), date, new_layout, path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_from_either_layout() {
        assert_eq!(
            date_of(Path::new("logs/2024-08-20/2024-08-20_audit_log.json")),
            Some((2024, 8, 20))
        );
        assert_eq!(
            date_of(Path::new("/m/logs/v1/2025-10-16/2025-10-16_audit_log.json")),
            Some((2025, 10, 16))
        );
        assert_eq!(date_of(Path::new("logs/misc/export.json")), None);
    }

    #[test]
    fn replay_order_interleaves_layouts_by_date() {
        let mut files = vec![
            PathBuf::from("logs/v1/2025-10-16/2025-10-16_audit_log.json"),
            PathBuf::from("logs/zz.json"),
            PathBuf::from("logs/2025-10-16/2025-10-16_audit_log.json"),
            PathBuf::from("logs/2024-08-20/2024-08-20_audit_log.json"),
            PathBuf::from("logs/v1/2025-07-25/2025-07-25_audit_log.json"),
        ];
        files.sort_by_cached_key(|f| replay_key(f));
        assert_eq!(
            files,
            [
                "logs/2024-08-20/2024-08-20_audit_log.json",
                "logs/v1/2025-07-25/2025-07-25_audit_log.json",
                "logs/2025-10-16/2025-10-16_audit_log.json",
                "logs/v1/2025-10-16/2025-10-16_audit_log.json",
                "logs/zz.json",
            ]
            .map(PathBuf::from)
        );
    }
}

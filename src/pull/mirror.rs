//! The mirror: which remote files are new or changed, and how each reaches the local tree
//! without a reader ever seeing bytes that were not verified.
//!
//! Per file, from its remote size and mtime and the local copy (whose mtime is set to the
//! remote one when it is written):
//!
//! | local copy | remote | what happens |
//! |---|---|---|
//! | same length and mtime | | nothing (no read) |
//! | shorter, its first and last 4 KiB equal the remote bytes there | grew | the tail is fetched, verified, appended |
//! | anything else (missing, longer, same length but newer, prefix differs) | | the whole file is fetched to a hidden part file beside it, verified, fsynced and renamed over it |
//!
//! Verified means: after the transfer the remote size and mtime are still those it started
//! with, and the head, the end of the old prefix and the end of the new bytes read again from
//! the server equal what was written; otherwise the file changed during the transfer (the
//! vendor's 3-hourly rewrite) and it is fetched again, up to three times per pull.
//! A copy is only trusted as unchanged when it was written at least 2 s after the remote mtime:
//! SFTP mtimes are whole seconds, so a rewrite in the second a file was fetched would otherwise
//! keep its size and mtime and go unseen.
//! A part file is named after the remote size, mtime and start offset it belongs to: an
//! interrupted transfer goes on from its end when the remote file is still the same (its last
//! 4 KiB are checked first), and is dropped otherwise. Part files are hidden, so `replay` and
//! `follow` never read them.

use super::PullError;
use super::listing::{LAYOUTS, day_dir, is_export_name, relative_path, unstorable};
use super::session::{EntryKind, Remote, RemoteEntry};
use super::url::SftpUrl;
use crate::ingest::identity::read_bytes_at;
use chrono::NaiveDate;
use std::fs::File;
use std::io::{Seek as _, SeekFrom, Write as _};
use std::os::unix::fs::{MetadataExt as _, OpenOptionsExt as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How much of a file is compared at each checkpoint: the window `follow` checks too.
const WINDOW: u64 = crate::ingest::identity::PREFIX_WINDOW;
/// Transfers of one file per pull before it is left for the next pull.
const ATTEMPTS: usize = 3;
const PART_SUFFIX: &str = ".mwsiem-part";
/// A local copy written this long after the remote mtime cannot predate a change in that second.
const SETTLED_SECS: i64 = 2;

/// What one pull did (counts add up over the retries of one pull).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub files: u64,
    pub unchanged: u64,
    pub fetched_new: u64,
    pub fetched_rewritten: u64,
    pub appended: u64,
    pub resumed: u64,
    pub changed_during_transfer: u64,
    pub bytes: u64,
    pub retries: u64,
    /// Directories or files the server would not let us read, and files left for the next pull.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct MirrorOptions {
    pub mirror: PathBuf,
    /// Date directories before this one are not even listed.
    pub since: Option<NaiveDate>,
}

/// Holds `MIRROR/.mwsiem-pull.lock` (hidden, so readers skip it) until dropped.
pub fn lock(mirror: &Path) -> Result<File, PullError> {
    std::fs::create_dir_all(mirror).map_err(|e| PullError::local(mirror, e))?;
    let path = mirror.join(".mwsiem-pull.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| PullError::local(&path, e))?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(PullError::Busy(mirror.to_owned())),
        Err(std::fs::TryLockError::Error(e)) => Err(PullError::local(&path, e)),
    }
}

/// Mirrors the export tree under `url` into `opts.mirror`.
pub async fn mirror_tree(
    remote: &Remote,
    url: &SftpUrl,
    opts: &MirrorOptions,
    report: &mut Report,
) -> Result<(), PullError> {
    let mut days = Vec::new();
    let mut missing = 0;
    for layout in LAYOUTS {
        let entries = match remote.list(&url.remote_path(layout)).await {
            Ok(e) => e,
            Err(PullError::Refused { missing: true, .. }) => {
                missing += 1;
                continue;
            }
            Err(PullError::Refused { path, why, .. }) => {
                report.problems.push(format!("cannot list {path}: {why}"));
                continue;
            }
            Err(e) => return Err(e),
        };
        for e in entries {
            if let Some(date) = day_dir(&e.name, e.kind == EntryKind::Dir, opts.since) {
                days.push((date, layout, e.name));
            }
        }
    }
    if missing == LAYOUTS.len() {
        report.problems.push(format!(
            "{} has no logs/ directory: is the URL's path the export root?",
            url
        ));
    }
    days.sort();
    for (_, layout, day) in days {
        let dir = format!("{layout}/{day}");
        let entries = match remote.list(&url.remote_path(&dir)).await {
            Ok(e) => e,
            Err(PullError::Refused { path, why, .. }) => {
                report.problems.push(format!("cannot list {path}: {why}"));
                continue;
            }
            Err(e) => return Err(e),
        };
        let mut files: Vec<RemoteEntry> = entries.into_iter().filter(is_export_file).collect();
        files.sort_by(|a, b| a.name.cmp(&b.name));
        for entry in files {
            report.files += 1;
            if let Some(why) = unstorable(&entry.name) {
                report
                    .problems
                    .push(format!("cannot mirror {layout}/{day}/{:?}: {why}", entry.name));
                continue;
            }
            let rel = relative_path(layout, &day, &entry.name);
            match mirror_file(remote, url, &opts.mirror, &rel, &entry, report).await {
                Ok(()) => {}
                Err(PullError::Refused { path, why, .. }) => report.problems.push(format!("cannot read {path}: {why}")),
                Err(e) => return Err(e),
            }
        }
    }
    Ok(())
}

/// The files `replay` reads (see [`is_export_name`]).
fn is_export_file(e: &RemoteEntry) -> bool {
    is_export_name(&e.name, e.kind == EntryKind::File)
}

/// How a file is brought up to date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    Unchanged,
    /// The local copy is a verified prefix: fetch from here.
    Append {
        from: u64,
    },
    Fetch {
        rewritten: bool,
    },
}

async fn mirror_file(
    remote: &Remote,
    url: &SftpUrl,
    mirror: &Path,
    rel: &str,
    entry: &RemoteEntry,
    report: &mut Report,
) -> Result<(), PullError> {
    let local = mirror.join(rel);
    let rpath = url.remote_path(rel);
    let (mut size, mut mtime) = (entry.size, entry.mtime);
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            (size, mtime) = remote.stat(&rpath).await?;
        }
        let plan = plan(remote, &rpath, &local, size, mtime).await?;
        let from = match plan {
            Plan::Unchanged => {
                report.unchanged += 1;
                return Ok(());
            }
            Plan::Append { from } => from,
            Plan::Fetch { .. } => 0,
        };
        match transfer(remote, &rpath, &local, size, mtime, from).await? {
            Transfer::Done { bytes, resumed } => {
                report.bytes += bytes;
                report.resumed += u64::from(resumed);
                match plan {
                    Plan::Append { .. } => report.appended += 1,
                    Plan::Fetch { rewritten: true } => report.fetched_rewritten += 1,
                    _ => report.fetched_new += 1,
                }
                return Ok(());
            }
            Transfer::Changed { bytes } => {
                report.bytes += bytes;
                report.changed_during_transfer += 1;
            }
        }
    }
    report.problems.push(format!(
        "{rel}: changed on the server during each of {ATTEMPTS} transfers; left for the next pull"
    ));
    Ok(())
}

async fn plan(remote: &Remote, rpath: &str, local: &Path, size: u64, mtime: u32) -> Result<Plan, PullError> {
    let meta = match std::fs::metadata(local) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Plan::Fetch { rewritten: false }),
        Err(e) => return Err(PullError::local(local, e)),
    };
    let len = meta.len();
    if len == size && mtime_secs(&meta) == Some(mtime) {
        // Whole-second mtimes: a copy made within a second or so of the remote mtime may predate
        // a same-length rewrite in that second. Our copy's ctime is when it was written.
        if meta.ctime() >= i64::from(mtime) + SETTLED_SECS {
            return Ok(Plan::Unchanged);
        }
        return Ok(Plan::Fetch { rewritten: true });
    }
    if len > 0 && len < size {
        let mut same = true;
        for (at, n) in windows(&[0, len], len) {
            let ours = read_local(local, at, n)?;
            if remote.read_at(rpath, at, n as usize).await? != ours {
                same = false;
                break;
            }
        }
        if same {
            return Ok(Plan::Append { from: len });
        }
    }
    Ok(Plan::Fetch { rewritten: true })
}

enum Transfer {
    Done { bytes: u64, resumed: bool },
    Changed { bytes: u64 },
}

/// Fetches `[from, size)` into the part file (going on from a part an earlier run left), checks
/// it, then renames it into place (`from == 0`) or appends it to the verified prefix.
async fn transfer(
    remote: &Remote,
    rpath: &str,
    local: &Path,
    size: u64,
    mtime: u32,
    from: u64,
) -> Result<Transfer, PullError> {
    let dir = local.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| PullError::local(dir, e))?;
    let name = local
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let part = dir.join(format!(".{name}.{size}-{mtime}-{from}{PART_SUFFIX}"));
    drop_other_parts(dir, &name, &part)?;

    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .read(true)
        .write(true)
        .mode(0o640)
        .open(&part)
        .map_err(|e| PullError::local(&part, e))?;
    let mut have = file.metadata().map_err(|e| PullError::local(&part, e))?.len();
    let mut resumed = false;
    if have > 0 {
        // The part is only worth keeping if its end still matches the server.
        let keep = have <= size - from && {
            let n = have.min(WINDOW);
            let ours = read_bytes_at(&file, have - n, n).map_err(|e| PullError::local(&part, e))?;
            remote.read_at(rpath, from + have - n, n as usize).await? == ours
        };
        if keep {
            resumed = true;
        } else {
            file.set_len(0).map_err(|e| PullError::local(&part, e))?;
            have = 0;
        }
    }
    file.seek(SeekFrom::Start(have))
        .map_err(|e| PullError::local(&part, e))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, &mut file);
    let bytes = match remote.copy_range(rpath, from + have, size, &mut writer).await {
        Ok(n) => n,
        Err(e @ PullError::Refused { .. }) => {
            // Not readable (or gone): nothing to resume later.
            drop(writer);
            let _ = std::fs::remove_file(&part);
            return Err(e);
        }
        // A dropped connection keeps the part: the retry goes on from its end.
        Err(e) => return Err(e),
    };
    writer.flush().map_err(|e| PullError::local(&part, e))?;
    drop(writer);

    let changed = || {
        let _ = std::fs::remove_file(&part);
        Ok(Transfer::Changed { bytes })
    };
    if from + have + bytes != size || remote.stat(rpath).await? != (size, mtime) {
        return changed();
    }
    for (at, n) in windows(&[0, from, size], size) {
        let ours = read_assembled(local, from, &file, at, n).map_err(|e| PullError::local(&part, e))?;
        if remote.read_at(rpath, at, n as usize).await? != ours {
            return changed();
        }
    }
    file.sync_all().map_err(|e| PullError::local(&part, e))?;
    let modified = UNIX_EPOCH + Duration::from_secs(u64::from(mtime));
    if from == 0 {
        file.set_modified(modified).map_err(|e| PullError::local(&part, e))?;
        drop(file);
        std::fs::rename(&part, local).map_err(|e| PullError::local(local, e))?;
    } else {
        // Only verified bytes reach the file a reader follows; a crash here leaves a longer
        // verified prefix, which the next pull appends to.
        let mut target = std::fs::OpenOptions::new()
            .append(true)
            .open(local)
            .map_err(|e| PullError::local(local, e))?;
        file.seek(SeekFrom::Start(0)).map_err(|e| PullError::local(&part, e))?;
        std::io::copy(&mut file, &mut target).map_err(|e| PullError::local(local, e))?;
        target.sync_all().map_err(|e| PullError::local(local, e))?;
        target.set_modified(modified).map_err(|e| PullError::local(local, e))?;
        drop(file);
        std::fs::remove_file(&part).map_err(|e| PullError::local(&part, e))?;
    }
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| PullError::local(dir, e))?;
    Ok(Transfer::Done { bytes, resumed })
}

/// The 4 KiB before each checkpoint (and the first 4 KiB), within `[0, len)`, without repeats.
fn windows(points: &[u64], len: u64) -> Vec<(u64, u64)> {
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut add = |at: u64, n: u64| {
        if n > 0 && !out.contains(&(at, n)) {
            out.push((at, n));
        }
    };
    add(0, len.min(WINDOW));
    for &p in points {
        let p = p.min(len);
        let n = p.min(WINDOW);
        add(p - n, n);
    }
    out
}

/// Bytes `[at, at+n)` of the file being assembled: the local prefix below `from`, the part above.
fn read_assembled(local: &Path, from: u64, part: &File, at: u64, n: u64) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n as usize);
    if at < from {
        let k = n.min(from - at);
        out.extend(read_local(local, at, k).map_err(std::io::Error::other)?);
    }
    if at + n > from {
        let start = at.max(from);
        out.extend(read_bytes_at(part, start - from, at + n - start)?);
    }
    Ok(out)
}

fn read_local(path: &Path, at: u64, n: u64) -> Result<Vec<u8>, PullError> {
    let f = File::open(path).map_err(|e| PullError::local(path, e))?;
    read_bytes_at(&f, at, n).map_err(|e| PullError::local(path, e))
}

/// Parts of earlier versions of the file are stale.
fn drop_other_parts(dir: &Path, name: &str, keep: &Path) -> Result<(), PullError> {
    let prefix = format!(".{name}.");
    let entries = std::fs::read_dir(dir).map_err(|e| PullError::local(dir, e))?;
    for entry in entries.flatten() {
        let n = entry.file_name();
        let n = n.to_string_lossy();
        if n.starts_with(&prefix) && n.ends_with(PART_SUFFIX) && entry.path() != keep {
            std::fs::remove_file(entry.path()).map_err(|e| PullError::local(&entry.path(), e))?;
        }
    }
    Ok(())
}

fn mtime_secs(meta: &std::fs::Metadata) -> Option<u32> {
    let t = meta.modified().ok()?;
    let secs = t.duration_since(SystemTime::UNIX_EPOCH).ok()?.as_secs();
    u32::try_from(secs).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_cover_head_checkpoints_and_end() {
        assert_eq!(windows(&[0, 100], 100), vec![(0, 100)]);
        assert_eq!(windows(&[0, 10_000], 10_000), vec![(0, 4096), (5904, 4096)]);
        assert_eq!(
            windows(&[0, 10_000, 20_000], 20_000),
            vec![(0, 4096), (5904, 4096), (15_904, 4096)]
        );
        assert_eq!(windows(&[0], 0), vec![]);
    }

    #[test]
    fn export_files_only() {
        let e = |name: &str, kind| RemoteEntry {
            name: name.into(),
            kind,
            size: 1,
            mtime: 1,
        };
        assert!(is_export_file(&e("2025-10-16_audit_log.json", EntryKind::File)));
        assert!(is_export_file(&e("x.ndjson", EntryKind::File)));
        assert!(!is_export_file(&e(
            ".2025-10-16_audit_log.json.tmp.json",
            EntryKind::File
        )));
        assert!(!is_export_file(&e("notes.txt", EntryKind::File)));
        assert!(!is_export_file(&e("a.json", EntryKind::Dir)));
        assert!(!is_export_file(&e("a.json", EntryKind::Other)));
    }

    #[test]
    fn assembled_reads_span_prefix_and_part() {
        let dir = crate::ingest::scratch_dir("pull-assemble");
        let local = dir.join("f");
        std::fs::write(&local, b"0123456789").unwrap();
        std::fs::write(dir.join("p"), b"abcdef").unwrap();
        let part = File::open(dir.join("p")).unwrap();
        assert_eq!(read_assembled(&local, 10, &part, 7, 6).unwrap(), b"789abc");
        assert_eq!(read_assembled(&local, 10, &part, 0, 4).unwrap(), b"0123");
        assert_eq!(read_assembled(&local, 10, &part, 12, 4).unwrap(), b"cdef");
        assert_eq!(read_assembled(&local, 0, &part, 2, 3).unwrap(), b"cde");
    }
}

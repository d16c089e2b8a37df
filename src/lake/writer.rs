//! The Security Lake output: events in, objects in the custom-source layout out.
//!
//! ```text
//! event ─► project (1.3.0 row) ─► spool ─(roll)─► sealed spool ─► objects ─► store
//!                                  (committed by follow)          (one per source and day)
//! ```
//!
//! Exactly once with `follow`: the spool is an output like the events file, fsynced before each
//! commit, which records its length. A roll seals the spool in a commit; its objects are then
//! written, named by their content, and only after that does a commit forget the sealed spool.
//! A crash before that commit writes the same objects again under the same keys: the lake holds
//! each row once. A crash before a commit cuts the open spool back to its committed length, and
//! the records read again after the checkpoint are spooled again.

use super::config::{LAKE_CLASSES, LakeConfig};
use super::object::{ObjectError, write_object};
use super::project::{ProjectError, parse_event, project, row_info};
use super::schema::ClassColumns;
use super::spool::{RowAt, Spool, generation_of, index, read_row, spool_path};
use super::store::{Store, StoreError};
use crate::ingest::follow::{BatchedCommit, BatchedOutput};
use crate::ingest::state::OutputMark;
use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The role of the open spool in `follow`'s state; a sealed one is `security_lake.sealed.<gen>`.
pub const OPEN_ROLE: &str = "security_lake";
const SEALED_ROLE: &str = "security_lake.sealed.";

#[derive(Debug, thiserror::Error)]
pub enum LakeError {
    #[error("security lake spool {path}: {error}")]
    Spool { path: PathBuf, error: io::Error },
    // The inner errors are the message (not a `source`: an error chain would say it twice).
    #[error("security lake: {0}")]
    Object(ObjectError),
    #[error("security lake: {0}")]
    Store(StoreError),
    #[error("security lake: {0}")]
    Schema(super::schema::SchemaError),
}

impl From<ObjectError> for LakeError {
    fn from(e: ObjectError) -> Self {
        LakeError::Object(e)
    }
}

impl From<StoreError> for LakeError {
    fn from(e: StoreError) -> Self {
        LakeError::Store(e)
    }
}

impl From<super::schema::SchemaError> for LakeError {
    fn from(e: super::schema::SchemaError) -> Self {
        LakeError::Schema(e)
    }
}

/// What the lake output did, for the run's summary.
#[derive(Debug, Default, Clone)]
pub struct LakeStats {
    pub rows: u64,
    pub objects: u64,
    pub object_bytes: u64,
    /// Events of a class with no source name, per class (index into [`LAKE_CLASSES`]).
    pub unnamed: [u64; LAKE_CLASSES.len()],
    /// Events that have no row, and why (they are in the NDJSON output).
    pub no_row: u64,
}

pub struct LakeWriter {
    config: LakeConfig,
    columns: Vec<ClassColumns>,
    store: Store,
    dir: PathBuf,
    open: Spool,
    opened_at: Instant,
    /// Sealed spools whose objects are not all written yet: `(generation, length)`.
    sealed: Vec<(u64, u64)>,
    /// Sealed spools whose objects are written; the next commit forgets them.
    written: Vec<u64>,
    /// Forgotten by a commit handed to the worker; deleted once it is done.
    forgotten: Vec<u64>,
    row: Vec<u8>,
    pub stats: LakeStats,
    /// After a failed write, none is tried before this.
    retry_at: Option<Instant>,
    failures: u32,
}

impl LakeWriter {
    /// A writer that goes on from `marks`, the spool outputs `follow`'s state committed: the open
    /// spool is cut back to its committed length, sealed ones are written before anything else,
    /// and spool files no commit names (their objects were written, or they held nothing
    /// committed) are removed.
    pub fn resume(config: LakeConfig, store: Store, dir: &Path, marks: &[OutputMark]) -> Result<LakeWriter, LakeError> {
        let columns = LAKE_CLASSES
            .iter()
            .map(|c| c.columns())
            .collect::<Result<Vec<_>, _>>()?;
        let spool_err = |source| LakeError::Spool {
            path: dir.to_owned(),
            error: source,
        };
        std::fs::create_dir_all(dir).map_err(spool_err)?;
        let generation_in = |m: &OutputMark| generation_of(Path::new(&m.path));
        let mut sealed = Vec::new();
        let mut open = None;
        for m in marks {
            let Some(generation) = generation_in(m) else { continue };
            if m.role == OPEN_ROLE {
                open = Some((generation, m.length));
            } else if m.role.starts_with(SEALED_ROLE) {
                sealed.push((generation, m.length));
            }
        }
        sealed.sort_unstable();
        let next = sealed.iter().map(|s| s.0 + 1).max().unwrap_or(0);
        let (generation, keep) = open.unwrap_or((next, 0));
        // Spools no commit names hold nothing the lake still needs.
        for entry in std::fs::read_dir(dir).map_err(spool_err)? {
            let path = entry.map_err(spool_err)?.path();
            if let Some(g) = generation_of(&path)
                && g != generation
                && !sealed.iter().any(|s| s.0 == g)
            {
                std::fs::remove_file(&path).map_err(spool_err)?;
            }
        }
        let open = Spool::open(dir, generation, keep).map_err(|source| LakeError::Spool {
            path: spool_path(dir, generation),
            error: source,
        })?;
        Ok(LakeWriter {
            config,
            columns,
            store,
            dir: dir.to_owned(),
            open,
            opened_at: Instant::now(),
            sealed,
            written: Vec::new(),
            forgotten: Vec::new(),
            row: Vec::new(),
            stats: LakeStats::default(),
            retry_at: None,
            failures: 0,
        })
    }

    /// The source names, for the start-up message: `(class, Some(source))` or `(class, None)`.
    pub fn sources(&self) -> impl Iterator<Item = (&'static str, Option<&str>)> {
        LAKE_CLASSES
            .iter()
            .zip(&self.config.sources)
            .map(|(c, s)| (c.class.name, s.as_deref()))
    }

    /// Spools the rows of one record's events (the core's output: event lines). An event with
    /// no row (its class has no source, or it is not an OCSF event) is counted, never an error:
    /// it is in the NDJSON output.
    pub fn push(&mut self, events: &[u8]) -> Result<(), LakeError> {
        for line in events.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            match self.project_one(line) {
                Ok(Some((class, time))) => {
                    let (open, row) = (&mut self.open, &self.row);
                    open.append(class, time, row).map_err(|source| LakeError::Spool {
                        path: open.path.clone(),
                        error: source,
                    })?;
                    self.stats.rows += 1;
                }
                Ok(None) => {}
                Err(e) => {
                    self.stats.no_row += 1;
                    if self.stats.no_row <= 5 {
                        eprintln!("mwsiem: security lake: an event has no row ({e}); it is in the events output");
                    }
                }
            }
        }
        Ok(())
    }

    fn project_one(&mut self, line: &[u8]) -> Result<Option<(usize, i64)>, ProjectError> {
        let event = parse_event(line)?;
        let info = row_info(&event)?;
        let Some(class) = LAKE_CLASSES
            .iter()
            .position(|c| i64::from(c.class.uid) == info.class_uid)
        else {
            return Err(ProjectError::NoClass);
        };
        if self.config.sources[class].is_none() {
            self.stats.unnamed[class] += 1;
            return Ok(None);
        }
        if event_day(info.time_ms).is_none() {
            return Err(ProjectError::NoTime);
        }
        self.row.clear();
        project(event, &self.columns[class].root, &mut self.row);
        Ok(Some((class, info.time_ms)))
    }

    /// Seals the open spool (if it holds rows) and opens the next generation.
    pub fn seal(&mut self) -> Result<(), LakeError> {
        if self.open.len == 0 {
            return Ok(());
        }
        let spool_err = |path: &Path, source| LakeError::Spool {
            path: path.to_owned(),
            error: source,
        };
        self.open.flush().map_err(|e| spool_err(&self.open.path, e))?;
        let next = Spool::open(&self.dir, self.open.generation + 1, 0)
            .map_err(|e| spool_err(&spool_path(&self.dir, self.open.generation + 1), e))?;
        let done = std::mem::replace(&mut self.open, next);
        done.sync_handle()
            .and_then(|f| f.sync_data())
            .map_err(|e| spool_err(&done.path, e))?;
        self.sealed.push((done.generation, done.len));
        self.opened_at = Instant::now();
        Ok(())
    }

    /// For a `follow` commit: flushes the open spool and says what to fsync, what to record and
    /// which sealed spools to forget.
    fn marks(&mut self) -> Result<BatchedCommit, LakeError> {
        let spool_err = |path: &Path, source| LakeError::Spool {
            path: path.to_owned(),
            error: source,
        };
        self.open.flush().map_err(|e| spool_err(&self.open.path, e))?;
        let sync = vec![self.open.sync_handle().map_err(|e| spool_err(&self.open.path, e))?];
        let mark = |role: String, generation: u64, length: u64, dev: u64, ino: u64| OutputMark {
            role,
            path: spool_path(&self.dir, generation).display().to_string(),
            dev,
            ino,
            length,
        };
        let mut marks = vec![mark(
            OPEN_ROLE.to_owned(),
            self.open.generation,
            self.open.len,
            self.open.dev,
            self.open.ino,
        )];
        marks.extend(
            self.sealed
                .iter()
                .map(|&(g, len)| mark(format!("{SEALED_ROLE}{g}"), g, len, 0, 0)),
        );
        let forget: Vec<String> = self.written.iter().map(|g| format!("{SEALED_ROLE}{g}")).collect();
        self.forgotten.append(&mut self.written);
        Ok(BatchedCommit { sync, marks, forget })
    }

    /// After the commit that forgot them is on disk: removes the spool files.
    pub fn committed(&mut self) {
        for g in self.forgotten.drain(..) {
            let _ = std::fs::remove_file(spool_path(&self.dir, g));
        }
    }

    /// Writes the objects of every sealed spool (call once the commit that sealed them is on
    /// disk). A failure leaves the spool sealed, to be tried again after a back-off.
    pub fn write_sealed(&mut self) -> Result<(), LakeError> {
        if self.retry_at.is_some_and(|at| Instant::now() < at) {
            return Ok(());
        }
        while let Some(&(generation, len)) = self.sealed.first() {
            match self.write_spool(generation, len) {
                Ok(()) => {
                    self.sealed.remove(0);
                    self.written.push(generation);
                    self.failures = 0;
                    self.retry_at = None;
                }
                Err(e) => {
                    self.failures += 1;
                    let wait = Duration::from_secs(5u64 << self.failures.min(6)).min(Duration::from_secs(300));
                    self.retry_at = Some(Instant::now() + wait);
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// For `replay` (no commits): once the spool holds `roll_bytes`, its objects are written
    /// and it is removed.
    pub fn write_if_full(&mut self) -> Result<(), LakeError> {
        if self.open.len < self.config.roll_bytes {
            return Ok(());
        }
        self.seal()?;
        self.retry_at = None;
        self.write_sealed()?;
        self.forgotten.append(&mut self.written);
        self.committed();
        Ok(())
    }

    /// For `replay` (no commits): seals what is open, writes every object and removes the
    /// spools.
    pub fn finish(&mut self) -> Result<(), LakeError> {
        self.seal()?;
        self.retry_at = None;
        self.write_sealed()?;
        self.forgotten.append(&mut self.written);
        self.committed();
        let _ = std::fs::remove_file(&self.open.path);
        Ok(())
    }

    fn write_spool(&mut self, generation: u64, len: u64) -> Result<(), LakeError> {
        let path = spool_path(&self.dir, generation);
        let spool_err = |source| LakeError::Spool {
            path: path.clone(),
            error: source,
        };
        let mut rows = index(&path, len).map_err(spool_err)?;
        // Each object: one source and one day, its rows by time (then spool order).
        rows.sort_by_key(|r| (r.class, day_index(r.time_ms), r.time_ms, r.offset));
        let file = File::open(&path).map_err(spool_err)?;
        for group in rows.chunk_by(|a, b| a.class == b.class && day_index(a.time_ms) == day_index(b.time_ms)) {
            let first = group[0];
            let class = &LAKE_CLASSES[first.class];
            let source = self.config.sources[first.class]
                .as_deref()
                .unwrap_or(class.default_source);
            let day = event_day(first.time_ms).unwrap_or_default();
            let rows = || {
                group.iter().map(|r: &RowAt| {
                    let mut buf = Vec::new();
                    read_row(&file, r, &mut buf).map(|()| (r.time_ms, buf))
                })
            };
            let object = write_object(&self.columns[first.class].arrow, i64::from(class.class.uid), rows).map_err(
                |e| match e {
                    ObjectError::Read(e) => spool_err(e),
                    e => e.into(),
                },
            )?;
            let key = format!(
                "ext/{source}/region={}/accountId={}/eventDay={day}/{}",
                self.config.region, self.config.account_id, object.name
            );
            self.stats.objects += 1;
            self.stats.object_bytes += object.bytes.len() as u64;
            self.store.put(&key, object.bytes)?;
        }
        Ok(())
    }
}

/// The UTC day an epoch-milliseconds time falls on, as a number (for grouping).
fn day_index(time_ms: i64) -> i64 {
    time_ms.div_euclid(86_400_000)
}

/// `follow` drives the writer through its commits.
impl BatchedOutput for LakeWriter {
    fn push(&mut self, events: &[u8]) -> io::Result<()> {
        LakeWriter::push(self, events).map_err(io::Error::other)
    }

    fn roll_due(&self) -> bool {
        self.open.len > 0
            && (self.opened_at.elapsed() >= self.config.roll_interval || self.open.len >= self.config.roll_bytes)
    }

    fn prepare_commit(&mut self, seal: bool) -> io::Result<BatchedCommit> {
        if seal {
            self.seal().map_err(io::Error::other)?;
        }
        self.marks().map_err(io::Error::other)
    }

    fn has_pending(&self) -> bool {
        !self.sealed.is_empty()
    }

    fn has_written(&self) -> bool {
        !self.written.is_empty()
    }

    fn write_sealed(&mut self) -> io::Result<()> {
        LakeWriter::write_sealed(self).map_err(io::Error::other)
    }

    fn committed(&mut self) {
        LakeWriter::committed(self)
    }
}

/// `YYYYMMDD` of an epoch-milliseconds time, in UTC (Security Lake's `eventDay`).
pub fn event_day(time_ms: i64) -> Option<String> {
    let t = chrono::DateTime::from_timestamp_millis(time_ms)?;
    use chrono::Datelike as _;
    let d = t.date_naive();
    (0..=9999)
        .contains(&d.year())
        .then(|| format!("{:04}{:02}{:02}", d.year(), d.month(), d.day()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_days_are_utc() {
        assert_eq!(event_day(1760641223850).as_deref(), Some("20251016"));
        assert_eq!(event_day(0).as_deref(), Some("19700101"));
        assert_eq!(event_day(-1).as_deref(), Some("19691231"));
        assert_eq!(event_day(i64::MAX), None);
    }
}

//! `follow`'s state: one SQLite database, `state.sqlite3` in the state directory.
//!
//! SQLite rather than a file format of our own: a commit is atomic and durable (WAL,
//! `synchronous = FULL`: written, fsynced, then visible), a torn write or a crash at any
//! point leaves the last commit, it detects a corrupt file (`quick_check`, "not a database")
//! instead of reading garbage, and an exclusive lock keeps a second `follow` off the same
//! state. It holds, per file, where framing stopped (a [`ResumePoint`]) and what the bytes
//! before it were ([`Prefix`]); the keys of the records each file emitted, one row per commit
//! and file, pruned after the dedupe window; and the committed length of each output file.

use super::dedupe::{Key, RecoveredRow, Seen};
use super::identity::Prefix;
use mwsiem::frame::{ResumePoint, ScanState};
use rusqlite::{Connection, ErrorCode, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The layout this build writes; a newer one is refused, never read as if it were this one.
pub const STATE_VERSION: i64 = 1;
/// `PRAGMA application_id`: "mwsi", so a stranger's SQLite file is not taken for a state.
const APPLICATION_ID: i64 = 0x6d77_7369;
pub const STATE_FILE: &str = "state.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("state {path} is corrupt ({reason}); move it away to start over, which reads every file again")]
    Corrupt { path: PathBuf, reason: String },
    #[error("state {path} has layout version {found}; this mwsiem reads version {STATE_VERSION}: use a newer mwsiem")]
    FutureVersion { path: PathBuf, found: i64 },
    #[error("state {path} is in use by another mwsiem follow")]
    Locked { path: PathBuf },
    #[error("state {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("state {path}: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
}

/// Where one file's framing stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCheckpoint {
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    /// The size and modification time when it was taken.
    pub size: u64,
    pub mtime_ns: i64,
    pub at: ResumePoint,
    pub prefix: Prefix,
    /// The furthest offset this path was ever read to: a read that starts before it (after a
    /// rewrite) checks every record against what the path emitted.
    pub high_water: u64,
}

/// The committed length of an output file (`role`: "events" or "dead_letters").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputMark {
    pub role: String,
    pub path: String,
    pub dev: u64,
    pub ino: u64,
    pub length: u64,
}

/// A row of `outputs` (`role, path, dev, ino, length`).
fn output_mark(r: &rusqlite::Row<'_>) -> rusqlite::Result<OutputMark> {
    Ok(OutputMark {
        role: r.get(0)?,
        path: r.get(1)?,
        dev: r.get::<_, i64>(2)? as u64,
        ino: r.get::<_, i64>(3)? as u64,
        length: r.get::<_, i64>(4)? as u64,
    })
}

/// What one commit writes, in one transaction.
#[derive(Debug, Default)]
pub struct Commit {
    pub files: Vec<FileCheckpoint>,
    /// Files no longer in the tree: their checkpoints go (their keys stay for the window).
    pub removed: Vec<String>,
    /// Keys of records emitted since the last commit, per file.
    pub keys: Vec<(String, Vec<Key>)>,
    pub outputs: Vec<OutputMark>,
    /// Outputs no longer kept (by role): a spool whose objects are in the lake.
    pub outputs_removed: Vec<String>,
    /// The recovered keys not taken yet, when they changed (replacing what was saved).
    pub recovered: Option<Vec<RecoveredRow>>,
    /// Seconds since the epoch, and how long keys are kept.
    pub now: i64,
    pub window_secs: i64,
}

pub struct State {
    conn: Connection,
    path: PathBuf,
}

impl State {
    /// Opens (or creates) the state in `dir`, locked for this process.
    pub fn open(dir: &Path) -> Result<State, StateError> {
        let io = |source| StateError::Io {
            path: dir.to_owned(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        let path = dir.join(STATE_FILE);
        let conn = Connection::open(&path).map_err(|e| classify(&path, e))?;
        let mut state = State { conn, path };
        state.setup()?;
        Ok(state)
    }

    fn err(&self, e: rusqlite::Error) -> StateError {
        classify(&self.path, e)
    }

    fn setup(&mut self) -> Result<(), StateError> {
        let c = &self.conn;
        // Never wait for another process's lock: say it is taken.
        c.busy_timeout(std::time::Duration::ZERO).map_err(|e| self.err(e))?;
        c.pragma_update(None, "locking_mode", "EXCLUSIVE")
            .map_err(|e| self.err(e))?;
        let check: String = c
            .query_row("PRAGMA quick_check", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if check != "ok" {
            return Err(StateError::Corrupt {
                path: self.path.clone(),
                reason: check,
            });
        }
        let app: i64 = c
            .query_row("PRAGMA application_id", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let version: i64 = c
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let tables: i64 = c
            .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        if app == 0 && version == 0 && tables == 0 {
            return self.create();
        }
        if app != APPLICATION_ID {
            return Err(StateError::Corrupt {
                path: self.path.clone(),
                reason: "not a mwsiem state database".into(),
            });
        }
        if version > STATE_VERSION {
            return Err(StateError::FutureVersion {
                path: self.path.clone(),
                found: version,
            });
        }
        if version < 1 {
            return Err(StateError::Corrupt {
                path: self.path.clone(),
                reason: format!("layout version {version}"),
            });
        }
        self.configure()
    }

    fn configure(&self) -> Result<(), StateError> {
        self.conn
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; BEGIN EXCLUSIVE; COMMIT;")
            .map_err(|e| self.err(e))
    }

    fn create(&mut self) -> Result<(), StateError> {
        self.configure()?;
        self.conn
            .execute_batch(&format!(
                "BEGIN;
                 CREATE TABLE files (
                     path TEXT PRIMARY KEY, dev INTEGER NOT NULL, ino INTEGER NOT NULL,
                     size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL,
                     offset INTEGER NOT NULL, line INTEGER NOT NULL, col INTEGER NOT NULL,
                     in_array INTEGER NOT NULL, started INTEGER NOT NULL,
                     head BLOB NOT NULL, tail BLOB NOT NULL, high_water INTEGER NOT NULL);
                 CREATE TABLE keys (
                     path TEXT NOT NULL, seq INTEGER PRIMARY KEY AUTOINCREMENT,
                     at INTEGER NOT NULL, keys BLOB NOT NULL);
                 CREATE INDEX keys_by_path ON keys (path);
                 CREATE INDEX keys_by_age ON keys (at);
                 CREATE TABLE recovered (
                     key BLOB PRIMARY KEY, n INTEGER NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID;
                 CREATE TABLE outputs (
                     role TEXT PRIMARY KEY, path TEXT NOT NULL, dev INTEGER NOT NULL,
                     ino INTEGER NOT NULL, length INTEGER NOT NULL);
                 PRAGMA application_id = {APPLICATION_ID};
                 PRAGMA user_version = {STATE_VERSION};
                 COMMIT;"
            ))
            .map_err(|e| self.err(e))
    }

    /// Every file's checkpoint, by path.
    pub fn files(&self) -> Result<HashMap<String, FileCheckpoint>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT path, dev, ino, size, mtime_ns, offset, line, col, in_array, started, head, tail, high_water FROM files")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                let blob = |i: usize| -> rusqlite::Result<[u8; 32]> {
                    let v: Vec<u8> = r.get(i)?;
                    v.try_into().map_err(|_| {
                        rusqlite::Error::FromSqlConversionFailure(
                            i,
                            rusqlite::types::Type::Blob,
                            "digest length".into(),
                        )
                    })
                };
                Ok(FileCheckpoint {
                    path: r.get(0)?,
                    dev: r.get::<_, i64>(1)? as u64,
                    ino: r.get::<_, i64>(2)? as u64,
                    size: r.get::<_, i64>(3)? as u64,
                    mtime_ns: r.get(4)?,
                    at: ResumePoint {
                        offset: r.get::<_, i64>(5)? as u64,
                        line: r.get::<_, i64>(6)? as u64,
                        column: r.get::<_, i64>(7)? as u64,
                        state: ScanState {
                            in_array: r.get(8)?,
                            started: r.get(9)?,
                        },
                    },
                    prefix: Prefix {
                        head: blob(10)?,
                        tail: blob(11)?,
                    },
                    high_water: r.get::<_, i64>(12)? as u64,
                })
            })
            .map_err(|e| self.err(e))?;
        let mut out = HashMap::new();
        for row in rows {
            let cp = row.map_err(|e| self.err(e))?;
            out.insert(cp.path.clone(), cp);
        }
        Ok(out)
    }

    /// The keys `path` emitted within the window.
    pub fn keys_of(&self, path: &str) -> Result<Seen, StateError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT keys FROM keys WHERE path = ?1")
            .map_err(|e| self.err(e))?;
        let mut seen = Seen::new();
        let rows = stmt
            .query_map([path], |r| r.get::<_, Vec<u8>>(0))
            .map_err(|e| self.err(e))?;
        for row in rows {
            let blob = row.map_err(|e| self.err(e))?;
            if blob.len() % 16 != 0 {
                return Err(StateError::Corrupt {
                    path: self.path.clone(),
                    reason: format!("a key list of {} bytes", blob.len()),
                });
            }
            seen.extend(blob.chunks_exact(16).map(|k| <Key>::try_from(k).unwrap_or_default()));
        }
        Ok(seen)
    }

    /// The committed length of an output.
    pub fn output(&self, role: &str) -> Result<Option<OutputMark>, StateError> {
        self.conn
            .query_row(
                "SELECT role, path, dev, ino, length FROM outputs WHERE role = ?1",
                [role],
                output_mark,
            )
            .optional()
            .map_err(|e| self.err(e))
    }

    /// Every output whose role starts with `prefix`, by role.
    pub fn outputs_with_prefix(&self, prefix: &str) -> Result<Vec<OutputMark>, StateError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT role, path, dev, ino, length FROM outputs WHERE substr(role, 1, length(?1)) = ?1 ORDER BY role",
            )
            .map_err(|e| self.err(e))?;
        let rows = stmt.query_map([prefix], output_mark).map_err(|e| self.err(e))?;
        rows.collect::<Result<Vec<_>, _>>().map_err(|e| self.err(e))
    }

    /// The recovered keys a previous run saved.
    pub fn recovered(&self) -> Result<Vec<RecoveredRow>, StateError> {
        let mut stmt = self
            .conn
            .prepare("SELECT key, n, at FROM recovered")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?, r.get::<_, i64>(2)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (key, n, at) = row.map_err(|e| self.err(e))?;
            let key = Key::try_from(key.as_slice()).map_err(|_| StateError::Corrupt {
                path: self.path.clone(),
                reason: format!("a recovered key of {} bytes", key.len()),
            })?;
            out.push((key, u32::try_from(n).unwrap_or(0), at));
        }
        Ok(out)
    }

    /// Writes `c` in one transaction, and prunes keys older than the window.
    pub fn commit(&mut self, c: &Commit) -> Result<(), StateError> {
        let path = self.path.clone();
        let err = |e| classify(&path, e);
        let tx = self.conn.transaction().map_err(err)?;
        {
            let mut put = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO files (path, dev, ino, size, mtime_ns, offset, line, col, in_array, started, head, tail, high_water)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                )
                .map_err(err)?;
            for f in &c.files {
                put.execute(params![
                    f.path,
                    f.dev as i64,
                    f.ino as i64,
                    f.size as i64,
                    f.mtime_ns,
                    f.at.offset as i64,
                    f.at.line as i64,
                    f.at.column as i64,
                    f.at.state.in_array,
                    f.at.state.started,
                    &f.prefix.head[..],
                    &f.prefix.tail[..],
                    f.high_water as i64,
                ])
                .map_err(err)?;
            }
            let mut remove = tx.prepare_cached("DELETE FROM files WHERE path = ?1").map_err(err)?;
            for p in &c.removed {
                remove.execute([p]).map_err(err)?;
            }
            let mut add = tx
                .prepare_cached("INSERT INTO keys (path, at, keys) VALUES (?1, ?2, ?3)")
                .map_err(err)?;
            for (p, keys) in &c.keys {
                if keys.is_empty() {
                    continue;
                }
                add.execute(params![p, c.now, keys.concat()]).map_err(err)?;
            }
            let mut mark = tx
                .prepare_cached(
                    "INSERT OR REPLACE INTO outputs (role, path, dev, ino, length) VALUES (?1, ?2, ?3, ?4, ?5)",
                )
                .map_err(err)?;
            for o in &c.outputs {
                mark.execute(params![o.role, o.path, o.dev as i64, o.ino as i64, o.length as i64])
                    .map_err(err)?;
            }
            let mut unmark = tx.prepare_cached("DELETE FROM outputs WHERE role = ?1").map_err(err)?;
            for role in &c.outputs_removed {
                unmark.execute([role]).map_err(err)?;
            }
            if let Some(rows) = &c.recovered {
                tx.execute("DELETE FROM recovered", []).map_err(err)?;
                let mut put = tx
                    .prepare_cached("INSERT INTO recovered (key, n, at) VALUES (?1, ?2, ?3)")
                    .map_err(err)?;
                for (key, n, at) in rows {
                    put.execute(params![&key[..], i64::from(*n), at]).map_err(err)?;
                }
            }
            let oldest = c.now.saturating_sub(c.window_secs);
            tx.execute("DELETE FROM keys WHERE at < ?1", [oldest]).map_err(err)?;
            tx.execute("DELETE FROM recovered WHERE at < ?1", [oldest])
                .map_err(err)?;
        }
        tx.commit().map_err(err)
    }
}

fn classify(path: &Path, e: rusqlite::Error) -> StateError {
    let path = path.to_owned();
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt) => StateError::Corrupt {
            path,
            reason: e.to_string(),
        },
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StateError::Locked { path },
        _ => StateError::Sqlite { path, source: e },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir(name: &str) -> PathBuf {
        crate::ingest::scratch_dir(&format!("state-{name}"))
    }

    fn checkpoint(path: &str, offset: u64) -> FileCheckpoint {
        FileCheckpoint {
            path: path.into(),
            dev: 1,
            ino: 2,
            size: 100,
            mtime_ns: 5,
            at: ResumePoint {
                offset,
                line: 3,
                column: 4,
                state: ScanState {
                    in_array: true,
                    started: true,
                },
            },
            prefix: Prefix {
                head: [7; 32],
                tail: [8; 32],
            },
            high_water: offset + 10,
        }
    }

    #[test]
    fn a_commit_survives_reopening() {
        let d = dir("reopen");
        {
            let mut s = State::open(&d).unwrap();
            s.commit(&Commit {
                files: vec![checkpoint("a.json", 42)],
                keys: vec![("a.json".into(), vec![[1; 16], [2; 16]])],
                outputs: vec![OutputMark {
                    role: "events".into(),
                    path: "out".into(),
                    dev: 1,
                    ino: 9,
                    length: 1234,
                }],
                now: 1000,
                window_secs: 100,
                ..Commit::default()
            })
            .unwrap();
        }
        let s = State::open(&d).unwrap();
        assert_eq!(s.files().unwrap()["a.json"], checkpoint("a.json", 42));
        assert_eq!(s.keys_of("a.json").unwrap(), Seen::from([[1; 16], [2; 16]]));
        assert_eq!(s.output("events").unwrap().unwrap().length, 1234);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn keys_older_than_the_window_are_pruned() {
        let d = dir("prune");
        let mut s = State::open(&d).unwrap();
        let keys = |now, k| Commit {
            keys: vec![("a.json".into(), vec![k])],
            now,
            window_secs: 100,
            ..Commit::default()
        };
        s.commit(&keys(1000, [1; 16])).unwrap();
        s.commit(&keys(1050, [2; 16])).unwrap();
        s.commit(&keys(1101, [3; 16])).unwrap();
        assert_eq!(s.keys_of("a.json").unwrap(), Seen::from([[2; 16], [3; 16]]));
        drop(s);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn bad_states_are_refused_with_a_reason() {
        let d = dir("bad");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(
            d.join(STATE_FILE),
            b"this is not a database, it is a text file of some length\n".repeat(100),
        )
        .unwrap();
        assert!(matches!(State::open(&d), Err(StateError::Corrupt { .. })), "garbage");

        std::fs::remove_file(d.join(STATE_FILE)).unwrap();
        drop(State::open(&d).unwrap());
        let c = Connection::open(d.join(STATE_FILE)).unwrap();
        c.pragma_update(None, "user_version", 2).unwrap();
        drop(c);
        let e = State::open(&d).err().unwrap();
        assert!(matches!(e, StateError::FutureVersion { found: 2, .. }), "{e}");

        std::fs::remove_file(d.join(STATE_FILE)).unwrap();
        let c = Connection::open(d.join(STATE_FILE)).unwrap();
        c.execute_batch("CREATE TABLE t (x)").unwrap();
        drop(c);
        assert!(
            matches!(State::open(&d), Err(StateError::Corrupt { .. })),
            "a stranger's database"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_second_follow_is_refused() {
        let d = dir("lock");
        let _first = State::open(&d).unwrap();
        assert!(matches!(State::open(&d), Err(StateError::Locked { .. })));
        std::fs::remove_dir_all(&d).unwrap();
    }
}

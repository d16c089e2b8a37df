//! `mwsiem follow`: a mirrored SFTP tree in, each record out once, across refreshes and crashes.
//!
//! A pass lists the tree (both layouts, in replay order) and, per file:
//! * unchanged since its checkpoint (same inode, size and time, nothing open): nothing to do;
//! * the same inode with the same bytes before the checkpoint ([`Prefix`]): it grew, framing
//!   continues at the checkpoint's [`ResumePoint`], exactly as a whole read would frame it;
//! * anything else (truncated, rewritten in place, replaced by a rename, back after being
//!   removed): read again from the start, skipping the records whose keys the file emitted
//!   before ([`Seen`]). Until a read passes the furthest offset the path was ever read to (its
//!   high-water mark), every record is checked so: a file truncated and then written again a
//!   piece at a time is its old records first.
//!
//! A record still being written at the end of a file stays open (its bytes are read again next
//! pass; the checkpoint stays at its start): a complete value without its newline leaves once
//! the file has been quiet for `settle` (at once with `--once`), an incomplete one only when the
//! file has not changed for `incomplete_after`, then as a replay would end it (a dead letter,
//! usually). A file that disappears loses its checkpoint, not its keys.
//!
//! Commits (every `commit_interval` or [`COMMIT_KEYS`] records, whichever comes first, and at
//! the end of each pass) come after the
//! outputs are flushed and fsynced, so a crash loses nothing; what it wrote after its last
//! commit is recovered from the output file ([`Sink::append`]) and not written again.

pub use super::commit::FollowError;
use super::commit::{Committer, Job};
use super::dedupe::{Key, Recovered, Seen, event_key, rejected_key, unix_now};
use super::identity::{FileStat, Prefix, StableReader, is_changed_under_read};
use super::output::{Sink, write_outcome};
use super::process::{Outcome, Process, run_batch};
use super::read::{Batch, Filled, FrameReader};
use super::sources::{Input, discover};
use super::state::{Commit, FileCheckpoint, OutputMark, State};
use super::summary::Summary;
use mwsiem::RecordMeta;
use mwsiem::frame::{Pending, ResumePoint};
use std::collections::{HashMap, HashSet};
use std::fs::File;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

/// Records per commit at most: what a commit holds in memory (their keys) stays the same
/// whatever the input's size or speed.
pub const COMMIT_KEYS: usize = 32 * 1024;

#[derive(Debug, Clone)]
pub struct Options {
    pub roots: Vec<PathBuf>,
    /// One catch-up pass, then exit.
    pub once: bool,
    /// Time between passes.
    pub poll: Duration,
    /// A complete last record without its newline leaves after the file is quiet this long.
    pub settle: Duration,
    /// An incomplete last record is ended after the file is unchanged this long.
    pub incomplete_after: Duration,
    /// How long the keys of emitted records are kept.
    pub window: Duration,
    pub commit_interval: Duration,
    pub batch_size: usize,
    pub max_record_bytes: usize,
    /// No per-pass summary on stderr.
    pub quiet: bool,
}

/// What a batched output adds to a commit.
#[derive(Default)]
pub struct BatchedCommit {
    /// Files to fsync before the state is written.
    pub sync: Vec<File>,
    /// Lengths to record.
    pub marks: Vec<OutputMark>,
    /// Marks (by role) to forget.
    pub forget: Vec<String>,
}

/// An output that gathers rows and writes them as objects (the Security Lake spool): appended
/// to with each record's events, committed with the other outputs, and written out after a
/// commit has made its rows durable.
pub trait BatchedOutput {
    /// The events of one record (event lines), before the events file sees them: a record read
    /// again after a crash is spooled again, as the spool is cut back to its last commit.
    fn push(&mut self, events: &[u8]) -> io::Result<()>;
    /// Whether the rows gathered should become objects at the next commit.
    fn roll_due(&self) -> bool;
    /// Flushes and, when `seal`, seals what gathered; gives the files to fsync, the marks to
    /// commit and the marks to forget.
    fn prepare_commit(&mut self, seal: bool) -> io::Result<BatchedCommit>;
    /// Whether sealed rows wait to be written as objects.
    fn has_pending(&self) -> bool;
    /// Whether written objects wait for a commit to forget their rows.
    fn has_written(&self) -> bool;
    /// After the commit that sealed them is on disk: writes the sealed rows as objects.
    fn write_sealed(&mut self) -> io::Result<()>;
    /// After the commit that forgot them is on disk: removes what is no longer needed.
    fn committed(&mut self);
}

/// What a file still has open, kept between passes so an unchanged file is not read again
/// until its open record can be decided.
#[derive(Debug, Clone, Copy)]
struct Open {
    pending: Pending,
    size: u64,
    mtime_ns: i64,
}

pub struct Follower<'a> {
    opts: Options,
    committer: Committer,
    events: Sink,
    dead: Option<Sink>,
    engine: &'a mut dyn Process,
    recovered: Recovered,
    /// The latest checkpoint of every file, committed or not.
    checkpoints: HashMap<String, FileCheckpoint>,
    open: HashMap<String, Open>,
    /// Since the last commit.
    dirty: HashMap<String, FileCheckpoint>,
    removed: HashSet<String>,
    keys: HashMap<String, Vec<Key>>,
    last_commit: Instant,
    /// Records emitted since the last commit.
    uncommitted: usize,
    /// Read errors already reported (a file that stays unreadable is said once; "" is the
    /// listing of the tree).
    reported: HashSet<String>,
    stop: &'a AtomicBool,
    batch: Batch,
    outcomes: Vec<Outcome>,
    batched: Option<&'a mut dyn BatchedOutput>,
}

impl<'a> Follower<'a> {
    pub fn new(
        opts: Options,
        state: State,
        events: Sink,
        dead: Option<Sink>,
        recovered: Recovered,
        engine: &'a mut dyn Process,
        stop: &'a AtomicBool,
    ) -> Result<Self, FollowError> {
        let checkpoints = state.files()?;
        Ok(Follower {
            opts,
            committer: Committer::new(state),
            events,
            dead,
            engine,
            recovered,
            checkpoints,
            open: HashMap::new(),
            dirty: HashMap::new(),
            removed: HashSet::new(),
            keys: HashMap::new(),
            last_commit: Instant::now(),
            uncommitted: 0,
            reported: HashSet::new(),
            stop,
            batch: Batch::default(),
            outcomes: Vec::new(),
            batched: None,
        })
    }

    /// Also feeds `output` (the Security Lake spool) and commits it with the others.
    pub fn with_batched(mut self, output: &'a mut dyn BatchedOutput) -> Self {
        self.batched = Some(output);
        self
    }

    /// Passes until stopped (or one with `once`); commits before returning.
    pub fn run(&mut self) -> Result<(), FollowError> {
        let mut n = 0;
        loop {
            n += 1;
            let summary = self.pass()?;
            self.commit()?;
            self.write_batched()?;
            if !self.opts.quiet && (self.opts.once || summary.records > 0 || summary.duplicates > 0) {
                eprintln!("{}", summary.pass_line(n));
            }
            if self.opts.once || self.stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            let until = Instant::now() + self.opts.poll;
            while Instant::now() < until {
                if self.stop.load(Ordering::Relaxed) {
                    return Ok(());
                }
                std::thread::sleep((until - Instant::now()).min(Duration::from_millis(100)));
            }
        }
    }

    fn pass(&mut self) -> Result<Summary, FollowError> {
        let started = Instant::now();
        let mut summary = Summary::default();
        let files = match discover(&self.opts.roots) {
            Ok(files) => files,
            Err(e) => {
                // A tree changing under the walk (a day directory replaced): try again next
                // pass, and never take a failed listing for removed files.
                if self.reported.insert(String::new()) {
                    eprintln!("mwsiem: cannot list the tree: {e}; trying again every pass");
                }
                return Ok(summary);
            }
        };
        self.reported.remove("");
        let listed: HashSet<String> = files
            .iter()
            .filter_map(|f| match f {
                Input::File(p) => Some(p.display().to_string()),
                Input::Stdin => None,
            })
            .collect();
        let gone: Vec<String> = self
            .checkpoints
            .keys()
            .filter(|p| !listed.contains(*p))
            .cloned()
            .collect();
        for path in gone {
            if !self.opts.quiet {
                eprintln!("mwsiem: {path} is gone; its records stay known for the dedupe window");
            }
            self.checkpoints.remove(&path);
            self.dirty.remove(&path);
            self.open.remove(&path);
            self.removed.insert(path);
        }
        for file in files {
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
            if let Input::File(path) = file {
                self.read_file(&path.display().to_string(), &mut summary)?;
            }
        }
        self.events
            .flush()
            .map_err(|source| FollowError::Output { role: "events", source })?;
        summary.elapsed = started.elapsed();
        Ok(summary)
    }

    fn read_file(&mut self, path: &str, summary: &mut Summary) -> Result<(), FollowError> {
        let file = match File::open(path) {
            Ok(f) => f,
            // Gone since the listing: the next pass sees it gone.
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
            Err(e) => {
                self.report(path, &e);
                return Ok(());
            }
        };
        match self.read_open_file(path, &file, summary) {
            Ok(()) => {
                self.reported.remove(path);
                Ok(())
            }
            Err(ReadFailure::Read(e)) => {
                self.report(path, &e);
                Ok(())
            }
            Err(ReadFailure::Fatal(e)) => Err(e),
        }
    }

    fn report(&mut self, path: &str, e: &io::Error) {
        if self.reported.insert(path.to_owned()) {
            eprintln!("mwsiem: cannot read {path}: {e}; trying again next pass");
        }
    }

    /// Where reading `path` starts, and the keys to skip; `None`: nothing to read.
    fn start_of(
        &mut self,
        path: &str,
        file: &File,
        stat: &FileStat,
    ) -> Result<Option<(ResumePoint, Option<Seen>)>, ReadFailure> {
        let Some(cp) = self.checkpoints.get(path) else {
            // New to this state; if it was here before (removed, then back), its keys still are.
            let seen = self.seen_of(path)?;
            return Ok(Some((ResumePoint::default(), (!seen.is_empty()).then_some(seen))));
        };
        let (at, high_water) = (cp.at, cp.high_water);
        let same_inode = cp.dev == stat.dev && cp.ino == stat.ino;
        if same_inode && stat.size == cp.size && stat.mtime_ns == cp.mtime_ns {
            if cp.at.offset >= stat.size {
                return Ok(None);
            }
            // Unchanged with an open record: read it again only when it may now be decided.
            if let Some(open) = self
                .open
                .get(path)
                .filter(|o| o.size == stat.size && o.mtime_ns == stat.mtime_ns)
            {
                let age = stat.age(SystemTime::now());
                let decidable = match open.pending {
                    Pending::Nothing => true,
                    Pending::Complete => self.opts.once || age >= self.opts.settle,
                    Pending::Incomplete => age >= self.opts.incomplete_after,
                };
                if !decidable {
                    return Ok(None);
                }
            }
        }
        if same_inode && stat.size >= at.offset && cp.prefix.matches(file, at.offset).map_err(ReadFailure::Read)? {
            let seen = if at.offset < high_water {
                Some(self.seen_of(path)?)
            } else {
                None
            };
            return Ok(Some((at, seen)));
        }
        // Rewritten, truncated or replaced: from the start, without what it emitted before.
        Ok(Some((ResumePoint::default(), Some(self.seen_of(path)?))))
    }

    fn read_open_file(&mut self, path: &str, file: &File, summary: &mut Summary) -> Result<(), ReadFailure> {
        let stat = FileStat::of(&file.metadata().map_err(ReadFailure::Read)?);
        let Some((start, seen)) = self.start_of(path, file, &stat)? else {
            if self.open.contains_key(path) {
                summary.pending += 1;
            }
            return Ok(());
        };
        let stable = StableReader::new(file, start.offset).map_err(ReadFailure::Read)?;
        let mut reader = FrameReader::resumed(stable, self.opts.max_record_bytes, start, false);
        summary.files += 1;
        // The file was rewritten while it was read: what was framed before is emitted, the rest
        // is read again from the start next pass.
        let mut changed = false;
        loop {
            self.batch.clear();
            let filled = match reader.next_batch(&mut self.batch, self.opts.batch_size) {
                Ok(filled) => filled,
                Err(e) if is_changed_under_read(&e) => {
                    changed = true;
                    Filled::End
                }
                Err(e) => return Err(ReadFailure::Read(e)),
            };
            self.emit(path, seen.as_ref(), summary)?;
            if filled == Filled::End {
                break;
            }
            if self.last_commit.elapsed() >= self.opts.commit_interval || self.uncommitted >= COMMIT_KEYS {
                let at = reader.resume_point();
                let stat = FileStat::of(&file.metadata().map_err(ReadFailure::Read)?);
                self.checkpoint_with(path, file, at, stat, reader.source_mut())
                    .map_err(ReadFailure::Read)?;
                self.commit()?;
            }
            if self.stop.load(Ordering::Relaxed) {
                break;
            }
        }
        let end = FileStat::of(&file.metadata().map_err(ReadFailure::Read)?);
        let age = end.age(SystemTime::now());
        let decide = match reader.pending() {
            _ if changed => false,
            Pending::Nothing => false,
            Pending::Complete => self.opts.once || age >= self.opts.settle,
            Pending::Incomplete => age >= self.opts.incomplete_after,
        };
        if decide && !self.stop.load(Ordering::Relaxed) {
            reader.finish();
            loop {
                self.batch.clear();
                let filled = reader
                    .next_batch(&mut self.batch, self.opts.batch_size)
                    .map_err(ReadFailure::Read)?;
                self.emit(path, seen.as_ref(), summary)?;
                if filled == Filled::End {
                    break;
                }
            }
        }
        summary.bytes += reader.bytes_read;
        match reader.pending() {
            Pending::Nothing => {
                self.open.remove(path);
            }
            pending => {
                summary.pending += 1;
                self.open.insert(
                    path.to_owned(),
                    Open {
                        pending,
                        size: end.size,
                        mtime_ns: end.mtime_ns,
                    },
                );
            }
        }
        let at = reader.resume_point();
        if changed {
            self.open.remove(path);
        }
        self.checkpoint_with(path, file, at, end, reader.source_mut())
            .map_err(ReadFailure::Read)
    }

    /// Records where `path`'s framing stands. The digests are taken from the file and then the
    /// bytes just read are checked to be still there: a file rewritten under the read gets
    /// digests no file matches, so it is read again from the start.
    fn checkpoint_with(
        &mut self,
        path: &str,
        file: &File,
        at: ResumePoint,
        stat: FileStat,
        stable: &mut StableReader<'_>,
    ) -> io::Result<()> {
        let mut prefix = Prefix::of(file, at.offset)?;
        match stable.verify() {
            Ok(()) => {}
            Err(e) if is_changed_under_read(&e) => prefix = Prefix::NEVER,
            Err(e) => return Err(e),
        }
        let high_water = self.checkpoints.get(path).map_or(0, |c| c.high_water).max(at.offset);
        let cp = FileCheckpoint {
            path: path.to_owned(),
            dev: stat.dev,
            ino: stat.ino,
            size: stat.size,
            mtime_ns: stat.mtime_ns,
            at,
            prefix,
            high_water,
        };
        if self.checkpoints.get(path) != Some(&cp) {
            self.dirty.insert(path.to_owned(), cp.clone());
            self.checkpoints.insert(path.to_owned(), cp);
        }
        Ok(())
    }

    /// The keys `path` emitted: committed, and since the last commit.
    fn seen_of(&mut self, path: &str) -> Result<Seen, ReadFailure> {
        // Keys handed to the commit worker are in neither place until it is done.
        self.committer.wait()?;
        let mut seen = self
            .committer
            .state()
            .keys_of(path)
            .map_err(|e| ReadFailure::Fatal(e.into()))?;
        if let Some(keys) = self.keys.get(path) {
            seen.extend(keys.iter().copied());
        }
        Ok(seen)
    }

    /// Runs the batch and writes what was not emitted before.
    fn emit(&mut self, path: &str, seen: Option<&Seen>, summary: &mut Summary) -> Result<(), ReadFailure> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let meta = RecordMeta {
            source: Some(path),
            timestamp_ms: None,
        };
        run_batch(
            &mut *self.engine,
            &self.batch,
            &meta,
            self.opts.max_record_bytes,
            &mut self.outcomes,
        );
        let keys = self.keys.entry(path.to_owned()).or_default();
        for (entry, outcome) in self.batch.entries().iter().zip(self.outcomes.drain(..)) {
            let record = self.batch.record(entry);
            let key = match &outcome {
                Outcome::Event { json, .. } => {
                    event_key(json).unwrap_or_else(|| rejected_key(entry.offset, record.bytes))
                }
                Outcome::Rejected { .. } => rejected_key(entry.offset, record.bytes),
            };
            if seen.is_some_and(|s| s.contains(&key)) {
                summary.records += 1;
                summary.duplicates += 1;
                continue;
            }
            if let (Some(b), Outcome::Event { json, .. }) = (self.batched.as_deref_mut(), &outcome) {
                b.push(json).map_err(|source| {
                    ReadFailure::Fatal(FollowError::Output {
                        role: "security lake",
                        source,
                    })
                })?;
            }
            let mut outcome = outcome;
            if !self.recovered.is_empty() {
                let events = match &outcome {
                    Outcome::Event { json, .. } => mwsiem::event_count(json),
                    Outcome::Rejected { .. } => 1,
                };
                let written = self.recovered.take_up_to(&key, events);
                if written == events {
                    // Written before the crash, after the last commit: in the output already.
                    summary.records += 1;
                    summary.duplicates += 1;
                    keys.push(key);
                    self.uncommitted += 1;
                    continue;
                }
                if let (Outcome::Event { json, .. }, 1..) = (&mut outcome, written) {
                    // The crash came between the events of one record: the rest are written.
                    let rest = json
                        .iter()
                        .enumerate()
                        .filter(|(_, b)| **b == b'\n')
                        .nth(written - 1)
                        .map_or(json.len(), |(at, _)| at + 1);
                    json.drain(..rest);
                }
            }
            write_outcome(
                &mut self.events,
                self.dead.as_mut(),
                path,
                &record,
                entry.oversized,
                outcome,
                summary,
                |line| eprintln!("{line}"),
            )
            .map_err(|(role, source)| ReadFailure::Fatal(FollowError::Output { role, source }))?;
            keys.push(key);
            self.uncommitted += 1;
        }
        Ok(())
    }

    /// Flushes the outputs and hands the commit to the worker, which fsyncs them and then
    /// records in one transaction how far every file was read and what it emitted.
    pub fn commit(&mut self) -> Result<(), FollowError> {
        self.commit_sealing(false)
    }

    /// A commit that, with `seal` (or when a roll is due), also seals the batched output's rows.
    fn commit_sealing(&mut self, seal: bool) -> Result<(), FollowError> {
        self.last_commit = Instant::now();
        self.uncommitted = 0;
        let batched_waits = self
            .batched
            .as_deref()
            .is_some_and(|b| b.has_written() || b.roll_due() || seal);
        if self.dirty.is_empty() && self.removed.is_empty() && self.keys.values().all(Vec::is_empty) && !batched_waits {
            return Ok(());
        }
        let mut sync = Vec::new();
        let mut outputs = Vec::new();
        let mut outputs_removed = Vec::new();
        if let Some(b) = self.batched.as_deref_mut() {
            let seal = seal || b.roll_due();
            let role = "security lake";
            let parts = b
                .prepare_commit(seal)
                .map_err(|source| FollowError::Output { role, source })?;
            sync.extend(parts.sync.into_iter().map(|f| (role, f)));
            outputs.extend(parts.marks);
            outputs_removed = parts.forget;
        }
        for (role, sink) in [("events", Some(&mut self.events)), ("dead letters", self.dead.as_mut())] {
            let Some(sink) = sink else { continue };
            sink.flush().map_err(|source| FollowError::Output { role, source })?;
            if let Some(handle) = sink.sync_handle() {
                sync.push((role, handle.map_err(|source| FollowError::Output { role, source })?));
            }
            outputs.extend(sink.mark());
        }
        let now = unix_now();
        let commit = Commit {
            recovered: self.recovered.take_changes(),
            files: self.dirty.drain().map(|(_, cp)| cp).collect(),
            removed: self.removed.drain().collect(),
            keys: self.keys.drain().filter(|(_, k)| !k.is_empty()).collect(),
            outputs,
            outputs_removed,
            now,
            window_secs: i64::try_from(self.opts.window.as_secs()).unwrap_or(i64::MAX),
        };
        self.committer.submit(Job { sync, commit })
    }

    /// Writes the batched output's sealed rows once the commit that sealed them is on disk, then
    /// commits that they are written. With `--once` everything gathered is sealed and written,
    /// and a failure ends the run; otherwise a failure is reported and tried again later (the
    /// rows stay spooled).
    fn write_batched(&mut self) -> Result<(), FollowError> {
        let Some(b) = self.batched.as_deref() else {
            return Ok(());
        };
        if self.opts.once {
            self.commit_sealing(true)?;
        } else if !b.has_pending() {
            return Ok(());
        }
        self.committer.wait()?;
        let role = "security lake";
        let b = self.batched.as_deref_mut().expect("checked above");
        if let Err(source) = b.write_sealed() {
            if self.opts.once {
                return Err(FollowError::Output { role, source });
            }
            eprintln!("mwsiem: {source}; the rows stay spooled and are written again later");
        }
        if b.has_written() {
            self.commit()?;
            self.committer.wait()?;
            if let Some(b) = self.batched.as_deref_mut() {
                b.committed();
            }
        }
        Ok(())
    }

    /// Commits what is left and waits until it is on disk.
    pub fn finish(&mut self) -> Result<(), FollowError> {
        self.commit()?;
        self.committer.wait()
    }
}

/// A file that cannot be read is retried next pass; anything else ends the run.
enum ReadFailure {
    Read(io::Error),
    Fatal(FollowError),
}

impl From<FollowError> for ReadFailure {
    fn from(e: FollowError) -> Self {
        ReadFailure::Fatal(e)
    }
}

//! Is this still the file we read, grown, or a different one?
//!
//! The vendor's refresh rewrites a day's file: in place (truncated and written again), or as a
//! new file renamed over the old one. A checkpoint keeps the file's device and inode, and
//! digests of the bytes just before and at the start of the checkpoint offset: the same inode
//! whose bytes there are unchanged has grown (read on from the checkpoint); anything else was
//! rewritten (read again from the start, the records already emitted skipped by their keys).
//!
//! A rewrite can also happen while a file is read: bytes read before it and after it would frame
//! into records neither version holds (an array's `]` followed by the elements written after it).
//! [`StableReader`] checks, after every read, that the bytes just before the new ones are still
//! those it read; when they are not, the read stops there and the file is read again from the
//! start next pass.

use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io;
use std::os::unix::fs::{FileExt, MetadataExt};
use std::time::{Duration, SystemTime};

/// Bytes digested at the start of a file, and before a checkpoint.
pub const PREFIX_WINDOW: u64 = 4096;

/// What `stat` says of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    /// Modification time, nanoseconds since the epoch.
    pub mtime_ns: i64,
}

impl FileStat {
    pub fn of(meta: &std::fs::Metadata) -> Self {
        FileStat {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.len(),
            mtime_ns: meta
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.mtime_nsec()),
        }
    }

    /// How long ago the file last changed (zero if its time is in the future).
    pub fn age(&self, now: SystemTime) -> Duration {
        let now_ns = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX));
        Duration::from_nanos(u64::try_from(now_ns.saturating_sub(self.mtime_ns)).unwrap_or(0))
    }
}

/// The file changed under a [`StableReader`].
#[derive(Debug, thiserror::Error)]
#[error("the file was rewritten while it was read")]
pub struct ChangedUnderRead;

pub fn is_changed_under_read(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<ChangedUnderRead>())
}

/// Reads a file from an offset, checking after each read that the last [`PREFIX_WINDOW`] bytes
/// it returned before are still in the file (see the module docs).
pub struct StableReader<'f> {
    file: &'f File,
    pos: u64,
    /// The bytes before `pos`, as read (at most `PREFIX_WINDOW`).
    window: Vec<u8>,
    scratch: Vec<u8>,
}

impl<'f> StableReader<'f> {
    /// A reader at `offset`, whose bytes before it were just checked (a checkpoint's prefix).
    pub fn new(file: &'f File, offset: u64) -> io::Result<Self> {
        let n = offset.min(PREFIX_WINDOW);
        let mut window = vec![0; n as usize];
        let got = read_full_at(file, &mut window, offset - n)?;
        window.truncate(got);
        Ok(StableReader {
            file,
            pos: offset,
            window,
            scratch: Vec::new(),
        })
    }

    /// Whether the bytes before the position are still the ones read.
    pub fn verify(&mut self) -> io::Result<()> {
        if self.window.is_empty() {
            return Ok(());
        }
        self.scratch.resize(self.window.len(), 0);
        let start = self.pos - self.window.len() as u64;
        let got = read_full_at(self.file, &mut self.scratch, start)?;
        if got == self.window.len() && self.scratch == self.window {
            Ok(())
        } else {
            Err(io::Error::other(ChangedUnderRead))
        }
    }
}

impl io::Read for StableReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = loop {
            match self.file.read_at(buf, self.pos) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        };
        // Checked after the read: if the bytes before are intact now, they were when it ran.
        self.verify()?;
        self.pos += n as u64;
        let keep = PREFIX_WINDOW as usize;
        if n >= keep {
            self.window.clear();
            self.window.extend_from_slice(&buf[n - keep..n]);
        } else {
            self.window.extend_from_slice(&buf[..n]);
            let excess = self.window.len().saturating_sub(keep);
            self.window.drain(..excess);
        }
        Ok(n)
    }
}

/// Up to `len` bytes at `start` (fewer only at the end of the file).
pub fn read_bytes_at(file: &File, start: u64, len: u64) -> io::Result<Vec<u8>> {
    let mut buf = vec![0; usize::try_from(len).unwrap_or(0)];
    let got = read_full_at(file, &mut buf, start)?;
    buf.truncate(got);
    Ok(buf)
}

fn read_full_at(file: &File, buf: &mut [u8], start: u64) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match file.read_at(&mut buf[got..], start + got as u64) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Digests of the bytes a checkpoint stands on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Prefix {
    /// Of bytes `0..min(offset, PREFIX_WINDOW)`.
    pub head: [u8; 32],
    /// Of bytes `offset - min(offset, PREFIX_WINDOW)..offset`.
    pub tail: [u8; 32],
}

impl Prefix {
    /// Digests no file has: the next pass reads the file again from its start.
    pub const NEVER: Prefix = Prefix {
        head: [0; 32],
        tail: [0; 32],
    };

    /// The digests of `file` for a checkpoint at `offset`.
    pub fn of(file: &File, offset: u64) -> io::Result<Self> {
        let n = offset.min(PREFIX_WINDOW);
        Ok(Prefix {
            head: digest(file, 0, n)?,
            tail: digest(file, offset - n, n)?,
        })
    }

    /// Whether `file` still has the same bytes before `offset`.
    pub fn matches(&self, file: &File, offset: u64) -> io::Result<bool> {
        Ok(*self != Prefix::NEVER && Prefix::of(file, offset)? == *self)
    }
}

/// SHA-256 of `len` bytes at `start`; a file shorter than that digests what it has, so it
/// cannot match a checkpoint taken when it was longer.
fn digest(file: &File, start: u64, len: u64) -> io::Result<[u8; 32]> {
    let bytes = read_bytes_at(file, start, len)?;
    let mut h = Sha256::new();
    h.update((bytes.len() as u64).to_le_bytes());
    h.update(&bytes);
    Ok(h.finalize().into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn an_append_keeps_the_prefix_a_rewrite_does_not() {
        let dir = crate::ingest::scratch_dir("identity");
        let path = dir.join("f.json");
        std::fs::write(&path, b"{\"a\":1}\n{\"b\":2}\n").unwrap();
        let p = Prefix::of(&File::open(&path).unwrap(), 16).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"c\":3}\n")
            .unwrap();
        assert!(p.matches(&File::open(&path).unwrap(), 16).unwrap());
        std::fs::write(&path, b"{\"a\":1}\n{\"b\":9}\n{\"c\":3}\n").unwrap();
        assert!(!p.matches(&File::open(&path).unwrap(), 16).unwrap());
        std::fs::write(&path, b"{\"a\":1}\n").unwrap();
        assert!(!p.matches(&File::open(&path).unwrap(), 16).unwrap());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_rewrite_during_a_read_stops_it() {
        use std::io::Read;
        let dir = crate::ingest::scratch_dir("stable");
        let path = dir.join("a.json");
        std::fs::write(&path, b"[\n  {\"a\":1}\n]\n").unwrap();
        let file = File::open(&path).unwrap();
        let mut r = StableReader::new(&file, 0).unwrap();
        let mut buf = [0; 64];
        assert_eq!(r.read(&mut buf).unwrap(), 14);
        // Rewritten in place with one more element: what follows the old end is not read.
        std::fs::write(&path, b"[\n  {\"a\":1},\n  {\"b\":2}\n]\n").unwrap();
        let e = r.read(&mut buf).unwrap_err();
        assert!(is_changed_under_read(&e), "{e}");
        // Appends are reads like any other.
        std::fs::write(&path, b"{\"a\":1}\n").unwrap();
        let file = File::open(&path).unwrap();
        let mut r = StableReader::new(&file, 8).unwrap();
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap()
            .write_all(b"{\"b\":2}\n")
            .unwrap();
        assert_eq!(r.read(&mut buf).unwrap(), 8);
        assert_eq!(r.read(&mut buf).unwrap(), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

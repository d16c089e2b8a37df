//! The spool: projected rows on disk until they become objects.
//!
//! Rows are appended to `spool-<generation>.rows`, one per line as `<class> <time> <json>`, so
//! that memory does not grow with the rows an object holds and `follow` can commit how much of
//! the spool is durable, as it commits its other outputs. A roll seals the spool at a committed
//! length and starts the next generation; a sealed spool's objects are derived from its bytes
//! alone, so writing them again after a crash gives the same objects under the same names.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

pub fn spool_path(dir: &Path, generation: u64) -> PathBuf {
    dir.join(format!("spool-{generation:010}.rows"))
}

/// The generation a spool file's name holds.
pub fn generation_of(path: &Path) -> Option<u64> {
    path.file_name()?
        .to_str()?
        .strip_prefix("spool-")?
        .strip_suffix(".rows")?
        .parse()
        .ok()
}

/// The open spool rows are appended to.
pub struct Spool {
    pub generation: u64,
    pub path: PathBuf,
    out: BufWriter<File>,
    /// Bytes in the file, including what is buffered.
    pub len: u64,
    pub dev: u64,
    pub ino: u64,
}

impl Spool {
    /// Opens generation `generation` in `dir`, keeping its first `keep` bytes (what the last
    /// commit counted; rows past it are read again and spooled again).
    pub fn open(dir: &Path, generation: u64, keep: u64) -> io::Result<Spool> {
        std::fs::create_dir_all(dir)?;
        let path = spool_path(dir, generation);
        let file = OpenOptions::new()
            .create(true)
            .read(true)
            .write(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)?;
        let meta = file.metadata()?;
        if meta.len() < keep {
            return Err(io::Error::other(format!(
                "{} holds {} bytes, the state counts {keep}: the spool was changed outside mwsiem",
                path.display(),
                meta.len()
            )));
        }
        file.set_len(keep)?;
        let mut out = BufWriter::with_capacity(1 << 16, file);
        out.get_mut().sync_data()?;
        use std::io::Seek as _;
        out.get_mut().seek(io::SeekFrom::Start(keep))?;
        Ok(Spool {
            generation,
            path,
            out,
            len: keep,
            dev: meta.dev(),
            ino: meta.ino(),
        })
    }

    pub fn append(&mut self, class: usize, time_ms: i64, row: &[u8]) -> io::Result<()> {
        let head = format!("{class} {time_ms} ");
        self.out.write_all(head.as_bytes())?;
        self.out.write_all(row)?;
        self.out.write_all(b"\n")?;
        self.len += (head.len() + row.len() + 1) as u64;
        Ok(())
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    /// Another handle, to fsync the spool from `follow`'s commit worker.
    pub fn sync_handle(&self) -> io::Result<File> {
        self.out.get_ref().try_clone()
    }
}

/// Where one row sits in a spool.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowAt {
    pub class: usize,
    pub time_ms: i64,
    /// The JSON, without the head or the newline.
    pub offset: u64,
    pub len: u32,
}

/// Every row of the first `len` bytes of a spool, in spool order.
pub fn index(path: &Path, len: u64) -> io::Result<Vec<RowAt>> {
    let file = File::open(path)?;
    let mut reader = BufReader::with_capacity(1 << 16, file.take(len));
    let mut rows = Vec::new();
    let mut line = Vec::new();
    let mut at = 0u64;
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line)?;
        if n == 0 {
            return Ok(rows);
        }
        let bad = || io::Error::other(format!("{}: a damaged row at byte {at}", path.display()));
        if line.last() != Some(&b'\n') {
            return Err(bad());
        }
        let mut parts = line.splitn(3, |&b| b == b' ');
        let (Some(class), Some(time), Some(json)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad());
        };
        let parse = |b: &[u8]| std::str::from_utf8(b).ok().and_then(|s| s.parse::<i64>().ok());
        let class = parse(class).and_then(|c| usize::try_from(c).ok()).ok_or_else(bad)?;
        let time_ms = parse(time).ok_or_else(bad)?;
        let head = (n - json.len()) as u64;
        rows.push(RowAt {
            class,
            time_ms,
            offset: at + head,
            len: u32::try_from(json.len() - 1).map_err(|_| bad())?,
        });
        at += n as u64;
    }
}

/// Reads one row's JSON.
pub fn read_row(file: &File, row: &RowAt, buf: &mut Vec<u8>) -> io::Result<()> {
    buf.resize(row.len as usize, 0);
    file.read_exact_at(buf, row.offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_indexed_and_an_uncommitted_tail_is_cut() {
        let dir = crate::ingest::scratch_dir("spool");
        let mut s = Spool::open(&dir, 3, 0).unwrap();
        s.append(0, 17, br#"{"a":1}"#).unwrap();
        s.append(4, -2, br#"{"b":"x y"}"#).unwrap();
        s.flush().unwrap();
        let committed = s.len;
        s.append(1, 5, br#"{"c":2}"#).unwrap();
        s.flush().unwrap();
        drop(s);
        assert_eq!(generation_of(&spool_path(&dir, 3)), Some(3));

        let s = Spool::open(&dir, 3, committed).unwrap();
        assert_eq!(s.len, committed);
        let rows = index(&s.path, s.len).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!((rows[1].class, rows[1].time_ms), (4, -2));
        let mut buf = Vec::new();
        read_row(&File::open(&s.path).unwrap(), &rows[1], &mut buf).unwrap();
        assert_eq!(buf, br#"{"b":"x y"}"#);
        assert!(
            Spool::open(&dir, 3, committed + 1).is_err(),
            "shorter than the state says"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

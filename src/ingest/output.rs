//! Where events and dead letters go: stdout, or files whose committed length is known.
//!
//! `follow` appends to its files and commits, after flushing and fsyncing them, how long they
//! were. A crash after a write and before its commit leaves lines past that length: on restart
//! they are kept (a reader tailing the file may have taken them already) and their keys
//! [`Recovered`], so the records read again after the checkpoint are not written twice; a torn
//! last line (the process died inside a write) is cut off. On stdout nothing can be taken back:
//! a crash there repeats at most what was written since the last commit.

use super::dead_letter::{dead_letter_line, read_dead_letter};
use super::dedupe::{Recovered, event_key, rejected_key};
use super::process::Outcome;
use super::state::OutputMark;
use super::summary::Summary;
use mwsiem::Record;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// How many rejects per run (or `follow` pass) are described on stderr when there is no
/// dead-letter file.
pub const STDERR_REJECT_LINES: u64 = 20;

/// Writes one record's outcome where it goes, and counts it: the event to `events`; a reject to
/// `dead` as a dead-letter line, or, without a dead-letter file, described (without its content)
/// through `describe` for the first [`STDERR_REJECT_LINES`]. An error names the output that failed.
// One call per record from both `replay` and `follow`: the record and where it goes, spelled out.
#[allow(clippy::too_many_arguments)]
pub fn write_outcome(
    events: &mut Sink,
    dead: Option<&mut Sink>,
    source: &str,
    record: &Record<'_>,
    oversized: Option<u64>,
    outcome: Outcome,
    summary: &mut Summary,
    describe: impl FnOnce(String),
) -> Result<(), (&'static str, io::Error)> {
    match outcome {
        Outcome::Event { kind, json } => {
            events.write_line(&json).map_err(|e| ("events", e))?;
            summary.events(kind, mwsiem::event_count(&json));
        }
        Outcome::Rejected { code, message } => {
            summary.dead_letter(code);
            match dead {
                Some(d) => d
                    .write_line(&dead_letter_line(source, record, oversized, code, &message))
                    .map_err(|e| ("dead letters", e))?,
                None if summary.dead_letters <= STDERR_REJECT_LINES => {
                    describe(format!("mwsiem: rejected {source}:{}: {message}", record.line));
                }
                None => {}
            }
        }
    }
    Ok(())
}

/// What an output file holds, for recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Events,
    DeadLetters,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::Events => "events",
            Role::DeadLetters => "dead_letters",
        }
    }
}

/// What opening an output for `follow` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// No commit named this file: it is new to the state.
    New,
    /// Exactly the committed length.
    Clean,
    /// Lines past the committed length were kept and their keys recovered; a torn last line of
    /// `torn` bytes was cut.
    Recovered { lines: usize, torn: u64 },
    /// The file is not the committed one (replaced, or shorter: rotated or truncated).
    Replaced,
}

struct FileOut {
    path: PathBuf,
    dev: u64,
    ino: u64,
    out: BufWriter<File>,
    /// Bytes in the file, including what is still buffered.
    length: u64,
}

/// One output: stdout or a file.
pub struct Sink {
    role: Role,
    file: Option<FileOut>,
    stdout: Option<BufWriter<io::Stdout>>,
}

fn open_options(private: bool, append: bool) -> OpenOptions {
    let mut o = OpenOptions::new();
    o.create(true);
    if append {
        o.read(true).append(true);
    } else {
        o.write(true).truncate(true);
    }
    if private {
        o.mode(0o600);
    }
    o
}

fn file_out(path: &Path, file: File, private: bool) -> io::Result<FileOut> {
    if private {
        // An existing file keeps its old mode on open: tighten it.
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    let meta = file.metadata()?;
    Ok(FileOut {
        path: path.to_owned(),
        dev: meta.dev(),
        ino: meta.ino(),
        length: meta.len(),
        out: BufWriter::with_capacity(1 << 16, file),
    })
}

impl Sink {
    pub fn stdout(role: Role) -> Sink {
        Sink {
            role,
            file: None,
            stdout: Some(BufWriter::with_capacity(1 << 16, io::stdout())),
        }
    }

    /// A new file (truncated), for `replay`; dead letters are private (0600).
    pub fn create(role: Role, path: &Path) -> io::Result<Sink> {
        let private = role == Role::DeadLetters;
        let file = open_options(private, false).open(path)?;
        Ok(Sink {
            role,
            file: Some(file_out(path, file, private)?),
            stdout: None,
        })
    }

    /// A file `follow` appends to, recovering what was written past `mark` (the last commit).
    pub fn append(
        role: Role,
        path: &Path,
        mark: Option<&OutputMark>,
        recovered: &mut Recovered,
    ) -> io::Result<(Sink, Recovery)> {
        let private = role == Role::DeadLetters;
        let mut file = open_options(private, true).open(path)?;
        let meta = file.metadata()?;
        let recovery = match mark {
            None => Recovery::New,
            Some(m) if m.dev != meta.dev() || m.ino != meta.ino() || meta.len() < m.length => Recovery::Replaced,
            Some(m) if meta.len() == m.length => Recovery::Clean,
            Some(m) => {
                let mut tail = Vec::new();
                file.seek(SeekFrom::Start(m.length))?;
                (&file).take(meta.len() - m.length).read_to_end(&mut tail)?;
                let complete = tail.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
                let torn = (tail.len() - complete) as u64;
                if torn > 0 {
                    file.set_len(m.length + complete as u64)?;
                }
                let mut lines = 0;
                for line in tail[..complete].split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
                    lines += 1;
                    let key = match role {
                        Role::Events => event_key(line),
                        Role::DeadLetters => read_dead_letter(line).map(|(offset, bytes)| rejected_key(offset, &bytes)),
                    };
                    if let Some(k) = key {
                        recovered.add(k);
                    }
                }
                Recovery::Recovered { lines, torn }
            }
        };
        Ok((
            Sink {
                role,
                file: Some(file_out(path, file, private)?),
                stdout: None,
            },
            recovery,
        ))
    }

    /// One line: `bytes` and a newline.
    pub fn write_line(&mut self, bytes: &[u8]) -> io::Result<()> {
        match (&mut self.file, &mut self.stdout) {
            (Some(f), _) => {
                f.out.write_all(bytes)?;
                f.out.write_all(b"\n")?;
                f.length += bytes.len() as u64 + 1;
                Ok(())
            }
            (None, Some(s)) => {
                s.write_all(bytes)?;
                s.write_all(b"\n")
            }
            (None, None) => Ok(()),
        }
    }

    /// Hands what is buffered to the file or pipe.
    pub fn flush(&mut self) -> io::Result<()> {
        match (&mut self.file, &mut self.stdout) {
            (Some(f), _) => f.out.flush(),
            (None, Some(s)) => s.flush(),
            (None, None) => Ok(()),
        }
    }

    /// Another handle on the file, to fsync it from the commit worker (`None` for stdout).
    pub fn sync_handle(&self) -> Option<io::Result<File>> {
        self.file.as_ref().map(|f| f.out.get_ref().try_clone())
    }

    /// The length to commit (files only; call after [`Sink::flush`], and fsync before the
    /// commit).
    pub fn mark(&self) -> Option<OutputMark> {
        self.file.as_ref().map(|f| OutputMark {
            role: self.role.name().to_owned(),
            path: f.path.display().to_string(),
            dev: f.dev,
            ino: f.ino,
            length: f.length,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_past_the_commit_are_recovered_and_a_torn_one_cut() {
        let dir = crate::ingest::scratch_dir("output");
        let path = dir.join("events.ndjson");
        let ev = |id: &str| {
            format!(
                r#"{{"class_uid":1,"metadata":{{"version":"1.8.0","original_event_uid":"{id}","log_version":"2"}}}}"#
            )
        };
        let mut r = Recovered::default();
        let (mut sink, how) = Sink::append(Role::Events, &path, None, &mut r).unwrap();
        assert_eq!(how, Recovery::New);
        sink.write_line(ev("a").as_bytes()).unwrap();
        sink.flush().unwrap();
        let mark = sink.mark().unwrap();
        sink.write_line(ev("b").as_bytes()).unwrap();
        sink.write_line(ev("c").as_bytes()).unwrap();
        sink.flush().unwrap();
        drop(sink);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"class_uid\":1,\"meta").unwrap();

        let (_sink, how) = Sink::append(Role::Events, &path, Some(&mark), &mut r).unwrap();
        assert_eq!(how, Recovery::Recovered { lines: 2, torn: 20 });
        assert_eq!(r.len(), 2);
        assert!(r.take(&event_key(ev("b").as_bytes()).unwrap()));
        assert!(!r.take(&event_key(ev("a").as_bytes()).unwrap()));
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text, format!("{}\n{}\n{}\n", ev("a"), ev("b"), ev("c")));

        // A rotated file is not the committed one: nothing is recovered from it.
        std::fs::remove_file(&path).unwrap();
        let (_sink, how) = Sink::append(Role::Events, &path, Some(&mark), &mut Recovered::default()).unwrap();
        assert_eq!(how, Recovery::Replaced);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}

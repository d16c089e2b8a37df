//! What Vector's `file` source hands to the first remap, modelled on its source code (Vector
//! 0.57/0.58: `lib/file-source-common/src/buffer.rs`, `src/line_agg.rs`, `src/sources/file.rs`):
//!
//! - lines end at `\n`, which is removed; a `\r` before it stays; blank lines are events too; a
//!   last line without its `\n` is not read until the newline arrives;
//! - multiline `halt_with`: a line matching `start_pattern` opens a group, which takes every
//!   following line up to and including the first that matches `condition_pattern` (the first
//!   line is not tested against it); lines outside a group pass alone; a group is flushed as it
//!   is when no line arrives for `timeout_ms`; the lines of a group are joined with `\n`;
//! - `offset_key` is the byte offset of the event's first line.
//!
//! The patterns are read from the shipped vector.yaml, so the test runs what users run.
#![allow(dead_code)]

use regex::bytes::Regex;

/// One event of the file source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEvent {
    pub message: Vec<u8>,
    pub offset: u64,
}

/// The `multiline` settings of the file source.
pub struct FileSource {
    start: Regex,
    condition: Regex,
}

impl FileSource {
    /// The settings of `transforms/vector/vector.yaml`.
    pub fn shipped() -> Self {
        let yaml = std::fs::read_to_string(super::repo().join("transforms/vector/vector.yaml")).unwrap();
        let pattern = |key: &str| -> Regex {
            let line = yaml
                .lines()
                .find(|l| l.trim_start().starts_with(&format!("{key}: '")))
                .unwrap_or_else(|| panic!("vector.yaml sets multiline.{key}"));
            let p = line.split_once(": '").unwrap().1.strip_suffix('\'').unwrap();
            Regex::new(p).unwrap()
        };
        assert!(yaml.contains("mode: halt_with"), "the model is of halt_with");
        FileSource {
            start: pattern("start_pattern"),
            condition: pattern("condition_pattern"),
        }
    }

    /// The events for a whole file read at once. `pauses` are line numbers (0-based) after which
    /// the writer stalled for longer than `timeout_ms`: an open group is flushed there.
    pub fn events(&self, file: &[u8], pauses: &[usize]) -> Vec<FileEvent> {
        let mut out = Vec::new();
        let mut group: Option<(Vec<u8>, u64)> = None;
        let mut offset = 0u64;
        let mut rest = file;
        let mut n = 0usize;
        while let Some(end) = rest.iter().position(|&b| b == b'\n') {
            let line = &rest[..end];
            let start = offset;
            offset += end as u64 + 1;
            rest = &rest[end + 1..];
            match group.as_mut() {
                Some((buf, _)) => {
                    buf.push(b'\n');
                    buf.extend_from_slice(line);
                    if self.condition.is_match(line) {
                        let (message, offset) = group.take().unwrap();
                        out.push(FileEvent { message, offset });
                    }
                }
                None if self.start.is_match(line) => group = Some((line.to_vec(), start)),
                None => out.push(FileEvent {
                    message: line.to_vec(),
                    offset: start,
                }),
            }
            if pauses.contains(&n)
                && let Some((message, offset)) = group.take()
            {
                out.push(FileEvent { message, offset });
            }
            n += 1;
        }
        // At the end of the file an open group waits for its timeout, then leaves as it is; a
        // last line without `\n` is never read (it is not in `out`).
        if let Some((message, offset)) = group {
            out.push(FileEvent { message, offset });
        }
        out
    }
}

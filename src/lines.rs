//! Records from lines handed over one at a time, from many files at once: what a forwarder that
//! must not parse the export itself (Fluent Bit's `tail` without a parser) delivers.
//!
//! Each source (file path) has its own [`StreamFramer`], so a pretty-printed object or an array
//! element spread over many lines becomes one record when its last line arrives, whatever other
//! files interleave. A forwarder's filter gives one output per line it hands over, while a line
//! may end no record (inside a record, blank), one, or several (a broken record and the next, a
//! JSON array on one line): framed records wait in a queue, and the adapter says how many still
//! wait so the forwarder can come back for them. Everything is bounded: the open record of a
//! source by `max_record_bytes` (longer ones are kept as their head and size), the number of
//! open sources (the least recently fed is finished when a new one comes), and the queue by the
//! line that filled it (the forwarder's own line limit).

use crate::frame::{Frame, StreamFramer};
use std::collections::VecDeque;

/// How many sources are framed at once.
pub const MAX_SOURCES: usize = 256;

/// A framed record waiting to leave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineRecord {
    /// The source it came from (a file path).
    pub source: String,
    /// The record's bytes, or its first bytes when it was over the limit.
    pub bytes: Vec<u8>,
    /// `Some(size)` when the record was over the limit and only its head is in `bytes`.
    pub oversized: Option<u64>,
    /// 1-based line and byte offset of its first byte in the source.
    pub line: u64,
    pub offset: u64,
}

struct Source {
    name: String,
    framer: StreamFramer,
    last_fed: u64,
}

/// Per-source framing of forwarded lines; see the module docs.
pub struct LineFramer {
    sources: Vec<Source>,
    queue: VecDeque<LineRecord>,
    max_record_bytes: usize,
    tick: u64,
    /// Lines that ended no record (blank, or inside one): the forwarder's dropped records.
    absorbed: u64,
}

impl LineFramer {
    pub fn new(max_record_bytes: usize) -> Self {
        LineFramer {
            sources: Vec::new(),
            queue: VecDeque::new(),
            max_record_bytes,
            tick: 0,
            absorbed: 0,
        }
    }

    /// One line of `source`, without its newline (a `\r` may stay). Framed records join the
    /// queue.
    pub fn push_line(&mut self, source: &str, line: &[u8]) {
        self.tick += 1;
        let i = match self.sources.iter().position(|s| s.name == source) {
            Some(i) => i,
            None => {
                if self.sources.len() >= MAX_SOURCES {
                    self.evict_oldest();
                }
                self.sources.push(Source {
                    name: source.to_owned(),
                    framer: StreamFramer::new(self.max_record_bytes),
                    last_fed: 0,
                });
                self.sources.len() - 1
            }
        };
        let before = self.queue.len();
        let src = &mut self.sources[i];
        src.last_fed = self.tick;
        src.framer.push(line);
        src.framer.push(b"\n");
        drain(&mut src.framer, &src.name, &mut self.queue);
        if self.queue.len() == before {
            self.absorbed += 1;
        }
    }

    /// Finishes `source` (its file ended or went away): a record left open is framed as at the
    /// end of a file, and the source is forgotten.
    pub fn finish_source(&mut self, source: &str) {
        if let Some(i) = self.sources.iter().position(|s| s.name == source) {
            self.finish_at(i);
        }
    }

    fn finish_at(&mut self, i: usize) {
        let mut src = self.sources.swap_remove(i);
        src.framer.finish();
        drain(&mut src.framer, &src.name, &mut self.queue);
    }

    fn evict_oldest(&mut self) {
        if let Some((i, _)) = self.sources.iter().enumerate().min_by_key(|(_, s)| s.last_fed) {
            self.finish_at(i);
        }
    }

    /// The next record to leave.
    pub fn pop(&mut self) -> Option<LineRecord> {
        self.queue.pop_front()
    }

    /// Records waiting to leave.
    pub fn queued(&self) -> usize {
        self.queue.len()
    }

    /// Lines that ended no record so far.
    pub fn absorbed_lines(&self) -> u64 {
        self.absorbed
    }

    /// Sources with an open record.
    pub fn open_sources(&self) -> usize {
        self.sources.iter().filter(|s| s.framer.in_record()).count()
    }
}

fn drain(framer: &mut StreamFramer, name: &str, queue: &mut VecDeque<LineRecord>) {
    while let Some(frame) = framer.next_frame() {
        queue.push_back(match frame {
            Frame::Record(r) => LineRecord {
                source: name.to_owned(),
                bytes: r.bytes.to_vec(),
                oversized: None,
                line: r.line,
                offset: r.offset,
            },
            Frame::Oversized {
                head,
                size,
                line,
                offset,
            } => LineRecord {
                source: name.to_owned(),
                bytes: head.to_vec(),
                oversized: Some(size),
                line,
                offset,
            },
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(f: &mut LineFramer) -> Vec<String> {
        std::iter::from_fn(|| f.pop())
            .map(|r| format!("{}:{} {}", r.source, r.line, String::from_utf8_lossy(&r.bytes)))
            .collect()
    }

    #[test]
    fn interleaved_files_frame_separately() {
        let mut f = LineFramer::new(1 << 20);
        for (src, line) in [
            ("a", "{"),
            ("b", "{\"x\":1}"),
            ("a", "  \"k\": 1"),
            ("b", ""),
            ("a", "}"),
            ("b", "[1]"),
        ] {
            f.push_line(src, line.as_bytes());
        }
        assert_eq!(texts(&mut f), ["b:1 {\"x\":1}", "a:1 {\n  \"k\": 1\n}", "b:3 [1]"]);
        assert_eq!(f.absorbed_lines(), 3);
        // A record left open when its file ends is framed as it is.
        f.push_line("a", b"{\"cut\": ");
        f.finish_source("a");
        assert_eq!(texts(&mut f), ["a:4 {\"cut\":"]);
    }

    #[test]
    fn a_line_can_end_two_records() {
        let mut f = LineFramer::new(1 << 20);
        f.push_line("a", b"{\"a\": 1,");
        f.push_line("a", b"{\"b\": 2}");
        f.push_line("a", b"");
        assert_eq!(texts(&mut f), ["a:1 {\"a\": 1,", "a:2 {\"b\": 2}"]);
    }

    #[test]
    fn sources_are_bounded() {
        let mut f = LineFramer::new(1 << 20);
        for i in 0..(MAX_SOURCES + 10) {
            f.push_line(&format!("file{i}"), b"{\"open\": ");
        }
        assert_eq!(f.open_sources(), MAX_SOURCES);
        // The ten oldest were finished: their open records left as they were.
        assert_eq!(f.queued(), 10);
        assert_eq!(f.pop().unwrap().source, "file0");
    }
}

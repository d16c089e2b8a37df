//! Reading an input as a stream of framed records: a file, a growing file, stdin, a pipe.
//!
//! [`FrameReader`] reads a chunk at a time into the core's [`StreamFramer`] and copies the
//! records it decides into a [`Batch`], so the memory a run holds is the chunk, the open record
//! (at most `limits.max_record_bytes`, longer ones are kept as their head) and one batch, whatever
//! the size of the input.

use mwsiem::Record;
use mwsiem::frame::{Frame, Pending, ResumePoint, StreamFramer};
use std::io::{self, Read};
use std::ops::Range;

/// Bytes asked of the source per read.
pub const CHUNK: usize = 64 * 1024;

/// One framed record of a batch.
#[derive(Debug, Clone)]
pub struct Entry {
    bytes: Range<usize>,
    pub line: u64,
    pub offset: u64,
    /// `Some(size)`: the record was over the limit and only its head was kept.
    pub oversized: Option<u64>,
}

/// Framed records, owned, in input order.
#[derive(Debug, Default)]
pub struct Batch {
    arena: Vec<u8>,
    entries: Vec<Entry>,
}

impl Batch {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn clear(&mut self) {
        self.arena.clear();
        self.entries.clear();
    }

    pub fn push(&mut self, frame: Frame<'_>) {
        let (bytes, line, offset, oversized) = match frame {
            Frame::Record(r) => (r.bytes, r.line, r.offset, None),
            Frame::Oversized {
                head,
                size,
                line,
                offset,
            } => (head, line, offset, Some(size)),
        };
        let start = self.arena.len();
        self.arena.extend_from_slice(bytes);
        self.entries.push(Entry {
            bytes: start..self.arena.len(),
            line,
            offset,
            oversized,
        });
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The record of an entry (for an oversized one: its head).
    pub fn record(&self, entry: &Entry) -> Record<'_> {
        Record {
            bytes: &self.arena[entry.bytes.clone()],
            line: entry.line,
            offset: entry.offset,
        }
    }
}

/// Why [`FrameReader::next_batch`] returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filled {
    /// The batch holds its maximum; more records may be decided already.
    Full,
    /// The source had no more bytes ready (a pipe between writes): hand on what there is.
    Waiting,
    /// The source ended (and, if asked, the framer finished).
    End,
}

/// Frames a [`Read`] chunk by chunk.
pub struct FrameReader<R> {
    source: R,
    framer: StreamFramer,
    chunk: Vec<u8>,
    /// The source returned 0 bytes.
    at_end: bool,
    /// At the source's end, frame what is left as the end of the input.
    finish_at_end: bool,
    finished: bool,
    /// Bytes read from the source.
    pub bytes_read: u64,
}

impl<R: Read> FrameReader<R> {
    /// A reader of a whole input: at its end, what is left is framed as [`mwsiem::Framer`] would.
    pub fn new(source: R, max_record_bytes: usize) -> Self {
        Self::resumed(source, max_record_bytes, ResumePoint::default(), true)
    }

    /// A reader of bytes from `at` on (the source is positioned there). With `finish_at_end`
    /// false, a record open at the source's end stays open: see [`FrameReader::pending`].
    pub fn resumed(source: R, max_record_bytes: usize, at: ResumePoint, finish_at_end: bool) -> Self {
        FrameReader {
            source,
            framer: StreamFramer::resume(max_record_bytes, at),
            chunk: vec![0; CHUNK],
            at_end: false,
            finish_at_end,
            finished: false,
            bytes_read: 0,
        }
    }

    /// Reads until `batch` has `max` records, the source has nothing ready, or it ends.
    pub fn next_batch(&mut self, batch: &mut Batch, max: usize) -> io::Result<Filled> {
        loop {
            while batch.len() < max {
                match self.framer.next_frame() {
                    Some(frame) => batch.push(frame),
                    None => break,
                }
            }
            if batch.len() >= max {
                return Ok(Filled::Full);
            }
            if self.at_end {
                if self.finish_at_end && !self.finished {
                    self.finish();
                    continue;
                }
                return Ok(Filled::End);
            }
            let n = loop {
                match self.source.read(&mut self.chunk) {
                    Ok(n) => break n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => return Err(e),
                }
            };
            if n == 0 {
                self.at_end = true;
                continue;
            }
            self.bytes_read += n as u64;
            self.framer.push(&self.chunk[..n]);
            if n < self.chunk.len() {
                // The source had no more ready: what this read decided leaves before the next
                // read blocks.
                while batch.len() < max {
                    match self.framer.next_frame() {
                        Some(frame) => batch.push(frame),
                        None => break,
                    }
                }
                if !batch.is_empty() {
                    return Ok(if batch.len() >= max {
                        Filled::Full
                    } else {
                        Filled::Waiting
                    });
                }
            }
        }
    }

    /// No more bytes will come: what is open is framed as at the end of an input.
    pub fn finish(&mut self) {
        if !self.finished {
            self.framer.finish();
            self.finished = true;
            self.at_end = true;
        }
    }

    /// The source being read.
    pub fn source_mut(&mut self) -> &mut R {
        &mut self.source
    }

    /// What is open at the end of the bytes read so far.
    pub fn pending(&self) -> Pending {
        self.framer.pending()
    }

    /// Where a later reader continues (see [`ResumePoint`]).
    pub fn resume_point(&self) -> ResumePoint {
        self.framer.resume_point()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mwsiem::Framer;

    /// A source that hands out its bytes a few at a time, as a pipe does.
    struct Trickle<'a>(&'a [u8], usize);

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.0.len().min(self.1).min(buf.len());
            buf[..n].copy_from_slice(&self.0[..n]);
            self.0 = &self.0[n..];
            Ok(n)
        }
    }

    fn read_all<R: Read>(mut r: FrameReader<R>, max: usize) -> Vec<(Vec<u8>, u64, u64)> {
        let mut out = Vec::new();
        let mut batch = Batch::default();
        loop {
            batch.clear();
            let filled = r.next_batch(&mut batch, max).unwrap();
            assert!(batch.len() <= max);
            for e in batch.entries() {
                let rec = batch.record(e);
                out.push((rec.bytes.to_vec(), rec.line, rec.offset));
            }
            if filled == Filled::End {
                return out;
            }
        }
    }

    #[test]
    fn streamed_records_equal_the_whole_input_framing() {
        let input = b"\xEF\xBB\xBF{\"a\":1}\r\n\r\n{\n  \"b\": [1,\n 2]\n}\n[1]\n{\"c\":\"x\"}";
        let want: Vec<_> = Framer::new(input)
            .map(|r| (r.bytes.to_vec(), r.line, r.offset))
            .collect();
        for step in [1, 2, 5, 64, CHUNK] {
            for max in [1, 2, 100] {
                let got = read_all(FrameReader::new(Trickle(input, step), 1 << 20), max);
                assert_eq!(got, want, "step {step} max {max}");
            }
        }
    }

    #[test]
    fn a_short_read_hands_on_what_it_completed() {
        // Three records ready, then the source has nothing: they leave without waiting for more.
        let mut r = FrameReader::new(Trickle(b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n", 24), 1 << 20);
        let mut batch = Batch::default();
        assert_eq!(r.next_batch(&mut batch, 100).unwrap(), Filled::Waiting);
        assert_eq!(batch.len(), 3);
    }

    #[test]
    fn an_open_record_stays_open_without_finish() {
        let input = b"{\"a\":1}\n{\"b\":";
        let mut r = FrameReader::resumed(&input[..], 1 << 20, ResumePoint::default(), false);
        let mut batch = Batch::default();
        while r.next_batch(&mut batch, 100).unwrap() != Filled::End {}
        assert_eq!(batch.len(), 1);
        assert_eq!(r.pending(), Pending::Incomplete);
        assert_eq!(r.resume_point().offset, 8);
    }
}

//! Framing bytes as they arrive: a file being written, stdin, the lines a forwarder hands over.
//!
//! [`StreamFramer`] keeps only what it has not framed yet: the record being framed and the bytes
//! after it. A record is handed out as soon as its end is decided, which may need the first
//! character of the following line (see [`super`]); [`StreamFramer::finish`] says no more bytes
//! come, and decides the rest the way [`super::Framer`] does at the end of an input. A record
//! longer than the limit is not kept: its first [`OVERSIZED_HEAD`] bytes are, with its size, so
//! memory stays bounded by the limit whatever the input.

pub use super::scan::{Pending, ScanState};
use super::scan::{Scanner, Step};
use super::{LineStarts, Record, count_newlines, trim_end};

/// How much of an oversized record is kept, to say what it was.
pub const OVERSIZED_HEAD: usize = 16 * 1024;

/// What a [`StreamFramer`] hands out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame<'a> {
    /// A complete record.
    Record(Record<'a>),
    /// A record longer than the limit, whose bytes were dropped as they came: its first bytes,
    /// its size, and where it started.
    Oversized {
        head: &'a [u8],
        size: u64,
        line: u64,
        offset: u64,
    },
}

#[derive(Debug, Clone)]
struct Oversized {
    head: Vec<u8>,
    offset: u64,
    line: u64,
    column: u64,
    state: ScanState,
}

/// Where framing of an input can stop and later continue, as if it had never stopped: the
/// position of the first record not handed out yet (or of the whitespace before it), with what
/// the framer must know of the bytes before it. A checkpoint for readers that restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ResumePoint {
    /// Byte offset in the input.
    pub offset: u64,
    /// 1-based line and 0-based column of that offset.
    pub line: u64,
    pub column: u64,
    pub state: ScanState,
}

/// Frames an input that arrives in pieces; see the module docs.
#[derive(Debug, Clone)]
pub struct StreamFramer {
    buf: Vec<u8>,
    scanner: Scanner,
    columns: LineStarts,
    eof: bool,
    limit: usize,
    /// The input offset and column of `buf[0]`.
    base: u64,
    base_column: usize,
    /// Newlines of `buf[..counted]` are in `line`: the line of `buf[counted]`.
    line: u64,
    counted: usize,
    oversized: Option<Oversized>,
    /// The oversized record was handed out: forget it at the next call.
    oversized_out: bool,
}

impl StreamFramer {
    /// A framer that keeps records of up to `max_record_bytes` (longer ones leave as
    /// [`Frame::Oversized`]).
    pub fn new(max_record_bytes: usize) -> Self {
        StreamFramer {
            buf: Vec::new(),
            scanner: Scanner::new(),
            columns: LineStarts::default(),
            eof: false,
            limit: max_record_bytes.max(1),
            base: 0,
            base_column: 0,
            line: 1,
            counted: 0,
            oversized: None,
            oversized_out: false,
        }
    }

    /// A framer for the input from `at` on (the caller feeds the bytes from `at.offset`): it
    /// frames them exactly as a framer that had read the whole input would.
    pub fn resume(max_record_bytes: usize, at: ResumePoint) -> Self {
        if at.offset == 0 {
            return Self::new(max_record_bytes);
        }
        let mut f = Self::new(max_record_bytes);
        f.scanner = Scanner::resumed(at.state);
        f.base = at.offset;
        f.base_column = usize::try_from(at.column).unwrap_or(usize::MAX);
        f.line = at.line.max(1);
        f
    }

    /// Where a framer resumed later would continue: see [`ResumePoint`].
    pub fn resume_point(&self) -> ResumePoint {
        if let Some(o) = &self.oversized {
            return ResumePoint {
                offset: o.offset,
                line: o.line,
                column: o.column,
                state: o.state,
            };
        }
        let p = self.scanner.keep_from().min(self.buf.len());
        let newlines = count_newlines(&self.buf[self.counted.min(p)..p]);
        ResumePoint {
            offset: self.base + p as u64,
            line: self.line + newlines,
            column: self.column_at(p) as u64,
            state: self.scanner.state(),
        }
    }

    /// What is open at the end of the bytes pushed so far.
    pub fn pending(&self) -> Pending {
        if self.oversized.is_some() && !self.oversized_out {
            return Pending::Incomplete;
        }
        self.scanner.pending(self.buf.len())
    }

    /// More input. Call [`StreamFramer::next_frame`] until it returns `None` after each push.
    pub fn push(&mut self, bytes: &[u8]) {
        debug_assert!(!self.eof, "push after finish");
        self.compact(self.scanner.keep_from());
        self.buf.extend_from_slice(bytes);
    }

    /// No more input: what is left is framed as at the end of a file.
    pub fn finish(&mut self) {
        self.eof = true;
    }

    /// The next record whose end is decided, or `None` until more input (or the end) comes.
    pub fn next_frame(&mut self) -> Option<Frame<'_>> {
        if self.oversized_out {
            self.oversized = None;
            self.oversized_out = false;
        }
        let (buf, columns, base_column) = (&self.buf, &mut self.columns, self.base_column);
        match self
            .scanner
            .step(buf, self.eof, |p| columns.column(buf, p, base_column))
        {
            Step::End => None,
            Step::NeedMore => {
                let start = self.scanner.record_start()?;
                if self.buf.len() - start > self.limit {
                    // Over the limit: keep its head once, then drop what was scanned.
                    if self.oversized.is_none() {
                        let line = self.line_at(start);
                        let head = self.buf[start..].iter().take(OVERSIZED_HEAD).copied().collect();
                        self.oversized = Some(Oversized {
                            head,
                            offset: self.base + start as u64,
                            line,
                            column: self.column_at(start) as u64,
                            state: self.scanner.state(),
                        });
                    }
                    self.compact(self.scanner.scanned_to());
                }
                None
            }
            Step::Record { start, end } => {
                let line = self.line_at(start);
                let end_offset = self.base + end as u64;
                if let Some(o) = &self.oversized {
                    self.oversized_out = true;
                    return Some(Frame::Oversized {
                        head: &o.head,
                        size: end_offset - o.offset,
                        line: o.line,
                        offset: o.offset,
                    });
                }
                Some(Frame::Record(Record {
                    bytes: trim_end(&self.buf[start..end]),
                    line,
                    offset: self.base + start as u64,
                }))
            }
        }
    }

    /// Whether a record has begun and not ended (more input, or [`StreamFramer::finish`], ends it).
    pub fn in_record(&self) -> bool {
        self.scanner.record_start().is_some()
    }

    /// Bytes held: the open record and what follows it.
    pub fn buffered(&self) -> usize {
        self.buf.len() - self.scanner.keep_from().min(self.buf.len())
    }

    /// The input offset up to which every record has been handed out: a reader that restarts
    /// here frames the rest the same way (a checkpoint).
    pub fn framed_offset(&self) -> u64 {
        match self.scanner.record_start() {
            Some(start) if self.oversized.is_none() => self.base + start as u64,
            Some(_) => self.oversized.as_ref().map_or(self.base, |o| o.offset),
            None => self.base + self.scanner.keep_from() as u64,
        }
    }

    /// The column of `buf[p]`.
    fn column_at(&self, p: usize) -> usize {
        match memchr::memrchr(b'\n', &self.buf[..p]) {
            Some(i) => p - i - 1,
            None => self.base_column + p,
        }
    }

    /// The line of `buf[p]` (positions asked in increasing order).
    fn line_at(&mut self, p: usize) -> u64 {
        self.line += count_newlines(&self.buf[self.counted..p]);
        self.counted = p;
        self.line
    }

    /// Drops `buf[..k]`, keeping offsets, lines and columns of what stays.
    fn compact(&mut self, k: usize) {
        if k == 0 {
            return;
        }
        let k = k.min(self.buf.len());
        let dropped = &self.buf[..k];
        if self.counted < k {
            self.line += count_newlines(&dropped[self.counted..]);
            self.counted = k;
        }
        self.base_column = match memchr::memrchr(b'\n', dropped) {
            Some(i) => k - i - 1,
            None => self.base_column + k,
        };
        self.base += k as u64;
        self.counted -= k;
        self.buf.drain(..k);
        self.scanner.shift(k);
        self.columns.shift(k);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Framer;

    /// `(text, line, offset)` of every frame, oversized ones as `<oversized SIZE: HEAD>`.
    fn stream(input: &[u8], chunk: impl Fn(usize) -> usize, limit: usize) -> Vec<(String, u64, u64)> {
        let mut f = StreamFramer::new(limit);
        let mut out = Vec::new();
        let mut drain = |f: &mut StreamFramer| {
            while let Some(frame) = f.next_frame() {
                out.push(match frame {
                    Frame::Record(r) => (String::from_utf8_lossy(r.bytes).into_owned(), r.line, r.offset),
                    Frame::Oversized {
                        head,
                        size,
                        line,
                        offset,
                    } => (
                        format!(
                            "<oversized {size}: {}>",
                            String::from_utf8_lossy(&head[..head.len().min(8)])
                        ),
                        line,
                        offset,
                    ),
                });
            }
        };
        let (mut i, mut n) = (0, 0);
        while i < input.len() {
            let len = chunk(n).clamp(1, input.len() - i);
            f.push(&input[i..i + len]);
            drain(&mut f);
            i += len;
            n += 1;
        }
        f.finish();
        drain(&mut f);
        out
    }

    fn batch(input: &[u8]) -> Vec<(String, u64, u64)> {
        Framer::new(input)
            .map(|r| (String::from_utf8_lossy(r.bytes).into_owned(), r.line, r.offset))
            .collect()
    }

    const INPUTS: &[&str] = &[
        "\u{feff}{\"a\":1}\r\n\r\n{\"b\":2}\n",
        "{\n    \"a\": {\n        \"b\": [1, {\"c\": \"}\"}]\n    }\n}\n{\n  \"d\": 2\n}\n",
        "[\n  {\"a\": [1]},\n  {\"b\": 2}\n]\n",
        "[{\"a\":1},{\"b\":\"]\"}]",
        "[1, \"x,y\", null]",
        "{}\n[1, 2]\n[]",
        "{\"a\": \"tru\n{\"b\":2}\n",
        "{\"a\": 1,\n{\"b\":2}\n",
        "{\"a\": {\"x\": 1\n{\"b\":2}",
        "hello world\n42\n\"s\"\n{\"a\":1} trailing\n}",
        "{\"a\":1}{\"b\":2}",
        "{\"a\": \"x\n{\n}\n  junk ]]\n{}\n}{ \"b\" \n\"c\"{",
        "  {\"a\":1}\n  {\n    \"b\": 1\n  }\n\t{\"c\":3}   \n",
        "\u{feff}",
        "\u{ef}",
        "",
    ];

    #[test]
    fn any_chunking_frames_like_the_whole_input() {
        for input in INPUTS {
            let want = batch(input.as_bytes());
            for size in [1, 2, 3, 5, 8, 64, 1 << 20] {
                assert_eq!(
                    stream(input.as_bytes(), |_| size, 1 << 20),
                    want,
                    "chunks of {size}: {input:?}"
                );
            }
            let uneven = stream(input.as_bytes(), |n| [1, 7, 2, 13, 3][n % 5], 1 << 20);
            assert_eq!(uneven, want, "uneven chunks: {input:?}");
        }
    }

    /// Frames of a framer over `input`, until `None`, as `(text, line, offset)`.
    fn drain_all(f: &mut StreamFramer, out: &mut Vec<(String, u64, u64)>) {
        while let Some(frame) = f.next_frame() {
            if let Frame::Record(r) = frame {
                out.push((String::from_utf8_lossy(r.bytes).into_owned(), r.line, r.offset));
            }
        }
    }

    #[test]
    fn a_framer_resumed_anywhere_frames_the_rest_like_the_whole_input() {
        for input in INPUTS {
            let bytes = input.as_bytes();
            let want = batch(bytes);
            // Stop after every prefix, take the resume point, continue from it in a new framer.
            for cut in 0..=bytes.len() {
                let mut first = StreamFramer::new(1 << 20);
                let mut got = Vec::new();
                first.push(&bytes[..cut]);
                drain_all(&mut first, &mut got);
                let at = first.resume_point();
                assert!(at.offset as usize <= cut, "{input:?} cut {cut}: {at:?}");
                let mut rest = StreamFramer::resume(1 << 20, at);
                rest.push(&bytes[at.offset as usize..]);
                drain_all(&mut rest, &mut got);
                rest.finish();
                drain_all(&mut rest, &mut got);
                assert_eq!(got, want, "{input:?} cut at {cut}, resumed at {at:?}");
            }
        }
    }

    #[test]
    fn pending_says_whether_the_open_record_is_complete() {
        let mut f = StreamFramer::new(1 << 20);
        assert_eq!(f.pending(), Pending::Nothing);
        f.push(b"{\"a\":1}\n{\n  \"b\": 2");
        drain_all(&mut f, &mut Vec::new());
        assert_eq!(f.pending(), Pending::Incomplete);
        f.push(b"\n}  ");
        drain_all(&mut f, &mut Vec::new());
        assert_eq!(f.pending(), Pending::Complete);
        f.push(b" x");
        drain_all(&mut f, &mut Vec::new());
        assert_eq!(f.pending(), Pending::Incomplete);
        f.push(b"\n");
        let mut got = Vec::new();
        drain_all(&mut f, &mut got);
        assert_eq!(got.len(), 1);
        assert_eq!(f.pending(), Pending::Nothing);
    }

    #[test]
    fn an_oversized_record_resumes_at_its_start() {
        // Still open at the end: its closing quote and brace have not come.
        let big = format!("{{\"x\":\"{}", "A".repeat(5_000));
        let input = format!("[{{\"a\":1}},\n  {big}");
        let mut f = StreamFramer::new(1000);
        for chunk in input.as_bytes().chunks(100) {
            f.push(chunk);
            drain_all(&mut f, &mut Vec::new());
        }
        let at = f.resume_point();
        assert_eq!(at.offset, input.find("{\"x\"").unwrap() as u64);
        assert_eq!((at.line, at.column), (2, 2));
        assert!(at.state.in_array && at.state.started);
    }

    #[test]
    fn a_record_is_handed_out_when_its_end_is_decided() {
        let mut f = StreamFramer::new(1 << 20);
        f.push(b"{\"a\":1}");
        // The rest of its line could still make it invalid.
        assert_eq!(f.next_frame(), None);
        f.push(b"\n{\n  \"b\": 2\n");
        assert!(matches!(f.next_frame(), Some(Frame::Record(r)) if r.bytes == b"{\"a\":1}"));
        assert_eq!(f.next_frame(), None);
        assert!(f.in_record());
        assert_eq!(f.framed_offset(), 8);
        f.push(b"}\n");
        assert!(matches!(f.next_frame(), Some(Frame::Record(r)) if r.line == 2 && r.offset == 8));
        assert!(!f.in_record());
        assert_eq!(f.framed_offset(), 20);
    }

    #[test]
    fn oversized_records_are_not_kept() {
        let big = format!("{{\"x\":\"{}\"}}", "A".repeat(100_000));
        let input = format!("{{\"a\":1}}\n{big}\n{{\"b\":2}}\n");
        let mut f = StreamFramer::new(1000);
        let mut frames = Vec::new();
        for chunk in input.as_bytes().chunks(100) {
            f.push(chunk);
            assert!(f.buffered() < 1000 + 200, "buffered {}", f.buffered());
            while let Some(frame) = f.next_frame() {
                frames.push(match frame {
                    Frame::Record(r) => format!("{} {} {}", String::from_utf8_lossy(r.bytes), r.line, r.offset),
                    Frame::Oversized {
                        head,
                        size,
                        line,
                        offset,
                    } => {
                        // The head is what had arrived when the record passed the limit.
                        assert!(head.len() > 1000 && head.len() <= OVERSIZED_HEAD && big.as_bytes().starts_with(head));
                        format!("head {size} {line} {offset}")
                    }
                });
            }
        }
        f.finish();
        while let Some(Frame::Record(r)) = f.next_frame() {
            frames.push(format!("{} {} {}", String::from_utf8_lossy(r.bytes), r.line, r.offset));
        }
        assert_eq!(
            frames,
            [
                "{\"a\":1} 1 0",
                &format!("head {} 2 8", big.len()),
                &format!("{{\"b\":2}} 3 {}", 9 + big.len())
            ]
        );
    }
}

//! Splitting export bytes into records, without parsing them.
//!
//! Exports arrive as NDJSON (LF or CRLF, maybe a UTF-8 BOM, blank lines), as pretty-printed
//! objects one after another (as the vendor docs print them), or as one JSON array of objects
//! (when the input starts with `[`: its elements are the records; an array later in the input is
//! one record, rejected as not an object).
//! The framer only tracks strings and bracket depth, so it is fast and never recurses.
//!
//! One state machine ([`scan`]) decides every record boundary; [`Framer`] runs it over a whole
//! input, [`StreamFramer`] over bytes as they arrive (files being written, stdin, a forwarder's
//! lines), holding only the record being framed, so both frame any input identically.
//!
//! Every non-blank byte of the input belongs to exactly one record: a truncated or garbled record
//! is still a record (the parser rejects it with a reason), and it must not swallow the records
//! after it. Two rules stop a broken record at the next good one: a raw newline inside a string
//! (never valid JSON), and a line whose first character is `{` at an indentation no deeper than
//! the record's own opening brace (nested objects of a pretty-printed record are indented deeper).

mod scan;
mod stream;

use scan::{Scanner, Step};

/// The newlines in `bytes`: the framers keep line numbers by counting them over every record's
/// bytes, and [`crate::event_count`] counts a record's events by them.
pub(crate) fn count_newlines(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}
pub use stream::{Frame, Pending, ResumePoint, ScanState, StreamFramer};

/// One record: its bytes and where they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub bytes: &'a [u8],
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// Byte offset of the record's first byte in the input.
    pub offset: u64,
}

/// Iterates over the records of one whole input (a file, a batch).
pub struct Framer<'a> {
    input: &'a [u8],
    scanner: Scanner,
    columns: LineStarts,
    /// Newlines counted up to `counted`.
    line: u64,
    counted: usize,
}

impl<'a> Framer<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        Framer {
            input,
            scanner: Scanner::new(),
            columns: LineStarts::default(),
            line: 1,
            counted: 0,
        }
    }
}

/// Columns of record starts, found by looking back only as far as the previous query: a file of
/// many records on one line costs one pass, not one pass per record.
#[derive(Debug, Default, Clone, Copy)]
struct LineStarts {
    /// The last position asked about, and the start of its line (`None`: before the window).
    pos: usize,
    line_start: Option<usize>,
}

impl LineStarts {
    /// The column of `p` in `window`; `base_column` is the column of the window's first byte.
    /// Positions are asked in increasing order.
    fn column(&mut self, window: &[u8], p: usize, base_column: usize) -> usize {
        let from = self.pos.min(p);
        if let Some(i) = memchr::memrchr(b'\n', &window[from..p]) {
            self.line_start = Some(from + i + 1);
        }
        self.pos = p;
        match self.line_start {
            Some(s) => p - s,
            None => base_column + p,
        }
    }

    /// The window lost its first `k` bytes; `None`: that line started before the window.
    fn shift(&mut self, k: usize) {
        self.pos = self.pos.saturating_sub(k);
        self.line_start = self.line_start.and_then(|s| s.checked_sub(k));
    }
}

/// `bytes` without trailing ASCII whitespace.
fn trim_end(bytes: &[u8]) -> &[u8] {
    let n = bytes
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(0, |i| i + 1);
    &bytes[..n]
}

impl<'a> Iterator for Framer<'a> {
    type Item = Record<'a>;

    fn next(&mut self) -> Option<Record<'a>> {
        let input = self.input;
        let columns = &mut self.columns;
        match self.scanner.step(input, true, |p| columns.column(input, p, 0)) {
            Step::Record { start, end } => {
                self.line += count_newlines(&input[self.counted..start]);
                self.counted = start;
                Some(Record {
                    bytes: trim_end(&input[start..end]),
                    line: self.line,
                    offset: start as u64,
                })
            }
            Step::End | Step::NeedMore => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(input: &str) -> Vec<(String, u64, u64)> {
        Framer::new(input.as_bytes())
            .map(|r| (String::from_utf8_lossy(r.bytes).into_owned(), r.line, r.offset))
            .collect()
    }

    fn texts(input: &str) -> Vec<String> {
        frames(input).into_iter().map(|f| f.0).collect()
    }

    #[test]
    fn ndjson_with_crlf_bom_and_blank_lines() {
        let f = frames("\u{feff}{\"a\":1}\r\n\r\n{\"b\":2}\n");
        assert_eq!(f, [("{\"a\":1}".into(), 1, 3), ("{\"b\":2}".into(), 3, 14)]);
    }

    #[test]
    fn pretty_printed_objects_one_after_another() {
        let input = "{\n    \"a\": {\n        \"b\": [1, {\"c\": \"}\"}]\n    }\n}\n{\n  \"d\": 2\n}\n";
        let f = frames(input);
        assert_eq!(f.len(), 2);
        assert_eq!(f[0].1, 1);
        assert!(f[0].0.ends_with("}\n}"));
        assert_eq!(
            f[1],
            ("{\n  \"d\": 2\n}".into(), 6, input.find("{\n  \"d\"").unwrap() as u64)
        );
    }

    #[test]
    fn json_array_elements_are_records() {
        assert_eq!(
            texts("[\n  {\"a\": [1]},\n  {\"b\": 2}\n]\n"),
            ["{\"a\": [1]}", "{\"b\": 2}"]
        );
        assert_eq!(texts("[{\"a\":1},{\"b\":\"]\"}]"), ["{\"a\":1}", "{\"b\":\"]\"}"]);
        assert_eq!(texts("[1, \"x,y\", null]"), ["1", "\"x,y\"", "null"]);
        assert_eq!(texts("{}\n[1, 2]\n[]"), ["{}", "[1, 2]", "[]"]);
        assert!(texts("[]").is_empty());
    }

    #[test]
    fn truncated_record_does_not_swallow_the_next() {
        // Truncated inside a string, then outside one.
        assert_eq!(texts("{\"a\": \"tru\n{\"b\":2}\n"), ["{\"a\": \"tru", "{\"b\":2}"]);
        assert_eq!(texts("{\"a\": 1,\n{\"b\":2}\n"), ["{\"a\": 1,", "{\"b\":2}"]);
        assert_eq!(
            texts("{\"a\": {\"x\": 1\n{\"b\":2}"),
            ["{\"a\": {\"x\": 1", "{\"b\":2}"]
        );
    }

    #[test]
    fn garbage_and_scalars_are_their_own_records() {
        assert_eq!(
            texts("hello world\n42\n\"s\"\n{\"a\":1} trailing\n}"),
            ["hello world", "42", "\"s\"", "{\"a\":1} trailing", "}"]
        );
    }

    #[test]
    fn concatenated_objects_on_one_line_split() {
        assert_eq!(texts("{\"a\":1}{\"b\":2}"), ["{\"a\":1}", "{\"b\":2}"]);
    }

    #[test]
    fn deep_nesting_is_scanned_iteratively() {
        let deep = "[".repeat(50_000) + &"]".repeat(50_000);
        let input = format!("{{\"x\":{deep}}}\n{{\"y\":1}}");
        assert_eq!(Framer::new(input.as_bytes()).count(), 2);
    }

    #[test]
    fn every_non_blank_byte_is_in_exactly_one_record() {
        let input = "{\"a\": \"x\n{\n}\n  junk ]]\n{}\n}{ \"b\" \n\"c\"{";
        let non_blank = |b: &[u8]| b.iter().filter(|b| !b.is_ascii_whitespace()).count();
        let records: Vec<_> = Framer::new(input.as_bytes()).collect();
        let covered: usize = records.iter().map(|r| non_blank(r.bytes)).sum();
        assert_eq!(covered, non_blank(input.as_bytes()));
        for pair in records.windows(2) {
            assert!(pair[0].offset + pair[0].bytes.len() as u64 <= pair[1].offset);
        }
    }
}

//! Splitting export bytes into records, without parsing them.
//!
//! Exports arrive as NDJSON (LF or CRLF, maybe a UTF-8 BOM, blank lines), as pretty-printed
//! objects one after another (as the vendor docs print them), or as one JSON array of objects
//! (when the input starts with `[`: its elements are the records; an array later in the input is
//! one record, rejected as not an object).
//! The framer only tracks strings and bracket depth, so it is fast and never recurses.
//!
//! Every non-blank byte of the input belongs to exactly one record: a truncated or garbled record
//! is still a record (the parser rejects it with a reason), and it must not swallow the records
//! after it. Two rules stop a broken record at the next good one: a raw newline inside a string
//! (never valid JSON), and a line whose first character is `{` at an indentation no deeper than
//! the record's own opening brace (nested objects of a pretty-printed record are indented deeper).

/// One record: its bytes and where they came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    pub bytes: &'a [u8],
    /// 1-based line of the record's first byte.
    pub line: u64,
    /// Byte offset of the record's first byte in the input.
    pub offset: u64,
}

/// Iterates over the records of one input (a file, stdin, a batch).
pub struct Framer<'a> {
    input: &'a [u8],
    pos: usize,
    /// Inside a top-level `[...]`: its elements are the records.
    in_array: bool,
    /// Something was framed already: a `[` now is a record (an array where an object should be),
    /// not the start of a JSON-array file.
    started: bool,
    /// Newlines counted up to `counted`.
    line: u64,
    counted: usize,
}

impl<'a> Framer<'a> {
    pub fn new(input: &'a [u8]) -> Self {
        let pos = if input.starts_with(b"\xEF\xBB\xBF") { 3 } else { 0 };
        Framer {
            input,
            pos,
            in_array: false,
            started: false,
            line: 1,
            counted: 0,
        }
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\r' | b'\n') = self.input.get(self.pos) {
            self.pos += 1;
        }
    }

    fn line_at(&mut self, offset: usize) -> u64 {
        self.line += self.input[self.counted..offset].iter().filter(|&&b| b == b'\n').count() as u64;
        self.counted = offset;
        self.line
    }

    fn column_of(&self, offset: usize) -> usize {
        let line_start = self.input[..offset]
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        offset - line_start
    }

    /// End of a `{...}` or `[...]` starting at `start`, or where a broken one must stop.
    fn scan_structure(&self, start: usize) -> usize {
        let input = self.input;
        let column = self.column_of(start);
        let mut depth = 0usize;
        let mut in_str = false;
        let mut escaped = false;
        let mut i = start;
        while i < input.len() {
            let b = input[i];
            if in_str {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_str = false;
                } else if b == b'\n' {
                    return i;
                }
            } else {
                match b {
                    b'"' => in_str = true,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            return i + 1;
                        }
                    }
                    b'\n' => {
                        let next = i + 1;
                        let indent = input[next..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
                        if indent <= column && input.get(next + indent) == Some(&b'{') {
                            return i;
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        input.len()
    }

    /// End of a scalar or garbage record: the end of its line, or in an array the next `,`/`]`.
    fn scan_flat(&self, start: usize) -> usize {
        let mut in_str = false;
        let mut escaped = false;
        for (i, &b) in self.input[start..].iter().enumerate() {
            if b == b'\n' {
                return start + i;
            }
            if in_str {
                if escaped {
                    escaped = false;
                } else if b == b'\\' {
                    escaped = true;
                } else if b == b'"' {
                    in_str = false;
                }
            } else if b == b'"' {
                in_str = true;
            } else if self.in_array && (b == b',' || b == b']') && i > 0 {
                return start + i;
            }
        }
        self.input.len()
    }

    /// After a complete value on a line: anything but whitespace or a new `{` left on that line
    /// belongs to the same (now invalid) record, so one NDJSON line stays one record.
    fn extend_to_line_end(&self, end: usize) -> usize {
        let rest = &self.input[end..];
        let line_len = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let tail = &rest[..line_len];
        match tail.iter().position(|b| !b.is_ascii_whitespace()) {
            None => end,
            Some(i) if tail[i] == b'{' => end,
            Some(_) => end + line_len,
        }
    }
}

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
        loop {
            self.skip_ws();
            let start = self.pos;
            let &b = self.input.get(start)?;
            if self.in_array {
                match b {
                    b',' => {
                        self.pos += 1;
                        continue;
                    }
                    b']' => {
                        self.in_array = false;
                        self.pos += 1;
                        continue;
                    }
                    _ => {}
                }
            } else if b == b'[' && !self.started {
                self.started = true;
                self.in_array = true;
                self.pos += 1;
                continue;
            }
            self.started = true;
            let end = match b {
                b'{' => {
                    let end = self.scan_structure(start);
                    if self.in_array {
                        end
                    } else {
                        self.extend_to_line_end(end)
                    }
                }
                b'[' => self.scan_structure(start),
                _ => self.scan_flat(start),
            };
            let end = end.max(start + 1);
            self.pos = end;
            let bytes = trim_end(&self.input[start..end]);
            let line = self.line_at(start);
            return Some(Record {
                bytes,
                line,
                offset: start as u64,
            });
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

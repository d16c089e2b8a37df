//! The framing state machine, resumable: it scans a window of bytes, stops where a decision needs
//! bytes that have not arrived, and resumes there when more come. [`super::Framer`] drives it over
//! a whole input (every decision can be made), [`super::StreamFramer`] over a buffer that grows
//! as input arrives and shrinks as records leave, so both frame every input identically.
//!
//! Positions are indices into the driver's window; [`Scanner::shift`] moves them when the driver
//! drops consumed bytes from the front.

use crate::json::scan::find_special;

/// What the scanner found next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// A record spans `start..end` of the window (trailing whitespace included; trim it).
    Record { start: usize, end: usize },
    /// The next decision needs bytes after the window's end.
    NeedMore,
    /// Nothing left (only with `eof`).
    End,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    /// Between records: at `pos`.
    Between { pos: usize },
    /// In a `{...}` or `[...]` starting at `start`, scanning at `i`.
    Structure {
        start: usize,
        i: usize,
        depth: usize,
        strings: Strings,
        /// The column of the record's opening bracket: a line starting with `{` at this column
        /// or less ends a broken record.
        column: usize,
    },
    /// A complete value on a line ended at `end`: what else is on that line, scanning at `i`.
    LineEnd { start: usize, end: usize, i: usize },
    /// A scalar or garbage record starting at `start`, scanning at `i`.
    Flat { start: usize, i: usize, strings: Strings },
}

/// Where a scan stands with respect to JSON strings.
#[derive(Debug, Clone, Copy, Default)]
struct Strings {
    in_str: bool,
    escaped: bool,
}

impl Strings {
    /// Takes one byte; true when it belongs to a string (its quotes included), so it is not
    /// structure.
    fn feed(&mut self, b: u8) -> bool {
        if self.in_str {
            if self.escaped {
                self.escaped = false;
            } else if b == b'\\' {
                self.escaped = true;
            } else if b == b'"' {
                self.in_str = false;
            }
            true
        } else if b == b'"' {
            self.in_str = true;
            true
        } else {
            false
        }
    }

    /// Inside a string and not after a backslash: only `"`, `\\` or a control byte can matter.
    fn in_plain_string(&self) -> bool {
        self.in_str && !self.escaped
    }
}

#[derive(Debug, Clone)]
pub(crate) struct Scanner {
    phase: Phase,
    /// Inside a top-level `[...]`: its elements are the records.
    in_array: bool,
    /// Something was framed already: a `[` now is a record (an array where an object should be),
    /// not the start of a JSON-array file.
    started: bool,
    /// The BOM at the input's very start was looked for.
    bom_checked: bool,
    /// `started` as it was before the open record began: what a scanner resumed at that record's
    /// start must believe.
    started_before_record: bool,
}

/// What a scanner must know to continue at a position between records, or at an open record's
/// start, as if it had scanned everything before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ScanState {
    /// Inside a top-level JSON array (its elements are the records).
    pub in_array: bool,
    /// A record or the array's `[` came before.
    pub started: bool,
}

/// What is left open at the end of the bytes so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pending {
    /// Nothing: every record so far is handed out.
    Nothing,
    /// A complete value waits for the end of its line (a last record without a newline).
    Complete,
    /// A record has begun and not ended: more bytes will end it.
    Incomplete,
}

impl Scanner {
    pub(crate) fn new() -> Self {
        Scanner {
            phase: Phase::Between { pos: 0 },
            in_array: false,
            started: false,
            bom_checked: false,
            started_before_record: false,
        }
    }

    /// A scanner continuing between records, after a BOM (if any) was dealt with.
    pub(crate) fn resumed(state: ScanState) -> Self {
        Scanner {
            phase: Phase::Between { pos: 0 },
            in_array: state.in_array,
            started: state.started,
            bom_checked: true,
            started_before_record: state.started,
        }
    }

    /// The state at [`Scanner::keep_from`]: between records, or at the open record's start.
    pub(crate) fn state(&self) -> ScanState {
        ScanState {
            in_array: self.in_array,
            started: match self.phase {
                Phase::Between { .. } => self.started,
                _ => self.started_before_record,
            },
        }
    }

    /// Whether a record is open in a window of `len` bytes, and if so whether its value is
    /// complete (only whitespace after it so far).
    pub(crate) fn pending(&self, len: usize) -> Pending {
        match self.phase {
            Phase::Between { .. } => Pending::Nothing,
            // The scan of what follows the value stops at the window's end unless it met
            // something else on the line.
            Phase::LineEnd { i, .. } if i >= len => Pending::Complete,
            _ => Pending::Incomplete,
        }
    }

    /// Where the record being scanned starts, if one is.
    pub(crate) fn record_start(&self) -> Option<usize> {
        match self.phase {
            Phase::Between { .. } => None,
            Phase::Structure { start, .. } | Phase::LineEnd { start, .. } | Phase::Flat { start, .. } => Some(start),
        }
    }

    /// The first position the scanner still needs: everything before it may be dropped.
    pub(crate) fn keep_from(&self) -> usize {
        match self.phase {
            Phase::Between { pos } => pos,
            _ => self.record_start().unwrap_or(0),
        }
    }

    /// How far the scanner has looked: bytes before it belong to the open record, if any.
    pub(crate) fn scanned_to(&self) -> usize {
        match self.phase {
            Phase::Between { pos } => pos,
            Phase::Structure { i, .. } | Phase::LineEnd { i, .. } | Phase::Flat { i, .. } => i,
        }
    }

    /// The driver dropped `k` bytes from the window's front (none the scanner still needs, except
    /// an oversized record's, whose start then moves to the new front).
    pub(crate) fn shift(&mut self, k: usize) {
        let s = |p: &mut usize| *p = p.saturating_sub(k);
        match &mut self.phase {
            Phase::Between { pos } => s(pos),
            Phase::Structure { start, i, .. } | Phase::Flat { start, i, .. } => {
                s(start);
                s(i);
            }
            Phase::LineEnd { start, end, i } => {
                s(start);
                s(end);
                s(i);
            }
        }
    }

    /// The next step over `input`; `eof`: no byte will follow it. `column_of(p)` is the column
    /// of window position `p` (the driver knows what lies before its window).
    pub(crate) fn step(&mut self, input: &[u8], eof: bool, mut column_of: impl FnMut(usize) -> usize) -> Step {
        loop {
            match self.phase {
                Phase::Between { mut pos } => {
                    if !self.bom_checked {
                        if input.len() < 3 && !eof && b"\xEF\xBB\xBF".starts_with(input) {
                            return Step::NeedMore;
                        }
                        self.bom_checked = true;
                        if input.starts_with(b"\xEF\xBB\xBF") {
                            pos = 3;
                        }
                    }
                    while let Some(b' ' | b'\t' | b'\r' | b'\n') = input.get(pos) {
                        pos += 1;
                    }
                    self.phase = Phase::Between { pos };
                    let Some(&b) = input.get(pos) else {
                        return if eof { Step::End } else { Step::NeedMore };
                    };
                    if self.in_array {
                        match b {
                            b',' => {
                                self.phase = Phase::Between { pos: pos + 1 };
                                continue;
                            }
                            b']' => {
                                self.in_array = false;
                                self.phase = Phase::Between { pos: pos + 1 };
                                continue;
                            }
                            _ => {}
                        }
                    } else if b == b'[' && !self.started {
                        self.started = true;
                        self.in_array = true;
                        self.phase = Phase::Between { pos: pos + 1 };
                        continue;
                    }
                    self.started_before_record = self.started;
                    self.started = true;
                    self.phase = match b {
                        b'{' | b'[' => Phase::Structure {
                            start: pos,
                            i: pos,
                            depth: 0,
                            strings: Strings::default(),
                            column: column_of(pos),
                        },
                        _ => Phase::Flat {
                            start: pos,
                            i: pos,
                            strings: Strings::default(),
                        },
                    };
                }
                Phase::Structure {
                    start,
                    i,
                    depth,
                    strings,
                    column,
                } => {
                    if let Some(step) = self.scan_structure(input, eof, start, i, depth, strings, column) {
                        return step;
                    }
                }
                Phase::LineEnd { start, end, mut i } => {
                    // After a complete value: anything but whitespace or a new `{` left on its
                    // line belongs to the same (now invalid) record, so one NDJSON line stays
                    // one record.
                    while let Some(&b) = input.get(i) {
                        if b == b'\n' {
                            return self.finish(start, end);
                        }
                        if !b.is_ascii_whitespace() {
                            if b == b'{' {
                                return self.finish(start, end);
                            }
                            // The record runs to the end of the line.
                            match memchr::memchr(b'\n', &input[i..]) {
                                Some(n) => return self.finish(start, i + n),
                                None if eof => return self.finish(start, input.len()),
                                None => {
                                    self.phase = Phase::LineEnd { start, end, i };
                                    return Step::NeedMore;
                                }
                            }
                        }
                        i += 1;
                    }
                    if eof {
                        return self.finish(start, end);
                    }
                    self.phase = Phase::LineEnd { start, end, i };
                    return Step::NeedMore;
                }
                Phase::Flat {
                    start,
                    mut i,
                    mut strings,
                } => {
                    // A scalar or garbage: to the end of its line, or in an array the next
                    // `,`/`]`.
                    while let Some(&b) = input.get(i) {
                        if b == b'\n' {
                            return self.finish(start, i);
                        }
                        if !strings.feed(b) && self.in_array && (b == b',' || b == b']') && i > start {
                            return self.finish(start, i);
                        }
                        i += 1;
                    }
                    if eof {
                        return self.finish(start, input.len());
                    }
                    self.phase = Phase::Flat { start, i, strings };
                    return Step::NeedMore;
                }
            }
        }
    }

    /// Scans a structure from `i`; `None` when it ended and the phase moved on.
    #[allow(clippy::too_many_arguments)]
    fn scan_structure(
        &mut self,
        input: &[u8],
        eof: bool,
        start: usize,
        mut i: usize,
        mut depth: usize,
        mut strings: Strings,
        column: usize,
    ) -> Option<Step> {
        // Where the structure ends, or `None` when a decision needs bytes after the window.
        let end = loop {
            if strings.in_plain_string() {
                // Inside a string only `"`, `\\` and a raw newline matter: skip to the next
                // byte that could be one, eight at a time.
                i = find_special(input, i);
            }
            let Some(&b) = input.get(i) else { break None };
            if strings.in_plain_string() && b == b'\n' {
                // A raw newline is never inside a JSON string: the record is broken here.
                break Some(i);
            }
            if !strings.feed(b) {
                match b {
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.saturating_sub(1);
                        if depth == 0 {
                            break Some(i + 1);
                        }
                    }
                    b'\n' => {
                        // A line starting with `{` no deeper than this record's own opening
                        // brace starts the next record (nested objects are indented deeper).
                        let next = i + 1;
                        let indent = input[next..].iter().take_while(|&&c| c == b' ' || c == b'\t').count();
                        match input.get(next + indent) {
                            Some(&b'{') if indent <= column => break Some(i),
                            Some(_) => {}
                            None if eof => {}
                            // The next line's first character decides: wait for it, at this `\n`.
                            None => break None,
                        }
                    }
                    _ => {}
                }
            }
            i += 1;
        };
        match end {
            Some(end) if self.in_array => Some(self.finish(start, end)),
            Some(end) => {
                self.phase = Phase::LineEnd { start, end, i: end };
                None
            }
            None if eof => Some(self.finish(start, input.len())),
            None => {
                self.phase = Phase::Structure {
                    start,
                    i,
                    depth,
                    strings,
                    column,
                };
                Some(Step::NeedMore)
            }
        }
    }

    fn finish(&mut self, start: usize, end: usize) -> Step {
        let end = end.max(start + 1);
        self.phase = Phase::Between { pos: end };
        Step::Record { start, end }
    }
}

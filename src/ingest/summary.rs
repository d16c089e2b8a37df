//! Counting a run (a replay, or one pass of `follow`), and the summary printed on stderr.

use mwsiem::EventKind;
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

#[derive(Debug, Default)]
pub struct Summary {
    pub files: u64,
    pub bytes: u64,
    pub records: u64,
    pub events: u64,
    pub dead_letters: u64,
    /// Records `follow` read again and did not write (emitted before).
    pub duplicates: u64,
    /// Files whose last record is still being written (left for a later pass).
    pub pending: u64,
    pub by_type: BTreeMap<EventKind, u64>,
    pub by_reason: BTreeMap<&'static str, u64>,
    pub elapsed: Duration,
    pub engine: &'static str,
}

impl Summary {
    /// A record that became `n` events.
    pub fn events(&mut self, kind: EventKind, n: usize) {
        self.records += 1;
        self.events += n as u64;
        *self.by_type.entry(kind).or_default() += n as u64;
    }

    pub fn dead_letter(&mut self, reason: &'static str) {
        self.records += 1;
        self.dead_letters += 1;
        *self.by_reason.entry(reason).or_default() += 1;
    }

    /// One line for one pass of `follow`.
    pub fn pass_line(&self, pass: u64) -> String {
        let mut types = String::new();
        for (kind, n) in &self.by_type {
            types.push_str(&format!(" {}={n}", kind.label()));
        }
        for (reason, n) in &self.by_reason {
            types.push_str(&format!(" dead_letter:{reason}={n}"));
        }
        format!(
            "mwsiem: pass {pass}: {} records in, {} events out, {} dead letters, {} duplicates skipped, {} files read, {} bytes, {} files with an open record, {:.3} s{}{}",
            self.records,
            self.events,
            self.dead_letters,
            self.duplicates,
            self.files,
            self.bytes,
            self.pending,
            self.elapsed.as_secs_f64(),
            if types.is_empty() { "" } else { ";" },
            types
        )
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 { self.records as f64 / secs } else { 0.0 };
        let mb_s = if secs > 0.0 {
            self.bytes as f64 / 1e6 / secs
        } else {
            0.0
        };
        writeln!(
            f,
            "mwsiem: {} records in, {} events out, {} dead letters ({} files, {} bytes, {:.3} s, {:.0} events/s, {:.1} MB/s, {} engine)",
            self.records, self.events, self.dead_letters, self.files, self.bytes, secs, rate, mb_s, self.engine
        )?;
        for (kind, n) in &self.by_type {
            writeln!(f, "  {:<20} {n}", kind.label())?;
        }
        for (reason, n) in &self.by_reason {
            writeln!(f, "  dead letter: {reason:<14} {n}")?;
        }
        Ok(())
    }
}

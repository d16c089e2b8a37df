//! What makes two records the same record, for `follow`'s dedupe.
//!
//! An event is its `(schema version, event_id)`: the vendor's id is unique within a pipeline,
//! and the two pipelines (`logs/` and `logs/v1/`) are kept apart because a migration may export
//! one event in both, and both are wanted, as `replay` gives both. A record with no id (a dead
//! letter) is its exact bytes at its offset: a rewrite that keeps the records before it keeps
//! their offsets. Keys are the first 16 bytes of a SHA-256: 2^64 records before a collision is
//! likely, and 16 bytes per record in the store.

use memchr::memmem::Finder;
use sha2::{Digest, Sha256};
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

pub type Key = [u8; 16];

/// The key of an event written by the core: from `metadata.log_version` and
/// `metadata.original_event_uid`, as written (escaped). `None` when the event has no id.
pub fn event_key(event: &[u8]) -> Option<Key> {
    // The normalizer writes `metadata` at the top level with these members first; a value can
    // not contain the pattern unescaped.
    // Built once: a searcher per call would cost more than the search.
    static METADATA: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b",\"metadata\":{\"version\":"));
    static UID: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"original_event_uid\":\""));
    static VERSION: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"log_version\":\""));
    let at = METADATA.find(event)?;
    let metadata = &event[at..];
    let uid = string_member(metadata, &UID)?;
    let version = string_member(metadata, &VERSION).unwrap_or(b"");
    Some(key(&[b"event", version, uid]))
}

/// The key of a record that became a dead letter.
pub fn rejected_key(offset: u64, record: &[u8]) -> Key {
    key(&[b"rejected", &offset.to_le_bytes(), record])
}

fn key(parts: &[&[u8]]) -> Key {
    let mut h = Sha256::new();
    for p in parts {
        h.update((p.len() as u64).to_le_bytes());
        h.update(p);
    }
    let digest = h.finalize();
    let mut k = [0; 16];
    k.copy_from_slice(&digest[..16]);
    k
}

/// The text of the JSON string after `member` (up to its unescaped closing quote).
fn string_member<'a>(json: &'a [u8], member: &Finder<'_>) -> Option<&'a [u8]> {
    let start = member.find(json)? + member.needle().len();
    let mut i = start;
    while i < json.len() {
        match json[i] {
            b'\\' => i += 2,
            b'"' => return Some(&json[start..i]),
            _ => i += 1,
        }
    }
    None
}

/// Keys written past the last commit before a crash, recovered from the output files: each
/// cancels one record read again, the first with its key. The ones not taken yet are saved with
/// every commit (which moves the output's committed length past their lines), so a second crash
/// before their records are read again still knows them.
#[derive(Debug, Default)]
pub struct Recovered {
    /// Per key: how many, and when it was first recovered (seconds since the epoch; saved keys
    /// whose records never come again are pruned after the dedupe window).
    counts: HashMap<Key, (u32, i64)>,
    total: usize,
    changed: bool,
}

/// A saved recovered key: the key, how many, since when.
pub type RecoveredRow = (Key, u32, i64);

pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

impl Recovered {
    /// The keys a previous run saved.
    pub fn from_saved(rows: Vec<RecoveredRow>) -> Self {
        let mut r = Recovered::default();
        for (key, n, at) in rows {
            r.counts.insert(key, (n, at));
            r.total += n as usize;
        }
        r
    }

    pub fn add(&mut self, key: Key) {
        self.counts.entry(key).or_insert((0, unix_now())).0 += 1;
        self.total += 1;
        self.changed = true;
    }

    /// What to save with the next commit, if anything changed since the last.
    pub fn take_changes(&mut self) -> Option<Vec<RecoveredRow>> {
        if !std::mem::take(&mut self.changed) {
            return None;
        }
        Some(self.counts.iter().map(|(k, &(n, at))| (*k, n, at)).collect())
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    #[cfg(test)]
    pub fn len(&self) -> usize {
        self.total
    }

    /// Whether `key` was recovered and not taken yet; takes it.
    #[cfg(test)]
    pub fn take(&mut self, key: &Key) -> bool {
        self.take_up_to(key, 1) == 1
    }

    /// Takes up to `events` lines recovered under `key` and says how many: a record read again
    /// whose events (several when it has several subjects) were all written before the crash
    /// takes them all; one cut short by the crash takes those that were written, and the rest
    /// are still to be written.
    pub fn take_up_to(&mut self, key: &Key, events: usize) -> usize {
        let Some((n, _)) = self.counts.get_mut(key) else {
            return 0;
        };
        let taken = (*n as usize).min(events);
        *n -= taken as u32;
        if *n == 0 {
            self.counts.remove(key);
        }
        self.total -= taken;
        self.changed = true;
        taken
    }
}

/// The keys one file emitted before, when it is read again from its start.
pub type Seen = HashSet<Key>;

#[cfg(test)]
mod tests {
    use super::*;

    const EVENT: &[u8] = br#"{"class_uid":6003,"unmapped":{"x":"\"metadata\":{"},"metadata":{"version":"1.8.0","product":{"name":"Moveworks Audit Logs","vendor_name":"Moveworks"},"original_event_uid":"v1api\"0001","event_code":"EXTERNAL_API","log_version":"1"}}"#;

    #[test]
    fn an_event_is_its_version_and_id() {
        let k = event_key(EVENT).unwrap();
        let same = String::from_utf8_lossy(EVENT).replace("6003", "6001");
        assert_eq!(event_key(same.as_bytes()), Some(k));
        let other_id = String::from_utf8_lossy(EVENT).replace("0001", "0002");
        assert_ne!(event_key(other_id.as_bytes()), Some(k));
        let other_version = String::from_utf8_lossy(EVENT).replace("\"log_version\":\"1\"", "\"log_version\":\"2\"");
        assert_ne!(event_key(other_version.as_bytes()), Some(k));
        assert_eq!(event_key(b"{\"class_uid\":0}"), None);
    }

    #[test]
    fn a_rejected_record_is_its_bytes_at_its_offset() {
        assert_eq!(rejected_key(8, b"{\"a\":"), rejected_key(8, b"{\"a\":"));
        assert_ne!(rejected_key(8, b"{\"a\":"), rejected_key(9, b"{\"a\":"));
        // Lengths are part of the key: parts cannot slide into each other.
        assert_ne!(key(&[b"ab", b"c"]), key(&[b"a", b"bc"]));
    }

    #[test]
    fn each_recovered_key_cancels_one_record() {
        let mut r = Recovered::default();
        r.add([1; 16]);
        r.add([1; 16]);
        r.add([2; 16]);
        assert!(r.take(&[1; 16]));
        // What is left is saved, and a later run starts from it.
        let saved = r.take_changes().unwrap();
        assert_eq!(r.take_changes(), None);
        let mut again = Recovered::from_saved(saved);
        assert!(again.take(&[1; 16]) && again.take(&[2; 16]));
        assert!(!again.take(&[1; 16]));
        assert!(again.is_empty());
    }

    #[test]
    fn a_record_of_several_events_takes_the_lines_that_were_written() {
        // Two of a record's three events were written before the crash.
        let mut r = Recovered::default();
        r.add([3; 16]);
        r.add([3; 16]);
        assert_eq!(r.take_up_to(&[3; 16], 3), 2);
        assert!(r.is_empty());
        assert_eq!(r.take_up_to(&[3; 16], 3), 0);
    }
}

//! Ingestion: export bytes from files, stdin or a live mirror into the core, and events out,
//! with progress that survives a crash. Native only, beside the CLI that wires it.
//!
//! ```text
//! sources ─► read ─► process ─► output ─► events / dead letters
//! (which     (bytes   (a batch    (files with committed lengths,
//!  files)    framed   through     or stdout)
//!            as they  the core)
//!            arrive)
//!
//! follow: passes over a mirror; per file a checkpoint (state), seen-record keys (dedupe)
//! ```
//!
//! * [`sources`] finds the export files of a mirrored SFTP tree and orders them by date.
//! * [`read`] streams a file or a pipe through the core's [`mwsiem::StreamFramer`]: memory is
//!   bounded by the largest record, not by the input, and a record leaves as soon as it is
//!   complete.
//! * [`process`] runs a batch of framed records through an engine (native or component) and
//!   gives one [`process::Outcome`] per record, oversized records included.
//! * [`output`] writes events and dead letters, knows how much of each file is committed, and
//!   after a crash recovers what was written past that point.
//! * [`state`] is `follow`'s SQLite store: per file where framing stopped and how to recognise
//!   the bytes before it, the keys of what each file emitted, and the committed output lengths.
//! * [`dedupe`] computes a record's key: `(schema version, event_id)`, or its bytes and offset
//!   when it has no id.
//! * [`follow`] is the loop: watch, read what is new, skip what was already emitted, commit
//!   after the output is flushed; [`commit`] fsyncs and writes the state on a worker thread.

pub mod commit;
pub mod dead_letter;
pub mod dedupe;
pub mod duration;
pub mod follow;
pub mod identity;
pub mod output;
pub mod process;
pub mod read;
pub mod sources;
pub mod state;
pub mod summary;

/// An empty directory of its own for a unit test (`name` and the process id).
#[cfg(test)]
pub(crate) fn scratch_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("mwsiem-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

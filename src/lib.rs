//! # mwsiem
//!
//! Moveworks SIEM audit-log exports (schema versions "1" and "2") in, OCSF 1.8.0 events out.
//!
//! ## Architecture
//!
//! ```text
//! export bytes ─► frame ─► parse ─► decode ─► normalize ─► write ─► one OCSF JSON line
//!                 (frame)  (json)   (decode)  (ocsf)       (json)
//! ```
//!
//! * [`frame`] splits a file, stdin or a batch into records (NDJSON, pretty-printed objects one
//!   after another, a JSON array), each with its line and byte offset.
//! * [`json`] parses a record into an exact, order-keeping tree that borrows from the input
//!   (numbers stay text: ids beyond 2^63 survive) and writes events deterministically.
//! * [`decode`] reads the envelope and the typed `event_data` of each event type, consuming what
//!   it understands and leaving the rest for `unmapped`.
//! * [`ocsf`] has one mapper per OCSF class and the single table of ids and captions.
//! * [`pipeline::Pipeline`] runs the stages for one record; every record ends as exactly one
//!   event or one [`RecordError`].
//!
//! The core is pure: no I/O, no clock, nothing target-specific, so the native CLI and the
//! WebAssembly builds produce the same bytes. The native host harness (the `mwsiem` binary, in
//! `src/main.rs`, `src/cli/` and `src/ingest/`: streaming reads, `follow`'s state and dedupe)
//! does the I/O and is compiled only for native targets.

pub mod config;
pub mod decode;
pub mod enrich;
pub mod error;
pub mod frame;
pub mod json;
pub mod lines;
pub mod ocsf;
pub mod parse;
pub mod pipeline;
pub mod redact;

#[cfg(target_env = "p2")]
mod component;
#[cfg(all(target_os = "wasi", target_env = "p1"))]
mod fluentbit;
#[cfg(not(target_family = "wasm"))]
pub mod host;
#[cfg(not(target_family = "wasm"))]
pub mod invariants;

pub use config::{Config, ConfigError};
pub use decode::EventKind;
pub use error::RecordError;
pub use frame::{Frame, Framer, Record, StreamFramer};
pub use pipeline::{Pipeline, RecordMeta, event_count};

//! Amazon Security Lake: OCSF events as Parquet objects in a custom source's layout.
//!
//! ```text
//! event line ─► project ─► spool ─► object ─► store
//!   (1.8.0)     (1.3.0     (rows on  (Parquet,  (a directory laid out as the bucket,
//!                row)       disk)     zstd)      or S3)
//! ```
//!
//! * [`config`]: the `[security_lake]` table, and the classes a lake can take.
//! * [`schema`]: one fixed column layout per class, from the vendored OCSF 1.3.0 class schema.
//! * [`project`]: an OCSF 1.8.0 event as a row of those columns, what 1.3.0 lacks kept in
//!   `unmapped`.
//! * [`spool`]: rows on disk until a roll; `follow` commits its length like any output.
//! * [`object`]: one class's rows of one day to a Parquet object named by its content.
//! * [`store`]: a directory or S3 (the standard AWS credential chain; [`profile`] reads the
//!   shared files).
//! * [`writer`]: the output `replay` and `follow` drive, exactly once across crashes.
//! * [`sources`]: the `security-lake sources` walk-through.
//!
//! Objects land at `ext/<source>/region=<region>/accountId=<account>/eventDay=<YYYYMMDD>/`,
//! as Security Lake's custom sources require.

pub mod config;
pub mod object;
pub mod profile;
pub mod project;
pub mod schema;
pub mod sources;
pub mod spool;
pub mod store;
pub mod writer;

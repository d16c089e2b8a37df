//! Enrichment: facts the export does not carry, added where OCSF has a place for them.

pub mod users;

pub use users::{DirectoryError, NoDirectory, StaticDirectory, UserDirectory, UserInfo, enrich_users};

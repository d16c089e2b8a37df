//! Enrichment: facts the export does not carry, added where OCSF has a place for them.

pub mod ip;
pub mod target;
pub mod users;

pub use ip::enrich_ips;
pub use target::enrich_target;
pub use users::{DirectoryError, NoDirectory, StaticDirectory, UserDirectory, UserInfo, enrich_users};

//! The core, end to end: record bytes in, one OCSF JSON event (or one [`RecordError`]) out.

use crate::config::Config;
use crate::decode::{EventKind, decode};
use crate::error::RecordError;
use crate::json::{self, Value};
use crate::ocsf::normalize;

/// A configured pipeline. Cheap to share; holds no per-record state.
#[derive(Debug, Clone)]
pub struct Pipeline {
    config: Config,
}

impl Pipeline {
    pub fn new(config: Config) -> Self {
        Pipeline { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Normalizes one record and appends its event (compact JSON, no newline) to `out`.
    /// On error nothing is appended.
    pub fn process_into(&self, record: &[u8], out: &mut Vec<u8>) -> Result<EventKind, RecordError> {
        let limit = self.config.limits.max_record_bytes;
        if record.len() > limit {
            return Err(RecordError::TooLarge {
                size: record.len(),
                limit,
            });
        }
        let record = record.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(record);
        let value = json::parse(record, self.config.limits.max_depth)?;
        let event = decode(value)?;
        let kind = event.body.kind();
        let mut ocsf = normalize(event);
        if self.config.output.raw_data {
            // parse() succeeded, so the record is UTF-8 and this borrows.
            if let Ok(raw) = std::str::from_utf8(record) {
                ocsf.insert("raw_data", Value::str(raw.trim()));
            }
        }
        json::write_value(out, &Value::Object(ocsf));
        Ok(kind)
    }

    /// Normalizes one record into a new buffer.
    pub fn process(&self, record: &[u8]) -> Result<(EventKind, Vec<u8>), RecordError> {
        let mut out = Vec::with_capacity(record.len() * 2 + 256);
        let kind = self.process_into(record, &mut out)?;
        Ok((kind, out))
    }
}

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
    ///
    /// ```
    /// use mwsiem::{Config, EventKind, Pipeline};
    ///
    /// let pipeline = Pipeline::new(Config::default());
    /// let record = br#"{"version": "2", "severity": "INFO", "event_id": "Que5vMmYkJuB",
    ///     "event_type": "EXTERNAL_API", "event_source": "MOVEWORKS",
    ///     "event_time": "2025-10-16 19:00:23.850992",
    ///     "event_data": {"request_uri": "https://slack.com/api/chat.postMessage",
    ///                    "request_method": "POST", "response_status_code": "200"}}"#;
    /// let (kind, event) = pipeline.process(record).unwrap();
    /// assert_eq!(kind, EventKind::ExternalApi);
    /// let event = String::from_utf8(event).unwrap();
    /// assert!(event.starts_with(r#"{"class_uid":6003,"class_name":"API Activity""#));
    /// assert!(event.contains(r#""time":1760641223850"#));
    ///
    /// let err = pipeline.process(b"{\"version\": \"2\"").unwrap_err();
    /// assert_eq!(err.code(), "invalid_json");
    /// ```
    pub fn process(&self, record: &[u8]) -> Result<(EventKind, Vec<u8>), RecordError> {
        let mut out = Vec::with_capacity(record.len() * 2 + 256);
        let kind = self.process_into(record, &mut out)?;
        Ok((kind, out))
    }
}

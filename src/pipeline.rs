//! The core, end to end: record bytes in, one OCSF JSON event (or one [`RecordError`]) out.

use crate::config::Config;
use crate::decode::{EventBody, EventKind, decode};
use crate::enrich::{NoDirectory, UserDirectory, enrich_ips, enrich_target, enrich_users};
use crate::error::RecordError;
use crate::json::{self, Map, Value};
use crate::lines::LineRecord;
use crate::ocsf::{describe, normalize};
use crate::redact::Redactor;
use std::sync::Arc;

/// What the host knows of a record's origin (used only with `output.source_metadata`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecordMeta<'a> {
    /// Source tag or file name.
    pub source: Option<&'a str>,
    /// When the host received the record, in ms since the epoch.
    pub timestamp_ms: Option<i64>,
}

/// A configured pipeline. Cheap to clone and share; holds no per-record state.
#[derive(Clone)]
pub struct Pipeline {
    config: Config,
    directory: Arc<dyn UserDirectory>,
    redactor: Redactor,
}

impl std::fmt::Debug for Pipeline {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Pipeline {
    pub fn new(config: Config) -> Self {
        Pipeline {
            redactor: Redactor::new(&config.redaction),
            config,
            directory: Arc::new(NoDirectory),
        }
    }

    /// Uses `directory` to enrich users (the CLI's `--users`, the component's import).
    pub fn with_directory(mut self, directory: Arc<dyn UserDirectory>) -> Self {
        self.directory = directory;
        self
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Normalizes one record and appends its events to `out`: compact JSON, one per line, no
    /// newline after the last ([`event_count`] counts them). A record gives one event, or one
    /// per subject when it describes several (a grant to several grantees). On error nothing is
    /// appended.
    pub fn process_into(&self, record: &[u8], out: &mut Vec<u8>) -> Result<EventKind, RecordError> {
        self.process_meta_into(record, &RecordMeta::default(), out)
    }

    /// [`Pipeline::process_into`] with what the host knows of the record's origin.
    pub fn process_meta_into(
        &self,
        record: &[u8],
        meta: &RecordMeta<'_>,
        out: &mut Vec<u8>,
    ) -> Result<EventKind, RecordError> {
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
        if let EventBody::PermissionChange(grant) = &event.body {
            let (events, most) = (grant.grantee_count(), self.config.limits.max_events_per_record);
            if events > most {
                return Err(RecordError::invalid(
                    "event_data.assigned_roles",
                    format!("names {events} grantees, one event each: over limits.max_events_per_record ({most})"),
                ));
            }
        }
        // `raw_data`: the record as received, re-parsed (decoding consumed the first tree) and
        // with its credentials redacted like `unmapped`; after the event's own redaction, so no
        // value is redacted twice.
        let raw = match self.config.output.raw_data {
            true => {
                let mut raw = json::parse(record, self.config.limits.max_depth)?;
                self.redactor.redact_source(&mut raw);
                Some(json::to_string(&raw))
            }
            false => None,
        };
        for (i, mut ocsf) in normalize(event, &self.config.output).into_iter().enumerate() {
            enrich_users(&mut ocsf, self.directory.as_ref());
            enrich_target(&mut ocsf);
            enrich_ips(&mut ocsf, self.config.output.captions);
            if self.config.output.source_metadata {
                add_source_metadata(&mut ocsf, meta);
            }
            self.redactor.redact(&mut ocsf);
            describe(&mut ocsf, kind, self.config.output.captions);
            if let Some(raw) = &raw {
                ocsf.insert("raw_data", Value::str(raw.clone()));
            }
            if i > 0 {
                out.push(b'\n');
            }
            json::write_value(out, &Value::Object(ocsf));
        }
        Ok(kind)
    }

    /// One record to one JSON object, always: its event, or an in-band error event
    /// ([`error_event_into`]) for hosts that can neither drop silently nor keep a dead-letter
    /// file (Fluent Bit's filter). The error is returned too, for counting.
    pub fn process_or_error_into(
        &self,
        record: &[u8],
        meta: &RecordMeta<'_>,
        out: &mut Vec<u8>,
    ) -> Result<EventKind, RecordError> {
        let start = out.len();
        self.process_meta_into(record, meta, out).inspect_err(|e| {
            out.truncate(start);
            error_event_into(&self.redactor, e.code(), &e.to_string(), record, out);
        })
    }

    /// A record framed from forwarded lines ([`crate::lines`]) to one JSON object: its event, or
    /// an in-band error event that also says where the record is in its source
    /// (`mwsiem_source`, `mwsiem_line`, `mwsiem_offset`, `mwsiem_size`), so the exact text can be
    /// read back from the file for reprocessing.
    pub fn process_line_record_into(
        &self,
        record: &LineRecord,
        meta: &RecordMeta<'_>,
        out: &mut Vec<u8>,
    ) -> Result<EventKind, RecordError> {
        let start = out.len();
        let result = match record.oversized {
            Some(size) => Err(RecordError::TooLarge {
                size: usize::try_from(size).unwrap_or(usize::MAX),
                limit: self.config.limits.max_record_bytes,
            }),
            None => self.process_meta_into(&record.bytes, meta, out),
        };
        result.inspect_err(|e| {
            out.truncate(start);
            let size = record.oversized.unwrap_or(record.bytes.len() as u64);
            let origin = Origin {
                source: &record.source,
                line: record.line,
                offset: record.offset,
                size,
            };
            error_event_with_origin(
                &self.redactor,
                e.code(),
                &e.to_string(),
                &record.bytes,
                Some(&origin),
                out,
            );
        })
    }

    /// The configured redactor (also for text that never became an event).
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The user directory enrichment uses.
    pub fn directory(&self) -> &dyn UserDirectory {
        self.directory.as_ref()
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

/// How many events [`Pipeline::process_into`] appended as `events` (compact JSON never holds a
/// raw newline: one separates two events).
pub fn event_count(events: &[u8]) -> usize {
    1 + crate::frame::count_newlines(events) as usize
}

fn add_source_metadata(event: &mut Map<'_>, meta: &RecordMeta<'_>) {
    if let Some(Value::Object(metadata)) = event.get_mut("metadata") {
        // A configured `output.log_name` is already there and wins.
        if metadata.get("log_name").is_none() {
            metadata.insert_opt("log_name", meta.source.map(|s| Value::str(s.to_owned())));
        }
        metadata.insert_opt("logged_time", meta.timestamp_ms.map(Value::int));
    }
}

/// How much of a failed record an in-band error event shows.
pub const ERROR_EVENT_RAW_LIMIT: usize = 16 * 1024;

/// An in-band error event: `{"mwsiem_error": reason, "mwsiem_message": ..., "mwsiem_raw": ...}`,
/// flat so that a `grep` or `rewrite_tag` filter can route it on `$mwsiem_error`. The raw text is
/// the record as far as it is UTF-8, scrubbed by `redactor` (credentials always; string values
/// too under restricted) and cut to [`ERROR_EVENT_RAW_LIMIT`] bytes.
pub fn error_event_into(
    redactor: &crate::redact::Redactor,
    reason: &str,
    message: &str,
    record: &[u8],
    out: &mut Vec<u8>,
) {
    error_event_with_origin(redactor, reason, message, record, None, out);
}

/// Where a failed record is in its source.
struct Origin<'a> {
    source: &'a str,
    line: u64,
    offset: u64,
    size: u64,
}

fn error_event_with_origin(
    redactor: &crate::redact::Redactor,
    reason: &str,
    message: &str,
    record: &[u8],
    origin: Option<&Origin<'_>>,
    out: &mut Vec<u8>,
) {
    let text = String::from_utf8_lossy(record);
    let mut raw = redactor.scrub_unparsed(&text);
    let truncated = raw.len() > ERROR_EVENT_RAW_LIMIT;
    if truncated {
        let mut cut = ERROR_EVENT_RAW_LIMIT;
        while !raw.is_char_boundary(cut) {
            cut -= 1;
        }
        raw.truncate(cut);
    }
    let mut m = Map::with_capacity(4);
    m.insert("mwsiem_error", Value::str(reason));
    m.insert("mwsiem_message", Value::str(message));
    m.insert("mwsiem_raw", Value::str(raw));
    if truncated {
        m.insert("mwsiem_raw_truncated", Value::Bool(true));
    }
    if let Some(o) = origin {
        m.insert("mwsiem_source", Value::str(o.source));
        m.insert("mwsiem_line", Value::Number(o.line.to_string().into()));
        m.insert("mwsiem_offset", Value::Number(o.offset.to_string().into()));
        m.insert("mwsiem_size", Value::Number(o.size.to_string().into()));
    }
    json::write_value(out, &Value::Object(m));
}

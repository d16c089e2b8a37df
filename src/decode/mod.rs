//! From a parsed record to a typed Moveworks event.
//!
//! The envelope (`version`, `severity`, `event_id`, `event_type`, `event_source`, `event_time`)
//! is the same in schema versions "1" and "2"; `event_data` is decoded per event type into a
//! typed struct ([`events`]). Decoding *consumes*: every field it understands is taken out of the
//! record, and whatever is left (unknown keys, values of an unexpected type, duplicates) travels on
//! in `extra` maps so the normalizer can keep it under OCSF `unmapped`, with its original name and
//! nesting. Required fields that are missing or unusable are a [`RecordError`]; optional ones
//! that do not fit are simply left over.

pub mod events;
pub mod time;

use crate::error::RecordError;
use crate::json::{Map, Value};
pub use events::*;
use std::borrow::Cow;
pub use time::{EventTime, parse_event_time};

/// The export schema a record declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SchemaVersion {
    /// The current pipeline, `logs/YYYY-MM-DD/` (daily).
    V1,
    /// The new pipeline, `logs/v1/YYYY-MM-DD/` (every 3 hours).
    V2,
    /// A version this build does not know: the record becomes an API Activity of activity Other.
    Unknown,
}

/// A decoded record: the shared envelope plus the typed body.
#[derive(Debug)]
pub struct MoveworksEvent<'a> {
    pub envelope: Envelope<'a>,
    pub body: EventBody<'a>,
}

/// The top-level fields every record carries.
#[derive(Debug, Clone)]
pub struct Envelope<'a> {
    /// `version` as written (string or number).
    pub version: Cow<'a, str>,
    pub schema: SchemaVersion,
    pub event_type: Cow<'a, str>,
    pub event_id: Option<Cow<'a, str>>,
    pub severity: Option<Cow<'a, str>>,
    pub event_source: Option<Cow<'a, str>>,
    pub time: EventTime,
    /// `event_time` as written, for `metadata.original_time`.
    pub time_text: Cow<'a, str>,
    /// Top-level keys nobody consumed (for known types); the whole record for unknown ones.
    pub extra: Map<'a>,
}

/// Decodes a parsed record. `record` must be the top-level JSON value.
pub fn decode(record: Value<'_>) -> Result<MoveworksEvent<'_>, RecordError> {
    let mut map = match record {
        Value::Object(m) => m,
        other => {
            return Err(RecordError::NotAnObject {
                found: other.kind().into(),
            });
        }
    };
    // Unknown versions and types keep the whole record under `unmapped`, envelope included:
    // their envelope may not mean what ours does.
    let known = matches!(
        map.get("version").and_then(Value::as_text).map(str::trim),
        Some("1" | "2")
    ) && map
        .get("event_type")
        .and_then(Value::as_str)
        .is_some_and(|t| EventKind::from_event_type(t) != EventKind::Unknown);
    let mut whole = (!known).then(|| map.clone());
    let version = required_text(&mut map, "version")?;
    let event_type = match map.take_str("event_type") {
        Some(t) => t,
        None if map.get("event_type").is_some() => {
            return Err(RecordError::invalid("event_type", "expected a string"));
        }
        None => return Err(RecordError::missing("event_type")),
    };
    let time_text = match map.take_str("event_time") {
        Some(t) => t,
        None if map.get("event_time").is_some() => {
            return Err(RecordError::invalid("event_time", "expected a date-time string"));
        }
        None => return Err(RecordError::missing("event_time")),
    };
    let Some(time) = parse_event_time(&time_text) else {
        return Err(RecordError::invalid(
            "event_time",
            format!("`{}` is not a date-time", truncate(&time_text, 64)),
        ));
    };
    let schema = match version.trim() {
        "1" => SchemaVersion::V1,
        "2" => SchemaVersion::V2,
        _ => SchemaVersion::Unknown,
    };
    let event_id = map.take_text("event_id");
    let severity = map.take_str("severity");
    let event_source = map.take_str("event_source");
    let kind = EventKind::from_event_type(&event_type);

    let body = if let Some(whole) = whole.as_mut() {
        let user_id = match whole.get_mut("event_data") {
            Some(Value::Object(data)) => data.take_text("user_id"),
            _ => None,
        };
        EventBody::Unknown(UnknownEvent { user_id })
    } else {
        let data = match map.take("event_data") {
            Some(Value::Object(m)) => m,
            Some(other) => {
                return Err(RecordError::invalid(
                    "event_data",
                    format!("expected an object, found {}", other.kind()),
                ));
            }
            None => return Err(RecordError::missing("event_data")),
        };
        EventBody::decode(kind, data)?
    };

    Ok(MoveworksEvent {
        envelope: Envelope {
            version,
            schema,
            event_type,
            event_id,
            severity,
            event_source,
            time,
            time_text,
            extra: whole.unwrap_or(map),
        },
        body,
    })
}

fn required_text<'a>(map: &mut Map<'a>, field: &'static str) -> Result<Cow<'a, str>, RecordError> {
    match map.take_text(field) {
        Some(t) => Ok(t),
        None if map.get(field).is_some() => Err(RecordError::invalid(field, "expected a string or number")),
        None => Err(RecordError::missing(field)),
    }
}

/// At most `max` characters of `s`, for error messages that must stay short.
pub(crate) fn truncate(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse;

    fn dec(s: &str) -> Result<MoveworksEvent<'_>, RecordError> {
        decode(parse(s.as_bytes(), 32).unwrap())
    }

    #[test]
    fn version_as_string_or_number() {
        let a = dec(r#"{"version":"2","event_type":"X","event_time":"2025-01-01 00:00:00"}"#).unwrap();
        let b = dec(r#"{"version":1,"event_type":"X","event_time":"2025-01-01 00:00:00"}"#).unwrap();
        assert_eq!(a.envelope.schema, SchemaVersion::V2);
        assert_eq!(b.envelope.schema, SchemaVersion::V1);
        assert_eq!(b.envelope.version, "1");
    }

    #[test]
    fn unknown_versions_and_types_keep_everything() {
        let e = dec(
            r#"{"version":"7","event_type":"EXTERNAL_API","event_time":"2025-01-01 00:00:00","event_data":{"a":1}}"#,
        )
        .unwrap();
        assert!(matches!(e.body, EventBody::Unknown(_)));
        assert!(e.envelope.extra.get("event_data").is_some());
    }

    #[test]
    fn missing_and_invalid_required_fields() {
        assert_eq!(
            dec("[]").unwrap_err(),
            RecordError::NotAnObject { found: "array".into() }
        );
        assert_eq!(
            dec(r#"{"event_type":"X","event_time":"2025-01-01 00:00:00"}"#).unwrap_err(),
            RecordError::missing("version")
        );
        assert_eq!(
            dec(r#"{"version":"2","event_time":"2025-01-01 00:00:00"}"#).unwrap_err(),
            RecordError::missing("event_type")
        );
        assert_eq!(
            dec(r#"{"version":"2","event_type":"X"}"#).unwrap_err(),
            RecordError::missing("event_time")
        );
        assert_eq!(
            dec(r#"{"version":"2","event_type":"X","event_time":"yesterday"}"#)
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        assert_eq!(
            dec(r#"{"version":{},"event_type":"X","event_time":"2025-01-01 00:00:00"}"#)
                .unwrap_err()
                .code(),
            "invalid_field"
        );
        assert_eq!(
            dec(r#"{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-01-01 00:00:00"}"#).unwrap_err(),
            RecordError::missing("event_data")
        );
        assert_eq!(
            dec(r#"{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-01-01 00:00:00","event_data":[]}"#)
                .unwrap_err()
                .code(),
            "invalid_field"
        );
    }
}

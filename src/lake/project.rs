//! An OCSF 1.8.0 event as a row of its class's OCSF 1.3.0 columns, losing nothing.
//!
//! Security Lake's custom sources take OCSF 1.3 and earlier, so each event is walked against the
//! 1.3.0 class schema ([`super::schema`]):
//! * an attribute 1.3.0 defines, with a value of its type, stays where it is;
//! * an attribute 1.3.0 lacks (`metadata.original_event_uid`, `trace`, an `actor` where the
//!   class had none), or a value of another type, moves to `unmapped.ocsf_1_8_0` under its path
//!   (`metadata.original_event_uid`, `observables[2].type_id`), unchanged;
//! * a string longer than 1.3.0's `maxLength` moves as above, whole (a required one also keeps
//!   its first `maxLength` characters in place);
//! * an enum id 1.3.0 does not list becomes 99 (Other), its caption beside it unchanged, and the
//!   original id moves as above; a string enum value 1.3.0 does not list (`PATCH` as an
//!   `http_method`) moves;
//! * `metadata.version` says 1.3.0, and `metadata.profiles` loses the profiles 1.3.0 did not have;
//! * free-form attributes (`unmapped`, `enrichments[].data`) become JSON text.
//!
//! Numbers keep their exact text (ids beyond 2^63 in `unmapped` survive), as everywhere else.

use super::schema::{Kind, LAKE_OCSF_VERSION, Object};
use mwsiem::json::{self, Map, Value};
use std::borrow::Cow;
use std::fmt::Write as _;

/// Where the attributes OCSF 1.3.0 cannot hold go, inside `unmapped`.
pub const MOVED_KEY: &str = "ocsf_1_8_0";

/// Profiles mwsiem declares that OCSF 1.3.0 did not have (`trace` came in 1.4.0).
const PROFILES_AFTER_1_3: &[&str] = &["trace"];

/// Nesting an event may have: mwsiem's own events are far shallower.
const MAX_DEPTH: usize = 64;

/// Why an event has no row (it is still in the NDJSON output).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProjectError {
    #[error("not a JSON object: {0}")]
    NotJson(String),
    #[error("no integer `class_uid`")]
    NoClass,
    #[error("no integer `time`")]
    NoTime,
}

/// What a projected event says about where its row goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowInfo {
    pub class_uid: i64,
    /// Epoch milliseconds (UTC).
    pub time_ms: i64,
}

/// Reads the class and time of one event line (without projecting it).
pub fn row_info(event: &Map<'_>) -> Result<RowInfo, ProjectError> {
    let class_uid = event
        .get("class_uid")
        .and_then(Value::as_i64)
        .ok_or(ProjectError::NoClass)?;
    let time_ms = match event.get("time") {
        Some(v @ (Value::Int(_) | Value::Number(_))) => v.as_i64().ok_or(ProjectError::NoTime)?,
        _ => return Err(ProjectError::NoTime),
    };
    Ok(RowInfo { class_uid, time_ms })
}

/// Parses one event line (as the core writes it).
pub fn parse_event(line: &[u8]) -> Result<Map<'_>, ProjectError> {
    match json::parse(line, MAX_DEPTH) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(v) => Err(ProjectError::NotJson(format!("a JSON {}", v.kind()))),
        Err(e) => Err(ProjectError::NotJson(format!(
            "{} at byte {}",
            e.kind.describe(),
            e.offset
        ))),
    }
}

/// Appends the event, projected onto `class`, to `out` as one JSON object (no newline).
pub fn project(event: Map<'_>, class: &Object, out: &mut Vec<u8>) {
    let mut moved = Map::new();
    let mut path = String::new();
    let mut row = project_object(event, class, &mut path, &mut moved);
    fix_metadata(&mut row, &mut moved);
    if !moved.is_empty() {
        // `unmapped` is JSON text by now (or absent): put the moved attributes inside it.
        let mut unmapped = match row.take("unmapped") {
            Some(Value::String(text)) => match json::parse(text.as_bytes(), MAX_DEPTH) {
                Ok(Value::Object(m)) => m.into_owned(),
                _ => {
                    let mut m = Map::new();
                    m.insert("unmapped", Value::String(Cow::Owned(text.into_owned())));
                    m
                }
            },
            _ => Map::new(),
        };
        unmapped.insert(MOVED_KEY, Value::Object(moved));
        row.insert("unmapped", Value::str(json::to_string(&Value::Object(unmapped))));
    }
    json::write_value(out, &Value::Object(row));
}

fn project_object<'a>(map: Map<'a>, schema: &Object, path: &mut String, moved: &mut Map<'a>) -> Map<'a> {
    let mut out = Map::with_capacity(map.len());
    for (key, value) in map {
        let at = path.len();
        if !path.is_empty() {
            path.push('.');
        }
        path.push_str(&key);
        match schema.get(&key) {
            Some(kind) => {
                if let Some(v) = conform(value, kind, schema.requires(&key), path, moved) {
                    out.insert(key, v);
                }
            }
            None => moved.insert(path.clone(), value),
        }
        path.truncate(at);
    }
    out
}

/// `value` as `kind` wants it, or `None` when it moved.
fn conform<'a>(
    value: Value<'a>,
    kind: &Kind,
    required: bool,
    path: &mut String,
    moved: &mut Map<'a>,
) -> Option<Value<'a>> {
    match (kind, value) {
        (Kind::Json, v) => Some(match v {
            Value::String(s) => Value::str(json::to_string(&Value::String(s))),
            v => Value::str(json::to_string(&v)),
        }),
        (Kind::Str { allowed, max_chars }, Value::String(s)) => {
            let listed = allowed.as_ref().is_none_or(|list| list.iter().any(|a| *a == *s));
            // maxLength counts characters; only a string of more bytes can have more.
            let fits = max_chars.is_none_or(|max| s.len() <= max || s.chars().count() <= max);
            match (listed, fits, max_chars) {
                (true, true, _) => Some(Value::String(s)),
                // A required attribute keeps its first characters; the whole value moves.
                (true, false, Some(max)) if required => {
                    let cut: String = s.chars().take(*max).collect();
                    moved.insert(path.clone(), Value::String(s));
                    Some(Value::str(cut))
                }
                _ => {
                    moved.insert(path.clone(), Value::String(s));
                    None
                }
            }
        }
        (Kind::Int(allowed), v @ (Value::Int(_) | Value::Number(_))) => match v.as_i64() {
            None => {
                moved.insert(path.clone(), v);
                None
            }
            Some(n) => match allowed {
                Some(list) if !list.contains(&n) => {
                    moved.insert(path.clone(), v);
                    list.contains(&99).then_some(Value::Int(99))
                }
                _ => Some(v),
            },
        },
        (Kind::Float, v @ (Value::Int(_) | Value::Number(_))) => Some(v),
        (Kind::Bool, v @ Value::Bool(_)) => Some(v),
        (Kind::Object(o), Value::Object(m)) => Some(Value::Object(project_object(m, o, path, moved))),
        (Kind::List(item), Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, v) in items.into_iter().enumerate() {
                let at = path.len();
                let _ = write!(path, "[{i}]");
                if let Some(v) = conform(v, item, false, path, moved) {
                    out.push(v);
                }
                path.truncate(at);
            }
            Some(Value::Array(out))
        }
        (_, v) => {
            moved.insert(path.clone(), v);
            None
        }
    }
}

fn fix_metadata<'a>(row: &mut Map<'a>, moved: &mut Map<'a>) {
    let Some(Value::Object(metadata)) = row.get_mut("metadata") else {
        return;
    };
    if let Some(v @ Value::String(_)) = metadata.get_mut("version") {
        *v = Value::str(LAKE_OCSF_VERSION);
    }
    if let Some(Value::Array(profiles)) = metadata.get_mut("profiles") {
        let mut i = 0;
        profiles.retain(|p| {
            let keep = !p.as_str().is_some_and(|p| PROFILES_AFTER_1_3.contains(&p));
            if !keep {
                moved.insert(format!("metadata.profiles[{i}]"), p.clone());
            }
            i += 1;
            keep
        });
        if profiles.is_empty() {
            metadata.take("profiles");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lake::schema::ClassColumns;

    const SCHEMA: &str = r##"{
      "$defs": {
        "object": {"type": "object", "properties": {}},
        "metadata": {"type": "object", "properties": {
            "version": {"type": "string"}, "uid": {"type": "string"},
            "profiles": {"type": "array", "items": {"type": "string"}}}},
        "observable": {"type": "object", "properties": {
            "name": {"type": "string"}, "type": {"type": "string"},
            "type_id": {"type": "integer", "enum": [0, 4, 99]}}},
        "http_request": {"type": "object", "properties": {
            "http_method": {"type": "string", "enum": ["GET", "POST"]}}},
        "api": {"type": "object", "required": ["operation"], "properties": {
            "operation": {"type": "string", "maxLength": 4}}}
      },
      "properties": {
        "class_uid": {"type": "integer", "const": 6003},
        "time": {"type": "integer"},
        "metadata": {"$ref": "#/$defs/metadata"},
        "observables": {"type": "array", "items": {"$ref": "#/$defs/observable"}},
        "http_request": {"$ref": "#/$defs/http_request"},
        "api": {"$ref": "#/$defs/api"},
        "unmapped": {"$ref": "#/$defs/object"},
        "status_code": {"type": "string"},
        "message": {"type": "string", "maxLength": 3}
      }
    }"##;

    fn run(event: &str) -> String {
        let c = ClassColumns::from_json_schema("t", SCHEMA).unwrap();
        let mut out = Vec::new();
        project(parse_event(event.as_bytes()).unwrap(), &c.root, &mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn what_1_3_lacks_moves_to_unmapped_by_path() {
        let got = run(concat!(
            r#"{"class_uid":6003,"time":1760641223850,"trace":{"uid":"t1"},"#,
            r#""metadata":{"version":"1.8.0","uid":"u","original_event_uid":"18446744073709551617","profiles":["trace"]},"#,
            r#""observables":[{"name":"a","type":"Email Address","type_id":4},{"name":"b","type":"Key","type_id":31}],"#,
            r#""http_request":{"http_method":"PATCH"},"status_code":404,"message":"abcd","#,
            r#""unmapped":{"event_id":18446744073709551617,"x":"y"}}"#
        ));
        assert_eq!(
            got,
            concat!(
                r#"{"class_uid":6003,"time":1760641223850,"metadata":{"version":"1.3.0","uid":"u"},"#,
                r#""observables":[{"name":"a","type":"Email Address","type_id":4},{"name":"b","type":"Key","type_id":99}],"#,
                r#""http_request":{},"#,
                r#""unmapped":"{\"event_id\":18446744073709551617,\"x\":\"y\",\"ocsf_1_8_0\":{"#,
                r#"\"trace\":{\"uid\":\"t1\"},\"metadata.original_event_uid\":\"18446744073709551617\","#,
                r#"\"observables[1].type_id\":31,\"http_request.http_method\":\"PATCH\",\"status_code\":404,\"message\":\"abcd\","#,
                r#"\"metadata.profiles[0]\":\"trace\"}}"}"#
            )
        );
    }

    #[test]
    fn an_event_1_3_holds_whole_only_changes_its_version() {
        let got = run(r#"{"class_uid":6003,"time":1,"metadata":{"version":"1.8.0"},"unmapped":{"a":[1,2.50]}}"#);
        assert_eq!(
            got,
            r#"{"class_uid":6003,"time":1,"metadata":{"version":"1.3.0"},"unmapped":"{\"a\":[1,2.50]}"}"#
        );
    }

    #[test]
    fn a_required_string_too_long_keeps_its_start_and_moves_whole() {
        let got = run(r#"{"class_uid":6003,"time":1,"api":{"operation":"chat.ßend"}}"#);
        assert_eq!(
            got,
            r#"{"class_uid":6003,"time":1,"api":{"operation":"chat"},"unmapped":"{\"ocsf_1_8_0\":{\"api.operation\":\"chat.ßend\"}}"}"#
        );
        let fits = run(r#"{"class_uid":6003,"time":1,"api":{"operation":"ßßßß"}}"#);
        assert_eq!(
            fits, r#"{"class_uid":6003,"time":1,"api":{"operation":"ßßßß"}}"#,
            "characters, not bytes"
        );
    }

    #[test]
    fn class_and_time_are_read_strictly() {
        let info = |s: &str| row_info(&parse_event(s.as_bytes()).unwrap());
        assert_eq!(
            info(r#"{"class_uid":3002,"time":5}"#),
            Ok(RowInfo {
                class_uid: 3002,
                time_ms: 5
            })
        );
        assert_eq!(info(r#"{"class_uid":3002,"time":"5"}"#), Err(ProjectError::NoTime));
        assert_eq!(info(r#"{"time":5}"#), Err(ProjectError::NoClass));
        assert!(parse_event(b"[1]").is_err());
        assert!(parse_event(b"{").is_err());
    }
}

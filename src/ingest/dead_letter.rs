//! The dead-letter line: one NDJSON line per rejected record, with the reason, where it came
//! from and the record's exact bytes, for reprocessing. It may hold secrets the events never
//! show, so its file is created readable by its owner only (0600, see [`super::output`]).

use base64::Engine as _;
use mwsiem::Record;
use mwsiem::json::{Map, Value, parse, write_value};

/// `{"reason":..,"message":..,"source":{"file","line","offset"},"record":..}`; a record that is
/// not UTF-8 is carried as `record_base64` so its bytes survive exactly. A record over the size
/// limit was never held whole: its first bytes are `record_head` and `source.size` its length,
/// so it can be cut out of the file.
pub fn dead_letter_line(
    source: &str,
    record: &Record<'_>,
    oversized: Option<u64>,
    code: &str,
    message: &str,
) -> Vec<u8> {
    let mut m = Map::with_capacity(4);
    m.insert("reason", Value::str(code));
    m.insert("message", Value::str(message));
    let mut src = Map::with_capacity(4);
    src.insert("file", Value::str(source));
    src.insert("line", Value::Number(record.line.to_string().into()));
    src.insert("offset", Value::Number(record.offset.to_string().into()));
    if let Some(size) = oversized {
        src.insert("size", Value::Number(size.to_string().into()));
    }
    m.insert("source", Value::Object(src));
    let (text_key, base64_key) = match oversized {
        None => ("record", "record_base64"),
        Some(_) => ("record_head", "record_head_base64"),
    };
    match std::str::from_utf8(record.bytes) {
        Ok(text) => m.insert(text_key, Value::str(text)),
        Err(_) => m.insert(
            base64_key,
            Value::str(base64::engine::general_purpose::STANDARD.encode(record.bytes)),
        ),
    }
    let mut out = Vec::with_capacity(record.bytes.len() + 128);
    write_value(&mut out, &Value::Object(m));
    out
}

/// The offset and bytes of the record a dead-letter line carries (what its key is made of).
pub fn read_dead_letter(line: &[u8]) -> Option<(u64, Vec<u8>)> {
    let v = parse(line, 16).ok()?;
    let m = v.as_object()?;
    let offset = m.get("source")?.as_object()?.get("offset")?.as_text()?.parse().ok()?;
    for key in ["record", "record_head"] {
        if let Some(text) = m.get(key).and_then(Value::as_str) {
            return Some((offset, text.as_bytes().to_vec()));
        }
    }
    for key in ["record_base64", "record_head_base64"] {
        if let Some(text) = m.get(key).and_then(Value::as_str) {
            return Some((offset, base64::engine::general_purpose::STANDARD.decode(text).ok()?));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_letter_gives_back_its_record() {
        for (bytes, oversized) in [
            (&b"{\"a\": \"tru"[..], None),
            (&b"\xff\xfe{}"[..], None),
            (&b"{\"x\":\"AAAA"[..], Some(1_000_000)),
        ] {
            let rec = Record {
                bytes,
                line: 3,
                offset: 77,
            };
            let line = dead_letter_line("logs/a.json", &rec, oversized, "invalid_json", "bad");
            assert_eq!(read_dead_letter(&line), Some((77, bytes.to_vec())));
        }
    }
}

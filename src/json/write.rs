//! Compact, deterministic JSON output: objects in insertion order, numbers as their text.
//!
//! Output never contains a raw control character or NUL byte (they are `\u00XX`-escaped), which
//! keeps it one line for NDJSON and safe as a NUL-terminated string for Fluent Bit.

use super::value::Value;

/// Appends `v` to `out` as compact JSON.
pub fn write_value(out: &mut Vec<u8>, v: &Value<'_>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.as_bytes()),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_value(out, v);
            }
            out.push(b'}');
        }
    }
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut run = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x00..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[run..i]);
        if esc.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        run = i + 1;
    }
    out.extend_from_slice(&bytes[run..]);
    out.push(b'"');
}

/// `v` as a compact JSON string.
pub fn to_string(v: &Value<'_>) -> String {
    let mut out = Vec::new();
    write_value(&mut out, v);
    // Only whole UTF-8 strings and ASCII punctuation were written.
    String::from_utf8(out).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse::parse;

    #[test]
    fn round_trips_exactly_when_compact() {
        let src = r#"{"a":[1,-2.50,1e9,true,false,null],"b":{"c":"d\"e\\f\n\u0000\u001f","a":"é"},"a":12345678901234567890123}"#;
        let v = parse(src.as_bytes(), 16).unwrap();
        assert_eq!(to_string(&v), src);
    }

    #[test]
    fn never_writes_raw_control_bytes() {
        let mut out = Vec::new();
        write_str(&mut out, "x\0y\u{7}\u{1b}");
        assert_eq!(out, br#""x\u0000y\u0007\u001b""#);
    }
}

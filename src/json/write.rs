//! Compact, deterministic JSON output: objects in insertion order, numbers as their text.
//!
//! Output never contains a raw control character or NUL byte (they are `\u00XX`-escaped), which
//! keeps it one line for NDJSON and safe as a NUL-terminated string for Fluent Bit.

use super::scan::find_special;
use super::value::Value;

/// Appends `v` to `out` as compact JSON.
pub fn write_value(out: &mut Vec<u8>, v: &Value<'_>) {
    match v {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => out.extend_from_slice(n.as_bytes()),
        Value::Int(n) => write_int(out, *n),
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

/// Appends `n` in decimal.
pub fn write_int(out: &mut Vec<u8>, n: i64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    loop {
        i -= 1;
        buf[i] = b'0' + (m % 10) as u8;
        m /= 10;
        if m == 0 {
            break;
        }
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// Appends `s` as a JSON string literal.
pub fn write_str(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    out.push(b'"');
    let mut run = 0;
    loop {
        let i = find_special(bytes, run);
        out.extend_from_slice(&bytes[run..i]);
        let Some(&b) = bytes.get(i) else { break };
        match b {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            _ => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]),
        }
        run = i + 1;
    }
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
    fn integers_in_decimal() {
        for n in [0, 7, -7, 1_760_641_223_850, i64::MIN, i64::MAX] {
            let mut out = Vec::new();
            write_int(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
    }

    #[test]
    fn never_writes_raw_control_bytes() {
        let mut out = Vec::new();
        write_str(&mut out, "x\0y\u{7}\u{1b}");
        assert_eq!(out, br#""x\u0000y\u0007\u001b""#);
    }
}

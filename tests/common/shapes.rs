//! The export shapes a forwarder meets, made from the fixture records: NDJSON; NDJSON with a BOM,
//! CRLF and blank lines; pretty-printed objects; pretty-printed and one-line JSON arrays; and the
//! hostile file. Written once to `testdata/shapes/` (golden-checked by tests/shapes.rs), so the
//! real-forwarder release checks (`transforms/checks/*-release.sh`) read the same bytes the
//! emulation tests do.
#![allow(dead_code)]

use super::{hostile_input, repo};
use mwsiem::Framer;
use mwsiem::json::{self, Value};

/// One fixture record: where it comes from (path under the repository, line) and its compact text.
pub struct FixtureRecord {
    pub input: String,
    pub line: u64,
    pub bytes: Vec<u8>,
}

/// Every record of the SFTP fixture tree and of the case fixtures that parses as JSON, compact,
/// in a fixed order: the material every shape is made of.
pub fn fixture_records() -> Vec<FixtureRecord> {
    let mut files = Vec::new();
    let mut stack = vec![repo().join("testdata/sftp")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() { stack.push(p) } else { files.push(p) }
        }
    }
    files.extend(super::cases());
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let bytes = std::fs::read(&f).unwrap();
        let input = f.strip_prefix(repo()).unwrap().to_string_lossy().into_owned();
        for r in Framer::new(&bytes) {
            // Only records that are JSON objects: a shape re-prints them, and a broken record
            // has no shape to re-print (the hostile file carries those).
            if let Ok(v @ Value::Object(_)) = json::parse(r.bytes, 64) {
                let mut compact = Vec::new();
                json::write_value(&mut compact, &v);
                out.push(FixtureRecord {
                    input: input.clone(),
                    line: r.line,
                    bytes: compact,
                });
            }
        }
    }
    out
}

/// `(file name, bytes)` of every shape.
pub fn shapes() -> Vec<(&'static str, Vec<u8>)> {
    let records: Vec<Vec<u8>> = fixture_records().into_iter().map(|r| r.bytes).collect();
    let parsed: Vec<Value<'_>> = records.iter().map(|r| json::parse(r, 64).unwrap()).collect();
    let mut ndjson = Vec::new();
    let mut bom_crlf_blank = b"\xEF\xBB\xBF".to_vec();
    let mut pretty = Vec::new();
    let mut array_pretty = b"[\n".to_vec();
    let mut array_compact = b"[".to_vec();
    for (i, (r, v)) in records.iter().zip(&parsed).enumerate() {
        ndjson.extend_from_slice(r);
        ndjson.push(b'\n');
        bom_crlf_blank.extend_from_slice(r);
        bom_crlf_blank.extend_from_slice(if i % 3 == 0 { b"\r\n\r\n" } else { b"\r\n" });
        write_pretty(v, 4, 0, &mut pretty);
        pretty.push(b'\n');
        if i > 0 {
            array_pretty.extend_from_slice(b",\n");
            array_compact.push(b',');
        }
        array_pretty.extend_from_slice(b"  ");
        write_pretty(v, 2, 1, &mut array_pretty);
        array_compact.extend_from_slice(r);
    }
    array_pretty.extend_from_slice(b"\n]\n");
    array_compact.extend_from_slice(b"]\n");
    vec![
        ("ndjson.json", ndjson),
        ("bom_crlf_blank.json", bom_crlf_blank),
        ("pretty.json", pretty),
        ("array_pretty.json", array_pretty),
        ("array_compact.json", array_compact),
        ("hostile.json", hostile_input()),
    ]
}

/// Pretty-prints `v` the way Python's `json.dumps(indent=...)` does (the vendor documents'
/// style), numbers and strings as written, starting at nesting `level`.
pub fn write_pretty(v: &Value<'_>, indent: usize, level: usize, out: &mut Vec<u8>) {
    let pad = |out: &mut Vec<u8>, level: usize| out.extend(std::iter::repeat_n(b' ', indent * level));
    match v {
        Value::Object(m) if !m.is_empty() => {
            out.extend_from_slice(b"{\n");
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",\n");
                }
                pad(out, level + 1);
                json::write_value(out, &Value::str(k));
                out.extend_from_slice(b": ");
                write_pretty(x, indent, level + 1, out);
            }
            out.push(b'\n');
            pad(out, level);
            out.push(b'}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.extend_from_slice(b"[\n");
            for (i, x) in items.iter().enumerate() {
                if i > 0 {
                    out.extend_from_slice(b",\n");
                }
                pad(out, level + 1);
                write_pretty(x, indent, level + 1, out);
            }
            out.push(b'\n');
            pad(out, level);
            out.push(b']');
        }
        other => json::write_value(out, other),
    }
}

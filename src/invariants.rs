//! Properties every input keeps, one function per fuzz target.
//!
//! The coverage-guided targets in `fuzz/` call these on whatever bytes libFuzzer makes up, and
//! `tests/fuzz_corpora.rs` calls them on every input the targets ever kept (`fuzz/corpus/`) or
//! that once broke one (`fuzz/regressions/`), so the normal test suite guards what a campaign
//! found without a fuzzer. A violated property panics with what was expected; a property
//! takes any bytes, so a target needs no input format of its own.
//!
//! Each property checks more than "no panic": an oracle (serde_json for the JSON parser, one
//! whole read for the stream framer) or a structural promise (spans inside the input, output
//! always valid JSON, exactly one outcome per record).

use crate::config::Config;
use crate::frame::{Frame, Framer, StreamFramer};
use crate::json::{self, ParseErrorKind, Value};
use crate::parse::ldap_filter::{Filter, parse_filter};
use crate::parse::pylit::parse_python_literal;
use crate::parse::url::{percent_decode, query_pairs, split_url};
use crate::pipeline::{Pipeline, RecordMeta, event_count};
use crate::redact::scrub::{MAX_MASK_PASSES, credential_spans, scrub};
use crate::redact::{Action, Applier};

/// Nesting our parser is asked to accept: under serde_json's recursion limit (128), so where
/// both parsers accept, both had the chance to.
const JSON_DEPTH: usize = 64;

/// The JSON parser agrees with serde_json: the same documents accepted, the same values
/// (compared after writing ours back out), the same rejected. Two differences are by design:
/// a nesting deeper than we were asked to accept, and a number beyond `f64` (kept as its text
/// here, refused by serde_json, allowed by RFC 8259 section 6).
pub fn json(data: &[u8]) {
    let ours = json::parse(data, JSON_DEPTH);
    let theirs = serde_json::from_slice::<serde_json::Value>(data);
    match (ours, theirs) {
        (Ok(v), Ok(expected)) => {
            let text = json::to_string(&v);
            let back: serde_json::Value =
                serde_json::from_str(&text).unwrap_or_else(|e| panic!("we wrote invalid JSON {text:?}: {e}"));
            assert_eq!(back, expected, "same document, different values");
        }
        (Err(_), Err(_)) => {}
        (Err(e), Ok(_)) if matches!(e.kind, ParseErrorKind::TooDeep { .. }) => {}
        (Ok(v), Err(e)) if beyond_f64(&e, &v) => {}
        (ours, theirs) => panic!(
            "the parsers disagree on {:?}: ours {:?}, serde_json {:?}",
            String::from_utf8_lossy(data),
            ours.map(|_| "accepted").map_err(|e| e.kind.describe()),
            theirs.map(|_| "accepted").map_err(|e| e.to_string())
        ),
    }
}

/// serde_json refused a number beyond `f64` that `v`, ours, holds as text: the one
/// difference by design between the two (RFC 8259 section 6 sets no range).
fn beyond_f64(e: &serde_json::Error, v: &Value<'_>) -> bool {
    e.to_string().starts_with("number out of range") && has_number(v)
}

fn has_number(v: &Value<'_>) -> bool {
    match v {
        Value::Number(_) => true,
        Value::Array(items) => items.iter().any(has_number),
        Value::Object(map) => map.iter().any(|(_, v)| has_number(v)),
        _ => false,
    }
}

/// The stream framer, fed the input in chunks (their sizes cycle through the first bytes),
/// hands out exactly the records one whole read gives: same bytes, lines and offsets.
pub fn framer(data: &[u8]) {
    let (sizes, input) = match data.split_first() {
        Some((&n, rest)) => {
            let k = usize::from(n % 4) + 1;
            rest.split_at(k.min(rest.len()))
        }
        None => (&[][..], data),
    };
    let whole: Vec<_> = Framer::new(input)
        .map(|r| (r.bytes.to_vec(), r.line, r.offset))
        .collect();
    let mut stream = StreamFramer::new(input.len() + 1);
    let mut streamed = Vec::new();
    let mut at = 0;
    let mut turn = 0;
    let mut take = |stream: &mut StreamFramer| {
        while let Some(frame) = stream.next_frame() {
            match frame {
                Frame::Record(r) => streamed.push((r.bytes.to_vec(), r.line, r.offset)),
                Frame::Oversized { size, .. } => panic!("a record of {size} bytes over a limit it cannot reach"),
            }
        }
    };
    while at < input.len() {
        let n = sizes
            .get(turn % sizes.len().max(1))
            .map_or(input.len(), |&s| usize::from(s) + 1);
        let end = (at + n).min(input.len());
        stream.push(&input[at..end]);
        take(&mut stream);
        at = end;
        turn += 1;
    }
    stream.finish();
    take(&mut stream);
    assert_eq!(streamed, whole, "chunked framing differs from one read");
    for (bytes, _, offset) in &whole {
        let start = usize::try_from(*offset).expect("offset fits");
        assert_eq!(
            &input[start..start + bytes.len()],
            &bytes[..],
            "a record is not its input's bytes"
        );
    }
}

/// A Python literal, when parsed, is a value we can write as valid JSON.
pub fn python_literal(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(v) = parse_python_literal(text) {
        let out = json::to_string(&v);
        // Numbers beyond f64 stay as written, as in the JSON parser (see [`json`]).
        if let Err(e) = serde_json::from_str::<serde_json::Value>(&out)
            && !beyond_f64(&e, &v)
        {
            panic!("{text:?} became invalid JSON {out:?}: {e}");
        }
    }
}

/// An LDAP filter, when parsed, is made of pieces of its own text (redaction masks values by
/// their place in the text).
pub fn ldap_filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Some(f) = parse_filter(text) {
        filter_within(&f, text);
    }
}

fn filter_within(f: &Filter<'_>, text: &str) {
    match f {
        Filter::And(items) | Filter::Or(items) => items.iter().for_each(|f| filter_within(f, text)),
        Filter::Not(f) => filter_within(f, text),
        Filter::Compare { attr, value, .. } => [attr, value].iter().for_each(|s| within(s, text)),
        Filter::Present { attr } => within(attr, text),
        Filter::Substrings {
            attr,
            initial,
            any,
            last,
        } => {
            [attr, initial, last].iter().for_each(|s| within(s, text));
            any.iter().for_each(|s| within(s, text));
        }
        Filter::Extensible { attr, rule, value, .. } => [attr, rule, value].iter().for_each(|s| within(s, text)),
    }
}

/// `part` is a slice of `text` (an empty part may sit anywhere, as `""` literals do).
fn within(part: &str, text: &str) {
    if part.is_empty() {
        return;
    }
    let (start, end) = (text.as_ptr() as usize, text.as_ptr() as usize + text.len());
    let p = part.as_ptr() as usize;
    assert!(
        p >= start && p + part.len() <= end,
        "{part:?} is not a piece of {text:?}"
    );
}

/// A URL splits into pieces of itself, in order; its query pairs are pieces of the query;
/// percent-decoding never grows the text.
pub fn url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let parts = split_url(text);
    let mut last = text.as_ptr() as usize;
    let pieces = [
        parts.scheme,
        parts.userinfo,
        parts.host,
        parts.port.map(|(p, _)| p),
        Some(parts.path),
        parts.query,
        parts.fragment,
    ];
    for piece in pieces.into_iter().flatten().filter(|p| !p.is_empty()) {
        within(piece, text);
        let at = piece.as_ptr() as usize;
        assert!(at >= last, "the pieces of {text:?} are out of order");
        last = at + piece.len();
    }
    if let Some((port, Some(n))) = parts.port {
        assert_eq!(port.parse::<u16>().ok(), Some(n));
    }
    if let Some(query) = parts.query {
        for (key, value) in query_pairs(query) {
            within(key, query);
            value.inspect(|v| within(v, query));
        }
    }
    if let Some(decoded) = percent_decode(text) {
        assert!(decoded.len() <= text.len(), "decoding {text:?} grew it");
    }
}

/// The credential scanner finds sorted, disjoint spans on character boundaries; each masking
/// pass changes only the spans found in what the last pass left, and masking again changes
/// nothing.
pub fn credentials(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let applier = Applier::new(None);
    let once = scrub(text, Action::Mask, &applier);
    // Escapes are decoded before masking: the passes below are on the text as it is.
    let plain = !text.contains('\\');
    let mut expected = text.to_owned();
    for _ in 0..MAX_MASK_PASSES {
        let spans = credential_spans(&expected);
        let mut next = String::new();
        let mut at = 0;
        for &(s, e) in &spans {
            assert!(
                s >= at && s < e && e <= expected.len(),
                "spans {spans:?} in {expected:?}"
            );
            assert!(
                expected.is_char_boundary(s) && expected.is_char_boundary(e),
                "span off a boundary"
            );
            next.push_str(&expected[at..s]);
            next.push_str(&applier.apply_inline(Action::Mask, &expected[s..e]));
            at = e;
        }
        next.push_str(&expected[at..]);
        if next == expected || !plain {
            break;
        }
        expected = next;
    }
    if plain {
        assert_eq!(once, expected, "masking changed text outside the spans");
    }
    let twice = scrub(&once, Action::Mask, &applier);
    assert_eq!(twice, once, "masking is not idempotent on {text:?}");
}

/// Any configuration the loader accepts gives a pipeline that runs.
pub fn config(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(config) = Config::from_toml(text) {
        config.validate().expect("an accepted config validates");
        let pipeline = Pipeline::new(config);
        let mut out = Vec::new();
        let _ = pipeline.process_or_error_into(PROBE_RECORD, &RecordMeta::default(), &mut out);
        serde_json::from_slice::<serde_json::Value>(&out).expect("one JSON object");
    }
}

const PROBE_RECORD: &[u8] = br#"{"version":"2","severity":"INFO","event_id":"p1","event_type":"EXTERNAL_API","event_source":"MOVEWORKS","event_time":"2025-07-29 15:53:42.047730","event_data":{"request":{"method":"GET","url":"https://h/x?token=abc"}}}"#;

/// The whole pipeline over framed input: each record gives its events or exactly one error
/// event, every line a JSON object, the same bytes when run again.
pub fn pipeline(data: &[u8]) {
    let pipeline = Pipeline::new(Config::default());
    for record in Framer::new(data) {
        let mut out = Vec::new();
        let result = pipeline.process_or_error_into(record.bytes, &RecordMeta::default(), &mut out);
        let lines: Vec<&[u8]> = out.split(|&b| b == b'\n').collect();
        match result {
            Ok(_) => assert!(!out.is_empty() && lines.len() == event_count(&out), "no event"),
            Err(_) => assert_eq!(lines.len(), 1, "one error event per failed record"),
        }
        for line in lines {
            match serde_json::from_slice::<serde_json::Value>(line) {
                Ok(serde_json::Value::Object(_)) => {}
                other => panic!("not a JSON object: {other:?}: {:?}", String::from_utf8_lossy(line)),
            }
        }
        let mut again = Vec::new();
        let _ = pipeline.process_or_error_into(record.bytes, &RecordMeta::default(), &mut again);
        assert_eq!(again, out, "not deterministic");
    }
}

/// A property: panics on an input that breaks it.
pub type Property = fn(&[u8]);

/// The properties by target name, for the corpus replay.
pub const TARGETS: &[(&str, Property)] = &[
    ("json", json),
    ("framer", framer),
    ("python_literal", python_literal),
    ("ldap_filter", ldap_filter),
    ("url", url),
    ("credentials", credentials),
    ("config", config),
    ("pipeline", pipeline),
];

//! The `fluentbit_lines` fuzz target's property: the Fluent Bit module, run in wasmtime through
//! its exported functions exactly as Fluent Bit calls them, against the native core.
//!
//! It needs wasmtime and the built module, which the library's `mwsiem::invariants` does not
//! have, so it lives here and is included (`#[path]`) by `fuzz/fuzz_targets/fluentbit_lines.rs`
//! and by `tests/fuzz_corpora.rs`, which replays the target's corpus; both include
//! `tests/common/fluentbit_host.rs` beside it as `fluentbit_host`.
//!
//! One module instance serves every input of a process, as one serves every record in Fluent
//! Bit: compiling the module per input would cost more than running it, and state that leaks
//! from one call to the next is exactly what a long-lived instance must not have.
#![allow(dead_code)]

use crate::fluentbit_host::{FluentBit, fluent_bit_text, tail_records};
use mwsiem::{Config, Framer, Pipeline, RecordMeta, StreamFramer};
use std::cell::RefCell;

/// The time `FluentBit::call` passes (1_760_641_223 s, 850_000_000 ns), in ms.
const CALL_TIME_MS: i64 = 1_760_641_223_850;

struct Harness {
    module: FluentBit,
    pipeline: Pipeline,
    /// Inputs run so far: each file is a new path, so no framing state is shared.
    files: u64,
}

thread_local! {
    static HARNESS: RefCell<Option<Harness>> = const { RefCell::new(None) };
}

/// On any bytes: the first byte picks how the rest reaches the module. Even: as one record an
/// upstream parser made (`mwsiem_filter` on the bytes); odd: as a file that `tail` reads without
/// a parser, one `{"log": LINE, "path": FILE}` per line. The module never traps (a trap panics
/// in the host), every output is a JSON object, and the outputs are the core's for the same
/// record or the same file text: the same events in the same order, the same error records,
/// and an error record names the file, line and offset the core frames it at.
pub fn property(data: &[u8]) {
    HARNESS.with_borrow_mut(|h| {
        let h = h.get_or_insert_with(|| Harness {
            module: FluentBit::new(&[], false),
            pipeline: Pipeline::new(Config::default()),
            files: 0,
        });
        match data.split_first() {
            Some((mode, rest)) if mode % 2 == 1 => as_file(h, rest),
            Some((_, rest)) => as_record(h, rest),
            None => as_record(h, data),
        }
    })
}

/// A record handed over already parsed.
fn as_record(h: &mut Harness, record: &[u8]) {
    if is_raw_line(&h.pipeline, record) {
        // A `{"log": ...}` record is a line of a file, which `as_file` makes; here it would leave
        // a record open in the module for the next input.
        return;
    }
    let got = h.module.call_chain("t", record);
    if is_pending_copy(record) {
        // Fluent Bit's copy of a marked output asks for what waits; nothing does between calls.
        assert!(got.is_empty(), "a copy with nothing waiting gave {got:?}");
        return;
    }
    let meta = RecordMeta {
        source: Some("t"),
        timestamp_ms: Some(CALL_TIME_MS),
    };
    let want = core(&h.pipeline, record, &meta);
    assert_eq!(
        got.join("\n"),
        want,
        "record {:?}: the module and the core differ",
        String::from_utf8_lossy(record)
    );
}

/// A file's lines as `tail` hands them over. Only lines up to the last one that leaves no
/// record open are sent: Fluent Bit never says that a file ended, so the module keeps an open
/// record until more lines come (or it evicts the file), and the core frames one at the end of
/// its input; `tests/fluentbit.rs` covers eviction.
fn as_file(h: &mut Harness, file: &[u8]) {
    h.files += 1;
    let path = format!("/fuzz/{}.json", h.files);
    let records = tail_records(&path, file);
    let text = fluent_bit_text(file);
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').take(records.len()).collect();
    let mut framer = StreamFramer::new(h.pipeline.config().limits.max_record_bytes);
    let mut closed = 0;
    for (i, line) in lines.iter().enumerate() {
        framer.push(line);
        framer.push(b"\n");
        while framer.next_frame().is_some() {}
        if !framer.in_record() {
            closed = i + 1;
        }
    }
    let mut got = Vec::new();
    for record in &records[..closed] {
        for out in h.module.call_chain("t", record) {
            got.push(without_origin(&out));
        }
    }
    let sent: Vec<u8> = lines[..closed].iter().flat_map(|l| [*l, b"\n"].concat()).collect();
    let meta = RecordMeta {
        source: Some(&path),
        timestamp_ms: Some(CALL_TIME_MS),
    };
    let mut want = Vec::new();
    for r in Framer::new(&sent) {
        for event in core(&h.pipeline, r.bytes, &meta).split('\n') {
            let (body, _) = without_origin(event);
            let is_error =
                serde_json::from_str::<serde_json::Value>(event).is_ok_and(|v| v.get("mwsiem_error").is_some());
            let origin = is_error.then(|| (path.clone(), r.line, r.offset));
            want.push((body, origin));
        }
    }
    assert!(
        got == want,
        "file {:?} ({closed} lines sent): the module and the core differ\n module: {got:?}\n core:   {want:?}",
        String::from_utf8_lossy(file)
    );
}

/// The core's outputs for one record, one per line, as the module should give them.
fn core(pipeline: &Pipeline, record: &[u8], meta: &RecordMeta<'_>) -> String {
    let mut out = Vec::new();
    let _ = pipeline.process_or_error_into(record, meta, &mut out);
    String::from_utf8(out).expect("the core writes UTF-8")
}

/// An output without the fields that say where a framed record came from, and those fields.
fn without_origin(output: &str) -> (String, Option<(String, u64, u64)>) {
    let mut v: serde_json::Value = serde_json::from_str(output).expect("a JSON object");
    let obj = v.as_object_mut().expect("a JSON object");
    let origin = obj.contains_key("mwsiem_source").then(|| {
        let mut take = |k: &str| obj.remove(k).unwrap_or_default();
        let (source, line, offset) = (take("mwsiem_source"), take("mwsiem_line"), take("mwsiem_offset"));
        take("mwsiem_size");
        (
            source.as_str().unwrap_or_default().to_owned(),
            line.as_u64().unwrap_or_default(),
            offset.as_u64().unwrap_or_default(),
        )
    });
    (serde_json::to_string(&v).expect("JSON"), origin)
}

/// Whether the module takes `record` as a raw line (an object with a `log` string), by the same
/// parse it makes.
fn is_raw_line(pipeline: &Pipeline, record: &[u8]) -> bool {
    let parsed = mwsiem::json::parse(record, pipeline.config().limits.max_depth);
    matches!(parsed, Ok(mwsiem::json::Value::Object(m)) if matches!(m.get("log"), Some(mwsiem::json::Value::String(_))))
}

/// Whether `record` is what the module takes for Fluent Bit's copy of a marked output: the mark
/// among its last 48 bytes and `"}` at its end (src/fluentbit.rs).
fn is_pending_copy(record: &[u8]) -> bool {
    let tail = &record[record.len().saturating_sub(48)..];
    let mark = b"\"mwsiem_pending\":\"";
    tail.windows(mark.len()).any(|w| w == mark) && record.ends_with(b"\"}")
}

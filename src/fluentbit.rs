//! The Fluent Bit `wasm` filter module (`wasm32-wasip1`): the C ABI Fluent Bit calls, over the
//! core.
//!
//! Fluent Bit (5.1.1, WAMR) calls `mwsiem_filter(tag_ptr, tag_len, time_sec, time_nsec,
//! record_ptr, record_len)` once per record, with the record as JSON copied into our memory by
//! our exported `malloc`, and copies the NUL-terminated JSON object we return; it never frees it,
//! so one buffer is reused. One instance lives as long as the filter and a trap breaks it for
//! good, so nothing here may panic.
//!
//! The shipped config has Fluent Bit parse nothing: `tail` without a parser hands over each raw
//! line as `{"log": LINE, "path": FILE}`, and the module frames the export itself
//! ([`crate::lines`], one framer per file), so every shape (NDJSON, BOM/CRLF, pretty-printed,
//! arrays, files that grow while read) and every hostile line reaches the core's bounded parser.
//! A line inside a record, or a blank one, returns `""`, which Fluent Bit drops (its filter
//! `drop_records` counter counts them); the line that completes a record returns its event. A
//! line that completes several (a JSON array on one line, a broken record and the next), or a
//! record that gives several events (a grant to several grantees), returns the first, marked
//! `"mwsiem_pending": "N"` while N more wait: the shipped config's
//! `rewrite_tag` filters send a copy of that output back through the filter (tags
//! `moveworks.pending1`/`2`), and for such a copy the module returns the next waiting event or
//! record instead (or `""` when none waits any more); a `modify` filter removes the mark. A record without a
//! `log` string is taken as one already parsed by an upstream parser.
//!
//! Fluent Bit 5.1 removes the bytes of a line that are not UTF-8 before the filter sees it
//! (measured): such a record reaches the core without them.
//!
//! Every output is a JSON object: the event, or an in-band error event (`mwsiem_error`) that for
//! framed lines also says where the record's exact text is (`mwsiem_source`, `mwsiem_line`,
//! `mwsiem_offset`, `mwsiem_size`); never invalid JSON (which Fluent Bit would log verbatim).
//!
//! Configuration: `mwsiem.toml`, read once at the first call from the first preopened directory
//! (Fluent Bit's `accessible_paths`) that has one; a users file named there is read from the same
//! directory. A configuration that cannot be read or is invalid makes every record an error
//! event that says so.

use crate::enrich::StaticDirectory;
use crate::json::{self, Value};
use crate::lines::LineFramer;
use crate::pipeline::error_event_into;
use crate::redact::Redactor;
use crate::{Config, Pipeline, RecordMeta};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::sync::Arc;

/// The configuration file looked for in each preopened directory.
const CONFIG_FILE: &str = "mwsiem.toml";

/// The pipeline, or why there is none.
enum State {
    Ready(Pipeline),
    Broken(String),
}

thread_local! {
    static STATE: RefCell<Option<State>> = const { RefCell::new(None) };
    /// The returned JSON, NUL-terminated; valid until the next call.
    static OUT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Raw lines framed per file.
    static LINES: RefCell<Option<LineFramer>> = const { RefCell::new(None) };
    /// Events of a record with several, after the first, waiting for Fluent Bit's copies.
    static EVENTS: RefCell<VecDeque<Vec<u8>>> = const { RefCell::new(VecDeque::new()) };
}

/// WASI reactor initialization, which WAMR looks for in a module that imports WASI (without it
/// WAMR warns at every load) and runs once after instantiation. Rust's `cdylib` runs its
/// constructors on its own, so there is nothing to do.
#[unsafe(no_mangle)]
pub extern "C" fn _initialize() {}

/// The directories Fluent Bit preopened for us (`accessible_paths`), in order.
fn preopened_dirs() -> Vec<String> {
    let mut dirs = Vec::new();
    // Preopens are numbered from 3 and end at the first descriptor that is not one.
    for fd in 3..64u32 {
        // SAFETY: WASI preview1 calls with valid arguments; the buffer outlives the call.
        let Ok(prestat) = (unsafe { wasi::fd_prestat_get(fd) }) else {
            break;
        };
        // SAFETY: reading the union member of the only preopen type (directories).
        let len = unsafe { prestat.u.dir.pr_name_len };
        let mut name = vec![0u8; len];
        // SAFETY: `name` has exactly the length WASI reported.
        if unsafe { wasi::fd_prestat_dir_name(fd, name.as_mut_ptr(), len) }.is_ok()
            && let Ok(name) = String::from_utf8(name)
        {
            dirs.push(name.trim_end_matches('\0').to_owned());
        }
    }
    dirs
}

fn load() -> State {
    let mut found = None;
    for dir in preopened_dirs() {
        let path = format!("{}/{CONFIG_FILE}", dir.trim_end_matches('/'));
        if let Ok(text) = std::fs::read_to_string(&path) {
            found = Some((dir, path, text));
            break;
        }
    }
    let Some((dir, path, text)) = found else {
        // No file: the defaults (restricted profile).
        return State::Ready(Pipeline::new(Config::default()));
    };
    let config = match Config::from_toml(&text) {
        Ok(c) => c,
        Err(e) => return State::Broken(format!("{path}: {e}")),
    };
    let mut pipeline = Pipeline::new(config.clone());
    if let Some(users_path) = config.enrichment.users_path(std::path::Path::new(&dir)) {
        match std::fs::read_to_string(&users_path)
            .map_err(|e| e.to_string())
            .and_then(|t| StaticDirectory::parse(&t).map_err(|e| e.to_string()))
        {
            Ok(d) => pipeline = pipeline.with_directory(Arc::new(d)),
            Err(e) => return State::Broken(format!("{}: {e}", users_path.display())),
        }
    }
    State::Ready(pipeline)
}

/// The entry point Fluent Bit's `wasm` filter calls (`Function_Name mwsiem_filter`).
///
/// # Safety
/// `tag_ptr`/`record_ptr` point to `tag_len`/`record_len` readable bytes in this module's
/// memory (or are 0), as Fluent Bit guarantees.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn mwsiem_filter(
    tag_ptr: *const u8,
    tag_len: u32,
    time_sec: u32,
    time_nsec: u32,
    record_ptr: *const u8,
    record_len: u32,
) -> *const u8 {
    // SAFETY: as the caller promises; a null pointer or zero length is an empty slice.
    let bytes = |ptr: *const u8, len: u32| unsafe {
        if ptr.is_null() || len == 0 {
            &[][..]
        } else {
            std::slice::from_raw_parts(ptr, len as usize)
        }
    };
    let tag = std::str::from_utf8(bytes(tag_ptr, tag_len)).ok();
    let record = bytes(record_ptr, record_len);
    let meta = RecordMeta {
        source: tag,
        timestamp_ms: Some(i64::from(time_sec) * 1000 + i64::from(time_nsec) / 1_000_000),
    };
    OUT.with_borrow_mut(|out| {
        out.clear();
        STATE.with_borrow_mut(|state| {
            let state = state.get_or_insert_with(load);
            match state {
                _ if record_ptr.is_null() => error_event_into(
                    &Redactor::new(&Default::default()),
                    "host_allocation",
                    "Fluent Bit could not copy the record into the module (record_ptr = 0): raise wasm_heap_size",
                    b"",
                    out,
                ),
                State::Ready(p) => filter(p, record, &meta, out),
                State::Broken(why) => error_event_into(
                    &Redactor::new(&Default::default()),
                    "config",
                    &format!("invalid mwsiem configuration, no events until it is fixed: {why}"),
                    record,
                    out,
                ),
            }
        });
        out.push(0);
        // Shrink a buffer a huge record grew, so one record does not hold memory forever.
        if out.capacity() > 4 << 20 && out.len() < 64 << 10 {
            out.shrink_to(64 << 10);
        }
        out.as_ptr()
    })
}

/// One call: a raw line is framed and the oldest framed record, if any, leaves; a copy of a
/// marked output asks for the next waiting event or record; anything else is a record already
/// parsed. A record with several events (a grant to several grantees) returns the first and
/// keeps the others waiting, as a line that completes several records does.
fn filter(pipeline: &Pipeline, record: &[u8], meta: &RecordMeta<'_>, out: &mut Vec<u8>) {
    LINES.with_borrow_mut(|lines| {
        EVENTS.with_borrow_mut(|events| {
            let lines = lines.get_or_insert_with(|| LineFramer::new(pipeline.config().limits.max_record_bytes));
            if is_pending_copy(record) {
                if let Some(event) = events.pop_front() {
                    out.extend_from_slice(&event);
                    mark_waiting(out, events.len() + lines.queued());
                    return;
                }
            } else {
                // A raw line goes to its file's framer; anything else is a record already parsed.
                let parsed = json::parse(record, pipeline.config().limits.max_depth);
                let Some((log, source)) = parsed.as_ref().ok().and_then(raw_line) else {
                    let _ = pipeline.process_or_error_into(record, meta, out);
                    keep_the_rest(out, events);
                    mark_waiting(out, events.len() + lines.queued());
                    return;
                };
                lines.push_line(source.or(meta.source).unwrap_or(""), log.as_bytes());
            }
            if let Some(framed) = lines.pop() {
                let meta = RecordMeta {
                    source: Some(&framed.source),
                    ..*meta
                };
                let _ = pipeline.process_line_record_into(&framed, &meta, out);
                keep_the_rest(out, events);
                mark_waiting(out, events.len() + lines.queued());
            }
        })
    });
}

/// Leaves the first of the record's events in `out` and queues the others.
fn keep_the_rest(out: &mut Vec<u8>, events: &mut VecDeque<Vec<u8>>) {
    // memchr: a byte loop over each 1.5 KB event was 5% of the module's instructions.
    let Some(first_end) = memchr::memchr(b'\n', out) else {
        return;
    };
    events.extend(out[first_end + 1..].split(|&b| b == b'\n').map(<[u8]>::to_vec));
    out.truncate(first_end);
}

/// Marks an output after which `waiting` more events or records wait for Fluent Bit's copy.
fn mark_waiting(out: &mut Vec<u8>, waiting: usize) {
    if waiting > 0 && out.last() == Some(&b'}') {
        out.pop();
        out.extend_from_slice(format!(",\"{PENDING}\":\"{waiting}\"}}").as_bytes());
    }
}

/// The line and its file from `{"log": LINE, "path": FILE}`, if `record` is one.
fn raw_line<'a>(record: &'a Value<'_>) -> Option<(&'a str, Option<&'a str>)> {
    let Value::Object(m) = record else { return None };
    let Some(Value::String(log)) = m.get("log") else {
        return None;
    };
    Some((log, m.get("path").and_then(Value::as_str)))
}

/// The mark on an output after which more framed records wait.
const PENDING: &str = "mwsiem_pending";

/// Whether `record` is Fluent Bit's copy of a marked output (the mark is its last key, as written,
/// and Fluent Bit's JSON keeps key order).
fn is_pending_copy(record: &[u8]) -> bool {
    let tail = &record[record.len().saturating_sub(48)..];
    let mark = b"\"mwsiem_pending\":\"";
    tail.windows(mark.len()).any(|w| w == mark) && record.ends_with(b"\"}")
}

//! The Fluent Bit `wasm` filter module (`wasm32-wasip1`): the C ABI Fluent Bit calls, over the
//! core.
//!
//! Fluent Bit (5.1.1, WAMR) calls `mwsiem_filter(tag_ptr, tag_len, time_sec, time_nsec,
//! record_ptr, record_len)` once per record, with the record as JSON copied into our memory by
//! our exported `malloc`, and copies the NUL-terminated JSON object we return; it never frees it,
//! so one buffer is reused. One instance lives as long as the filter and a trap breaks it for
//! good, so nothing here may panic, and every outcome is a JSON object: the event, or an in-band
//! error event (`mwsiem_error`), never an empty string (a silent drop) or invalid JSON (which
//! Fluent Bit would log verbatim).
//!
//! Configuration: `mwsiem.toml`, read once at the first call from the first preopened directory
//! (Fluent Bit's `accessible_paths`) that has one; a users file named there is read from the same
//! directory. A configuration that cannot be read or is invalid makes every record an error
//! event that says so.

use crate::enrich::StaticDirectory;
use crate::pipeline::error_event_into;
use crate::redact::Redactor;
use crate::{Config, Pipeline, RecordMeta};
use std::cell::RefCell;
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
}

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
                State::Ready(p) => {
                    let _ = p.process_or_error_into(record, &meta, out);
                }
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

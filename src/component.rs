//! The WebAssembly component (`wasm32-wasip2`): the WIT world in `wit/` over the core.
//!
//! A thin adapter: it converts WIT types to core types and back, and asks the host's `directory`
//! import for users. Every failure is returned as a `record-error`; the core never panics on
//! input, and its depth and size bounds keep the guest inside its stack and memory.

use crate::enrich::{UserDirectory, UserInfo};
use crate::{Config, Framer, Pipeline, RecordError, RecordMeta};
use std::cell::Cell;
use std::collections::HashMap;
use std::sync::Arc;

wit_bindgen::generate!({
    path: "wit",
    world: "transform-world",
});

use exports::mwsiem::transform::transform::{Guest, GuestPipeline, Pipeline as PipelineHandle};
use mwsiem::transform::directory;
use mwsiem::transform::types::{BatchItem, Counters, RecordError as WitRecordError, RecordMeta as WitRecordMeta};

struct Component;

/// The host's directory, asked through the WIT import. Answers are remembered (user ids repeat
/// a lot in audit logs, and each lookup crosses into the host); the memory is bounded by
/// starting over when it is full.
struct ImportedDirectory {
    seen: std::sync::Mutex<HashMap<String, Option<UserInfo>>>,
}

const REMEMBERED_USERS: usize = 4096;

impl UserDirectory for ImportedDirectory {
    fn lookup(&self, user_id: &str) -> Option<UserInfo> {
        // The guest is single-threaded: the lock is never contended, and never poisoned since
        // nothing in it panics.
        let mut seen = self.seen.lock().ok()?;
        if let Some(known) = seen.get(user_id) {
            return known.clone();
        }
        let found = directory::lookup(user_id).map(|u| UserInfo {
            email: u.email,
            name: u.name,
            department: u.department,
        });
        if seen.len() >= REMEMBERED_USERS {
            seen.clear();
        }
        seen.insert(user_id.to_owned(), found.clone());
        found
    }
}

/// The `pipeline` resource.
struct GuestPipelineImpl {
    pipeline: Pipeline,
    records: Cell<u64>,
    events: Cell<u64>,
    errors: Cell<u64>,
}

impl Guest for Component {
    type Pipeline = GuestPipelineImpl;
}

fn to_wit_error(e: RecordError) -> WitRecordError {
    match e {
        RecordError::TooLarge { size, limit } => WitRecordError::TooLarge((size as u64, limit as u64)),
        RecordError::InvalidUtf8 { offset } => WitRecordError::InvalidUtf8(offset as u64),
        RecordError::InvalidJson { offset, reason } => {
            WitRecordError::InvalidJson((offset as u64, reason.into_owned()))
        }
        RecordError::TooDeep { offset, limit } => WitRecordError::TooDeep((offset as u64, limit as u64)),
        RecordError::NotAnObject { found } => WitRecordError::NotAnObject(found.into_owned()),
        RecordError::MissingField { field } => WitRecordError::MissingField(field.into_owned()),
        RecordError::InvalidField { field, reason } => WitRecordError::InvalidField((field.into_owned(), reason)),
    }
}

impl GuestPipelineImpl {
    /// One record. `hint` sizes the output buffer (the last event's length), which then
    /// becomes the returned string without a copy.
    fn run(&self, record: &[u8], meta: &RecordMeta<'_>, hint: &mut usize) -> Result<String, WitRecordError> {
        self.records.set(self.records.get() + 1);
        let mut out = Vec::with_capacity(*hint + 256);
        match self.pipeline.process_meta_into(record, meta, &mut out) {
            Ok(_) => {
                self.events.set(self.events.get() + crate::event_count(&out) as u64);
                *hint = out.len();
                // The writer emits UTF-8 only; the fallback never runs.
                Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
            }
            Err(e) => {
                self.errors.set(self.errors.get() + 1);
                Err(to_wit_error(e))
            }
        }
    }
}

fn core_meta(meta: &WitRecordMeta) -> RecordMeta<'_> {
    RecordMeta {
        source: meta.source.as_deref(),
        timestamp_ms: meta.timestamp_ms,
    }
}

impl GuestPipeline for GuestPipelineImpl {
    fn create(config: String) -> Result<PipelineHandle, String> {
        let config = Config::from_toml(&config).map_err(|e| e.to_string())?;
        let mut pipeline = Pipeline::new(config);
        if directory::has_users() {
            pipeline = pipeline.with_directory(Arc::new(ImportedDirectory {
                seen: std::sync::Mutex::new(HashMap::new()),
            }));
        }
        Ok(PipelineHandle::new(GuestPipelineImpl {
            pipeline,
            records: Cell::new(0),
            events: Cell::new(0),
            errors: Cell::new(0),
        }))
    }

    fn process(&self, record: Vec<u8>, meta: WitRecordMeta) -> Result<String, WitRecordError> {
        let meta = core_meta(&meta);
        self.run(&record, &meta, &mut (record.len() * 3))
    }

    fn process_batch(&self, data: Vec<u8>, meta: WitRecordMeta) -> Vec<BatchItem> {
        let meta = core_meta(&meta);
        let mut hint = 1024;
        Framer::new(&data)
            .enumerate()
            .map(|(i, r)| BatchItem {
                index: i as u32,
                offset: r.offset,
                line: r.line,
                result: self.run(r.bytes, &meta, &mut hint),
            })
            .collect()
    }

    fn process_records(&self, records: Vec<Vec<u8>>, meta: WitRecordMeta) -> Vec<BatchItem> {
        let meta = core_meta(&meta);
        let mut hint = 1024;
        records
            .iter()
            .enumerate()
            .map(|(i, r)| BatchItem {
                index: i as u32,
                offset: 0,
                line: 1,
                result: self.run(r, &meta, &mut hint),
            })
            .collect()
    }

    fn counters(&self) -> Counters {
        Counters {
            records: self.records.get(),
            events: self.events.get(),
            errors: self.errors.get(),
        }
    }
}

export!(Component);

//! The WebAssembly component (`wasm32-wasip2`): the WIT world in `wit/` over the core.
//!
//! A thin adapter: it converts WIT types to core types and back, and asks the host's `directory`
//! import for users. Every failure is returned as a `record-error`; the core never panics on
//! input, and its depth and size bounds keep the guest inside its stack and memory.

use crate::enrich::{UserDirectory, UserInfo};
use crate::{Config, Framer, Pipeline, RecordError, RecordMeta};
use std::cell::Cell;
use std::sync::Arc;

wit_bindgen::generate!({
    path: "wit",
    world: "transform-world",
});

use exports::mwsiem::transform::transform::{Guest, GuestPipeline, Pipeline as PipelineHandle};
use mwsiem::transform::directory;
use mwsiem::transform::types::{BatchItem, Counters, RecordError as WitRecordError, RecordMeta as WitRecordMeta};

struct Component;

/// The host's directory, asked through the WIT import.
struct ImportedDirectory;

impl UserDirectory for ImportedDirectory {
    fn lookup(&self, user_id: &str) -> Option<UserInfo> {
        directory::lookup(user_id).map(|u| UserInfo {
            email: u.email,
            name: u.name,
            department: u.department,
        })
    }
}

/// The `pipeline` resource.
struct GuestPipelineImpl {
    pipeline: Pipeline,
    records: Cell<u64>,
    events: Cell<u64>,
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
    fn run(&self, record: &[u8], meta: &RecordMeta<'_>, out: &mut Vec<u8>) -> Result<String, WitRecordError> {
        self.records.set(self.records.get() + 1);
        out.clear();
        match self.pipeline.process_meta_into(record, meta, out) {
            Ok(_) => {
                self.events.set(self.events.get() + 1);
                // The writer emits UTF-8 only.
                Ok(String::from_utf8_lossy(out).into_owned())
            }
            Err(e) => Err(to_wit_error(e)),
        }
    }
}

impl GuestPipeline for GuestPipelineImpl {
    fn create(config: String) -> Result<PipelineHandle, String> {
        let config = Config::from_toml(&config).map_err(|e| e.to_string())?;
        let pipeline = Pipeline::new(config).with_directory(Arc::new(ImportedDirectory));
        Ok(PipelineHandle::new(GuestPipelineImpl {
            pipeline,
            records: Cell::new(0),
            events: Cell::new(0),
        }))
    }

    fn process(&self, record: Vec<u8>, meta: WitRecordMeta) -> Result<String, WitRecordError> {
        let meta = RecordMeta {
            source: meta.source.as_deref(),
            timestamp_ms: meta.timestamp_ms,
        };
        self.run(&record, &meta, &mut Vec::with_capacity(record.len() * 3))
    }

    fn process_batch(&self, data: Vec<u8>, meta: WitRecordMeta) -> Vec<BatchItem> {
        let meta = RecordMeta {
            source: meta.source.as_deref(),
            timestamp_ms: meta.timestamp_ms,
        };
        let mut out = Vec::with_capacity(4096);
        Framer::new(&data)
            .enumerate()
            .map(|(i, r)| BatchItem {
                index: i as u32,
                offset: r.offset,
                line: r.line,
                result: self.run(r.bytes, &meta, &mut out),
            })
            .collect()
    }

    fn process_records(&self, records: Vec<Vec<u8>>, meta: WitRecordMeta) -> Vec<BatchItem> {
        let meta = RecordMeta {
            source: meta.source.as_deref(),
            timestamp_ms: meta.timestamp_ms,
        };
        let mut out = Vec::with_capacity(4096);
        records
            .iter()
            .enumerate()
            .map(|(i, r)| BatchItem {
                index: i as u32,
                offset: 0,
                line: 1,
                result: self.run(r, &meta, &mut out),
            })
            .collect()
    }

    fn counters(&self) -> Counters {
        let (records, events) = (self.records.get(), self.events.get());
        Counters {
            records,
            events,
            errors: records - events,
        }
    }
}

export!(Component);

//! The two ways a replay runs records: the core compiled into this binary, or the component on
//! wasmtime. Both give, per record, an event or a reason; the CLI treats them alike.

use mwsiem::host::{ComponentError, ComponentPipeline};
use mwsiem::{EventKind, Pipeline, Record, RecordMeta};

/// One record's outcome.
pub enum Outcome {
    Event { kind: EventKind, json: Vec<u8> },
    Rejected { code: &'static str, message: String },
}

pub enum Runner<'e> {
    Native(Pipeline),
    Component(ComponentPipeline<'e>),
}

impl Runner<'_> {
    /// Runs `records` in order, appending one outcome per record.
    pub fn run(&mut self, records: &[Record<'_>], meta: &RecordMeta<'_>, outcomes: &mut Vec<Outcome>) {
        match self {
            Runner::Native(p) => {
                for r in records {
                    let mut json = Vec::with_capacity(r.bytes.len() * 3);
                    outcomes.push(match p.process_meta_into(r.bytes, meta, &mut json) {
                        Ok(kind) => Outcome::Event { kind, json },
                        Err(e) => Outcome::Rejected {
                            code: e.code(),
                            message: e.to_string(),
                        },
                    });
                }
            }
            Runner::Component(c) => {
                let bytes: Vec<&[u8]> = records.iter().map(|r| r.bytes).collect();
                for result in c.process_records(&bytes, meta) {
                    outcomes.push(match result {
                        Ok(json) => Outcome::Event {
                            kind: kind_of_event(&json),
                            json: json.into_bytes(),
                        },
                        Err(ComponentError::Record(e)) => Outcome::Rejected {
                            code: e.code(),
                            message: e.to_string(),
                        },
                        Err(ComponentError::Trap { reason, stderr }) => Outcome::Rejected {
                            code: "trap",
                            message: format!("the component trapped: {reason}; guest stderr: {:?}", stderr.trim()),
                        },
                    });
                }
            }
        }
    }
}

/// The component returns JSON only: its type, for the summary, is read back from the
/// `"event_code":"..."` the normalizer always writes.
fn kind_of_event(json: &str) -> EventKind {
    const KEY: &str = "\"event_code\":\"";
    json.find(KEY)
        .and_then(|i| {
            let rest = &json[i + KEY.len()..];
            rest.find('"').map(|end| EventKind::from_event_type(&rest[..end]))
        })
        .unwrap_or(EventKind::Unknown)
}

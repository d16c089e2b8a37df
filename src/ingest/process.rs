//! Running a batch of framed records through an engine: one outcome per record, in order.

use super::read::Batch;
use mwsiem::{EventKind, Record, RecordError, RecordMeta};

/// One record's outcome.
pub enum Outcome {
    Event { kind: EventKind, json: Vec<u8> },
    Rejected { code: &'static str, message: String },
}

/// An engine: the native core or the component. Appends one outcome per record, in order.
pub trait Process {
    fn run(&mut self, records: &[Record<'_>], meta: &RecordMeta<'_>, outcomes: &mut Vec<Outcome>);
}

/// Runs `batch`, leaving in `outcomes` one outcome per entry, in order. Oversized records were
/// never kept whole: they are rejected here, as the core rejects a record over the limit.
pub fn run_batch(
    engine: &mut dyn Process,
    batch: &Batch,
    meta: &RecordMeta<'_>,
    limit: usize,
    outcomes: &mut Vec<Outcome>,
) {
    outcomes.clear();
    let whole: Vec<Record<'_>> = batch
        .entries()
        .iter()
        .filter(|e| e.oversized.is_none())
        .map(|e| batch.record(e))
        .collect();
    if whole.len() == batch.len() {
        engine.run(&whole, meta, outcomes);
        return;
    }
    let mut ran = Vec::with_capacity(whole.len());
    engine.run(&whole, meta, &mut ran);
    let mut ran = ran.into_iter();
    for e in batch.entries() {
        match e.oversized {
            Some(size) => {
                let error = RecordError::TooLarge {
                    size: usize::try_from(size).unwrap_or(usize::MAX),
                    limit,
                };
                outcomes.push(Outcome::Rejected {
                    code: error.code(),
                    message: error.to_string(),
                });
            }
            None => outcomes.extend(ran.next()),
        }
    }
}

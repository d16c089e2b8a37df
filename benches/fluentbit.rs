//! The Fluent Bit filter module per record, called as Fluent Bit calls it (wasmtime JIT here;
//! Fluent Bit runs WAMR), and the wasm instructions each record executes (runtime-independent:
//! what an interpreter pays for).

#[path = "support/corpus.rs"]
mod corpus;
#[path = "../tests/common/fluentbit_host.rs"]
mod fluentbit_host;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fluentbit_host::{FluentBit, tail_records};
use mwsiem::Framer;
use std::hint::black_box;

const RECORDS: usize = 1_000;

fn fluentbit(c: &mut Criterion) {
    let input = corpus::corpus(RECORDS);
    let records: Vec<&[u8]> = Framer::new(&input).map(|r| r.bytes).collect();

    // Instructions per call, reported once (criterion measures time only): for records handed
    // over already parsed, and for what the shipped config sends (raw lines with their path,
    // framed by the module).
    let lines = tail_records(
        "/var/lib/moveworks-sftp/logs/v1/2026-01-01/2026-01-01_audit_log.json",
        &input,
    );
    eprintln!(
        "fluentbit: {} wasm instructions per record on average (fuel)",
        mean_fuel("moveworks.v2", &records)
    );
    eprintln!(
        "fluentbit: {} wasm instructions per raw line on average (fuel, shipped config)",
        mean_fuel("moveworks", &lines)
    );

    let mut fb = FluentBit::new(&[], false);
    let mut g = c.benchmark_group("fluentbit");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function("per-record-jit", |b| {
        b.iter(|| {
            for r in &records {
                black_box(fb.call("moveworks.v2", r));
            }
        })
    });
    g.bench_function("raw-lines-jit", |b| {
        b.iter(|| {
            for l in &lines {
                black_box(fb.call("moveworks", l));
            }
        })
    });
    g.finish();
}

/// The wasm instructions one call executes, on average over `inputs`, in a fresh instance.
fn mean_fuel(tag: &str, inputs: &[impl AsRef<[u8]>]) -> u64 {
    let mut counted = FluentBit::new(&[], true);
    let total: u64 = inputs
        .iter()
        .map(|r| {
            counted.call(tag, r.as_ref());
            counted.last_fuel()
        })
        .sum();
    total / inputs.len() as u64
}

criterion_group!(benches, fluentbit);
criterion_main!(benches);

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

    // Instructions per record, reported once (criterion measures time only).
    let mut counted = FluentBit::new(&[], true);
    let mut total = 0u64;
    for r in &records {
        counted.call("moveworks.v2", r);
        total += counted.last_fuel();
    }
    eprintln!(
        "fluentbit: {} wasm instructions per record on average (fuel)",
        total / RECORDS as u64
    );

    // What the shipped config sends: raw lines with their path, framed by the module.
    let lines = tail_records(
        "/var/lib/moveworks-sftp/logs/v1/2026-01-01/2026-01-01_audit_log.json",
        &input,
    );
    let mut counted = FluentBit::new(&[], true);
    let mut total = 0u64;
    for l in &lines {
        counted.call("moveworks", l);
        total += counted.last_fuel();
    }
    eprintln!(
        "fluentbit: {} wasm instructions per raw line on average (fuel, shipped config)",
        total / lines.len() as u64
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

criterion_group!(benches, fluentbit);
criterion_main!(benches);

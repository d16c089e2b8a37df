//! Native core vs the component on wasmtime, on the same generated corpus; CPU bounds (epoch vs
//! fuel); instantiation and cold start.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/native.rs"]
mod native;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use mwsiem::config::{CpuLimitKind, HostConfig};
use mwsiem::enrich::NoDirectory;
use mwsiem::host::{ComponentEngine, cache::CompileCache, embedded_component};
use mwsiem::{Framer, RecordMeta};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const RECORDS: usize = 2_000;

fn host(cpu: CpuLimitKind) -> HostConfig {
    HostConfig {
        cpu_limit: cpu,
        ..HostConfig::default()
    }
}

fn cache() -> CompileCache {
    CompileCache::Dir(std::env::temp_dir().join("mwsiem-bench-cache"))
}

fn engines(c: &mut Criterion) {
    let input = corpus::corpus(RECORDS);
    let records: Vec<&[u8]> = Framer::new(&input).map(|r| r.bytes).collect();
    let meta = RecordMeta::default();
    let mut g = c.benchmark_group("engines");
    g.throughput(Throughput::Elements(RECORDS as u64));

    native::bench_native(&mut g, &records);

    let engine = ComponentEngine::new(embedded_component(), &host(CpuLimitKind::Epoch), &cache()).unwrap();
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    g.bench_function("component/per-record", |b| {
        b.iter(|| {
            for r in &records {
                let _ = black_box(guest.process(r, &meta));
            }
        })
    });
    for batch in [10, 100, 1000] {
        g.bench_with_input(BenchmarkId::new("component/batch", batch), &batch, |b, &batch| {
            b.iter(|| {
                for chunk in records.chunks(batch) {
                    black_box(guest.process_records(chunk, &meta));
                }
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("cpu-bound");
    g.throughput(Throughput::Elements(RECORDS as u64));
    for (name, cpu) in [("epoch", CpuLimitKind::Epoch), ("fuel", CpuLimitKind::Fuel)] {
        let engine = ComponentEngine::new(embedded_component(), &host(cpu), &cache()).unwrap();
        let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
        g.bench_function(BenchmarkId::new("component/batch-100", name), |b| {
            b.iter(|| {
                for chunk in records.chunks(100) {
                    black_box(guest.process_records(chunk, &meta));
                }
            })
        });
    }
    g.finish();
}

fn startup(c: &mut Criterion) {
    let mut g = c.benchmark_group("startup");
    g.sample_size(10).measurement_time(Duration::from_secs(10));
    let engine = ComponentEngine::new(embedded_component(), &host(CpuLimitKind::Epoch), &cache()).unwrap();
    g.bench_function("instantiate", |b| {
        b.iter(|| black_box(engine.pipeline("", Arc::new(NoDirectory)).unwrap()))
    });
    g.bench_function("compile-uncached", |b| {
        b.iter(|| ComponentEngine::new(embedded_component(), &host(CpuLimitKind::Epoch), &CompileCache::Off).unwrap())
    });
    g.bench_function("load-precompiled", |b| {
        b.iter(|| ComponentEngine::new(embedded_component(), &host(CpuLimitKind::Epoch), &cache()).unwrap())
    });
    // A new `mwsiem` process to its first event (precompiled cache warm).
    let record = std::env::temp_dir().join("mwsiem-bench-one-record.json");
    std::fs::write(&record, corpus::corpus(1)).unwrap();
    g.bench_function("cold-start-process", |b| {
        b.iter(|| {
            let out = std::process::Command::new(env!("CARGO_BIN_EXE_mwsiem"))
                .args(["replay", "-q"])
                .arg(&record)
                .env("MWSIEM_CACHE_DIR", std::env::temp_dir().join("mwsiem-bench-cache"))
                .output()
                .unwrap();
            assert!(out.status.success() && !out.stdout.is_empty());
        })
    });
    g.finish();
}

criterion_group!(benches, engines, startup);
criterion_main!(benches);

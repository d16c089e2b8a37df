//! The three ways to run mwsiem side by side, on the same generated corpus and the same
//! (`restricted`) configuration: the native core, the component on wasmtime (batches of 100, the
//! CLI's default) and the Vector remap program run by the `vrl` crate, as Vector runs it, once
//! with each `vrl` version a supported Vector runs (and the newest crate).
//!
//! The corpus is NDJSON (60% EXTERNAL_API, every other type present), framed once up front so
//! only the per-record work is timed.

#[path = "support/corpus.rs"]
mod corpus;
#[path = "support/native.rs"]
mod native;
#[path = "../tests/common/vrl_program.rs"]
mod vrl_program;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mwsiem::enrich::NoDirectory;
use mwsiem::host::{ComponentEngine, cache::CompileCache, embedded_component};
use mwsiem::{Framer, RecordMeta};
use std::hint::black_box;
use std::sync::Arc;
use std::time::Duration;

const RECORDS: usize = 2_000;

fn three_way(c: &mut Criterion) {
    let input = corpus::corpus(RECORDS);
    let records: Vec<&[u8]> = Framer::new(&input).map(|r| r.bytes).collect();
    let mut g = c.benchmark_group("three-way");
    g.throughput(Throughput::Elements(records.len() as u64));
    g.measurement_time(Duration::from_secs(8));

    native::bench_native(&mut g, &records);

    let cache = CompileCache::Dir(std::env::temp_dir().join("mwsiem-bench-cache"));
    let engine = ComponentEngine::new(embedded_component(), &Default::default(), &cache).unwrap();
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    let meta = RecordMeta::default();
    g.bench_function("component/batch-100", |b| {
        b.iter(|| {
            for chunk in records.chunks(100) {
                black_box(guest.process_records(chunk, &meta));
            }
        })
    });

    // About 0.6 s per pass over the corpus: fewer samples keep the run near a minute each.
    // One run per `vrl` a supported Vector runs (and the newest), so the table says which
    // Vector runs the program fastest.
    g.sample_size(20);
    for mut remaps in vrl_program::all_remaps() {
        g.bench_function(format!("vrl/{}", remaps.version()), |b| {
            b.iter(|| {
                for r in &records {
                    black_box(remaps.record(r));
                }
            })
        });
    }
    g.finish();
}

criterion_group!(benches, three_way);
criterion_main!(benches);

//! The native core's timing loop: the baseline the engine benches measure against.
#![allow(dead_code)]

use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use mwsiem::{Config, Pipeline};
use std::hint::black_box;

/// Every record through the native core (default configuration), one output buffer reused.
pub fn bench_native(g: &mut BenchmarkGroup<'_, WallTime>, records: &[&[u8]]) {
    let native = Pipeline::new(Config::default());
    g.bench_function("native", |b| {
        let mut out = Vec::with_capacity(4096);
        b.iter(|| {
            for r in records {
                out.clear();
                let _ = black_box(native.process_into(r, &mut out));
            }
        })
    });
}

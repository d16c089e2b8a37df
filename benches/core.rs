//! The native core over a generated corpus: events/s (elements) and MB/s (bytes).

#[path = "support/corpus.rs"]
mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mwsiem::config::OutputConfig;
use mwsiem::decode::decode;
use mwsiem::enrich::{NoDirectory, enrich_ips, enrich_target, enrich_users};
use mwsiem::json;
use mwsiem::ocsf::normalize;
use mwsiem::{Config, Framer, Pipeline};
use std::hint::black_box;

const RECORDS: usize = 10_000;

/// Parse, decode, normalize, `extra`, write: the pipeline's stages without redaction.
fn run_stages(records: &[&[u8]], extra: impl Fn(&mut json::Map<'_>)) {
    let mut out = Vec::with_capacity(4096);
    let output = OutputConfig::default();
    for r in records {
        out.clear();
        let Ok(v) = json::parse(r, 64) else { continue };
        let Ok(ev) = decode(v) else { continue };
        for mut m in normalize(ev, &output) {
            extra(&mut m);
            json::write_value(&mut out, &json::Value::Object(m));
        }
        black_box(&out);
    }
}

/// Every record through `pipeline`, the output buffer reused.
fn run_pipeline(pipeline: &Pipeline, records: &[&[u8]]) {
    let mut out = Vec::with_capacity(4096);
    for r in records {
        out.clear();
        let _ = black_box(pipeline.process_into(black_box(r), &mut out));
    }
}

fn core(c: &mut Criterion) {
    let input = corpus::corpus(RECORDS);
    let records: Vec<&[u8]> = Framer::new(&input).map(|r| r.bytes).collect();
    assert_eq!(records.len(), RECORDS);
    let pipeline = Pipeline::new(Config::default());
    // Every generated record must be an event, or the benchmark measures rejections.
    let mut out = Vec::new();
    for r in &records {
        out.clear();
        pipeline.process_into(r, &mut out).expect("corpus record rejected");
    }

    let mut g = c.benchmark_group("core");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function("normalize/events", |b| b.iter(|| run_pipeline(&pipeline, &records)));
    g.throughput(Throughput::Bytes(input.len() as u64));
    g.bench_function("normalize/bytes", |b| b.iter(|| run_pipeline(&pipeline, &records)));
    g.bench_function("frame", |b| b.iter(|| Framer::new(black_box(&input)).count()));
    g.finish();

    // What enrichment and redaction cost on top of plain normalization.
    let mut g = c.benchmark_group("stages");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function("normalize-only", |b| b.iter(|| run_stages(&records, |_| {})));
    g.bench_function("normalize+enrich", |b| {
        b.iter(|| {
            run_stages(&records, |m| {
                enrich_users(m, &NoDirectory);
                enrich_target(m);
                enrich_ips(m, true);
            })
        })
    });
    for profile in ["restricted", "full"] {
        let p = Pipeline::new(Config::from_toml(&format!("[redaction]\nprofile = \"{profile}\"\n")).unwrap());
        g.bench_function(format!("pipeline-{profile}"), |b| b.iter(|| run_pipeline(&p, &records)));
    }
    g.finish();
}

criterion_group!(benches, core);
criterion_main!(benches);

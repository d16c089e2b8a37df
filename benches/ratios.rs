//! The in-process performance ratios of issue 27, measured in one run on one machine: the native
//! core against the floor of any JSON-in/JSON-out transform (serde_json parses each record into
//! a `Value` and writes it back), and the component against the native core.
//!
//! Absolute figures move with the machine's load by ±30%; ratios measured side by side do not.
//! Each path runs over the whole corpus in turn, round after round, and is timed in CPU time of
//! this thread (`CLOCK_THREAD_CPUTIME_ID`), so another process's load does not count; the table
//! gives the median round of each. The criterion group `ratios` times the same paths for
//! criterion's reports. The forwarder ratios (Fluent Bit, Vector) need the real forwarders:
//! `benches/support/forwarder_ratios.sh`.

#[path = "support/corpus.rs"]
mod corpus;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use mwsiem::enrich::NoDirectory;
use mwsiem::host::{ComponentEngine, ComponentPipeline, cache::CompileCache, embedded_component};
use mwsiem::{Config, Framer, Pipeline, RecordMeta};
use std::hint::black_box;
use std::sync::Arc;

const RECORDS: usize = 2_000;
/// Rounds under `cargo bench`; one under `cargo test --all-targets` (a smoke run of a debug
/// build, whose figures mean nothing and are not written). `MWSIEM_RATIO_ROUNDS` overrides.
const ROUNDS: usize = 15;

/// CPU time of the calling thread, in seconds.
fn thread_cpu() -> f64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `ts` is a valid timespec for the call to fill.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

/// The floor: each record parsed into a `serde_json::Value` and written back, compact.
fn serde_floor(records: &[&[u8]], out: &mut Vec<u8>) {
    for r in records {
        out.clear();
        let v: serde_json::Value = serde_json::from_slice(r).expect("corpus is JSON");
        serde_json::to_writer(&mut *out, &v).expect("writes");
        black_box(&out);
    }
}

fn native(p: &Pipeline, records: &[&[u8]], out: &mut Vec<u8>) {
    for r in records {
        out.clear();
        let _ = black_box(p.process_into(r, out));
    }
}

/// The component as the CLI calls it: batches of 100 records.
fn component(guest: &mut ComponentPipeline<'_>, records: &[&[u8]]) {
    let meta = RecordMeta::default();
    for chunk in records.chunks(100) {
        black_box(guest.process_records(chunk, &meta));
    }
}

fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

fn ratios(c: &mut Criterion) {
    let input = corpus::corpus(RECORDS);
    let records: Vec<&[u8]> = Framer::new(&input).map(|r| r.bytes).collect();
    let pipeline = Pipeline::new(Config::default());
    let cache = CompileCache::Dir(std::env::temp_dir().join("mwsiem-bench-cache"));
    let engine = ComponentEngine::new(embedded_component(), &Default::default(), &cache).unwrap();
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    let mut out = Vec::with_capacity(4096);

    // One warm-up pass each, then ROUNDS rounds, the paths interleaved.
    serde_floor(&records, &mut out);
    native(&pipeline, &records, &mut out);
    component(&mut guest, &records);
    let bench = std::env::args().any(|a| a == "--bench");
    let rounds = match std::env::var("MWSIEM_RATIO_ROUNDS").ok().and_then(|r| r.parse().ok()) {
        Some(r) => r,
        None if bench => ROUNDS,
        None => 1,
    };
    let (mut floor, mut nat, mut comp) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = thread_cpu();
        serde_floor(&records, &mut out);
        let t1 = thread_cpu();
        native(&pipeline, &records, &mut out);
        let t2 = thread_cpu();
        component(&mut guest, &records);
        let t3 = thread_cpu();
        floor.push(t1 - t);
        nat.push(t2 - t1);
        comp.push(t3 - t2);
    }
    let per = |s: f64| s / RECORDS as f64 * 1e6;
    let (floor, nat, comp) = (median(floor), median(nat), median(comp));
    let table = format!(
        "ratios over {RECORDS} corpus records, median of {rounds} interleaved rounds, thread CPU time\n\
         serde floor (parse + write)  {:7.2} us/record\n\
         native core                  {:7.2} us/record   native / serde floor = {:.2}x\n\
         component, batches of 100    {:7.2} us/record   component / native throughput = {:.2}\n",
        per(floor),
        per(nat),
        nat / floor,
        per(comp),
        nat / comp,
    );
    print!("{table}");
    if !bench {
        return;
    }
    let _ = std::fs::write(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/ratios.txt"),
        &table,
    );

    let mut g = c.benchmark_group("ratios");
    g.throughput(Throughput::Elements(RECORDS as u64));
    g.bench_function("serde-floor", |b| b.iter(|| serde_floor(&records, &mut out)));
    g.bench_function("native", |b| b.iter(|| native(&pipeline, &records, &mut out)));
    g.bench_function("component/batch-100", |b| b.iter(|| component(&mut guest, &records)));
    g.finish();
}

criterion_group!(benches, ratios);
criterion_main!(benches);

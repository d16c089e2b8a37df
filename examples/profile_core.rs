//! Runs the core over the bench corpus in a loop, for `perf record` / callgrind:
//! `cargo run --release --example profile_core -- 200000`.

#[path = "../benches/support/corpus.rs"]
mod corpus;

use mwsiem::{Config, Framer, Pipeline};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(100_000);
    let input = corpus::corpus(10_000);
    let records: Vec<&[u8]> = Framer::new(&input).map(|r| r.bytes).collect();
    let pipeline = Pipeline::new(Config::default());
    let mut out = Vec::with_capacity(4096);
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for i in 0..n {
        out.clear();
        pipeline.process_into(records[i % records.len()], &mut out).unwrap();
        bytes += out.len();
    }
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} events in {secs:.3} s: {:.0} events/s, {} output bytes",
        n as f64 / secs,
        bytes
    );
}

//! `testdata/shapes/`: the export shapes the real-forwarder release checks feed to Vector and
//! Fluent Bit, made from the fixtures by common/shapes.rs. Compared exactly, so the files the
//! checks read are the ones the emulation tests run (`MWSIEM_BLESS=1` rewrites them).

mod common;
#[path = "../benches/support/corpus.rs"]
mod corpus;

use common::{bless, repo, run_core, shapes::shapes};
use mwsiem::{Config, Pipeline};

#[test]
fn shapes_on_disk_are_the_generated_ones() {
    let dir = repo().join("testdata/shapes");
    // The benches' generated corpus (a realistic mix of types and sizes), for the release
    // checks' CPU-per-record runs.
    let mut all = shapes();
    all.push(("bench_corpus.ndjson", corpus::corpus(1_000)));
    for (name, bytes) in all {
        let path = dir.join(name);
        if bless() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &bytes).unwrap();
        }
        let on_disk =
            std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e} (MWSIEM_BLESS=1 writes it)", path.display()));
        assert!(
            on_disk == bytes,
            "{} is not what common/shapes.rs makes (MWSIEM_BLESS=1 rewrites it)",
            path.display()
        );
    }
}

/// Every shape of the same records gives the core the same events: the shapes differ only in
/// framing.
#[test]
fn every_shape_frames_to_the_same_events() {
    let pipeline = Pipeline::new(Config::default());
    let all = shapes();
    let events = |bytes: &[u8]| -> Vec<String> {
        run_core(&pipeline, bytes)
            .into_iter()
            .map(|o| o.result.unwrap_or_else(|e| e.code().to_owned()))
            .collect()
    };
    let reference = events(&all[0].1);
    for (name, bytes) in &all[1..] {
        if *name != "hostile.json" {
            assert_eq!(events(bytes), reference, "{name}");
        }
    }
}

//! Every input a fuzz campaign kept (`fuzz/corpus/<target>/`) or that once broke a property
//! (`fuzz/regressions/<target>/`), run through the target's property in
//! `mwsiem::invariants` (or, for the targets that need the tests' own harnesses, in
//! `tests/common`): the fuzzers' findings stay guarded in the normal suite, no fuzzer needed.

#[path = "common/differential.rs"]
mod differential;
#[path = "common/differential_gen.rs"]
mod differential_gen;
#[path = "common/fluentbit_host.rs"]
mod fluentbit_host;
#[path = "common/fluentbit_lines.rs"]
mod fluentbit_lines;
#[path = "common/vrl_program.rs"]
mod vrl_program;

use std::path::Path;

fn inputs(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<_> = entries
        .map(|e| e.expect("a corpus entry").path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), std::fs::read(&p).expect("a corpus file")))
        .collect();
    files.sort();
    files
}

/// Targets over the binary's own modules (the pull side is not in the library): their corpora
/// replay in the module's unit tests (`src/pull/known_hosts.rs`, `src/pull/listing.rs`).
const BINARY_TARGETS: &[&str] = &["known_hosts", "sftp_listing"];

/// Targets whose property needs what only the tests have (wasmtime with the built Fluent Bit
/// module or component, the `vrl` crates): the properties are in `tests/common`, which the fuzz
/// targets include too, and replay here with the library's.
const TEST_TARGETS: &[(&str, mwsiem::invariants::Property)] = &[
    ("differential", differential::property),
    ("fluentbit_lines", fluentbit_lines::property),
];

#[test]
fn every_fuzz_target_has_its_corpus_replayed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/fuzz_targets");
    let mut targets: Vec<String> = std::fs::read_dir(&dir)
        .expect("fuzz/fuzz_targets")
        .map(|e| {
            e.unwrap()
                .file_name()
                .to_string_lossy()
                .trim_end_matches(".rs")
                .to_owned()
        })
        .collect();
    targets.sort();
    let mut replayed: Vec<String> = mwsiem::invariants::TARGETS
        .iter()
        .map(|(t, _)| t.to_string())
        .chain(BINARY_TARGETS.iter().map(|t| t.to_string()))
        .chain(TEST_TARGETS.iter().map(|(t, _)| t.to_string()))
        .collect();
    replayed.sort();
    assert_eq!(targets, replayed);
}

#[test]
fn every_kept_and_every_breaking_input_keeps_its_property() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut report = Vec::new();
    for &(target, property) in mwsiem::invariants::TARGETS.iter().chain(TEST_TARGETS) {
        assert!(
            root.join("fuzz_targets").join(format!("{target}.rs")).is_file(),
            "no fuzz target for the property {target}"
        );
        let corpus = inputs(&root.join("corpus").join(target));
        let regressions = inputs(&root.join("regressions").join(target));
        assert!(!corpus.is_empty(), "fuzz/corpus/{target} is empty: run its campaign");
        for (name, bytes) in corpus.iter().chain(&regressions) {
            if let Err(e) = std::panic::catch_unwind(|| property(bytes)) {
                let why = e
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                panic!("{name}: {why}");
            }
        }
        report.push(format!(
            "{target}: {} kept, {} regressions",
            corpus.len(),
            regressions.len()
        ));
    }
    println!("{}", report.join("\n"));
}

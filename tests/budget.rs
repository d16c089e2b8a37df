//! The cost budget: WebAssembly instructions per record, counted by wasmtime's fuel, for the
//! component and the Fluent Bit module over the benchmark corpus (`benches/support/corpus.rs`,
//! 2,000 records, the mix of event types `cargo bench` uses), held to `benches/budget.toml`.
//!
//! Fuel counts the instructions the guest executes, so the figure is the same on every machine
//! and under any load: a change that makes the core 10% dearer fails here, in review, instead of
//! in a user's pipeline. Both guests run the core, so a slower core shows in both; the module's
//! figure also holds its line handling. A change that makes a figure drop by more than the
//! tolerance fails too, so the budget follows every gain and keeps guarding it: write the new
//! figure (the failure prints it) into `benches/budget.toml` in the same commit.

#[path = "../benches/support/corpus.rs"]
mod corpus;
#[path = "common/fluentbit_host.rs"]
mod fluentbit_host;

use fluentbit_host::{FluentBit, tail_records};
use mwsiem::config::{CpuLimitKind, HostConfig};
use mwsiem::enrich::NoDirectory;
use mwsiem::host::{ComponentEngine, cache::CompileCache, embedded_component};
use mwsiem::{Framer, RecordMeta};
use std::sync::Arc;

const RECORDS: usize = 2_000;

/// The committed budget: `name = instructions per record`, and `tolerance_percent`.
struct Budget {
    text: String,
}

impl Budget {
    fn load() -> Self {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/budget.toml");
        Budget {
            text: std::fs::read_to_string(path).expect("benches/budget.toml"),
        }
    }

    fn get(&self, key: &str) -> u64 {
        let table: toml::Table = self.text.parse().expect("benches/budget.toml is TOML");
        table
            .get(key)
            .and_then(toml::Value::as_integer)
            .unwrap_or_else(|| panic!("benches/budget.toml has no integer `{key}`"))
            .try_into()
            .expect("a positive budget")
    }

    /// `measured` against the budget under `key`: over by more than the tolerance fails (the
    /// change costs more), under by more than it fails too (the budget must follow the gain).
    fn check(&self, key: &str, measured: u64) -> Result<(), String> {
        let budget = self.get(key);
        let tolerance = self.get("tolerance_percent");
        let change = (measured as f64 / budget as f64 - 1.0) * 100.0;
        println!("{key}: {measured} instructions per record, budget {budget} ({change:+.1}%)");
        if change > tolerance as f64 {
            return Err(format!(
                "{key}: {measured} instructions per record is {change:+.1}% over the budget of {budget} \
                 (tolerance {tolerance}%): find what made each record dearer (`cargo bench --bench core`, \
                 callgrind), or raise the budget in benches/budget.toml with the reason in the commit"
            ));
        }
        if change < -(tolerance as f64) {
            return Err(format!(
                "{key}: {measured} instructions per record is {change:+.1}% under the budget of {budget}: \
                 well done; write {measured} into benches/budget.toml so the budget keeps the gain"
            ));
        }
        Ok(())
    }
}

fn corpus_records(input: &[u8]) -> Vec<&[u8]> {
    let records: Vec<&[u8]> = Framer::new(input).map(|r| r.bytes).collect();
    assert_eq!(records.len(), RECORDS);
    records
}

/// The component in batches of 100 (the CLI's calls), fuel per record.
fn component_per_record(records: &[&[u8]]) -> u64 {
    let limits = HostConfig {
        cpu_limit: CpuLimitKind::Fuel,
        ..HostConfig::default()
    };
    let dir = std::env::temp_dir().join(format!("mwsiem-budget-{}", std::process::id()));
    let engine = ComponentEngine::new(embedded_component(), &limits, &CompileCache::Dir(dir.clone())).unwrap();
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    let meta = RecordMeta::default();
    let mut fuel = 0;
    for chunk in records.chunks(100) {
        let results = guest.process_records(chunk, &meta);
        assert!(results.iter().all(Result::is_ok), "every corpus record is an event");
        fuel += guest.last_call_fuel().expect("fuel is on");
    }
    let _ = std::fs::remove_dir_all(dir);
    fuel / records.len() as u64
}

/// The Fluent Bit module, one record per call as Fluent Bit calls it, fuel per record.
fn fluentbit_per_record(input: &[u8]) -> u64 {
    let dir = std::env::temp_dir().join(format!("mwsiem-budget-fb-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut fb = FluentBit::new(&[&dir], true);
    let lines = tail_records("/var/log/moveworks/audit.ndjson", input);
    assert_eq!(lines.len(), RECORDS);
    let mut fuel = 0;
    for line in &lines {
        let out = fb.call("moveworks", line);
        assert!(
            !out.contains("\"mwsiem_error\""),
            "every corpus record is an event: {out}"
        );
        fuel += fb.last_fuel();
    }
    let _ = std::fs::remove_dir_all(dir);
    fuel / lines.len() as u64
}

#[test]
fn instructions_per_record_stay_within_the_budget() {
    let budget = Budget::load();
    let input = corpus::corpus(RECORDS);
    let records = corpus_records(&input);
    let results = [
        budget.check("component_per_record", component_per_record(&records)),
        budget.check("fluentbit_per_record", fluentbit_per_record(&input)),
    ];
    let failures: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_budget_file_names_every_figure() {
    let budget = Budget::load();
    for key in ["component_per_record", "fluentbit_per_record", "tolerance_percent"] {
        assert!(budget.get(key) > 0, "{key}");
    }
    // A tolerance wide enough to hide a 10% regression would guard nothing.
    assert!(budget.get("tolerance_percent") <= 5);
}

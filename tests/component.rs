//! The component on wasmtime: the same bytes as the native core, and traps that do not stop work.

mod common;

use common::*;
use mwsiem::config::HostConfig;
use mwsiem::enrich::{NoDirectory, StaticDirectory};
use mwsiem::host::{ComponentEngine, ComponentError, cache::CompileCache, embedded_component};
use mwsiem::{Config, Framer, Pipeline, RecordMeta};
use std::sync::Arc;

fn engine(host: &HostConfig) -> ComponentEngine {
    let cache = CompileCache::Dir(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cwasm"));
    ComponentEngine::new(embedded_component(), host, &cache).expect("component compiles")
}

/// Native outcome as comparable text: the event, or `reason: message`.
fn native(pipeline: &Pipeline, record: &[u8]) -> String {
    match pipeline.process(record) {
        Ok((_, e)) => String::from_utf8(e).unwrap(),
        Err(e) => format!("{}: {e}", e.code()),
    }
}

fn component(result: &Result<String, ComponentError>) -> String {
    match result {
        Ok(e) => e.clone(),
        Err(ComponentError::Record(e)) => format!("{}: {e}", e.code()),
        Err(other) => panic!("unexpected {other:?}"),
    }
}

fn inputs() -> Vec<(String, Vec<u8>)> {
    let mut v: Vec<_> = cases()
        .into_iter()
        .map(|c| (c.display().to_string(), std::fs::read(&c).unwrap()))
        .collect();
    v.push(("hostile".into(), hostile_input()));
    v
}

#[test]
fn both_engines_give_identical_events_and_reasons() {
    let config = Config::default();
    let native_pipeline = Pipeline::new(config.clone());
    let engine = engine(&config.host);
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    let (mut compared, mut native_events, mut native_errors) = (0, 0, 0);
    for (name, bytes) in inputs() {
        let records: Vec<&[u8]> = Framer::new(&bytes).map(|r| r.bytes).collect();
        let expected: Vec<String> = records.iter().map(|r| native(&native_pipeline, r)).collect();
        for r in &records {
            match native_pipeline.process(r) {
                Ok((_, e)) => native_events += mwsiem::event_count(&e) as u64,
                Err(_) => native_errors += 1,
            }
        }
        // Batched, one call per record, and framed by the guest: all three agree with native.
        let batched: Vec<String> = guest
            .process_records(&records, &RecordMeta::default())
            .iter()
            .map(component)
            .collect();
        assert_eq!(batched, expected, "{name} (process-records)");
        let single: Vec<String> = records
            .iter()
            .map(|r| component(&guest.process(r, &RecordMeta::default())))
            .collect();
        assert_eq!(single, expected, "{name} (process)");
        let framed: Vec<String> = guest
            .process_batch(&bytes, &RecordMeta::default())
            .unwrap()
            .iter()
            .map(|(_, _, r)| component(r))
            .collect();
        assert_eq!(framed, expected, "{name} (process-batch)");
        compared += records.len();
    }
    assert!(compared > 90, "{compared}");
    // Records, events (several for a grant to several grantees) and errors, each call counted.
    let (records, events, errors) = guest.counters().unwrap();
    assert_eq!(records, 3 * compared as u64);
    assert_eq!((events, errors), (3 * native_events, 3 * native_errors));
    assert!(
        native_events > compared as u64 - native_errors,
        "some record has several events"
    );
}

#[test]
fn users_from_the_host_directory_enrich_both_engines_alike() {
    let users = StaticDirectory::parse(&std::fs::read_to_string(repo().join("testdata/users.csv")).unwrap()).unwrap();
    let users: Arc<StaticDirectory> = Arc::new(users);
    let native_pipeline = Pipeline::new(Config::default()).with_directory(users.clone());
    let engine = engine(&HostConfig::default());
    let mut guest = engine.pipeline("", users).unwrap();
    let bytes = std::fs::read(repo().join("testdata/cases/seed_v2_external_api.json")).unwrap();
    let from_guest = guest.process(&bytes, &RecordMeta::default()).unwrap();
    assert_eq!(from_guest, native(&native_pipeline, &bytes));
    let ev: serde_json::Value = serde_json::from_str(&from_guest).unwrap();
    assert_eq!(ev["actor"]["user"]["email_addr"], "jane.doe@acme.example");
    assert_eq!(ev["actor"]["user"]["full_name"], "Jane Doe");
    assert_eq!(ev["actor"]["user"]["ldap_person"]["department"], "IT Operations");
    // The directory's email is observed like the record's own values (and validated above).
    assert_eq!(
        ev["observables"][1],
        serde_json::json!({"name": "actor.user.email_addr", "type_id": 5, "type": "Email Address", "value": "jane.doe@acme.example"})
    );
    assert!(OcsfValidator::load().errors(&ev).is_empty());
}

#[test]
fn a_trapping_call_loses_only_its_trapping_record() {
    // 4 MiB of guest memory cannot hold an 8 MB record: the guest's allocator fails and the
    // guest aborts, which traps and poisons the Store.
    let host = HostConfig {
        memory_limit_bytes: 4 * 1024 * 1024,
        ..HostConfig::default()
    };
    let engine = engine(&host);
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    let good = std::fs::read(repo().join("testdata/cases/seed_v2_config_change.json")).unwrap();
    let huge = format!(
        r#"{{"version":"2","event_type":"X","event_time":"2025-01-01 00:00:00","blob":"{}"}}"#,
        "A".repeat(8 << 20)
    );
    let records: Vec<&[u8]> = vec![&good, huge.as_bytes(), &good];
    let results = guest.process_records(&records, &RecordMeta::default());
    assert!(results[0].is_ok() && results[2].is_ok(), "{results:?}");
    match &results[1] {
        Err(ComponentError::Trap { reason, .. }) => assert!(!reason.is_empty()),
        other => panic!("expected a trap, got {other:?}"),
    }
    // The Store was rebuilt: the pipeline keeps working, with the same output as before.
    let after = guest.process(&good, &RecordMeta::default()).unwrap();
    assert_eq!(&after, results[0].as_ref().unwrap());
}

#[test]
fn invalid_config_is_an_error_not_a_trap() {
    let engine = engine(&HostConfig::default());
    let err = engine
        .pipeline("[output]\nraw = 1\n", Arc::new(NoDirectory))
        .err()
        .expect("config rejected");
    assert!(err.to_string().contains("unknown field `raw`"), "{err}");
}

#[test]
fn fuel_and_epoch_bounds_both_run_the_fixtures() {
    for cpu in ["fuel", "epoch"] {
        let config = Config::from_toml(&format!("[host]\ncpu_limit = \"{cpu}\"\n")).unwrap();
        let engine = engine(&config.host);
        let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
        let bytes = std::fs::read(repo().join("testdata/cases/v2_external_api.json")).unwrap();
        let records: Vec<&[u8]> = Framer::new(&bytes).map(|r| r.bytes).collect();
        let ok = guest
            .process_records(&records, &RecordMeta::default())
            .iter()
            .filter(|r| r.is_ok())
            .count();
        assert_eq!(ok, records.len(), "{cpu}");
    }
}

#[test]
fn precompiled_cache_is_written_reused_and_survives_corruption() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let cache = CompileCache::Dir(dir.clone());
    let host = HostConfig::default();
    ComponentEngine::new(embedded_component(), &host, &cache).unwrap();
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&files[0]).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
    }
    let before = std::fs::metadata(&files[0]).unwrap().modified().unwrap();
    ComponentEngine::new(embedded_component(), &host, &cache).unwrap();
    assert_eq!(
        std::fs::metadata(&files[0]).unwrap().modified().unwrap(),
        before,
        "reused, not rewritten"
    );
    std::fs::write(&files[0], b"not a precompiled component").unwrap();
    let engine = ComponentEngine::new(embedded_component(), &host, &cache).unwrap();
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    assert!(guest.process(b"{}", &RecordMeta::default()).is_err());
    assert!(
        std::fs::read(&files[0]).unwrap().len() > 1000,
        "recompiled over the corrupt file"
    );
}

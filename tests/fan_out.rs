//! A PERMISSION_CHANGE naming many grantees becomes one event per grantee in every engine
//! (native, component, the VRL program on every supported vrl), the same events, with the
//! record's own leftovers on the first event only; past `limits.max_events_per_record` it is one
//! dead letter with the same reason everywhere. The generated records are the shapes a fuzzer
//! found costly: thousands of grantees, duplicates, strays in `all_roles`, unknown keys beside
//! them, and the 200,000-grantee record of issue 26.

mod common;
#[path = "common/vrl_program.rs"]
mod vrl_program;

use common::{canonical, canonical_events};
use mwsiem::config::HostConfig;
use mwsiem::enrich::NoDirectory;
use mwsiem::host::{ComponentEngine, ComponentError, cache::CompileCache, embedded_component};
use mwsiem::{Config, Pipeline, RecordMeta};
use serde_json::{Value, json};
use std::sync::Arc;
use vrl_program::{VrlOutcome, all_remaps};

fn grantee(i: usize) -> String {
    if i % 3 == 2 {
        format!("u{}", i / 3)
    } else {
        format!("u{i}")
    }
}

/// The events [`grant_record`] makes: its distinct grantees and the entry without one.
fn grant_events(n: usize) -> usize {
    (0..n).map(grantee).collect::<std::collections::HashSet<_>>().len() + 1
}

/// A record granting roles to `n` grantees: every third entry names an earlier grantee again,
/// one names none; `all_roles` holds an entry per grantee and three strays (an unknown grantee,
/// a non-object, an entry with a list for a grantee); `note` and `region` are keys no mapper
/// takes.
fn grant_record(n: usize) -> Vec<u8> {
    let mut assigned: Vec<Value> = (0..n)
        .map(|i| json!({"app": if i % 2 == 0 { "Okta" } else { "Jira" }, "roles": [format!("r{}", i % 5)], "grantee": grantee(i)}))
        .collect();
    assigned.insert(n / 2, json!({"app": "Okta", "roles": ["guest"]}));
    let mut all_roles: Vec<Value> = (0..n)
        .map(|i| json!({"app": "Okta", "roles": ["r0", "admin"], "grantee": grantee(i)}))
        .collect();
    all_roles.insert(1, json!({"app": "Okta", "roles": ["r9"], "grantee": "nobody"}));
    all_roles.push(json!("not an entry"));
    all_roles.push(json!({"app": "Okta", "roles": ["r9"], "grantee": ["a", "list"]}));
    serde_json::to_vec(&json!({
        "version": "2", "event_type": "PERMISSION_CHANGE", "event_id": "fanout", "severity": "INFO",
        "event_source": "MOVEWORKS", "event_time": "2025-07-29 15:53:42.047730", "region": "eu-1",
        "event_data": {"user_id": "7", "assigned_roles": assigned, "all_roles": all_roles, "note": "bulk grant"}
    }))
    .unwrap()
}

/// `n` distinct grantees and nothing else: the shape of issue 26's 200,000-grantee record.
fn plain_grant_record(n: usize) -> Vec<u8> {
    let assigned: Vec<Value> = (0..n)
        .map(|i| json!({"app": "A", "roles": ["R"], "grantee": format!("g{i}")}))
        .collect();
    serde_json::to_vec(&json!({
        "version": "2", "event_type": "PERMISSION_CHANGE", "event_id": "big", "severity": "INFO",
        "event_source": "MOVEWORKS", "event_time": "2025-07-29 15:53:42.047730",
        "event_data": {"user_id": "1", "assigned_roles": assigned}
    }))
    .unwrap()
}

fn native(record: &[u8]) -> Result<String, String> {
    Pipeline::new(Config::default())
        .process(record)
        .map(|(_, e)| String::from_utf8(e).unwrap())
        .map_err(|e| format!("{}: {e}", e.code()))
}

fn component(record: &[u8]) -> Result<String, String> {
    let host = HostConfig::default();
    let cache = CompileCache::Dir(std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cwasm"));
    let engine = ComponentEngine::new(embedded_component(), &host, &cache).expect("component compiles");
    let mut guest = engine.pipeline("", Arc::new(NoDirectory)).unwrap();
    match guest.process(record, &RecordMeta::default()) {
        Ok(e) => Ok(e),
        Err(ComponentError::Record(e)) => Err(format!("{}: {e}", e.code())),
        Err(other) => panic!("the component failed: {other:?}"),
    }
}

fn vrl_outcomes(record: &[u8]) -> Vec<(String, Result<String, String>)> {
    all_remaps()
        .into_iter()
        .map(|mut remaps| {
            let outcome = match remaps.record(record) {
                VrlOutcome::Event(e) => Ok(canonical(&e)),
                VrlOutcome::Events(list) => Ok(list.iter().map(|e| canonical(e)).collect::<Vec<_>>().join("\n")),
                VrlOutcome::Aborted { message, .. } => Err(message),
                other => panic!("{}: {other:?}", remaps.label()),
            };
            (remaps.label(), outcome)
        })
        .collect()
}

fn events(out: &str) -> Vec<Value> {
    out.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

#[test]
fn each_grantee_is_one_event_and_the_records_leftovers_ride_on_the_first() {
    let out = native(&grant_record(30)).unwrap();
    let events = events(&out);
    let uids: Vec<&str> = events.iter().filter_map(|e| e["user"]["uid"].as_str()).collect();
    assert_eq!(
        uids.len() + 1,
        events.len(),
        "one event for the entry without a grantee"
    );
    let mut distinct = uids.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), uids.len(), "a grantee named twice is one event");
    assert_eq!(events.len(), grant_events(30));
    for (i, e) in events.iter().enumerate() {
        assert_eq!(e["metadata"]["uid"], format!("2:fanout#{}", i + 1));
        let unmapped = &e["unmapped"];
        assert_eq!(unmapped["region"].is_string(), i == 0, "event {i}: {unmapped}");
        assert_eq!(
            unmapped["event_data"]["note"].is_string(),
            i == 0,
            "event {i}: {unmapped}"
        );
        // Each event's part of all_roles names its own grantee, the first's the strays too.
        let own = e["user"]["uid"].as_str();
        for entry in unmapped["event_data"]["all_roles"].as_array().unwrap() {
            let named = entry.get("grantee").and_then(Value::as_str);
            assert!(named == own || i == 0, "event {i} ({own:?}) holds {entry}");
        }
    }
    let first = events[0]["unmapped"]["event_data"]["all_roles"].as_array().unwrap();
    assert!(first.contains(&json!("not an entry")) && first.iter().any(|r| r["grantee"] == "nobody"));
}

#[test]
fn many_grantees_give_the_same_events_in_every_engine() {
    let record = grant_record(600);
    let core = native(&record).unwrap();
    assert_eq!(events(&core).len(), grant_events(600));
    assert_eq!(component(&record).unwrap(), core, "component");
    let core = canonical_events(&core);
    for (label, outcome) in vrl_outcomes(&record) {
        assert!(outcome.as_ref() == Ok(&core), "{label} differs from the core");
    }
}

#[test]
fn a_record_over_the_event_limit_is_the_same_dead_letter_in_every_engine() {
    let at_limit = plain_grant_record(10_000);
    assert_eq!(events(&native(&at_limit).unwrap()).len(), 10_000);
    let over = plain_grant_record(10_001);
    let reason = "invalid_field: invalid field `event_data.assigned_roles`: names 10001 grantees, one event each: over limits.max_events_per_record (10000)";
    assert_eq!(native(&over), Err(reason.to_owned()));
    assert_eq!(component(&over), Err(reason.to_owned()));
    for (label, outcome) in vrl_outcomes(&over) {
        assert_eq!(outcome, Err(reason.to_owned()), "{label}");
    }
    // Issue 26's record: 200,000 grantees, 9 MB, under the record limit. It took 48.8 s and a
    // trap in the component; one pass now counts its grantees in every engine.
    let big = plain_grant_record(200_000);
    assert!(big.len() > 8_000_000 && big.len() < Config::default().limits.max_record_bytes);
    let reason = reason.replace("10001", "200000");
    assert_eq!(native(&big), Err(reason.clone()));
    assert_eq!(component(&big), Err(reason.clone()));
}

#[test]
fn the_event_limit_is_a_setting() {
    let mut config = Config::default();
    config.limits.max_events_per_record = 2;
    let pipeline = Pipeline::new(config);
    assert!(pipeline.process(&plain_grant_record(2)).is_ok());
    let err = pipeline.process(&plain_grant_record(3)).unwrap_err();
    assert_eq!(err.code(), "invalid_field");
    assert!(err.to_string().contains("names 3 grantees"), "{err}");
}

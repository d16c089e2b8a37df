//! Hostile input: nothing panics, and every record ends as exactly one event or one rejection.

mod common;

use common::*;
use mwsiem::{Config, Framer, Pipeline};

/// One NDJSON file of everything that has gone wrong in log pipelines.
pub fn hostile_input() -> Vec<u8> {
    let good = br#"{"version":"2","severity":"INFO","event_id":"ok","event_type":"CONFIG_CHANGE","event_source":"MOVEWORKS","event_time":"2025-07-29 15:21:33.228745","event_data":{"config_name":"A","user_id":"1"}}"#;
    let mut lines: Vec<Vec<u8>> = vec![
        good.to_vec(),
        br#"{"version":"2","event_type":"EXTERNAL_API","event_time":"2025-10-16 19:00:23","event_data":{"request_method":"GET","request_uri":"https://x"#.to_vec(),
        b"{\"version\":\"2\",\"event_type\":\"CONFIG_CHANGE\",\"event_time\":\"2025-10-16 19:00:23\",\"event_data\":{\"config_name\":\"\xff\xfe\"}}".to_vec(),
        b"[1,2,3]".to_vec(),
        b"\"just a string\"".to_vec(),
        b"3.14".to_vec(),
        b"true".to_vec(),
        b"{}".to_vec(),
        b"{\"version\":\"2\",\"event_type\":\"CONFIG_CHANGE\",\"event_time\":\"2025-10-16 19:00:23\",\"event_data\":{\"config_name\":\"nul\0inside\"}}".to_vec(),
        b"\0\0\0\0".to_vec(),
        br#"{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{"config_name":"\ud800"}}"#.to_vec(),
        br#"{"version":["2"],"event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{}}"#.to_vec(),
        br#"{"version":"2","event_type":null,"event_time":"2025-10-16 19:00:23","event_data":{}}"#.to_vec(),
        br#"{"version":"2","event_type":"EXTERNAL_API","event_time":{"t":1},"event_data":{}}"#.to_vec(),
        br#"{"version":"2","event_type":"EXTERNAL_API","event_time":"2025-10-16 19:00:23","event_data":{"request_method":["GET"],"request_uri":{}}}"#.to_vec(),
        br#"{"version":"2","event_type":"PERMISSION_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{"assigned_roles":[{"app":1}]}}"#.to_vec(),
        br#"{"version":"2","event_type":"AUTHENTICATION","event_time":"2025-10-16 19:00:23","event_data":{"authn_event_type":"X","source_ip":12,"idp_metadata":[]}}"#.to_vec(),
    ];
    let deep = "[".repeat(20_000) + &"]".repeat(20_000);
    lines.push(format!(r#"{{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{{"config_name":"d","x":{deep}}}}}"#).into_bytes());
    lines.push(deep.clone().into_bytes());
    lines.push(format!("{{\"a\":{}", "{\"a\":".repeat(20_000)).into_bytes());
    let big = "A".repeat(2 * 1024 * 1024);
    lines.push(format!(r#"{{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{{"config_name":"big","blob":"{big}"}}}}"#).into_bytes());
    lines.push(format!(r#"{{"version":"2","event_type":"{big}","event_time":"2025-10-16 19:00:23"}}"#).into_bytes());
    lines.push(good.to_vec());
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(&l);
        out.extend_from_slice(b"\n");
    }
    out
}

#[test]
fn every_hostile_record_is_accounted_for() {
    let input = hostile_input();
    let pipeline = Pipeline::new(Config::default());
    let outcomes = run_core(&pipeline, &input);
    let events = outcomes.iter().filter(|o| o.result.is_ok()).count();
    let rejects = outcomes.len() - events;
    assert_eq!(
        outcomes.len(),
        input.split(|&b| b == b'\n').filter(|l| !l.is_empty()).count()
    );
    assert_eq!(events + rejects, outcomes.len());
    let got: Vec<_> = outcomes
        .iter()
        .map(|o| o.result.as_ref().map(|_| "event").unwrap_or_else(|e| e.code()))
        .collect();
    #[rustfmt::skip]
    let expected = [
        "event", "invalid_json", "invalid_utf8",
        "not_an_object", "not_an_object", "not_an_object", "not_an_object",
        "missing_field",
        "invalid_json", // a raw NUL inside a string is not JSON
        "invalid_json", "invalid_json",
        "invalid_field", "invalid_field", "invalid_field", "invalid_field", "invalid_field",
        "event", // wrong-typed optional fields are kept under unmapped
        "too_deep", "too_deep", "too_deep",
        "event", // the 2 MB string
        "event", // a 2 MB event_type: an unknown type, so a Base Event
        "event",
    ];
    assert_eq!(got, expected);
    let validator = OcsfValidator::load();
    for o in &outcomes {
        if let Ok(e) = &o.result {
            let json: serde_json::Value = serde_json::from_str(e).unwrap();
            assert!(
                validator.errors(&json).is_empty(),
                "line {}: {:?}",
                o.line,
                validator.errors(&json)
            );
        }
    }
}

#[test]
fn records_over_the_size_limit_are_rejected_unparsed() {
    let config = Config::from_toml("[limits]\nmax_record_bytes = 1048576\n").unwrap();
    let outcomes = run_core(&Pipeline::new(config), &hostile_input());
    let too_large = outcomes
        .iter()
        .filter(|o| matches!(&o.result, Err(e) if e.code() == "too_large"))
        .count();
    assert_eq!(too_large, 2);
}

/// Deterministic mutations of every fixture (bytes flipped, cut, duplicated): no panic, and the
/// framer and the pipeline still account for every record.
#[test]
fn mutated_fixtures_never_panic_and_never_lose_records() {
    let pipeline = Pipeline::new(Config::default());
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut total = 0;
    for case in cases() {
        let original = std::fs::read(&case).unwrap();
        for _ in 0..150 {
            let mut bytes = original.clone();
            for _ in 0..(1 + next() % 4) {
                let i = (next() as usize) % bytes.len();
                match next() % 4 {
                    0 => bytes[i] = next() as u8,
                    1 => bytes.truncate(i.max(1)),
                    2 => bytes.insert(i, [b'{', b'"', b'\\', b'\n', 0][(next() % 5) as usize]),
                    _ => {
                        let j = (i + (next() as usize % 64)).min(bytes.len());
                        let chunk = bytes[i..j].to_vec();
                        bytes.splice(i..i, chunk);
                    }
                }
            }
            let records: Vec<_> = Framer::new(&bytes).collect();
            let outcomes = run_core(&pipeline, &bytes);
            assert_eq!(records.len(), outcomes.len());
            total += outcomes.len();
        }
    }
    assert!(total > 1000, "{total}");
}

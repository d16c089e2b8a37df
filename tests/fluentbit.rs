//! The Fluent Bit filter module, called exactly as Fluent Bit 5.1.1's `wasm` filter calls it:
//! one instance for everything, tag and record copied in through the module's `malloc`, six i32
//! arguments, a NUL-terminated JSON object read back, the copies freed.

mod common;

use common::*;
#[path = "common/fluentbit_host.rs"]
mod fluentbit_host;

use fluentbit_host::FluentBit;
use mwsiem::{Config, Framer, Pipeline, RecordMeta};

/// What the core says Fluent Bit should get for `record`.
fn expected(pipeline: &Pipeline, record: &[u8]) -> String {
    let mut out = Vec::new();
    let _ = pipeline.process_or_error_into(record, &RecordMeta::default(), &mut out);
    String::from_utf8(out).unwrap()
}

/// Fluent Bit hands the filter JSON with non-ASCII escaped as `\uXXXX`.
fn escape_non_ascii(text: &[u8]) -> Vec<u8> {
    let Ok(s) = std::str::from_utf8(text) else {
        return text.to_vec();
    };
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        }
    }
    out.into_bytes()
}

#[test]
fn every_fixture_and_hostile_record_matches_the_core_in_one_instance() {
    let mut fb = FluentBit::new(&[], false);
    let pipeline = Pipeline::new(Config::default());
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for case in cases() {
        let bytes = std::fs::read(&case).unwrap();
        inputs.extend(Framer::new(&bytes).map(|r| r.bytes.to_vec()));
    }
    let hostile = hostile_input();
    inputs.extend(Framer::new(&hostile).map(|r| r.bytes.to_vec()));
    let big = format!(
        r#"{{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-01-01 00:00:00","event_data":{{"config_name":"big","blob":"{}"}}}}"#,
        "x".repeat(3 << 20)
    );
    inputs.push(big.into_bytes());
    let mut calls = 0;
    for round in 0..3 {
        for record in &inputs {
            let got = fb.call("mwsiem.audit", record);
            assert_eq!(got, expected(&pipeline, record), "round {round}");
            let json: serde_json::Value = serde_json::from_str(&got).expect("always a JSON object");
            assert!(json.is_object());
            calls += 1;
        }
        // Non-ASCII as Fluent Bit escapes it gives the same events.
        for record in inputs.iter().filter(|r| r.iter().any(|b| *b >= 0x80)).take(5) {
            let escaped = escape_non_ascii(record);
            if std::str::from_utf8(record).is_ok() {
                assert_eq!(fb.call("t", &escaped), expected(&pipeline, record));
            }
        }
    }
    assert_eq!(calls, 3 * inputs.len());
    assert!(inputs.len() >= 100, "{}", inputs.len());
}

#[test]
fn thousands_of_records_do_not_grow_memory() {
    let mut fb = FluentBit::new(&[], false);
    let record = std::fs::read(repo().join("testdata/cases/seed_v2_external_api.json")).unwrap();
    for _ in 0..500 {
        fb.call("t", &record);
    }
    let after_warmup = fb.memory_size();
    for _ in 0..5_000 {
        fb.call("t", &record);
    }
    assert_eq!(fb.memory_size(), after_warmup, "memory grew: a per-record leak");
}

#[test]
fn null_record_and_invalid_input_are_error_events() {
    let mut fb = FluentBit::new(&[], false);
    let e: serde_json::Value = serde_json::from_str(&fb.call_null_record()).unwrap();
    assert_eq!(e["mwsiem_error"], "host_allocation");
    let e: serde_json::Value = serde_json::from_str(&fb.call("t", b"{\"a\": \"\xff\"}")).unwrap();
    assert_eq!(e["mwsiem_error"], "invalid_utf8");
    let cut = br#"{"version": "2", "event_type": "EXTERNAL_API", "event_data": {"request_uri": "https://x/?access_token=CREDCANARY9999abc", "email": "PIICANARY9999"#;
    let text = fb.call("t", cut);
    let e: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(e["mwsiem_error"], "invalid_json");
    assert!(
        !text.contains("CREDCANARY9999") && !text.contains("PIICANARY9999"),
        "{text}"
    );
    assert!(
        e["mwsiem_raw"].as_str().unwrap().contains("\"request_uri\""),
        "keys stay readable"
    );
}

#[test]
fn config_from_accessible_paths_and_bad_config_as_error_events() {
    let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("fb-config-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(repo().join("testdata/users.csv"), dir.join("users.csv")).unwrap();
    std::fs::write(
        dir.join("mwsiem.toml"),
        "[redaction]\nprofile = \"full\"\n[enrichment]\nusers_file = \"users.csv\"\n",
    )
    .unwrap();
    let record = std::fs::read(repo().join("testdata/cases/v2_external_api.json")).unwrap();
    let first = Framer::new(&record).next().unwrap().bytes.to_vec();
    let mut fb = FluentBit::new(&[&dir], false);
    let got: serde_json::Value = serde_json::from_str(&fb.call("t", &first)).unwrap();
    assert_eq!(got["actor"]["user"]["email_addr"], "jane.doe@acme.example");

    let bad = dir.join("bad");
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("mwsiem.toml"), "[redaction]\nprofile = \"everything\"\n").unwrap();
    let mut fb = FluentBit::new(&[&bad], false);
    for _ in 0..3 {
        let e: serde_json::Value = serde_json::from_str(&fb.call("t", &first)).unwrap();
        assert_eq!(e["mwsiem_error"], "config");
        assert!(e["mwsiem_message"].as_str().unwrap().contains("profile"), "{e}");
    }
}

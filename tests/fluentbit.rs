//! The Fluent Bit filter module, called exactly as Fluent Bit 5.1.1's `wasm` filter calls it:
//! one instance for everything, tag and record copied in through the module's `malloc`, six i32
//! arguments, a NUL-terminated JSON object read back, the copies freed.

mod common;

use common::shapes;
use common::*;
#[path = "common/fluentbit_host.rs"]
mod fluentbit_host;

use fluentbit_host::{FluentBit, fluent_bit_text, tail_records};
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
            // A record with several events (a grant to several grantees) leaves them one per
            // call, through the pending loop.
            let got = fb.call_chain("mwsiem.audit", record).join("\n");
            assert_eq!(got, expected(&pipeline, record), "round {round}");
            for event in got.split('\n') {
                let json: serde_json::Value = serde_json::from_str(event).expect("always a JSON object");
                assert!(json.is_object());
            }
            calls += 1;
        }
        // Non-ASCII as Fluent Bit escapes it gives the same events.
        for record in inputs.iter().filter(|r| r.iter().any(|b| *b >= 0x80)).take(5) {
            let escaped = escape_non_ascii(record);
            if std::str::from_utf8(record).is_ok() {
                assert_eq!(fb.call_chain("t", &escaped).join("\n"), expected(&pipeline, record));
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

/// An output without the fields that say where a framed record came from.
fn without_origin(output: &str) -> (String, Option<serde_json::Value>) {
    let mut v: serde_json::Value = serde_json::from_str(output).expect("a JSON object");
    let obj = v.as_object_mut().unwrap();
    let origin = obj.contains_key("mwsiem_source").then(|| {
        serde_json::json!({
            "source": obj.remove("mwsiem_source"), "line": obj.remove("mwsiem_line"),
            "offset": obj.remove("mwsiem_offset"), "size": obj.remove("mwsiem_size"),
        })
    });
    (serde_json::to_string(&v).unwrap(), origin)
}

/// The core's outputs for a whole file, as the filter should give them (one per event: a record
/// with several leaves them one per call).
fn core_outputs(pipeline: &Pipeline, file: &[u8]) -> Vec<(String, u64, u64)> {
    Framer::new(file)
        .flat_map(|r| {
            expected(pipeline, r.bytes)
                .split('\n')
                .map(|e| (without_origin(e).0, r.line, r.offset))
                .collect::<Vec<_>>()
        })
        .collect()
}

type Outputs = std::collections::HashMap<String, Vec<(String, u64, u64)>>;

/// Files an output under its source (error records say it; events, under "").
fn collect(out: &str, got: &mut Outputs) {
    let (body, origin) = without_origin(out);
    let (file, line, offset) = match origin {
        Some(o) => (
            o["source"].as_str().unwrap().to_owned(),
            o["line"].as_u64().unwrap(),
            o["offset"].as_u64().unwrap(),
        ),
        // Events do not say where they came from: they are matched by content.
        None => (String::new(), 0, 0),
    };
    got.entry(file).or_default().push((body, line, offset));
}

#[test]
fn raw_lines_of_every_shape_as_the_shipped_config_sends_them() {
    let pipeline = Pipeline::new(Config::default());
    let mut fb = FluentBit::new(&[], false);
    let shapes = shapes::shapes();
    // Two files read at once, their lines interleaved: each is framed on its own.
    for pair in shapes.windows(2) {
        let [(a_name, a), (b_name, b)] = pair else {
            unreachable!()
        };
        let (a_path, b_path) = (
            format!("/mirror/logs/v1/2026-01-01/{a_name}"),
            format!("/mirror/logs/2026-01-02/{b_name}"),
        );
        let (a_lines, b_lines) = (tail_records(&a_path, a), tail_records(&b_path, b));
        let mut got = Outputs::default();
        let (mut empty, mut sent) = (0, 0);
        let (mut ai, mut bi) = (a_lines.iter(), b_lines.iter());
        loop {
            let next = match (sent % 3, ai.len(), bi.len()) {
                (_, 0, 0) => break,
                (0, _, n) | (1, _, n) if n > 0 => bi.next(),
                (_, n, _) if n > 0 => ai.next(),
                _ => bi.next(),
            };
            let outs = fb.call_chain("moveworks", next.unwrap());
            sent += 1;
            empty += outs.is_empty() as usize;
            outs.iter().for_each(|out| collect(out, &mut got));
        }
        // What the core makes of the text as Fluent Bit delivers it.
        let want_a = core_outputs(&pipeline, &fluent_bit_text(a));
        let want_b = core_outputs(&pipeline, &fluent_bit_text(b));
        assert_eq!(sent, a_lines.len() + b_lines.len());
        let outputs: usize = got.values().map(Vec::len).sum();
        assert!(outputs + empty >= sent, "every line is dropped or gives outputs");
        assert_eq!(
            outputs,
            want_a.len() + want_b.len(),
            "{a_name} + {b_name}: one output per record"
        );
        // Error records name their file and place exactly.
        for (path, want) in [(&a_path, &want_a), (&b_path, &want_b)] {
            let errors: Vec<_> = want
                .iter()
                .filter(|(o, ..)| o.contains("\"mwsiem_error\""))
                .cloned()
                .collect();
            let ours = got.get(path.as_str()).cloned().unwrap_or_default();
            let short = |v: &[(String, u64, u64)]| {
                v.iter()
                    .map(|(o, l, f)| format!("{}.. {l} {f}", &o[..o.len().min(120)]))
                    .collect::<Vec<_>>()
            };
            assert!(
                ours == errors,
                "error records of {path}:\n ours: {:?}\n core: {:?}",
                short(&ours),
                short(&errors)
            );
        }
        // Events, in file order per file; the two files' events interleave.
        let mut events = got.remove("").unwrap_or_default().into_iter().map(|e| e.0);
        let want_events: Vec<String> = want_a
            .iter()
            .chain(&want_b)
            .filter(|(o, ..)| !o.contains("\"mwsiem_error\""))
            .map(|e| e.0.clone())
            .collect();
        let mut remaining: std::collections::HashMap<&str, usize> = Default::default();
        for e in &want_events {
            *remaining.entry(e.as_str()).or_default() += 1;
        }
        for e in events.by_ref() {
            let n = remaining
                .get_mut(e.as_str())
                .unwrap_or_else(|| panic!("{a_name} + {b_name}: an event the core does not make: {e}"));
            *n -= 1;
        }
        assert!(
            remaining.values().all(|&n| n == 0),
            "{a_name} + {b_name}: events missing"
        );
    }
}

#[test]
fn framing_state_stays_bounded() {
    let mut fb = FluentBit::new(&[], false);
    let warm = tail_records("/m/warm.json", b"{\"a\":1}\n");
    fb.call("t", &warm[0]);
    let start = fb.memory_size();
    // Many files that never finish their record: past the bound on open files, the longest
    // untouched one is finished and its open record leaves as an error record.
    let mut evicted = 0;
    for i in 0..2_000 {
        let line = tail_records(&format!("/m/open-{i}.json"), b"{\n");
        for out in fb.call_chain("t", &line[0]) {
            assert!(
                out.contains("\"mwsiem_error\":\"invalid_json\"") && out.contains(&format!("/m/open-{evicted}.json")),
                "{out}"
            );
            evicted += 1;
        }
    }
    assert_eq!(evicted, 2_000 - mwsiem::lines::MAX_SOURCES);
    // A record far over the limit, a line at a time: one too_large error record, not kept.
    let mut file = b"{\n".to_vec();
    for _ in 0..20 {
        file.extend_from_slice(format!("  \"k\": \"{}\",\n", "v".repeat(1 << 20)).as_bytes());
    }
    file.extend_from_slice(b"  \"end\": 1\n}\n{\"version\":\"2\"}\n");
    let mut outputs = Vec::new();
    for line in tail_records("/m/huge.json", &file) {
        outputs.extend(fb.call_chain("t", &line));
    }
    // Some of the 2,000 open records were finished (sources are bounded): error records too.
    let huge: Vec<_> = outputs.iter().filter(|o| o.contains("/m/huge.json")).collect();
    assert!(
        huge.iter().any(|o| o.contains("\"mwsiem_error\":\"too_large\"")),
        "{:?}",
        huge.iter().map(|o| &o[..200.min(o.len())]).collect::<Vec<_>>()
    );
    assert!(
        fb.memory_size() < start + (48 << 20),
        "memory grew from {start} to {}",
        fb.memory_size()
    );
}

/// WAMR warns at every load of a module that imports WASI but is neither a command nor a
/// reactor: the module exports what a reactor does, and what Fluent Bit needs.
#[test]
fn the_module_exports_what_wamr_and_fluent_bit_look_for() {
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, mwsiem::host::embedded_fluentbit_module()).unwrap();
    let exports: Vec<&str> = module.exports().map(|e| e.name()).collect();
    for name in ["_initialize", "memory", "malloc", "free", "mwsiem_filter"] {
        assert!(exports.contains(&name), "{name} not exported: {exports:?}");
    }
    assert!(!exports.contains(&"_start"), "a reactor, not a command");
}

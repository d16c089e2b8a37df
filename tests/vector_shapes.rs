//! vector.yaml as Vector runs it, on every export shape: the `file` source's events (modelled on
//! Vector's code in common/vector_file_source.rs, with the shipped multiline patterns) through
//! both remap stages (frame.vrl, mwsiem.vrl), compiled with every `vrl` version a supported
//! Vector release locks.
//!
//! What must hold: the programs compile without a warning; on a well-formed shape every record
//! the core frames is one event equal to the core's, or one dead letter with the core's reason,
//! in order; on the hostile file and on records cut by a multiline timeout nothing is lost (no
//! runtime failure, no event vanishes but blank lines).

mod common;
#[path = "common/vrl_program.rs"]
mod vrl_program;

use common::known_vrl_differences;
use common::shapes::{fixture_records, shapes};
use common::vector_file_source::FileSource;
use common::{canonical, canonical_events, repo};
use mwsiem::{Config, Framer, Pipeline};
use vrl_program::{Remaps, VrlOutcome, all_remaps, compile_in_every_vrl};

/// An outcome in a form both paths share: the canonical event, or `reject:<reason>`.
fn core_outcomes(pipeline: &Pipeline, file: &[u8]) -> Vec<String> {
    Framer::new(file)
        .map(|r| match pipeline.process(r.bytes) {
            Ok((_, e)) => canonical_events(std::str::from_utf8(&e).unwrap()),
            Err(e) => format!("reject:{}", e.code()),
        })
        .collect()
}

fn vector_outcomes(remaps: &mut dyn Remaps, source: &FileSource, file: &[u8], pauses: &[usize]) -> Vec<String> {
    let mut out = Vec::new();
    for event in source.events(file, pauses) {
        let results = remaps.file_event(&event.message, event.offset);
        if results.is_empty() {
            assert!(
                event.message.iter().all(|b| b.is_ascii_whitespace()) || event.message == b"\xEF\xBB\xBF",
                "{}: an event with content vanished: {:?}",
                remaps.label(),
                String::from_utf8_lossy(&event.message)
            );
        }
        for r in results {
            out.push(match r {
                VrlOutcome::Event(e) => canonical(&e),
                VrlOutcome::Events(events) => events.iter().map(|e| canonical(e)).collect::<Vec<_>>().join("\n"),
                VrlOutcome::Aborted { reason, .. } => format!("reject:{reason}"),
                other => panic!(
                    "{}: {other:?} on {:?}: Vector would route it without a reason",
                    remaps.label(),
                    String::from_utf8_lossy(&event.message)
                ),
            });
        }
    }
    out
}

#[test]
fn the_programs_compile_without_warnings_in_every_supported_vrl() {
    for remaps in all_remaps() {
        let warnings = remaps.warnings();
        assert!(
            warnings.is_empty(),
            "{}: {} warning(s), which `vector validate` prints at every start:\n{}",
            remaps.label(),
            warnings.len(),
            warnings.join("\n")
        );
    }
}

#[test]
fn every_well_formed_shape_equals_the_core_record_for_record() {
    let pipeline = Pipeline::new(Config::default());
    let source = FileSource::shipped();
    let ndjson = &shapes()[0].1;
    let reference = core_outcomes(&pipeline, ndjson);
    assert!(reference.len() > 100, "{} records", reference.len());
    // Records VRL cannot match (bare numbers beyond 2^63, duplicate keys, key order) are listed
    // by the fixture they come from.
    let known = known_vrl_differences();
    let origins = fixture_records();
    assert_eq!(origins.len(), reference.len());
    for mut remaps in all_remaps() {
        for (name, file) in shapes() {
            if name == "hostile.json" {
                continue;
            }
            // The shapes hold the same records: the core frames each shape to the same outcomes.
            assert_eq!(core_outcomes(&pipeline, &file), reference, "core on {name}");
            let ours = vector_outcomes(remaps.as_mut(), &source, &file, &[]);
            let differ: Vec<String> = reference
                .iter()
                .zip(&ours)
                .enumerate()
                .filter(|(i, (c, v))| c != v && !known.contains(&(origins[*i].input.clone(), origins[*i].line)))
                .map(|(i, (c, v))| format!("record {i}:\n  core:   {c}\n  vector: {v}"))
                .collect();
            assert_eq!(
                ours.len(),
                reference.len(),
                "{} on {name}: {} outcomes for {} records",
                remaps.label(),
                ours.len(),
                reference.len()
            );
            assert!(
                differ.is_empty(),
                "{} on {name}: {} record(s) differ:\n{}",
                remaps.label(),
                differ.len(),
                differ.join("\n")
            );
        }
    }
}

/// The hostile file and timeout-cut records: whatever Vector makes of them, every piece leaves
/// as an event or a reasoned dead letter (vector_outcomes panics on anything else).
#[test]
fn hostile_lines_and_timeout_cuts_lose_nothing() {
    let source = FileSource::shipped();
    let pipeline = Pipeline::new(Config::default());
    let all = shapes();
    let hostile = &all.iter().find(|(n, _)| *n == "hostile.json").unwrap().1;
    let pretty = &all.iter().find(|(n, _)| *n == "pretty.json").unwrap().1;
    let array = &all.iter().find(|(n, _)| *n == "array_pretty.json").unwrap().1;
    for mut remaps in all_remaps() {
        let out = vector_outcomes(remaps.as_mut(), &source, hostile, &[]);
        assert_eq!(
            out,
            core_outcomes(&pipeline, hostile),
            "{} on the hostile file",
            remaps.label()
        );

        // The writer stalls inside the 3rd and the 40th record for longer than the timeout.
        let lines = pretty.split(|&b| b == b'\n').count();
        assert!(lines > 400);
        let out = vector_outcomes(remaps.as_mut(), &source, pretty, &[20, 300]);
        let rejected = out.iter().filter(|o| o.starts_with("reject:")).count();
        assert!(rejected >= 2, "the cut records are dead letters: {rejected}");
        // An array file cut in the middle: its first part is one dead letter holding it, the rest
        // leave line by line as dead letters; nothing vanishes.
        let out = vector_outcomes(remaps.as_mut(), &source, array, &[500]);
        assert!(out.iter().all(|o| o.starts_with("reject:")), "{}", remaps.label());
    }
}

/// The dead-letter stage keeps the exact bytes: a record that is not UTF-8 leaves as
/// `record_base64`, a UTF-8 one (a BOM aside) as `record`.
#[test]
fn dead_letters_keep_the_exact_record() {
    let source = common::remap_source("transforms/vector/vector.yaml", "inputs: [mwsiem.dropped");
    let mut mwsiem = vrl_program::VrlProgram::load();
    let bad = b"{\"version\":\"2\",\"x\":\"\xff\xfe\"}";
    let VrlOutcome::Aborted { message, .. } = mwsiem.run(bad) else {
        panic!("invalid UTF-8 aborts")
    };
    assert!(message.starts_with("invalid_utf8:"), "{message}");
    for (label, mut program) in compile_in_every_vrl(&source, "vector.yaml's dead-letter remap") {
        let dropped = |record: serde_json::Value| {
            serde_json::json!({"message": record, "file": "/m/logs/x.json", "offset": 7,
                "metadata": {"dropped": {"reason": "abort", "message": message.clone(), "component_id": "mwsiem"}}})
        };
        // The event's `message` is bytes in Vector; JSON can only carry UTF-8 here, so the
        // non-UTF-8 case goes through the runner's bytes entry point.
        let VrlOutcome::Event(out) = program.run_dead_letter(bad, 7, &message) else {
            panic!("{label}")
        };
        let out: serde_json::Value = serde_json::from_str(&out).unwrap();
        use base64::Engine as _;
        assert_eq!(
            out["record_base64"],
            base64::engine::general_purpose::STANDARD.encode(bad),
            "{label}: {out}"
        );
        assert_eq!(out["reason"], "invalid_utf8", "{label}");
        assert_eq!(out["source"]["offset"], 7, "{label}");
        assert!(out.get("record").is_none(), "{label}");
        let VrlOutcome::Event(out) = program.run_event(dropped("{\"version\":\"2\"}".into())) else {
            panic!("{label}")
        };
        let out: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out["record"], "{\"version\":\"2\"}", "{label}: {out}");
        assert_eq!(out["source"]["file"], "/m/logs/x.json", "{label}");
    }
}

/// follow.yaml's remap (Vector reading `mwsiem follow` through its `exec` source) compiles
/// warning-free in every supported `vrl` and gives back each OCSF line as the event, nothing of
/// the exec source's own fields; mwsiem's stderr lines are logged and dropped.
#[test]
fn the_follow_config_remap_parses_each_line_into_the_event() {
    let source = common::remap_source("transforms/vector/follow.yaml", "inputs: [moveworks]");
    let golden = std::fs::read_to_string(repo().join("testdata/sftp.ocsf.json")).unwrap();
    for (label, mut program) in compile_in_every_vrl(&source, "follow.yaml's remap") {
        for line in golden.lines() {
            // What the exec source makes of one stdout line.
            let event = serde_json::json!({"message": line, "command": ["mwsiem", "follow"], "pid": 42,
                "stream": "stdout", "source_type": "exec", "host": "h", "timestamp": "2026-12-02T00:00:00Z"});
            let VrlOutcome::Event(out) = program.run_event(event) else {
                panic!("{label}: no event")
            };
            assert_eq!(canonical(&out), canonical(line), "{label}");
        }
        // mwsiem's stderr (a summary, a refusal) is logged and dropped, never an event.
        for line in [
            "mwsiem: pull sftp://u@h:22/x: HOST KEY CHANGED for h: refusing",
            "mwsiem: follow: 3 records in, 3 events out",
            "{\"looks\":\"like an event\"}",
        ] {
            let event = serde_json::json!({"message": line, "command": ["mwsiem", "follow"], "pid": 42,
                "stream": "stderr", "source_type": "exec", "host": "h", "timestamp": "2026-12-02T00:00:00Z"});
            let outcome = program.run_event(event);
            assert!(matches!(outcome, VrlOutcome::Aborted { .. }), "{label}: {line}");
        }
    }
}

/// Which of mwsiem's stderr lines follow.yaml logs at `info` (summaries) and which at `error`:
/// the remap's pattern, run with the regex engine VRL uses, on lines as mwsiem writes them.
#[test]
fn the_follow_config_logs_only_summaries_at_info() {
    let source = common::remap_source("transforms/vector/follow.yaml", "inputs: [moveworks]");
    let pattern = source
        .split("match(line, r'")
        .nth(1)
        .and_then(|r| r.split("')").next())
        .unwrap();
    let summary = regex::Regex::new(pattern).unwrap();
    for line in [
        "mwsiem: pass 3: 45 records in, 37 events out, 8 dead letters, 0 duplicates skipped, 4 files read, 16012 bytes, 0 files with an open record, 0.010 s",
        "mwsiem: pull sftp://u@h:22/x: 10 files: 1 new, 0 rewritten, 1 appended, 8 unchanged; 0 resumed, 0 changed during transfer, 0 retries; 0.0 MB in 0.10s (0.3 MB/s)",
        "mwsiem: pull sftp://u@h:22/x: 1 file: 0 new, 0 rewritten, 0 appended, 1 unchanged; 0 resumed, 0 changed during transfer, 0 retries; 0.0 MB in 0.10s (0.0 MB/s)",
    ] {
        assert!(summary.is_match(line), "not a summary: {line}");
    }
    for line in [
        "mwsiem: pull sftp://u@h:22/x: HOST KEY CHANGED for [h]:22: the server offered ssh-ed25519 SHA256:x, k has ssh-ed25519 on line(s) 1; refusing",
        "mwsiem: pull sftp://u@h:22/x: cannot connect to sftp://u@h:22/x: Connection refused (os error 111); retry 1/4 in 1.0s",
        "mwsiem: pull sftp://u@h:22/x: giving up after 5 attempts: timed out: the server stopped answering",
        "mwsiem: pull: cannot list /x/logs/2025-10-15: Permission denied",
        "mwsiem: /m/out.ndjson: 3 lines written after the last commit are kept and will not be written again",
    ] {
        assert!(!summary.is_match(line), "logged as a mere summary: {line}");
    }
}

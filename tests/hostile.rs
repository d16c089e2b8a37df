//! Hostile input: nothing panics, and every record ends as exactly one event or one rejection.

mod common;

use common::*;
use mwsiem::{Config, Framer, Pipeline};

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
        "event", // a 2 MB event_type: an unknown type, so an API Activity of activity Other
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
    let mut total = 0;
    for bytes in mutations(150, 0x9E37_79B9_7F4A_7C15) {
        let records: Vec<_> = Framer::new(&bytes).collect();
        let outcomes = run_core(&pipeline, &bytes);
        assert_eq!(records.len(), outcomes.len());
        total += outcomes.len();
    }
    assert!(total > 1000, "{total}");
}

/// The streaming framer frames every mutated fixture and the hostile file exactly like the
/// whole-input framer, whatever sizes the input arrives in.
#[test]
fn streaming_frames_mutations_like_the_whole_input() {
    use mwsiem::{Frame, StreamFramer};
    let mut inputs = common::mutations(8, 0x9E37_79B9_7F4A_7C15);
    inputs.push(common::hostile_input());
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for bytes in &inputs {
        let want: Vec<(Vec<u8>, u64, u64)> = Framer::new(bytes)
            .map(|r| (r.bytes.to_vec(), r.line, r.offset))
            .collect();
        let mut f = StreamFramer::new(64 << 20);
        let mut got = Vec::new();
        let mut i = 0;
        while i < bytes.len() || i == 0 {
            let n = (1 + next() as usize % 300).min(bytes.len() - i);
            f.push(&bytes[i..i + n]);
            i += n;
            while let Some(Frame::Record(r)) = f.next_frame() {
                got.push((r.bytes.to_vec(), r.line, r.offset));
            }
            if bytes.is_empty() {
                break;
            }
        }
        f.finish();
        while let Some(Frame::Record(r)) = f.next_frame() {
            got.push((r.bytes.to_vec(), r.line, r.offset));
        }
        assert!(
            got == want,
            "{} records streamed, {} framed whole",
            got.len(),
            want.len()
        );
    }
}

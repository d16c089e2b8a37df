//! The fixtures in `testdata/cases/`: golden outputs compared exactly, every event valid OCSF
//! 1.8.0, nothing of the input lost, and the same bytes every time.

mod common;

use common::*;
use mwsiem::json::{Value, parse};
use mwsiem::{Config, Framer, Pipeline};

#[test]
fn fixtures_match_golden_files() {
    let pipeline = Pipeline::new(Config::default());
    for case in cases() {
        let outcomes = run_core(&pipeline, &std::fs::read(&case).unwrap());
        let (events, rejects) = render(&outcomes);
        golden(&sibling(&case, ".ocsf.json"), &events);
        golden(&sibling(&case, ".rejects.json"), &rejects);
    }
}

#[test]
fn every_event_validates_against_ocsf_1_8_0() {
    let validator = OcsfValidator::load();
    let pipeline = Pipeline::new(Config::default());
    let mut failures = Vec::new();
    let mut checked = 0;
    for case in cases() {
        for o in run_core(&pipeline, &std::fs::read(&case).unwrap()) {
            let Ok(events) = &o.result else { continue };
            for event in events.split('\n') {
                let json: serde_json::Value = serde_json::from_str(event).unwrap();
                checked += 1;
                for e in validator.errors(&json) {
                    failures.push(format!("{}:{}: {e}", case.display(), o.line));
                }
            }
        }
    }
    assert!(checked >= 50, "only {checked} events checked");
    assert!(
        failures.is_empty(),
        "{} OCSF errors:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn the_validator_catches_broken_events() {
    let validator = OcsfValidator::load();
    let pipeline = Pipeline::new(Config::default());
    // A REST read (activity 2): its ids and captions are all derivable, so each breakage shows.
    let cases = std::fs::read(repo().join("testdata/cases/semantics.json")).unwrap();
    let src = Framer::new(&cases).next().unwrap().bytes;
    let (_, event) = pipeline.process(src).unwrap();
    let good: serde_json::Value = serde_json::from_slice(&event).unwrap();
    assert!(validator.errors(&good).is_empty());
    let breakages: [(&str, serde_json::Value); 12] = [
        ("/type_uid", 600399.into()),
        ("/activity_name", "Create".into()),
        ("/severity", "Low".into()),
        ("/actor/bogus", true.into()),
        ("/time", "yesterday".into()),
        ("/message", "".into()),
        ("/metadata/uid", "2:another".into()),
        // An observable with the wrong type, of a value the event does not hold, of an
        // attribute the class does not have; a profile whose attributes are missing (`osint`
        // makes `osint` required); a profile's attribute without the profile.
        ("/observables/0/type_id", 4.into()),
        ("/observables/0/value", "someone else".into()),
        ("/observables/0/name", "actor.user.nickname".into()),
        ("/metadata/profiles", serde_json::json!(["osint"])),
        ("/trace", serde_json::json!({"uid": "t1"})),
    ];
    for (path, value) in breakages {
        let mut bad = good.clone();
        let (parent, key) = path.rsplit_once('/').unwrap();
        bad.pointer_mut(if parent.is_empty() { "" } else { parent }).unwrap()[key] = value;
        assert!(!validator.errors(&bad).is_empty(), "{path} not caught");
    }
}

/// Fields whose value is encoded into `activity_id` one-to-one (never lost: an unknown value
/// becomes `activity_name` with activity 99).
const ENCODED_IN_ACTIVITY: [(&str, &str); 2] = [("AGENT_STUDIO_LOG", "method"), ("CONFIG_CHANGE", "operation_type")];

/// Under the `full` profile nothing but credentials is hidden, and the fixtures hold none.
#[test]
fn every_input_leaf_appears_in_its_event() {
    let pipeline = Pipeline::new(Config::from_toml("[redaction]\nprofile = \"full\"\n").unwrap());
    let mut failures = Vec::new();
    for case in cases() {
        for o in run_core(&pipeline, &std::fs::read(&case).unwrap()) {
            let Ok(events) = &o.result else { continue };
            let input = parse(&o.input, 1000).unwrap();
            // Every leaf in the record's events together (one per grantee of a grant).
            let mut have = Vec::new();
            for event in events.split('\n') {
                leaf_texts(&parse(event.as_bytes(), 1000).unwrap(), &mut have);
            }
            let event_type = input
                .as_object()
                .unwrap()
                .get("event_type")
                .and_then(Value::as_str)
                .unwrap_or("");
            let first = parse(events.split('\n').next().unwrap().as_bytes(), 1000).unwrap();
            let activity = first.as_object().unwrap().get("activity_id").and_then(Value::as_i64);
            let mut want = Vec::new();
            let Value::Object(record) = &input else { unreachable!() };
            for (k, v) in record.iter() {
                match (k, v) {
                    ("event_data", Value::Object(data)) if activity.is_some() => {
                        for (dk, dv) in data.iter() {
                            if ENCODED_IN_ACTIVITY.contains(&(event_type, dk)) && activity != Some(99) {
                                continue;
                            }
                            // A change the system made is Moveworks' own: `actor.app_name`.
                            if (event_type, dk) == ("CONFIG_CHANGE", "change_origin_type")
                                && dv.as_str().is_some_and(|o| o.eq_ignore_ascii_case("SYSTEM"))
                            {
                                continue;
                            }
                            match (event_type, dk) {
                                ("EXTERNAL_LDAP_API", "request") => {
                                    match dv.as_str().and_then(mwsiem::parse::pylit::parse_python_literal) {
                                        Some(parsed) => leaf_texts(&parsed, &mut want),
                                        None => leaf_texts(dv, &mut want),
                                    }
                                }
                                // Each grant is `app:role` privileges plus the grantee.
                                ("PERMISSION_CHANGE", "assigned_roles") => {
                                    for grant in dv_items(dv) {
                                        let g = grant.as_object().unwrap();
                                        let app = g.get("app").and_then(Value::as_str).unwrap();
                                        if let Some(Value::Array(roles)) = g.get("roles") {
                                            want.extend(roles.iter().map(|r| format!("{app}:{}", r.as_str().unwrap())));
                                        }
                                        if let Some(grantee) = g.get("grantee") {
                                            leaf_texts(grantee, &mut want);
                                        }
                                    }
                                }
                                _ => leaf_texts(dv, &mut want),
                            }
                        }
                    }
                    _ => leaf_texts(v, &mut want),
                }
            }
            for w in want {
                if !have.contains(&w) {
                    failures.push(format!("{}:{}: {w:?} is not in the event", case.display(), o.line));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn dv_items<'a, 'b>(v: &'b Value<'a>) -> &'b [Value<'a>] {
    match v {
        Value::Array(items) => items,
        _ => &[],
    }
}

#[test]
fn output_is_byte_for_byte_deterministic() {
    for case in cases() {
        let bytes = std::fs::read(&case).unwrap();
        let a = render(&run_core(&Pipeline::new(Config::default()), &bytes));
        let b = render(&run_core(&Pipeline::new(Config::default()), &bytes));
        assert_eq!(a, b, "{}", case.display());
    }
}

#[test]
fn raw_data_only_when_configured() {
    let src = std::fs::read(repo().join("testdata/cases/seed_v2_config_change.json")).unwrap();
    let (_, plain) = Pipeline::new(Config::default()).process(&src).unwrap();
    assert!(!String::from_utf8(plain).unwrap().contains("raw_data"));
    let config = Config::from_toml("[output]\nraw_data = true\n[redaction]\nprofile = \"full\"\n").unwrap();
    let (_, with_raw) = Pipeline::new(config).process(&src).unwrap();
    let json: serde_json::Value = serde_json::from_slice(&with_raw).unwrap();
    // The record as received (compact, credentials redacted: this one has none).
    let raw: serde_json::Value = serde_json::from_str(json["raw_data"].as_str().unwrap()).unwrap();
    assert_eq!(raw, serde_json::from_slice::<serde_json::Value>(&src).unwrap());
    assert!(OcsfValidator::load().errors(&json).is_empty());
}

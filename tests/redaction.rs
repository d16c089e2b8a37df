//! Planted canaries: no credential survives any profile or engine, no request content survives
//! `restricted`, and `full` keeps all of it. Golden outputs per profile.

mod common;

use common::*;
use mwsiem::{Config, Framer, Pipeline};
use std::collections::BTreeSet;

const KEY: &str = "a test key of 32 bytes, not real";

fn canaries(text: &str, prefix: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let tail = &rest[i..];
        let end = tail[prefix.len()..]
            .find(|c: char| !c.is_ascii_digit())
            .map_or(tail.len(), |e| prefix.len() + e);
        out.insert(tail[..end].to_owned());
        rest = &tail[end..];
    }
    out
}

/// Every output of both engines for `config_toml`, as one text (events and rejection messages).
fn run_both(config_toml: &str, input: &[u8]) -> String {
    let records: Vec<&[u8]> = Framer::new(input).map(|r| r.bytes).collect();
    let native_out = native_outputs(config_toml, &records);
    let guest_out = component_outputs(&component_engine(), config_toml, &records);
    assert_eq!(native_out, guest_out, "engines differ under {config_toml:?}");
    let validator = OcsfValidator::load();
    for e in &native_out {
        let json: serde_json::Value = serde_json::from_str(e).expect("every canary record is an event");
        assert!(validator.errors(&json).is_empty(), "{:?}", validator.errors(&json));
    }
    native_out.join("\n") + "\n"
}

fn input() -> Vec<u8> {
    std::fs::read(repo().join("testdata/redaction/canaries.json")).unwrap()
}

#[test]
fn no_credential_survives_any_profile_or_action() {
    let input = input();
    let planted = canaries(std::str::from_utf8(&input).unwrap(), "CREDCANARY");
    assert!(planted.len() >= 20, "{planted:?}");
    for profile in ["restricted", "full"] {
        for action in ["mask", "hash", "drop"] {
            let config = format!(
                "[redaction]\nprofile = \"{profile}\"\ncredential_action = \"{action}\"\ncontent_action = \"{action}\"\nhmac_key = \"{KEY}\"\n"
            );
            let out = run_both(&config, &input);
            let leaked = canaries(&out, "CREDCANARY");
            assert!(leaked.is_empty(), "{profile}/{action} leaked {leaked:?}");
        }
    }
}

#[test]
fn restricted_hides_every_content_canary_and_full_keeps_them() {
    let input = input();
    let planted = canaries(std::str::from_utf8(&input).unwrap(), "PIICANARY");
    assert!(planted.len() >= 14, "{planted:?}");
    let restricted = run_both("", &input);
    assert_eq!(canaries(&restricted, "PIICANARY"), BTreeSet::new(), "restricted leaked");
    let full = run_both("[redaction]\nprofile = \"full\"\n", &input);
    assert_eq!(canaries(&full, "PIICANARY"), planted, "full lost content");
    golden(
        &repo().join("testdata/redaction/canaries.restricted.ocsf.json"),
        &restricted,
    );
    golden(&repo().join("testdata/redaction/canaries.full.ocsf.json"), &full);
}

#[test]
fn raw_data_under_full_keeps_content_but_no_credentials() {
    let out = run_both("[output]\nraw_data = true\n[redaction]\nprofile = \"full\"\n", &input());
    assert!(out.matches("\"raw_data\"").count() >= 10);
    assert!(
        canaries(&out, "CREDCANARY").is_empty(),
        "{:?}",
        canaries(&out, "CREDCANARY")
    );
    assert!(canaries(&out, "PIICANARY").len() >= 14);
}

#[test]
fn hashes_are_stable_pseudonyms_under_one_key() {
    let config = format!("[redaction]\ncredential_action = \"hash\"\nhmac_key = \"{KEY}\"\n");
    let a = run_both(&config, &input());
    let b = run_both(&config, &input());
    assert_eq!(a, b);
    assert!(a.contains("hmac-sha256:"));
    let other = run_both(
        "[redaction]\ncredential_action = \"hash\"\nhmac_key = \"another key of 32 bytes, not real\"\n",
        &input(),
    );
    assert_ne!(a, other);
}

#[test]
fn custom_rules_by_ocsf_path() {
    let config = format!(
        "[redaction]\nprofile = \"full\"\nhmac_key = \"{KEY}\"\n[[redaction.rule]]\npath = \"actor.user.uid\"\naction = \"hash\"\n[[redaction.rule]]\npath = \"http_request.user_agent\"\naction = \"drop\"\n"
    );
    let out = run_both(&config, &input());
    assert!(!out.contains("9422067216216842966"), "actor uid kept");
    assert!(!out.contains("user_agent"), "user_agent kept");
    assert!(out.contains("\"actor\":{\"app_name\":\"Moveworks\",\"user\":{\"uid\":\"hmac-sha256:"));
}

#[test]
fn unparsed_records_never_leak() {
    let text = std::str::from_utf8(&input()).unwrap().to_owned();
    // Every canary record, cut in the middle: what an in-band error event would carry.
    for line in text.lines() {
        let cut = &line[..line.len() * 3 / 4];
        for (profile, pii_ok) in [("restricted", false), ("full", true)] {
            let p = Pipeline::new(Config::from_toml(&format!("[redaction]\nprofile = \"{profile}\"\n")).unwrap());
            let shown = p.redactor().scrub_unparsed(cut);
            assert!(canaries(&shown, "CREDCANARY").is_empty(), "{profile}: {shown}");
            if !pii_ok {
                assert!(canaries(&shown, "PIICANARY").is_empty(), "{profile}: {shown}");
            }
        }
    }
}

/// `message` and `observables` are written after redaction from the event's own attributes: a
/// canary in either is also elsewhere in the same event (so they never show what redaction
/// removed), none reaches them under `restricted`, and a path rule applies to the copies too.
#[test]
fn messages_and_observables_show_only_what_the_event_shows() {
    let input = input();
    let rule = format!(
        "[redaction]\nprofile = \"full\"\nhmac_key = \"{KEY}\"\n[[redaction.rule]]\npath = \"actor.user.uid\"\naction = \"hash\"\n[[redaction.rule]]\npath = \"http_request.url.url_string\"\naction = \"drop\"\n"
    );
    let configs = [
        String::new(),
        "[redaction]\nprofile = \"full\"\n".to_owned(),
        format!("[redaction]\ncredential_action = \"hash\"\ncontent_action = \"hash\"\nhmac_key = \"{KEY}\"\n"),
        rule.clone(),
    ];
    let mut derived_canaries = 0;
    for config in &configs {
        for line in run_both(config, &input).lines() {
            let mut event: serde_json::Value = serde_json::from_str(line).unwrap();
            let message = event["message"].as_str().unwrap().to_owned();
            let observables = event.as_object_mut().unwrap().remove("observables");
            event.as_object_mut().unwrap().remove("message");
            let derived = format!("{message}\n{}", observables.unwrap_or_default());
            let rest = event.to_string();
            for prefix in ["CREDCANARY", "PIICANARY"] {
                for canary in canaries(&derived, prefix) {
                    derived_canaries += 1;
                    assert!(
                        rest.contains(&canary),
                        "{config:?}: {canary} only in message/observables: {line}"
                    );
                    assert!(!config.is_empty(), "restricted let {canary} into {derived}");
                }
            }
        }
    }
    // Under `full` the URL's query values are content the event keeps, so its observable has
    // them too: the check above ran on real cases.
    assert!(derived_canaries > 0);
    let out = run_both(&rule, &input);
    assert!(
        out.contains("for user hmac-sha256:"),
        "the message repeats the hashed actor"
    );
    assert!(out.contains(r#"{"name":"actor.user.uid","type_id":31,"type":"User Object: uid","value":"hmac-sha256:"#));
    assert!(
        !out.contains(r#""name":"http_request.url.url_string""#),
        "a dropped attribute is not observed"
    );
}

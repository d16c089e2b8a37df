//! Credential redaction measured by a corpus written from outside mwsiem: secrets and decoys
//! generated from public format facts (gitleaks' rules and false-positive examples at commit
//! b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b; vendors' token and webhook documents: see
//! tests/common/outside_secrets.rs and outside_decoys.rs for the list), never from
//! `mwsiem::redact::formats`.
//!
//! Recall: every secret (gitleaks' prefixed rules, keyword rules as `NAME=value` and
//! `"name": "value"`, argv flags and environment arrays, full vendor shapes, webhook URLs,
//! quoting and escaping, config files) in every field kind of tests/common/outside_places.rs,
//! through the native core (restricted and full, mask hash and drop), the component (equal to
//! native), the Fluent Bit module (restricted and full) and every VRL version: no 12-character
//! window of a secret part may survive, as written or unescaped.
//!
//! Precision: decoys (placeholders, ordinary identifiers, file names, ids, text, and arguable
//! "defensible" values) in fields every profile keeps, through the native core under `full` and
//! the VRL program: under 15% of decoys masked, and no placeholder or ordinary one.
//!
//! Fresh values every run; the seed is printed (`MWSIEM_CREDENTIAL_SEED` replays one). With
//! `MWSIEM_OUTSIDE_DIR=<dir>` every survivor and masked decoy is also written there as JSON lines.

mod common;
#[path = "common/credentials.rs"]
mod credentials;
#[path = "common/fluentbit_host.rs"]
mod fluentbit_host;
#[path = "common/outside_decoys.rs"]
mod outside_decoys;
#[path = "common/outside_formats.rs"]
mod outside_formats;
#[path = "common/outside_places.rs"]
mod outside_places;
#[path = "common/outside_secrets.rs"]
mod outside_secrets;
#[path = "common/vrl_program.rs"]
#[allow(unused_imports)]
mod vrl_program;

use common::*;
use credentials::{Rng, config_toml, seed, survivors, unescape};
use outside_places::Case;
use serde_json::{Value, json};
use std::collections::BTreeMap;

fn corpus(seed: u64) -> Vec<Case> {
    let secrets = outside_secrets::secrets(&mut Rng::new(seed));
    outside_places::cases(&secrets)
}

fn records(cases: &[Case]) -> Vec<Vec<u8>> {
    cases.iter().map(|c| serde_json::to_vec(&c.record).unwrap()).collect()
}

/// `text` around the first place `needle` occurs (as written or unescaped), for examples.
fn excerpt(text: &str, needle: &str) -> String {
    for t in [text.to_owned(), unescape(text), unescape(&unescape(text))] {
        if let Some(i) = t.find(needle) {
            let start = t[..i].char_indices().rev().nth(120).map_or(0, |(j, _)| j);
            return t[start..].chars().take(300).collect();
        }
    }
    text.chars().take(300).collect()
}

/// Writes `rows` as JSON lines to `$MWSIEM_OUTSIDE_DIR/<name>.jsonl` when that is set.
fn dump(name: &str, rows: &[Value]) {
    let Ok(dir) = std::env::var("MWSIEM_OUTSIDE_DIR") else {
        return;
    };
    std::fs::create_dir_all(&dir).unwrap();
    let slug: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let text: String = rows.iter().map(|r| r.to_string() + "\n").collect();
    std::fs::write(std::path::Path::new(&dir).join(format!("{slug}.jsonl")), text).unwrap();
}

/// Every survivor of one engine run: (line for the failure message, JSON row for the report).
fn leaks(engine: &str, cases: &[Case], outputs: &[String]) -> (Vec<String>, Vec<Value>) {
    assert_eq!(outputs.len(), cases.len(), "{engine}: one output per record");
    let (mut lines, mut rows) = (Vec::new(), Vec::new());
    for (c, out) in cases.iter().zip(outputs) {
        if !out.contains(&c.id) {
            lines.push(format!(
                "{engine} {} {} {} {}: no event: {}",
                c.id,
                c.field_kind,
                c.class,
                c.rule,
                excerpt(out, "")
            ));
            continue;
        }
        for window in survivors(&c.credential, out) {
            lines.push(format!(
                "{engine} {} {} {} {} {window:?}",
                c.id, c.field_kind, c.class, c.rule
            ));
            rows.push(
                json!({"engine": engine, "id": c.id, "class": c.class, "rule": c.rule, "field_kind": c.field_kind,
                "window": window, "record": c.record.to_string(), "output": excerpt(out, &window)}),
            );
        }
    }
    (lines, rows)
}

/// Counts by class, by rule and by field kind, for the log.
fn tally(engine: &str, rows: &[Value], total: usize) -> String {
    let mut by: [BTreeMap<String, usize>; 3] = Default::default();
    let mut ids = std::collections::BTreeSet::new();
    for r in rows {
        ids.insert(r["id"].as_str().unwrap().to_owned());
        for (i, k) in ["class", "rule", "field_kind"].iter().enumerate() {
            *by[i].entry(r[k].as_str().unwrap().to_owned()).or_default() += 1;
        }
    }
    let fmt = |m: &BTreeMap<String, usize>| m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ");
    format!(
        "{engine}: {} of {total} records leak ({} windows)\n  by class: {}\n  by field kind: {}\n  by rule: {}",
        ids.len(),
        rows.len(),
        fmt(&by[0]),
        fmt(&by[2]),
        fmt(&by[1])
    )
}

fn finish(seed: u64, failures: Vec<String>) {
    assert!(
        failures.is_empty(),
        "MWSIEM_CREDENTIAL_SEED={seed}: {} survivors (engine, record, field kind, class, rule, window):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn outside_secrets_never_survive_the_native_core_or_the_component() {
    let seed = seed();
    let cases = corpus(seed);
    let secrets = outside_secrets::secrets(&mut Rng::new(seed));
    let rules = outside_secrets::gitleaks_rules(&secrets);
    let mut classes: BTreeMap<&str, usize> = BTreeMap::new();
    secrets.iter().for_each(|s| *classes.entry(s.class).or_default() += 1);
    eprintln!(
        "MWSIEM_CREDENTIAL_SEED={seed}: {} secrets ({classes:?}) covering {} gitleaks rules, in {} records",
        secrets.len(),
        rules.len(),
        cases.len()
    );
    assert!(rules.len() >= 150, "{}", rules.len());
    let records = records(&cases);
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let engine = component_engine();
    let mut failures = Vec::new();
    for profile in ["restricted", "full"] {
        for action in ["mask", "hash", "drop"] {
            let toml = config_toml(profile, action);
            let name = format!("native {profile}/{action}");
            let native = native_outputs(&toml, &refs);
            let (lines, rows) = leaks(&name, &cases, &native);
            eprintln!("{}", tally(&name, &rows, cases.len()));
            dump(&name, &rows);
            failures.extend(lines);
            let guest = component_outputs(&engine, &toml, &refs);
            for ((c, n), g) in cases.iter().zip(&native).zip(&guest) {
                if n != g {
                    failures.push(format!(
                        "component {profile}/{action} {}: differs from native\n  native {n}\n  component {g}",
                        c.id
                    ));
                }
            }
        }
    }
    finish(seed, failures);
}

#[test]
fn outside_secrets_never_survive_the_fluent_bit_module() {
    let seed = seed();
    let cases = corpus(seed);
    let records = records(&cases);
    let mut failures = Vec::new();
    for profile in ["restricted", "full"] {
        let dir = std::path::PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("fb-outside-{profile}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("mwsiem.toml"), config_toml(profile, "mask")).unwrap();
        let mut fb = fluentbit_host::FluentBit::new(&[&dir], false);
        let outputs: Vec<String> = records.iter().map(|r| fb.call("moveworks", r)).collect();
        let name = format!("fluent-bit {profile}/mask");
        let (lines, rows) = leaks(&name, &cases, &outputs);
        eprintln!("{}", tally(&name, &rows, cases.len()));
        dump(&name, &rows);
        failures.extend(lines);
    }
    finish(seed, failures);
}

fn vrl_outputs(remaps: &mut Box<dyn vrl_program::Remaps>, records: &[Vec<u8>]) -> Vec<String> {
    records
        .iter()
        .map(|r| match remaps.record(r) {
            vrl_program::VrlOutcome::Event(e) => e,
            other => format!("{other:?}"),
        })
        .collect()
}

#[test]
fn outside_secrets_never_survive_the_vrl_program() {
    let seed = seed();
    let cases = corpus(seed);
    let records = records(&cases);
    let mut failures = Vec::new();
    for mut remaps in vrl_program::all_remaps() {
        let name = remaps.label();
        let outputs = vrl_outputs(&mut remaps, &records);
        let (lines, rows) = leaks(&name, &cases, &outputs);
        eprintln!("{}", tally(&name, &rows, cases.len()));
        dump(&name, &rows);
        failures.extend(lines);
    }
    finish(seed, failures);
}

/// Whether a decoy record's output changed the decoy: a kept string missing (as written and
/// unescaped), or a mask the input did not have.
fn masked(keep: &[String], input: &str, output: &str) -> bool {
    let once = unescape(output);
    let twice = unescape(&once);
    let kept = keep.iter().all(|k| {
        [output, once.as_str(), twice.as_str()]
            .iter()
            .any(|t| t.contains(k.as_str()))
    });
    let mask = mwsiem::redact::MASK;
    !kept || (output.contains(mask) && !input.contains(mask))
}

/// Masked decoys of one engine: counts by kind (decoys and records), the failure lines for
/// placeholder and ordinary decoys, and the report rows.
fn decoy_check(engine: &str, cases: &[outside_decoys::DecoyCase], outputs: &[String], failures: &mut Vec<String>) {
    let mut rows = Vec::new();
    let mut decoys: BTreeMap<&str, (std::collections::BTreeSet<String>, std::collections::BTreeSet<String>)> =
        BTreeMap::new();
    let mut masked_records = 0;
    for (c, out) in cases.iter().zip(outputs) {
        let input = c.record.to_string();
        let entry = decoys.entry(c.kind).or_default();
        let decoy = format!("{} {:?}", c.label, c.keep);
        entry.0.insert(decoy.clone());
        if !out.contains(&c.id) {
            failures.push(format!("{engine} {}: no event: {}", c.id, excerpt(out, "")));
            continue;
        }
        if masked(&c.keep, &input, out) {
            masked_records += 1;
            entry.1.insert(decoy.clone());
            rows.push(
                json!({"engine": engine, "id": c.id, "kind": c.kind, "label": c.label, "field_kind": c.field_kind,
                "keep": c.keep, "record": input, "output": excerpt(out, mwsiem::redact::MASK)}),
            );
            if c.kind != "defensible" {
                failures.push(format!(
                    "{engine} {} {} {} ({}): masked {:?}",
                    c.id, c.kind, c.field_kind, c.label, c.keep
                ));
            }
        }
    }
    let total: usize = decoys.values().map(|d| d.0.len()).sum();
    let hit: usize = decoys.values().map(|d| d.1.len()).sum();
    let share = hit as f64 / total as f64;
    eprintln!(
        "{engine}: {hit} of {total} decoys masked ({:.1}%), {masked_records} of {} records; by kind: {}",
        share * 100.0,
        cases.len(),
        decoys
            .iter()
            .map(|(k, d)| format!("{k} {}/{}", d.1.len(), d.0.len()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    dump(&format!("decoys {engine}"), &rows);
    if share >= 0.15 {
        failures.push(format!(
            "{engine}: {:.1}% of decoys masked (at most 15%)",
            share * 100.0
        ));
    }
}

#[test]
fn outside_decoys_are_kept_under_full_and_by_the_vrl_program() {
    let seed = seed();
    let cases = outside_places::decoy_cases(seed);
    eprintln!(
        "MWSIEM_CREDENTIAL_SEED={seed}: {} decoys in {} records",
        outside_decoys::decoys(seed).len(),
        cases.len()
    );
    let records: Vec<Vec<u8>> = cases.iter().map(|c| serde_json::to_vec(&c.record).unwrap()).collect();
    let refs: Vec<&[u8]> = records.iter().map(Vec::as_slice).collect();
    let mut failures = Vec::new();
    let native = native_outputs(&config_toml("full", "mask"), &refs);
    decoy_check("native full/mask", &cases, &native, &mut failures);
    for mut remaps in vrl_program::all_remaps() {
        let name = remaps.label();
        let outputs = vrl_outputs(&mut remaps, &records);
        decoy_check(&name, &cases, &outputs, &mut failures);
    }
    assert!(
        failures.is_empty(),
        "MWSIEM_CREDENTIAL_SEED={seed}: {} false positives (placeholder and ordinary decoys are never masked):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

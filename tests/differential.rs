//! Generated Moveworks records (tests/common/differential_gen.rs) through the native core, the
//! component and the VRL program with the oldest and the newest supported `vrl` crate: every
//! record ends the same in all of them, apart from the listed differences
//! (tests/common/differential.rs). The `differential` fuzz target runs the same generator on
//! libFuzzer's bytes; this test runs it on a seeded generator's, so CI covers it without one.
//!
//! `MWSIEM_DIFF_SEED` replays another seed (a failure prints its own), `MWSIEM_DIFF_RECORDS`
//! runs more records than the default, `MWSIEM_DIFF_FILE` runs the records of a file instead.

#[path = "common/differential.rs"]
mod differential;
#[path = "common/differential_gen.rs"]
mod differential_gen;
#[path = "common/vrl_program.rs"]
mod vrl_program;

use differential::{Engines, OPEN, open_vrl_difference, record_of};

/// The seed CI runs: fixed, so a failure in CI is a failure on every machine.
const SEED: u64 = 0x6d77_7369_656d_0026;
const RECORDS: usize = 2000;

/// splitmix64: the bytes each record is made of, from the seed and the record's number.
fn bytes_for(seed: u64, index: usize, len: usize) -> Vec<u8> {
    let mut state = seed ^ (index as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(len);
    out
}

fn env_number<T: std::str::FromStr>(name: &str) -> Option<T> {
    let text = std::env::var(name).ok()?;
    let text = text.trim();
    let parsed = match text.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok().map(|n| n.to_string()),
        None => Some(text.to_owned()),
    };
    parsed.and_then(|t| t.parse().ok())
}

#[test]
fn generated_records_end_alike_in_every_engine() {
    let seed = env_number("MWSIEM_DIFF_SEED").unwrap_or(SEED);
    let records = env_number("MWSIEM_DIFF_RECORDS").unwrap_or(RECORDS);
    let mut engines = Engines::new();
    let native = mwsiem::Pipeline::new(mwsiem::Config::default());
    let mut differences = Vec::new();
    let mut kinds = std::collections::BTreeMap::<String, usize>::new();
    // `MWSIEM_DIFF_FILE`: the records of a file, one a line, instead of generated ones (to
    // look at one record, or a shortened one, by hand).
    let by_hand: Option<Vec<Vec<u8>>> = std::env::var_os("MWSIEM_DIFF_FILE").map(|path| {
        let text = std::fs::read(&path).expect("MWSIEM_DIFF_FILE is readable");
        text.split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect()
    });
    let records = by_hand.as_ref().map_or(records, Vec::len);
    for i in 0..records {
        let record = match &by_hand {
            Some(list) => list[i].clone(),
            None => record_of(&bytes_for(seed, i, 2048)),
        };
        // What the native core made of it, so the test can say it covered every outcome.
        let kind = match native.process(&record) {
            Ok((kind, _)) => kind.label().to_owned(),
            Err(e) => e.code().to_owned(),
        };
        *kinds.entry(kind).or_default() += 1;
        if let Err(why) = engines.check(&record) {
            differences.push(format!("record {i}: {why}"));
        }
    }
    eprintln!(
        "seed {seed:#x}, {records} records: {kinds:?}\nlisted VRL differences: {:?}\nopen VRL differences: {:?}",
        engines.listed, engines.open
    );
    assert!(
        differences.is_empty(),
        "MWSIEM_DIFF_SEED={seed:#x} MWSIEM_DIFF_RECORDS={records}: {} of {records} records differ:\n{}",
        differences.len(),
        differences.iter().take(20).cloned().collect::<Vec<_>>().join("\n\n")
    );
    if by_hand.is_none() && records >= RECORDS {
        // The generator reaches every event type and rejections too; a generator that stopped
        // doing so would make this test pass on nothing.
        for kind in [
            "EXTERNAL_API",
            "EXTERNAL_LDAP_API",
            "CONFIG_CHANGE",
            "PERMISSION_CHANGE",
            "AUTHENTICATION",
            "AGENT_STUDIO_LOG",
            "USER_TOKEN_LOG",
            "OTHER",
            "invalid_json",
            "missing_field",
        ] {
            assert!(kinds.get(kind).is_some_and(|&n| n >= 5), "too few {kind}: {kinds:?}");
        }
    }
}

/// The generator is a pure function of its bytes: the fuzz target's corpus and a seed replay
/// the same records on every machine.
#[test]
fn the_generator_is_deterministic() {
    for i in 0..50 {
        let bytes = bytes_for(SEED, i, 2048);
        assert_eq!(record_of(&bytes), record_of(&bytes));
    }
    assert_ne!(
        record_of(&bytes_for(SEED, 0, 2048)),
        record_of(&bytes_for(SEED, 1, 2048))
    );
}

/// Each open difference still shows on its example, and the example is a record the entry
/// covers: a fix makes this fail, and the entry goes with it.
#[test]
fn open_differences_still_differ() {
    let mut engines = Engines::new();
    engines.exempt_open = false;
    for open in OPEN {
        let record = open.example.as_bytes();
        assert!(
            open_vrl_difference(record).is_some_and(|o| o.what == open.what),
            "the example does not fall under its own entry: {}",
            open.what
        );
        assert!(
            engines.check(record).is_err(),
            "fixed (remove it from OPEN in tests/common/differential.rs): {}",
            open.what
        );
    }
}

/// Differences this test found and that were fixed: their examples end alike in every engine.
const FIXED: &[(&str, &str)] = &[
    (
        "a token right after a control character (VRL searched the event as JSON, where `\\n` is a letter before the token)",
        r#"{"version": "2", "event_id": "x", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"x": "\nghp_abcdefghijklmnopqrstuvwxyz0123456789", "y": "\r\nghp_abcdefghijklmnopqrstuvwxyz0123456789"}}"#,
    ),
    (
        "a grant to several grantees with a member mwsiem does not map (VRL copied it into every grantee's event)",
        r#"{"version": "2", "event_id": "a", "event_type": "PERMISSION_CHANGE", "event_time": "2025-10-16 19:00:23", "region": "eu", "event_data": {"user_id": null, "assigned_roles": [{"app": "A", "roles": ["R"], "grantee": "1"}, {"app": "A", "roles": ["R"], "grantee": "2"}], "token": 1}}"#,
    ),
];

#[test]
fn fixed_differences_stay_fixed() {
    let mut engines = Engines::new();
    engines.exempt_open = false;
    for (what, record) in FIXED {
        if let Err(how) = engines.check(record.as_bytes()) {
            panic!("{what}:\n{how}");
        }
    }
}

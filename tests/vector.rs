//! The Vector remap program (`transforms/vector/mwsiem.vrl`) against the core.
//!
//! Every record of every fixture (cases, the SFTP tree, the redaction canaries and the hostile
//! file) goes through the core under the default `restricted` profile and through the VRL
//! program run by the `vrl` crate. Events must be equal as JSON values (key order aside: VRL
//! objects are sorted; numbers compared exactly, so `1.50` equals `1.5` but a 30-digit id does
//! not equal its float), and a rejected record must be aborted with the same reason. The records
//! where VRL cannot match are listed with the reason in `testdata/vector/known_differences.json`;
//! an entry that no longer differs fails the test too, so the list stays true.

mod common;
#[path = "common/vrl_program.rs"]
mod vrl_program;

use common::{OcsfValidator, canonical, canonical_events, known_vrl_differences as known_differences, repo};
use mwsiem::json::{self, Value as J};
use mwsiem::{Config, Framer, Pipeline};
use std::collections::BTreeSet;
use std::path::PathBuf;
use vrl_program::{Remaps, VrlOutcome, VrlProgram, all_remaps, compile_in_every_vrl};

/// Every input file the parity test runs.
fn inputs() -> Vec<PathBuf> {
    let mut files = common::cases();
    let mut stack = vec![repo().join("testdata/sftp")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                files.push(p);
            }
        }
    }
    files.push(repo().join("testdata/redaction/canaries.json"));
    // Records written to exercise the program's own parsers and detectors (LDAP filters,
    // Python literals, URLs, credentials in free text, IPs, time forms) beyond the fixtures.
    files.push(repo().join("testdata/vector/parity_extra.json"));
    files.sort();
    files
}

/// Every supported `vrl` version runs the same program to the same events.
#[test]
fn vrl_program_matches_the_core_on_every_fixture() {
    for mut remaps in all_remaps() {
        matches_the_core(remaps.as_mut());
    }
}

fn matches_the_core(vrl: &mut dyn Remaps) {
    let version = vrl.label();
    let pipeline = Pipeline::new(Config::default());
    let validator = OcsfValidator::load();
    let known = known_differences();
    let mut seen_differences = BTreeSet::new();
    let mut unexplained = Vec::new();
    let (mut records, mut events) = (0, 0);

    let mut files: Vec<(String, Vec<u8>)> = inputs()
        .into_iter()
        .map(|p| {
            (
                p.strip_prefix(repo()).unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    files.push(("hostile".to_owned(), common::hostile_input()));
    for (name, bytes) in files {
        for record in Framer::new(&bytes) {
            records += 1;
            let core = pipeline
                .process(record.bytes)
                .map(|(_, out)| String::from_utf8(out).unwrap());
            let ours = vrl.record(record.bytes);
            let vrl_events: Vec<&String> = match &ours {
                VrlOutcome::Event(e) => vec![e],
                VrlOutcome::Events(list) => list.iter().collect(),
                _ => Vec::new(),
            };
            for e in &vrl_events {
                events += 1;
                let errors = validator.errors(&serde_json::from_str(e).unwrap());
                assert!(
                    errors.is_empty(),
                    "{name}:{}: VRL event not valid OCSF: {errors:?}\n{e}",
                    record.line
                );
            }
            let same = match (&core, &ours) {
                (Ok(c), VrlOutcome::Event(_) | VrlOutcome::Events(_)) => {
                    canonical_events(c) == vrl_events.iter().map(|e| canonical(e)).collect::<Vec<_>>().join("\n")
                }
                (Err(c), VrlOutcome::Aborted { reason, .. }) => c.code() == reason,
                _ => false,
            };
            if same {
                continue;
            }
            let key = (name.clone(), record.line);
            if known.contains(&key) {
                seen_differences.insert(key);
                continue;
            }
            let core_text = match &core {
                Ok(c) => canonical_events(c),
                Err(e) => format!("rejected: {}: {e}", e.code()),
            };
            let vrl_text = match &ours {
                VrlOutcome::Event(v) => canonical(v),
                VrlOutcome::Events(list) => list.iter().map(|e| canonical(e)).collect::<Vec<_>>().join("\n"),
                other => format!("{other:?}"),
            };
            unexplained.push(format!(
                "{name}:{}\n  core: {core_text}\n  vrl:  {vrl_text}",
                record.line
            ));
        }
    }
    eprintln!(
        "{version}: {records} records, {events} VRL events, {} listed differences",
        known.len()
    );
    assert!(
        records > 80 && events > 50,
        "too few records ran: {records} records, {events} events"
    );
    assert!(
        unexplained.is_empty(),
        "{version}: {} record(s) differ between the core and mwsiem.vrl and are not in testdata/vector/known_differences.json:\n{}",
        unexplained.len(),
        unexplained.join("\n")
    );
    let stale: Vec<_> = known.difference(&seen_differences).collect();
    assert!(
        stale.is_empty(),
        "listed differences that no longer differ (remove them): {stale:?}"
    );
}

/// Mutated fixtures (the hostile test's generator): the program never fails with a runtime
/// error (which Vector would route without a reason); every record is an event or an abort
/// with one of the core's reasons, and it is an event exactly when the core makes one.
#[test]
fn mutated_records_end_as_an_event_or_a_reasoned_abort() {
    const REASONS: [&str; 7] = [
        "too_large",
        "invalid_utf8",
        "invalid_json",
        "too_deep",
        "not_an_object",
        "missing_field",
        "invalid_field",
    ];
    let pipeline = Pipeline::new(Config::default());
    let mut vrl = VrlProgram::load();
    let (mut total, mut aborted) = (0, 0);
    for bytes in common::mutations(25, 0x2545_F491_4F6C_DD1D) {
        for record in Framer::new(&bytes) {
            total += 1;
            let core_ok = pipeline.process(record.bytes).is_ok();
            // With a key twice, the core maps the first and VRL the last (a listed difference):
            // either may be the broken one.
            let comparable = !has_duplicate_keys(record.bytes);
            match vrl.run(record.bytes) {
                VrlOutcome::Event(_) | VrlOutcome::Events(_) => assert!(
                    core_ok || !comparable,
                    "VRL made an event the core rejects: {:?}",
                    String::from_utf8_lossy(record.bytes)
                ),
                VrlOutcome::Aborted { reason, message } => {
                    aborted += 1;
                    assert!(REASONS.contains(&reason.as_str()), "unknown reason: {message}");
                    assert!(
                        !core_ok || !comparable,
                        "VRL rejected ({message}) what the core accepts: {:?}",
                        String::from_utf8_lossy(record.bytes)
                    );
                }
                other => panic!("{other:?} on {:?}", String::from_utf8_lossy(record.bytes)),
            }
        }
    }
    assert!(total > 500 && aborted > 50, "{total} records, {aborted} aborted");
}

/// Whether any object in the record (when it parses) has a key twice.
fn has_duplicate_keys(record: &[u8]) -> bool {
    fn walk(v: &J<'_>) -> bool {
        match v {
            J::Object(m) => {
                let keys: BTreeSet<&str> = m.iter().map(|(k, _)| k).collect();
                keys.len() != m.len() || m.iter().any(|(_, v)| walk(v))
            }
            J::Array(items) => items.iter().any(walk),
            _ => false,
        }
    }
    json::parse(record, 512).is_ok_and(|v| walk(&v))
}

/// The one text every copy of a marked block (`# placeholder` ... `# end placeholder`) in
/// mwsiem.vrl has: VRL has no functions, so each rule is a block repeated where it is used.
fn marked_block(source: &str, start: &str, end: &str) -> String {
    let mut copies = BTreeSet::new();
    let mut current: Option<Vec<String>> = None;
    for line in source.lines().map(str::trim) {
        if line == end {
            copies.insert(current.take().expect("a block ends after it starts").join("\n"));
        } else if let Some(c) = current.as_mut() {
            c.push(line.to_owned());
        } else if line == start {
            current = Some(Vec::new());
        }
    }
    assert_eq!(
        copies.len(),
        1,
        "every `{start}` block in mwsiem.vrl is the same: {copies:#?}"
    );
    copies.into_iter().next().unwrap()
}

/// The placeholder rule of mwsiem.vrl is the core's (src/redact/placeholder.rs) on templates,
/// mask runs, words, masked values and credentials.
#[test]
fn vrl_placeholder_rule_equals_the_core_rule() {
    use mwsiem::redact::placeholder::is_placeholder;
    let source = std::fs::read_to_string(repo().join("transforms/vector/mwsiem.vrl")).unwrap();
    let block = marked_block(&source, "# placeholder", "# end placeholder");
    let probe = format!(
        "out = []\nfor_each(array!(.values)) -> |_i, value| {{\nval = string!(value)\n{block}\nout = push(out, placeholder)\n}}\n. = {{ \"r\": out }}\n"
    );
    let mut program = VrlProgram::compile(&probe).expect("the probe compiles");
    let mut values: Vec<String> = [
        "${API_KEY}",
        "$(cat /run/secret)",
        "{{ .Values.token }}",
        "{SumoAccessKey}",
        "<token>",
        "<your-api-key>",
        "%(password)s",
        "%s",
        "$1:$2",
        "\"$3:$5\"",
        "XXXXXXXX",
        "xxxx-xxxx-xxxx",
        "ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
        "********",
        "###",
        "B*****h",
        "Bearer <token>",
        "bearer $TOKEN",
        "Basic XXXXXXXXXXXX",
        "true",
        "NULL",
        "undefined",
        "hunter2",
        "p@ss{word}",
        "s3cr3t-${suffix}",
        "Xy9$Qw",
        "$dkwilU2nfeipc_",
        "$lower",
        "$_X1",
        "$12ab",
        "",
        " ",
        "x",
        "xx",
        "abc<def>",
        "<a>b",
        "$",
        "${",
        "{",
        "%(x)",
        "$2b$12$.YdAmgROwMLSmfv95mSp69OLMQlP03ekX4q8xbvGCDzemUjwPudAs",
        "sk_live_4eC39HqLyjWDarjtT1zdp7dc",
        "'${DB_PASSWORD}'",
        "  <token>  ",
        "Token abc",
        "sso-key $K",
    ]
    .iter()
    .map(|v| v.to_string())
    .collect();
    for case in common::cases() {
        let text = std::fs::read_to_string(&case).unwrap();
        values.extend(text.split('"').filter(|t| t.len() < 80).map(str::to_owned));
    }
    let got = match program.run_event(serde_json::json!({ "values": values })) {
        VrlOutcome::Event(e) => serde_json::from_str::<serde_json::Value>(&e).unwrap(),
        other => panic!("{other:?}"),
    };
    let differ: Vec<String> = values
        .iter()
        .zip(got["r"].as_array().unwrap())
        .filter(|(v, r)| r.as_bool() != Some(is_placeholder(v)))
        .map(|(v, r)| format!("{v:?}: core {}, vrl {r}", is_placeholder(v)))
        .collect();
    assert!(values.len() > 200, "{}", values.len());
    assert!(
        differ.is_empty(),
        "{} values differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

/// The secret and content name lists in mwsiem.vrl are the core's (src/redact/names.rs): a
/// name added to one and not the other fails here, before any fixture happens to use it.
#[test]
fn vrl_name_rules_equal_the_core_rules() {
    use mwsiem::redact::entropy::looks_random;
    use mwsiem::redact::names::{
        AUTH_STRUCTURES, HINT_WORDS, META_WORDS, SECRET_EXACT, SECRET_FIRST_WORDS, SECRET_LAST_PAIRS,
        SECRET_LAST_WORDS, VENDOR_WORDS, is_content_name, is_hint_name, is_secret_name,
    };
    let source = std::fs::read_to_string(repo().join("transforms/vector/mwsiem.vrl")).unwrap();
    let var = |name: &str| -> String {
        source
            .lines()
            .find(|l| l.starts_with(&format!("{name} = r'")))
            .unwrap_or_else(|| panic!("mwsiem.vrl defines {name}"))
            .to_owned()
    };
    let blocks = |start: &str, end: &str| marked_block(&source, start, end);
    let probe = format!(
        "{}\n{}\n{}\n{}\n{}\nout = []\nfor_each(array!(.names)) -> |_i, name| {{\nk = string!(name)\n{}\ncontent = ascii && match(n, content_names)\nval = k\n{}\nout = push(out, [secret, hint, content, random])\n}}\n. = {{ \"r\": out }}\n",
        var("secret_names"),
        var("secret_first"),
        var("secret_meta"),
        var("hint_names"),
        var("content_names"),
        blocks("# secret name", "# end secret name"),
        blocks("# random", "# end random"),
    );
    let mut program = VrlProgram::compile(&probe).expect("the probe compiles");

    // Names: every rule word in every style, with and without vendor words and other words
    // around it, and every key and value of every fixture.
    let mut words: Vec<String> = Vec::new();
    for list in [
        &SECRET_LAST_WORDS[..],
        &SECRET_LAST_PAIRS,
        &SECRET_FIRST_WORDS,
        &META_WORDS,
        &SECRET_EXACT,
        &VENDOR_WORDS,
        &HINT_WORDS,
        &AUTH_STRUCTURES,
    ] {
        words.extend(list.iter().map(|w| w.to_string()));
    }
    let mut names = BTreeSet::new();
    for w in &words {
        for around in [
            w.clone(),
            format!("x_{w}"),
            format!("{w}_id"),
            format!("db_{w}"),
            format!("{w}_last_set"),
            format!("secret_{w}"),
            format!("{w}_value"),
            format!("x_amz_{w}"),
            format!("password_{w}"),
        ] {
            let parts: Vec<&str> = around.split('_').collect();
            let cap = |p: &str| p.get(..1).unwrap_or("").to_ascii_uppercase() + p.get(1..).unwrap_or("");
            names.insert(around.clone());
            names.insert(parts.join("-"));
            names.insert(parts.join("."));
            names.insert(around.to_ascii_uppercase());
            names.insert(parts.iter().map(|p| cap(p)).collect::<String>());
            names.insert(parts[0].to_owned() + &parts[1..].iter().map(|p| cap(p)).collect::<String>());
            names.insert(
                parts
                    .iter()
                    .map(|p| p.to_ascii_uppercase())
                    .collect::<Vec<_>>()
                    .join(""),
            );
        }
    }
    for extra in [
        "AWSSecretKey",
        "XAmzSignature",
        "SAMLResponse",
        "HTTPAuthorization",
        "user2FA",
        "ABCdEFg",
        "é_password",
        "a_",
        "_",
        "x__token",
        "BUNDLE_GEMS__CONTRIBSYS__COM",
        "BUNDLE_PATH",
        "passwordVariable",
        "fThRepcxz%x414K!",
        &"k".repeat(70),
    ] {
        names.insert(extra.to_owned());
    }
    for case in common::cases() {
        let text = std::fs::read_to_string(&case).unwrap();
        for token in text.split(|c: char| c == '"' || c == '\'' || c.is_whitespace()) {
            if !token.is_empty() && token.len() < 80 {
                names.insert(token.to_owned());
            }
        }
    }
    let names: Vec<String> = names.into_iter().collect();
    let got = match program.run_event(serde_json::json!({ "names": names })) {
        VrlOutcome::Event(e) => serde_json::from_str::<serde_json::Value>(&e).unwrap(),
        other => panic!("{other:?}"),
    };
    let got = got["r"].as_array().unwrap();
    let mut differ = Vec::new();
    for (name, r) in names.iter().zip(got) {
        let secret = is_secret_name(name);
        let want = [
            secret,
            !secret && is_hint_name(name),
            is_content_name(name),
            looks_random(name),
        ];
        let have: Vec<bool> = r.as_array().unwrap().iter().map(|b| b.as_bool().unwrap()).collect();
        if have != want {
            differ.push(format!("{name:?}: core {want:?}, vrl {have:?}"));
        }
    }
    assert!(names.len() > 2000, "{}", names.len());
    assert!(
        differ.is_empty(),
        "{} names differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
}

/// The program's token formats are the core's table (src/redact/formats.rs), as one expression,
/// and so are the lengths past which a format's final run is some other word.
#[test]
fn vrl_token_formats_equal_the_core_table() {
    let path = repo().join("transforms/vector/mwsiem.vrl");
    let mut source = std::fs::read_to_string(&path).unwrap();
    for (var, want) in [
        ("token_formats", mwsiem::redact::formats::vrl_regex()),
        ("token_too_long", mwsiem::redact::formats::vrl_too_long()),
    ] {
        let start = format!("{var} = r'");
        let line = source
            .lines()
            .find(|l| l.starts_with(&start))
            .unwrap_or_else(|| panic!("mwsiem.vrl defines {var}"))
            .to_owned();
        let want = format!("{start}{want}'");
        if common::bless() && line != want {
            source = source.replace(&line, &want);
            std::fs::write(&path, &source).unwrap();
            continue;
        }
        assert!(
            line == want,
            "{var} differs from src/redact/formats.rs; MWSIEM_BLESS=1 rewrites it"
        );
    }
}

/// The program's target-system table and skill rules are the core's (src/enrich/target.rs).
#[test]
fn vrl_target_and_skill_tables_equal_the_core_tables() {
    use mwsiem::enrich::target::{SKILL_RULES, TARGETS};
    let source = std::fs::read_to_string(repo().join("transforms/vector/mwsiem.vrl")).unwrap();

    // `(?P<Vendor__Product_Name>host\.com|other\.com)`: one group per system.
    let line = source
        .lines()
        .find(|l| l.trim_start().starts_with("t = parse_regex(host, r'"))
        .expect("mwsiem.vrl matches the host against the vendor table");
    let mut ours = BTreeSet::new();
    for group in line.split("(?P<").skip(1) {
        let (name, rest) = group.split_once('>').unwrap();
        let hosts = rest.split_once(')').unwrap().0;
        let (vendor, product) = name.split_once("__").unwrap();
        for host in hosts.split('|') {
            ours.insert((
                host.replace("\\.", "."),
                vendor.replace('_', " "),
                product.replace('_', " "),
            ));
        }
    }
    let core: BTreeSet<_> = TARGETS
        .iter()
        .map(|(host, t)| (host.to_string(), t.vendor.to_owned(), t.product.to_owned()))
        .collect();
    assert_eq!(ours, core);

    // `if product == "A" || product == "B" {` followed by `rules = [["fragment", "Skill"], ...]`.
    let mut ours: Vec<(String, String, String)> = Vec::new();
    let mut products: Vec<String> = Vec::new();
    for line in source.lines().map(str::trim) {
        if line.contains("product == \"") && line.ends_with('{') {
            products = line
                .split("product == \"")
                .skip(1)
                .map(|p| p.split('"').next().unwrap().to_owned())
                .collect();
        } else if let Some(list) = line.strip_prefix("rules = [[") {
            for pair in list.trim_end_matches("]]").split("], [") {
                let parts: Vec<&str> = pair.split("\", \"").map(|p| p.trim_matches('"')).collect();
                for product in &products {
                    ours.push((product.clone(), parts[0].to_owned(), parts[1].to_owned()));
                }
            }
        }
    }
    ours.sort_by(|a, b| a.0.cmp(&b.0)); // stable: keeps each product's order (first match wins)
    let mut core: Vec<(String, String, String)> = SKILL_RULES
        .iter()
        .map(|(p, f, s)| (p.to_string(), f.to_string(), s.to_string()))
        .collect();
    core.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(ours, core);
}

/// `output.tenant_uid` and `output.log_name` are the two settings at the program's top: set,
/// they give the events the core gives with the same config, in every supported `vrl`.
#[test]
fn the_tenant_and_log_name_settings_equal_the_core_config() {
    let source = std::fs::read_to_string(repo().join("transforms/vector/mwsiem.vrl")).unwrap();
    let mut set = source.clone();
    for (line, value) in [
        ("tenant_uid = null\n", "\"acme-prod\""),
        ("log_name = null\n", "\"moveworks-audit\""),
    ] {
        assert_eq!(source.matches(line).count(), 1, "mwsiem.vrl has `{line}` once");
        set = set.replace(line, &line.replace("null", value));
    }
    let mut config = Config::default();
    config.output.tenant_uid = Some("acme-prod".into());
    config.output.log_name = Some("moveworks-audit".into());
    let pipeline = Pipeline::new(config);
    let bytes = std::fs::read(repo().join("testdata/cases/semantics.json")).unwrap();
    for (label, mut program) in compile_in_every_vrl(&set, "mwsiem.vrl with a tenant and a log name") {
        for record in Framer::new(&bytes) {
            let (_, core) = pipeline.process(record.bytes).unwrap();
            let core = canonical_events(std::str::from_utf8(&core).unwrap());
            let ours = match program.run(record.bytes) {
                VrlOutcome::Event(e) => canonical(&e),
                VrlOutcome::Events(list) => list.iter().map(|e| canonical(e)).collect::<Vec<_>>().join("\n"),
                other => panic!("{label}: {other:?}"),
            };
            assert_eq!(ours, core, "{label}: line {}", record.line);
            assert!(ours.contains("\"tenant_uid\":\"acme-prod\""), "{label}");
        }
    }
}

//! The README's OCSF coverage table is true: it lists every recommended attribute of every
//! class mwsiem emits (from the official schema's requirement levels,
//! `testdata/ocsf/1.8.0/requirements.json`), how many golden events of each event type carry
//! it (computed here, compared exactly), and a source that says "filled" exactly when some
//! golden carries it. A mapper that stops filling an attribute, or a new one it starts to fill,
//! changes the counts and fails this test until the README says so.

mod common;

use common::repo;
use common::requirements::Requirements;
use serde_json::Value as Json;

/// The classes in README order, with their caption and the event types mapped to them (`other`:
/// the types this build does not know).
const CLASSES: [(&str, &str, &[&str]); 5] = [
    (
        "api_activity",
        "API Activity (6003)",
        &["EXTERNAL_API", "USER_TOKEN_LOG", "other"],
    ),
    (
        "authentication",
        "Authentication (3002)",
        &["AUTHENTICATION", "EXTERNAL_LDAP_API"],
    ),
    (
        "datastore_activity",
        "Datastore Activity (6005)",
        &["EXTERNAL_LDAP_API"],
    ),
    (
        "entity_management",
        "Entity Management (3004)",
        &["CONFIG_CHANGE", "AGENT_STUDIO_LOG"],
    ),
    ("user_access", "User Access Management (3005)", &["PERMISSION_CHANGE"]),
];

const BEGIN: &str = "<!-- coverage:begin -->";
const END: &str = "<!-- coverage:end -->";

fn golden_events() -> Vec<Json> {
    let mut files: Vec<_> = common::cases()
        .into_iter()
        .map(|c| common::sibling(&c, ".ocsf.json"))
        .filter(|p| p.exists())
        .collect();
    files.push(repo().join("testdata/sftp.ocsf.json"));
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect::<Vec<Json>>()
        })
        .collect()
}

/// The first four columns of every row, as this test computes them.
fn computed_rows() -> Vec<[String; 4]> {
    let req = Requirements::load();
    let events = golden_events();
    let mut rows = Vec::new();
    for (name, caption, types) in CLASSES {
        let uid = req.class(name)["uid"].as_u64().unwrap();
        let mine: Vec<&Json> = events.iter().filter(|e| e["class_uid"] == uid).collect();
        assert!(!mine.is_empty(), "no golden event of {name}");
        for (attr, profiles) in req.top_level(name, "recommended") {
            let level = match profiles.as_slice() {
                [] => "recommended".to_owned(),
                [p, ..] => format!("recommended (profile `{p}`)"),
            };
            let count = |of: &[&Json]| format!("{}/{}", of.iter().filter(|e| e.get(&attr).is_some()).count(), of.len());
            let goldens = types
                .iter()
                .map(|t| {
                    let of: Vec<&Json> = mine
                        .iter()
                        .copied()
                        .filter(|e| match *t {
                            "other" => !types.contains(&e["metadata"]["event_code"].as_str().unwrap_or("")),
                            t => e["metadata"]["event_code"] == t,
                        })
                        .collect();
                    format!("{t} {}", count(&of))
                })
                .collect::<Vec<_>>()
                .join(", ");
            rows.push([caption.to_owned(), format!("`{attr}`"), level, goldens]);
        }
    }
    rows
}

/// The README's rows: five cells each.
fn readme_rows() -> Vec<Vec<String>> {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme.find(BEGIN).expect("README has the coverage table") + BEGIN.len();
    let end = readme[start..].find(END).expect("coverage table end") + start;
    readme[start..end]
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| class ") && !l.starts_with("|---"))
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn the_readme_coverage_table_is_computed_from_the_schema_and_the_goldens() {
    let computed = computed_rows();
    let readme = readme_rows();
    let mut problems = Vec::new();
    for (i, want) in computed.iter().enumerate() {
        let Some(have) = readme.get(i) else {
            problems.push(format!("missing row: | {} | ? |", want.join(" | ")));
            continue;
        };
        if have.len() != 5 || have[..4] != want[..] {
            problems.push(format!(
                "row {}: README has {have:?}, the schema and goldens give {want:?}",
                i + 1
            ));
            continue;
        }
        // "EXTERNAL_API 21/23, USER_TOKEN_LOG 0/7": carried when any type has events with it.
        let filled = want[3].split(", ").any(|cell| {
            let carried = cell.rsplit(' ').next().and_then(|n| n.split('/').next());
            carried.is_some_and(|n| n != "0")
        });
        let source = &have[4];
        let says_filled = source.starts_with("filled");
        let says_absent = ["not carried", "not applicable", "deprecated"]
            .iter()
            .any(|p| source.starts_with(p));
        if filled != says_filled || (!filled && !says_absent) {
            problems.push(format!(
                "row {} ({} {}): carried by goldens {}, but the source says {source:?}",
                i + 1,
                want[0],
                want[1],
                want[3]
            ));
        }
    }
    if readme.len() > computed.len() {
        problems.push(format!("{} extra README rows", readme.len() - computed.len()));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Attributes the schema gives an observable type that mwsiem leaves out of `observables`, and
/// why: every other typed attribute an event holds must be there.
const NOT_OBSERVED: [(&str, &str); 3] = [
    (
        "http_request.url.hostname",
        "the same value and type as dst_endpoint.hostname, which is observed",
    ),
    (
        "http_request.url.port",
        "the same value and type as dst_endpoint.port, which is observed",
    ),
    (
        "http_request.user_agent",
        "the 25% size budget of the change that added observables (README, Event size)",
    ),
];

/// Values mwsiem writes where the record has none (OCSF requires the attribute): not observables.
const PLACEHOLDERS: [(&str, &str); 1] = [("user.name", "unknown")];

/// Every typed attribute of every golden event is observed, with its value and the schema's
/// type; and every event has a `message` and a `timezone_offset`.
#[test]
fn every_typed_attribute_of_every_golden_event_is_observed() {
    let req = Requirements::load();
    let mut problems = Vec::new();
    for e in golden_events() {
        assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{e}");
        assert!(e["timezone_offset"].is_i64(), "{e}");
        let uid = e["class_uid"].as_u64().unwrap();
        let (class, ..) = CLASSES
            .iter()
            .find(|(n, ..)| req.class(n)["uid"].as_u64() == Some(uid))
            .unwrap();
        let mut leaves = Vec::new();
        for (k, v) in e.as_object().unwrap() {
            if !["observables", "unmapped", "enrichments", "metadata", "raw_data"].contains(&k.as_str()) {
                leaf_paths(k.clone(), v, &mut leaves);
            }
        }
        let observed: Vec<(String, String)> = e["observables"]
            .as_array()
            .map(|l| {
                l.iter()
                    .map(|o| {
                        (
                            o["name"].as_str().unwrap().to_owned(),
                            o["value"].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        for (path, value) in leaves {
            if req.observable_type(class, &path).is_none()
                || NOT_OBSERVED.iter().any(|(p, _)| *p == path)
                || PLACEHOLDERS.contains(&(path.as_str(), value.as_str()))
            {
                continue;
            }
            if !observed.contains(&(path.clone(), value.clone())) {
                problems.push(format!("{}: {path} = {value:?} is not observed", e["metadata"]["uid"]));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Dotted paths (arrays without an index, as observables name them) of every string or number.
fn leaf_paths(path: String, v: &Json, out: &mut Vec<(String, String)>) {
    match v {
        Json::Object(m) => m.iter().for_each(|(k, v)| leaf_paths(format!("{path}.{k}"), v, out)),
        Json::Array(a) => a.iter().for_each(|v| leaf_paths(path.clone(), v, out)),
        Json::String(s) => out.push((path, s.clone())),
        Json::Number(n) => out.push((path, n.to_string())),
        _ => {}
    }
}

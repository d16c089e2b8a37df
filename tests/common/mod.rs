//! Shared by the integration tests: fixtures, the OCSF validator and running the core.
#![allow(dead_code)]

use mwsiem::json::Value as J;
use mwsiem::{Framer, Pipeline};
use serde_json::Value as Json;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub mod requirements;
pub mod shapes;
pub mod vector_file_source;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The binary, run from the repository, with its precompiled-component cache inside the build
/// directory and no SFTP secret inherited from the environment.
pub fn mwsiem() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_mwsiem"));
    cmd.current_dir(repo())
        .env("MWSIEM_CACHE_DIR", env!("CARGO_TARGET_TMPDIR"))
        .env_remove("MWSIEM_SFTP_PASSWORD")
        .env_remove("MWSIEM_SFTP_PASSPHRASE");
    cmd
}

/// An empty directory of its own in the build's temporary directory (`name`, the process id).
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Regenerate golden files instead of comparing (`MWSIEM_BLESS=1 cargo test`).
pub fn bless() -> bool {
    std::env::var_os("MWSIEM_BLESS").is_some()
}

/// `testdata/cases/<case>.json`, without the golden files beside them.
pub fn cases() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("testdata/cases"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.ends_with(".json") && !n.ends_with(".ocsf.json") && !n.ends_with(".rejects.json")
        })
        .collect();
    v.sort();
    assert!(v.len() >= 20, "fixtures missing: {v:?}");
    v
}

pub fn sibling(case: &Path, suffix: &str) -> PathBuf {
    let stem = case.file_stem().unwrap().to_string_lossy();
    case.with_file_name(format!("{stem}{suffix}"))
}

/// Compares `actual` with the golden file, or writes it when blessing. An empty `actual` means
/// the golden file must not exist.
pub fn golden(path: &Path, actual: &str) {
    if bless() {
        if actual.is_empty() {
            let _ = std::fs::remove_file(path);
        } else {
            std::fs::write(path, actual).unwrap();
        }
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_default();
    if expected != actual {
        let diff: Vec<_> = expected
            .lines()
            .zip(actual.lines())
            .enumerate()
            .filter(|(_, (e, a))| e != a)
            .take(3)
            .map(|(i, (e, a))| format!("line {}:\n  expected {e}\n  actual   {a}", i + 1))
            .collect();
        panic!(
            "{} differs from the output ({} vs {} lines); MWSIEM_BLESS=1 regenerates it\n{}",
            path.display(),
            expected.lines().count(),
            actual.lines().count(),
            diff.join("\n")
        );
    }
}

/// One record's outcome through the core.
pub struct Outcome {
    pub line: u64,
    pub offset: u64,
    pub input: Vec<u8>,
    pub result: Result<String, mwsiem::RecordError>,
}

pub fn run_core(pipeline: &Pipeline, bytes: &[u8]) -> Vec<Outcome> {
    Framer::new(bytes)
        .map(|r| Outcome {
            line: r.line,
            offset: r.offset,
            input: r.bytes.to_vec(),
            result: pipeline
                .process(r.bytes)
                .map(|(_, out)| String::from_utf8(out).expect("events are UTF-8")),
        })
        .collect()
}

/// Events as NDJSON, and rejects as NDJSON `{line, offset, reason, message}`.
pub fn render(outcomes: &[Outcome]) -> (String, String) {
    let mut events = String::new();
    let mut rejects = String::new();
    for o in outcomes {
        match &o.result {
            Ok(e) => {
                events.push_str(e);
                events.push('\n');
            }
            Err(err) => {
                let j = serde_json::json!({"line": o.line, "offset": o.offset, "reason": err.code(), "message": err.to_string()});
                rejects.push_str(&j.to_string());
                rejects.push('\n');
            }
        }
    }
    (events, rejects)
}

/// The vendored OCSF 1.8.0 JSON Schemas plus the semantic checks of
/// `shared/ocsf/validate_ocsf.py`, with captions from the official compiled schema, and the
/// checks JSON Schema cannot make of `observables` and `metadata.profiles`.
pub struct OcsfValidator {
    /// By class uid and declared profiles (`""`, `"trace"`): a profile adds attributes, and the
    /// schemas forbid any attribute they do not define.
    schemas: HashMap<(u64, String), jsonschema::Validator>,
    semantics: Json,
    requirements: requirements::Requirements,
}

impl OcsfValidator {
    pub fn load() -> Self {
        let dir = repo().join("testdata/ocsf/1.8.0");
        let semantics: Json =
            serde_json::from_str(&std::fs::read_to_string(dir.join("semantics.json")).unwrap()).unwrap();
        let mut schemas = HashMap::new();
        for (uid, class) in semantics["classes"].as_object().unwrap() {
            let name = class["name"].as_str().unwrap();
            for entry in std::fs::read_dir(&dir).unwrap() {
                let file = entry.unwrap().file_name().into_string().unwrap();
                let Some(rest) = file.strip_prefix(&format!("ocsf-1.8.0-{name}")) else {
                    continue;
                };
                let Some(profiles) = rest.strip_suffix(".schema.json") else {
                    continue;
                };
                let schema: Json = serde_json::from_str(&std::fs::read_to_string(dir.join(&file)).unwrap()).unwrap();
                let v = jsonschema::options()
                    .should_validate_formats(true)
                    .build(&schema)
                    .unwrap();
                let profiles = profiles.strip_prefix('+').unwrap_or(profiles).to_owned();
                schemas.insert((uid.parse().unwrap(), profiles), v);
            }
        }
        let requirements = requirements::Requirements::load();
        OcsfValidator {
            schemas,
            semantics,
            requirements,
        }
    }

    /// Every schema and semantic error of one event (empty when valid).
    pub fn errors(&self, ev: &Json) -> Vec<String> {
        let Some(uid) = ev["class_uid"].as_u64() else {
            return vec!["no class_uid".into()];
        };
        let Some(class) = self.semantics["classes"].get(uid.to_string()) else {
            return vec![format!("unknown class_uid {uid}")];
        };
        let class_name = class["name"].as_str().unwrap();
        let mut errs = Vec::new();
        let mut profiles: Vec<&str> = match &ev["metadata"]["profiles"] {
            Json::Null => Vec::new(),
            Json::Array(p) if !p.is_empty() => p.iter().filter_map(Json::as_str).collect(),
            p => return vec![format!("metadata.profiles {p} is not a non-empty array of names")],
        };
        profiles.sort_unstable();
        for p in &profiles {
            if !self.requirements.allows_profile(class_name, p) {
                errs.push(format!("profile {p} is not allowed in {class_name}"));
            }
        }
        let Some(validator) = self.schemas.get(&(uid, profiles.join("+"))) else {
            return vec![format!(
                "no vendored schema for {class_name} with profiles {profiles:?}"
            )];
        };
        errs.extend(
            validator
                .iter_errors(ev)
                .map(|e| format!("{}: {}", e.instance_path(), e)),
        );
        errs.extend(self.observable_errors(class_name, ev));
        if ev["message"].as_str().is_none_or(str::is_empty) {
            errs.push("no message".into());
        }
        let md = &ev["metadata"];
        if let Some(id) = md["original_event_uid"].as_str().filter(|id| !id.is_empty()) {
            // `[tenant:]version:event_id`; one of several events of a record adds `#place`
            // and names the record's uid in `correlation_uid`.
            let tenant = md["tenant_uid"].as_str().map(|t| format!("{t}:")).unwrap_or_default();
            let want = format!("{tenant}{}:{id}", md["log_version"].as_str().unwrap_or("?"));
            let uid = md["uid"].as_str().unwrap_or("");
            match md.get("correlation_uid") {
                None if uid != want => errs.push(format!("metadata.uid {uid:?} is not {want:?}")),
                Some(c) if c != want.as_str() => errs.push(format!("metadata.correlation_uid {c} is not {want:?}")),
                Some(_)
                    if !uid
                        .strip_prefix(&want)
                        .and_then(|p| p.strip_prefix('#'))
                        .is_some_and(|n| n.parse::<u32>().is_ok_and(|n| n >= 1)) =>
                {
                    errs.push(format!("metadata.uid {uid:?} is not {want:?}#N"))
                }
                _ => {}
            }
        }
        if ev["metadata"]["version"] != "1.8.0" {
            errs.push("metadata.version is not 1.8.0".into());
        }
        if ev["category_uid"] != class["category_uid"] {
            errs.push(format!(
                "category_uid {} != {}",
                ev["category_uid"], class["category_uid"]
            ));
        }
        let activity = ev["activity_id"].as_u64().unwrap_or(u64::MAX);
        if ev["type_uid"].as_u64() != Some(uid * 100 + activity) {
            errs.push(format!("type_uid {} != class_uid*100+activity_id", ev["type_uid"]));
        }
        for (name, id) in [
            ("activity_name", "activity_id"),
            ("severity", "severity_id"),
            ("status", "status_id"),
        ] {
            let Some(idv) = ev[id].as_u64() else { continue };
            let caption = &class[id][idv.to_string()];
            if ev.get(name).is_some() && idv != 99 && &ev[name] != caption {
                errs.push(format!("{name}={} but caption of {id}={idv} is {caption}", ev[name]));
            }
        }
        if ev.get("class_name").is_some() && ev["class_name"] != class["caption"] {
            errs.push(format!("class_name {} != {}", ev["class_name"], class["caption"]));
        }
        if ev.get("category_name").is_some() && ev["category_name"] != class["category_name"] {
            errs.push(format!(
                "category_name {} != {}",
                ev["category_name"], class["category_name"]
            ));
        }
        if ev.get("type_name").is_some() {
            let expected = format!(
                "{}: {}",
                class["caption"].as_str().unwrap(),
                class["activity_id"][activity.to_string()].as_str().unwrap_or("?")
            );
            if ev["type_name"] != expected.as_str() {
                errs.push(format!("type_name {} != {expected:?}", ev["type_name"]));
            }
        }
        if let (Some(id), Some(name)) = (ev["auth_protocol_id"].as_u64(), ev.get("auth_protocol")) {
            let caption = &self.semantics["auth_protocol_id"][id.to_string()];
            if id != 99 && name != caption {
                errs.push(format!("auth_protocol {name} but the caption of {id} is {caption}"));
            }
        }
        errs
    }
}

impl OcsfValidator {
    /// Each observable must name an attribute of the event, hold its value, and have the
    /// `type_id` the schema defines for that attribute (99 Other, with a `type`, where it
    /// defines none).
    fn observable_errors(&self, class: &str, ev: &Json) -> Vec<String> {
        let mut errs = Vec::new();
        let Some(list) = ev.get("observables") else {
            return errs;
        };
        let Some(list) = list.as_array().filter(|l| !l.is_empty()) else {
            return vec!["observables is not a non-empty array".into()];
        };
        for o in list {
            let (Some(name), Some(type_id)) = (o["name"].as_str(), o["type_id"].as_u64()) else {
                errs.push(format!("observable without name or type_id: {o}"));
                continue;
            };
            if self.requirements.resolve(class, name).is_none() {
                errs.push(format!("observable {name}: no such attribute in {class}"));
                continue;
            }
            match self.requirements.observable_type(class, name) {
                Some(want) if want != type_id => {
                    errs.push(format!("observable {name}: type_id {type_id}, the schema says {want}"))
                }
                None if type_id != 99 || o["type"].as_str().is_none() => errs.push(format!(
                    "observable {name}: the schema defines no type, so 99 with a type"
                )),
                _ => {}
            }
            let caption = &self.semantics["observable_type_id"][type_id.to_string()];
            if type_id != 99 && o.get("type").is_some_and(|t| t != caption) {
                errs.push(format!(
                    "observable {name}: type {} is not {caption}, the caption of {type_id}",
                    o["type"]
                ));
            }
            let values = values_at(ev, name);
            if !values.iter().any(|v| Some(v.as_str()) == o["value"].as_str()) {
                errs.push(format!(
                    "observable {name}: value {} is not in the event ({values:?})",
                    o["value"]
                ));
            }
        }
        errs
    }
}

/// The text of every value at a dotted path, through arrays (`resources.name`).
pub fn values_at(ev: &Json, path: &str) -> Vec<String> {
    let mut current = vec![ev];
    for key in path.split('.') {
        current = current
            .into_iter()
            .flat_map(|v| match v {
                Json::Array(items) => items.iter().filter_map(|i| i.get(key)).collect::<Vec<_>>(),
                v => v.get(key).into_iter().collect(),
            })
            .collect();
    }
    current
        .into_iter()
        .flat_map(|v| match v {
            Json::Array(items) => items.iter().collect::<Vec<_>>(),
            v => vec![v],
        })
        .filter_map(|v| match v {
            Json::String(s) => Some(s.clone()),
            Json::Number(n) => Some(n.to_string()),
            _ => None,
        })
        .collect()
}

/// The text of every leaf (string, number, boolean, null) of a JSON tree, with numbers as
/// written (mwsiem's own parser: serde_json would round big integers and drop duplicate keys).
pub fn leaf_texts(v: &J<'_>, out: &mut Vec<String>) {
    use mwsiem::json::Value as V;
    match v {
        V::Object(m) => m.iter().for_each(|(_, v)| leaf_texts(v, out)),
        V::Array(a) => a.iter().for_each(|v| leaf_texts(v, out)),
        V::String(s) | V::Number(s) => out.push(s.to_string()),
        V::Int(n) => out.push(n.to_string()),
        V::Bool(b) => out.push(b.to_string()),
        V::Null => out.push("null".into()),
    }
}

/// One NDJSON file of everything that has gone wrong in log pipelines.
pub fn hostile_input() -> Vec<u8> {
    let good = br#"{"version":"2","severity":"INFO","event_id":"ok","event_type":"CONFIG_CHANGE","event_source":"MOVEWORKS","event_time":"2025-07-29 15:21:33.228745","event_data":{"config_name":"A","user_id":"1"}}"#;
    let mut lines: Vec<Vec<u8>> = vec![
        good.to_vec(),
        br#"{"version":"2","event_type":"EXTERNAL_API","event_time":"2025-10-16 19:00:23","event_data":{"request_method":"GET","request_uri":"https://x"#.to_vec(),
        b"{\"version\":\"2\",\"event_type\":\"CONFIG_CHANGE\",\"event_time\":\"2025-10-16 19:00:23\",\"event_data\":{\"config_name\":\"\xff\xfe\"}}".to_vec(),
        b"[1,2,3]".to_vec(),
        b"\"just a string\"".to_vec(),
        b"3.14".to_vec(),
        b"true".to_vec(),
        b"{}".to_vec(),
        b"{\"version\":\"2\",\"event_type\":\"CONFIG_CHANGE\",\"event_time\":\"2025-10-16 19:00:23\",\"event_data\":{\"config_name\":\"nul\0inside\"}}".to_vec(),
        b"\0\0\0\0".to_vec(),
        br#"{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{"config_name":"\ud800"}}"#.to_vec(),
        br#"{"version":["2"],"event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{}}"#.to_vec(),
        br#"{"version":"2","event_type":null,"event_time":"2025-10-16 19:00:23","event_data":{}}"#.to_vec(),
        br#"{"version":"2","event_type":"EXTERNAL_API","event_time":{"t":1},"event_data":{}}"#.to_vec(),
        br#"{"version":"2","event_type":"EXTERNAL_API","event_time":"2025-10-16 19:00:23","event_data":{"request_method":["GET"],"request_uri":{}}}"#.to_vec(),
        br#"{"version":"2","event_type":"PERMISSION_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{"assigned_roles":[{"app":1}]}}"#.to_vec(),
        br#"{"version":"2","event_type":"AUTHENTICATION","event_time":"2025-10-16 19:00:23","event_data":{"authn_event_type":"X","source_ip":12,"idp_metadata":[]}}"#.to_vec(),
    ];
    let deep = "[".repeat(20_000) + &"]".repeat(20_000);
    lines.push(format!(r#"{{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{{"config_name":"d","x":{deep}}}}}"#).into_bytes());
    lines.push(deep.clone().into_bytes());
    lines.push(format!("{{\"a\":{}", "{\"a\":".repeat(20_000)).into_bytes());
    let big = "A".repeat(2 * 1024 * 1024);
    lines.push(format!(r#"{{"version":"2","event_type":"CONFIG_CHANGE","event_time":"2025-10-16 19:00:23","event_data":{{"config_name":"big","blob":"{big}"}}}}"#).into_bytes());
    lines.push(format!(r#"{{"version":"2","event_type":"{big}","event_time":"2025-10-16 19:00:23"}}"#).into_bytes());
    lines.push(good.to_vec());
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(&l);
        out.extend_from_slice(b"\n");
    }
    out
}

/// Deterministic mutations of every fixture (bytes replaced, inputs cut, bytes inserted, runs
/// duplicated): `per_case` variants of each `testdata/cases` file, from an xorshift64 `seed`.
pub fn mutations(per_case: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut seed = seed;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut out = Vec::new();
    for case in cases() {
        let original = std::fs::read(&case).unwrap();
        for _ in 0..per_case {
            let mut bytes = original.clone();
            for _ in 0..(1 + next() % 4) {
                let i = (next() as usize) % bytes.len();
                match next() % 4 {
                    0 => bytes[i] = next() as u8,
                    1 => bytes.truncate(i.max(1)),
                    2 => bytes.insert(i, [b'{', b'"', b'\\', b'\n', 0][(next() % 5) as usize]),
                    _ => {
                        let j = (i + (next() as usize % 64)).min(bytes.len());
                        let chunk = bytes[i..j].to_vec();
                        bytes.splice(i..i, chunk);
                    }
                }
            }
            out.push(bytes);
        }
    }
    out
}

/// A JSON text in a form where equal values are equal strings: keys sorted (duplicates kept),
/// integers as written, other numbers as the f64 they denote.
/// [`canonical`] of each of a record's events (one per line), one per line.
pub fn canonical_events(text: &str) -> String {
    text.split('\n').map(canonical).collect::<Vec<_>>().join("\n")
}

pub fn canonical(text: &str) -> String {
    let v = mwsiem::json::parse(text.as_bytes(), 512).unwrap_or_else(|e| panic!("not JSON ({e:?}): {text}"));
    let mut out = String::new();
    write_canonical(&v, &mut out);
    out
}

fn write_canonical(v: &J<'_>, out: &mut String) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(n) => out.push_str(&n.to_string()),
        J::Number(t) if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') => out.push_str(t),
        J::Number(t) => out.push_str(&format!("{:?}", t.parse::<f64>().unwrap())),
        J::String(s) => out.push_str(&serde_json::to_string(s.as_ref()).unwrap()),
        J::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        J::Object(m) => {
            let mut entries: Vec<(String, String)> = m
                .iter()
                .map(|(k, v)| {
                    let mut s = String::new();
                    write_canonical(v, &mut s);
                    (k.to_owned(), s)
                })
                .collect();
            entries.sort();
            out.push('{');
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&serde_json::to_string(k).unwrap());
                out.push(':');
                out.push_str(v);
            }
            out.push('}');
        }
    }
}

/// `(input, line)` of every difference listed in testdata/vector/known_differences.json.
pub fn known_vrl_differences() -> std::collections::BTreeSet<(String, u64)> {
    let text = std::fs::read_to_string(repo().join("testdata/vector/known_differences.json")).unwrap();
    let list: Json = serde_json::from_str(&text).unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert!(
                d["why"].as_str().is_some_and(|w| w.len() > 20),
                "every known difference says why: {d}"
            );
            (d["input"].as_str().unwrap().to_owned(), d["line"].as_u64().unwrap())
        })
        .collect()
}

/// Every record through the native core under `config_toml`: each event's JSON, or the
/// rejection's message.
pub fn native_outputs(config_toml: &str, records: &[&[u8]]) -> Vec<String> {
    let native = Pipeline::new(mwsiem::Config::from_toml(config_toml).unwrap());
    records
        .iter()
        .map(|r| match native.process(r) {
            Ok((_, e)) => String::from_utf8(e).unwrap(),
            Err(e) => e.to_string(),
        })
        .collect()
}

/// The component engine the tests share, its compiled code cached under the target directory.
pub fn component_engine() -> mwsiem::host::ComponentEngine {
    let cache = mwsiem::host::cache::CompileCache::Dir(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cwasm"));
    mwsiem::host::ComponentEngine::new(
        mwsiem::host::embedded_component(),
        &mwsiem::config::HostConfig::default(),
        &cache,
    )
    .unwrap()
}

/// [`native_outputs`], through the component.
pub fn component_outputs(engine: &mwsiem::host::ComponentEngine, config_toml: &str, records: &[&[u8]]) -> Vec<String> {
    use mwsiem::host::ComponentError;
    let mut guest = engine
        .pipeline(config_toml, std::sync::Arc::new(mwsiem::enrich::NoDirectory))
        .unwrap();
    guest
        .process_records(records, &mwsiem::RecordMeta::default())
        .into_iter()
        .map(|r| match r {
            Ok(e) => e,
            Err(ComponentError::Record(e)) => e.to_string(),
            Err(t) => panic!("{t:?}"),
        })
        .collect()
}

/// The inline VRL `source: |` of the remap stage that follows `marker` in a shipped Vector
/// config (`path` relative to the repository).
pub fn remap_source(path: &str, marker: &str) -> String {
    let yaml = std::fs::read_to_string(repo().join(path)).unwrap();
    let start = yaml.find(marker).unwrap_or_else(|| panic!("{path}: no `{marker}`"));
    let body: Vec<&str> = yaml[start..]
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("source: |"))
        .skip(1)
        .take_while(|l| l.starts_with("      ") || l.trim().is_empty())
        .collect();
    body.iter().map(|l| l.trim_start()).collect::<Vec<_>>().join("\n")
}

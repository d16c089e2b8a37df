//! Native, component and VRL on the same generated record: the `differential` property, shared
//! by `tests/differential.rs` (seeded records, in CI), `tests/fuzz_corpora.rs` (the target's
//! corpus) and the `differential` fuzz target (libFuzzer's bytes). The including crate has
//! `differential_gen` (tests/common/differential_gen.rs) and `vrl_program`
//! (tests/common/vrl_program.rs) beside this module.
//!
//! Outcomes are compared as tests/component.rs and tests/vector.rs compare them: the component
//! must give native's exact bytes (events, or the same rejection and message); the VRL program,
//! with the oldest and the newest supported `vrl` crate, the same events as JSON values
//! (canonical: keys sorted, numbers by value) or an abort with native's reason. What VRL cannot
//! match by design is listed in [`listed_vrl_difference`], each with its reason, as
//! testdata/vector/known_differences.json lists it for the fixtures.
#![allow(dead_code)]

use crate::differential_gen::record_bytes;
use crate::vrl_program::{VrlOutcome, v0_33, v0_38};
use mwsiem::host::cache::CompileCache;
use mwsiem::host::{ComponentEngine, ComponentError, ComponentPipeline, embedded_component};
use mwsiem::json::{self, Value as J};
use mwsiem::{Config, Pipeline, RecordMeta};
use std::path::PathBuf;

/// The engines, built once per process (compiling the component and the VRL program takes
/// seconds; running a record, milliseconds).
pub struct Engines {
    native: Pipeline,
    component: ComponentPipeline<'static>,
    vrl_oldest: v0_33::VrlProgram,
    vrl_newest: v0_38::VrlProgram,
    /// Records whose VRL outcome differed in a listed way, per reason.
    pub listed: std::collections::BTreeMap<&'static str, u64>,
    /// Records whose VRL outcome differed in an open way ([`OPEN`]), per difference.
    pub open: std::collections::BTreeMap<&'static str, u64>,
    /// Whether a record an [`OPEN`] difference covers passes (off: to show it still differs).
    pub exempt_open: bool,
}

impl Engines {
    pub fn new() -> Self {
        let config = Config::default();
        // The engine lives as long as the process: the pipeline borrows it.
        let engine: &'static ComponentEngine = Box::leak(Box::new(
            ComponentEngine::new(embedded_component(), &config.host, &CompileCache::Off)
                .expect("the component compiles"),
        ));
        let source = std::fs::read_to_string(repo().join("transforms/vector/mwsiem.vrl")).expect("mwsiem.vrl");
        let (vrl_oldest, vrl_newest) = (
            v0_33::VrlProgram::compile(&source).expect("mwsiem.vrl compiles with vrl 0.33"),
            v0_38::VrlProgram::compile(&source).expect("mwsiem.vrl compiles with vrl 0.38"),
        );
        Engines {
            native: Pipeline::new(config),
            component: engine
                .pipeline("", std::sync::Arc::new(mwsiem::enrich::NoDirectory))
                .expect("a component pipeline"),
            vrl_oldest,
            vrl_newest,
            listed: Default::default(),
            open: Default::default(),
            exempt_open: true,
        }
    }

    /// One record through every engine: `Err` says how they differ.
    pub fn check(&mut self, record: &[u8]) -> Result<(), String> {
        let native = match self.native.process(record) {
            Ok((_, e)) => Ok(String::from_utf8(e).expect("events are UTF-8")),
            Err(e) => Err(e),
        };
        let native_text = match &native {
            Ok(e) => e.clone(),
            Err(e) => format!("{}: {e}", e.code()),
        };
        let component = match self.component.process(record, &RecordMeta::default()) {
            Ok(e) => e,
            Err(ComponentError::Record(e)) => format!("{}: {e}", e.code()),
            Err(other) => format!("component failure: {other:?}"),
        };
        let mut differences = Vec::new();
        if component != native_text {
            differences.push(format!("  native:    {native_text}\n  component: {component}"));
        }
        let vrl = [
            ("vrl 0.33.1", self.vrl_oldest.run(record)),
            ("vrl 0.38.0", self.vrl_newest.run(record)),
        ];
        for (label, outcome) in vrl {
            let same = match (&native, &outcome) {
                (Ok(events), VrlOutcome::Event(_) | VrlOutcome::Events(_)) => {
                    canonical_events(events) == canonical_vrl(&outcome)
                }
                (Err(e), VrlOutcome::Aborted { reason, .. }) => e.code() == reason,
                _ => false,
            };
            if same {
                continue;
            }
            if let Some(why) = listed_vrl_difference(record) {
                *self.listed.entry(why).or_default() += 1;
                continue;
            }
            if let Some(open) = open_vrl_difference(record).filter(|_| self.exempt_open) {
                *self.open.entry(open.what).or_default() += 1;
                continue;
            }
            let explained = match (&native, &outcome) {
                (Ok(events), VrlOutcome::Event(_) | VrlOutcome::Events(_)) => {
                    event_differences(&canonical_events(events), &canonical_vrl(&outcome))
                }
                (_, other) => format!("native: {native_text}\n    vrl: {other:?}"),
            };
            differences.push(format!("  {label} differs from native:\n    {explained}"));
        }
        if differences.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "record {}\n{}",
                String::from_utf8_lossy(record),
                differences.join("\n")
            ))
        }
    }
}

impl Default for Engines {
    fn default() -> Self {
        Self::new()
    }
}

thread_local! {
    static ENGINES: std::cell::RefCell<Option<Engines>> = const { std::cell::RefCell::new(None) };
}

/// Builds the engines before the first input (the fuzz target's `init`): instrumented, compiling
/// the component and the VRL program twice takes 10 to 20 s, which libFuzzer would otherwise
/// count against the first input's timeout.
pub fn init() {
    ENGINES.with_borrow_mut(|e| {
        e.get_or_insert_with(Engines::new);
    })
}

/// The fuzz target's property: the record `data` makes (through [`record_bytes`]) ends the same
/// in every engine, apart from the listed differences.
pub fn property(data: &[u8]) {
    let record = record_of(data);
    ENGINES.with_borrow_mut(|e| {
        if let Err(why) = e.get_or_insert_with(Engines::new).check(&record) {
            panic!("the engines differ on {why}");
        }
    })
}

/// The record the generator makes of `data` (a generator that runs out of bytes finishes with
/// the first choices: every input makes a record).
pub fn record_of(data: &[u8]) -> Vec<u8> {
    record_bytes(&mut arbitrary::Unstructured::new(data)).unwrap_or_default()
}

/// Why VRL cannot give the core's outcome for `record`, when that is by design (the same
/// classes as testdata/vector/known_differences.json, found by what the record holds).
pub fn listed_vrl_difference(record: &[u8]) -> Option<&'static str> {
    let v = json::parse(record, 128).ok()?;
    if has(
        &v,
        &|v| matches!(v, J::Object(m) if has_duplicate_key(m.iter().map(|(k, _)| k))),
    ) {
        return Some(
            "duplicate keys: VRL objects are maps and parse_json keeps the last; the core maps the first and keeps the rest under unmapped",
        );
    }
    if has(&v, &|v| matches!(v, J::Number(t) if !plain_i64(t))) {
        return Some(
            "a number that is not a plain 64-bit integer: VRL reads its value as a float and writes that (1.50 as 1.5, 1.5e3 as 1500, 20 digits rounded); the core keeps the number's text",
        );
    }
    let data = match &v {
        J::Object(m) => m.get("event_data"),
        _ => None,
    };
    if let Some(J::Object(d)) = data {
        let logs = d
            .iter()
            .filter(|(k, v)| k.ends_with("_log") && k.len() > 4 && matches!(v, J::Object(_)))
            .count();
        if logs > 1 {
            return Some(
                "two *_log objects in one record: the core takes the first in document order; VRL objects are sorted by key and forget the order",
            );
        }
        if let Some(J::String(request)) = d.get("request") {
            if request.contains("1., ") || request.contains("2.5e3") {
                return Some(
                    "a Python-literal float in an LDAP request: the core masks the number as written, VRL has only the float's value to mask",
                );
            }
            let literal = mwsiem::parse::pylit::parse_python_literal(request);
            if literal.is_some_and(|l| {
                has(
                    &l,
                    &|v| matches!(v, J::Object(m) if has_duplicate_key(m.iter().map(|(k, _)| k))),
                )
            }) {
                return Some(
                    "a key twice in an LDAP request's Python literal: the core writes the dict with both, VRL objects are maps and keep one",
                );
            }
        }
    }
    None
}

/// Where two engines' events differ: each differing member's path and both values (the events
/// in full are long enough to hide the difference).
fn event_differences(native: &str, vrl: &str) -> String {
    let parse = |text: &str| -> Vec<serde_json::Value> {
        text.split('\n')
            .map(|e| serde_json::from_str(e).unwrap_or(serde_json::Value::String(e.to_owned())))
            .collect()
    };
    let (a, b) = (parse(native), parse(vrl));
    if a.len() != b.len() {
        return format!("{} events natively, {} in VRL", a.len(), b.len());
    }
    let mut out = Vec::new();
    for (i, (a, b)) in a.iter().zip(&b).enumerate() {
        diff(a, b, &format!("event {i}"), &mut out);
    }
    if out.is_empty() {
        // Equal as serde_json values, which keep one of a key given twice: the texts differ.
        return format!("native: {native}\n    vrl:    {vrl}");
    }
    out.join("\n    ")
}

fn diff(a: &serde_json::Value, b: &serde_json::Value, path: &str, out: &mut Vec<String>) {
    use serde_json::Value as S;
    match (a, b) {
        (S::Object(x), S::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let none = S::Null;
                match (x.get(k), y.get(k)) {
                    (Some(p), Some(q)) => diff(p, q, &format!("{path}.{k}"), out),
                    (p, q) => out.push(format!(
                        "{path}.{k}: native {} / vrl {}",
                        p.unwrap_or(&none),
                        q.unwrap_or(&none)
                    )),
                }
            }
        }
        (S::Array(x), S::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(p, q, &format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(format!("{path}: native {a} / vrl {b}")),
        _ => {}
    }
}

/// A difference between the core and mwsiem.vrl that is a bug in one of them, found by this
/// test and not fixed yet: what differs, the records it can affect, and the shortest record
/// that shows it. `tests/differential.rs` checks that each example still differs, so an entry
/// goes when its fix lands.
pub struct OpenDifference {
    pub what: &'static str,
    pub affects: fn(&J<'_>) -> bool,
    pub example: &'static str,
}

pub const OPEN: &[OpenDifference] = &[
    OpenDifference {
        what: "a token glued inside a Bearer value that is itself a query value (`access_token=Authorization: Bearer abc.def-12345_AKIA...;`): the core masks the value once (`a*****P`), VRL the token and then the value around it (`a*****A*****P`); nothing in clear",
        affects: |v| {
            has_text(v, &|t| {
                t.match_indices("Bearer ").any(|(i, _)| {
                    let run = t[i + 7..].split(char::is_whitespace).next().unwrap_or("");
                    ["AKIA", "ghp_", "xox", "sgp_"]
                        .iter()
                        .any(|p| run.find(p).is_some_and(|k| k > 0))
                })
            })
        },
        example: r#"{"version": "2", "event_id": "b", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"x": "/incident?x=a&access_token=Authorization: Bearer abc.def-12345_AKIAABCDEFGHIJKLMNOP;access_token=;;"}}"#,
    },
    OpenDifference {
        what: "an `sgp_` token run straight into a JWT (`sgp_..._QshbUafVngeyJ...`): the core masks the whole run (`s*****l`), VRL only the JWT and leaves the sgp_ token in clear (`sgp_0123456789abcdef_QshbUafVnge*****l`)",
        affects: |v| has_text(v, &|t| glued(t, "sgp_", "eyJ")),
        example: r#"{"version": "2", "event_id": "x", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"x": "sgp_0123456789abcdef_QshbUafVngeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}}"#,
    },
    OpenDifference {
        what: "a token run straight into a JWT (`xoxb-...-abcdefghijeyJ...`, `AKIA...eyJ...`, `Bearer abc.def-12345eyJ...`): the core masks the whole run as one value (`x*****l`), VRL as two (`x*****e*****l`)",
        affects: |v| {
            has_text(v, &|t| {
                t.match_indices("eyJ")
                    .any(|(i, _)| t[..i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            })
        },
        example: r#"{"version": "2", "event_id": "c", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"x": "xoxb-1234567890-abcdefghijeyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl"}}"#,
    },
    OpenDifference {
        what: "a named value run straight after a token and into another name (`ghp_...token=abcdefgh1api_key='k3y'`): the core masks the value (`g*****n=a*****='k3y'`), VRL leaves `abcdefgh1` in clear",
        affects: |v| has_text(v, &|t| glued(t, "ghp_", "token=")),
        example: r#"{"version": "2", "event_id": "x", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"x": "ghp_abcdefghijklmnopqrstuvwxyz0123456789token=abcdefgh1api_key='k3y'"}}"#,
    },
    OpenDifference {
        what: "a token that ends in `Authorization` (camel-case words glued on: `sgp_..._QshbUafVngAuthorization: Bearer x`): the core masks the token and then the Bearer value (`s*****n: B*****x`), VRL the token only (`s*****n: Bearer x`)",
        affects: |v| {
            has_text(v, &|t| {
                t.match_indices("Authorization:")
                    .any(|(i, _)| t[..i].ends_with(|c: char| c.is_ascii_alphanumeric()))
            })
        },
        example: r#"{"version": "2", "event_id": "d", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"x": "sgp_0123456789abcdef_QshbUafVngAuthorization: Bearer x"}}"#,
    },
    OpenDifference {
        what: "a masked value in a string inside an array (`api_key='k3y'P`, `token=abcdefgh1\\u0041\\\\n\\\"`, found by the differential fuzz target): VRL's mask is one character longer than the core's (`api_key='*****P` / `api_key='******P`, `token=a*****\\\"` / `token=a******\\\"`); the same strings outside an array are masked alike",
        affects: |v| {
            has(
                v,
                &|v| matches!(v, J::Array(items) if items.iter().any(|i| matches!(i, J::String(t) if t.contains('=')))),
            )
        },
        example: r#"{"version": "2", "event_id": "x", "event_type": "SOMETHING_NEW", "event_time": "2025-10-16 19:00:23", "event_data": {"y": ["api_key='k3y'P"]}}"#,
    },
];

/// The open difference that may explain why VRL differs on `record`.
pub fn open_vrl_difference(record: &[u8]) -> Option<&'static OpenDifference> {
    let v = json::parse(record, 128).ok()?;
    OPEN.iter().find(|o| (o.affects)(&v))
}

fn has_text(v: &J<'_>, test: &dyn Fn(&str) -> bool) -> bool {
    has(v, &|v| match v {
        J::String(t) => test(t),
        J::Object(m) => m.iter().any(|(k, _)| test(k)),
        _ => false,
    })
}

/// Whether `first` is followed by `then` in the same run of non-space characters.
fn glued(text: &str, first: &str, then: &str) -> bool {
    text.split(char::is_whitespace)
        .any(|run| run.find(first).is_some_and(|i| run[i..].contains(then)))
}

fn has(v: &J<'_>, test: &dyn Fn(&J<'_>) -> bool) -> bool {
    test(v)
        || match v {
            J::Array(items) => items.iter().any(|i| has(i, test)),
            J::Object(m) => m.iter().any(|(_, v)| has(v, test)),
            _ => false,
        }
}

fn has_duplicate_key<'k>(keys: impl Iterator<Item = &'k str>) -> bool {
    let mut seen = std::collections::BTreeSet::new();
    keys.into_iter().any(|k| !seen.insert(k))
}

/// A number VRL writes back with the same text: an `i64` as Rust writes it.
fn plain_i64(t: &str) -> bool {
    t.parse::<i64>().is_ok_and(|n| n.to_string() == t)
}

fn repo() -> PathBuf {
    // `CARGO_MANIFEST_DIR` is the repository in the tests and `fuzz/` in the fuzz target.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [dir.clone(), dir.join("..")]
        .into_iter()
        .find(|d| d.join("transforms/vector/mwsiem.vrl").is_file())
        .expect("the repository holds transforms/vector/mwsiem.vrl")
}

fn canonical_vrl(outcome: &VrlOutcome) -> String {
    match outcome {
        VrlOutcome::Event(e) => canonical(e),
        VrlOutcome::Events(list) => list.iter().map(|e| canonical(e)).collect::<Vec<_>>().join("\n"),
        _ => String::new(),
    }
}

/// Each of a record's events (one per line) in canonical form, as tests/common/mod.rs writes
/// them: keys sorted (duplicates kept), integers as written, other numbers as the `f64` they
/// denote.
pub fn canonical_events(text: &str) -> String {
    text.split('\n').map(canonical).collect::<Vec<_>>().join("\n")
}

fn canonical(text: &str) -> String {
    match json::parse(text.as_bytes(), 512) {
        Ok(v) => {
            let mut out = String::new();
            write_canonical(&v, &mut out);
            out
        }
        Err(e) => format!("not JSON ({e:?}): {text}"),
    }
}

fn write_canonical(v: &J<'_>, out: &mut String) {
    match v {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Int(n) => out.push_str(&n.to_string()),
        J::Number(t) if t.bytes().all(|b| b.is_ascii_digit() || b == b'-') => out.push_str(t),
        J::Number(t) => out.push_str(&format!("{:?}", t.parse::<f64>().unwrap_or(f64::NAN))),
        J::String(s) => out.push_str(&serde_json::to_string(s.as_ref()).expect("a string")),
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
                out.push_str(&serde_json::to_string(k).expect("a key"));
                out.push(':');
                out.push_str(v);
            }
            out.push('}');
        }
    }
}

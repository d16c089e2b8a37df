//! Cost as a finding: records generated at a size n and at 4n, for every shape whose cost
//! could grow with a count inside one record (grantees, their current roles, unknown keys,
//! query parameters, LDAP filter clauses, credential-like pairs, escaping, list items), run
//! through the pipeline under a counting allocator. Memory is counted, not time (counts are
//! exact and the same on every run): bytes allocated in all and the peak held at once must
//! grow at most ~linearly (4x the size, at most 6x the bytes). A record naming 5,000 grantees
//! with their current roles once took 8.5 GB, 25x what 1,000 took; this test fails on that.

use mwsiem::{Config, Pipeline};
use serde_json::{Value, json};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
static TOTAL: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let live = LIVE.fetch_add(layout.size(), Relaxed) + layout.size();
        PEAK.fetch_max(live, Relaxed);
        TOTAL.fetch_add(layout.size(), Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > layout.size() {
            let grown = new_size - layout.size();
            let live = LIVE.fetch_add(grown, Relaxed) + grown;
            PEAK.fetch_max(live, Relaxed);
            TOTAL.fetch_add(grown, Relaxed);
        } else {
            LIVE.fetch_sub(layout.size() - new_size, Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Bytes allocated in all, and the most held at once above what was live before, while the
/// pipeline turns `record` into its events.
fn cost(pipeline: &Pipeline, record: &[u8]) -> (usize, usize, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let total = TOTAL.load(Relaxed);
    let events = match pipeline.process(record) {
        Ok((_, out)) => out.len(),
        Err(e) => panic!("a generated record failed: {e}"),
    };
    (TOTAL.load(Relaxed) - total, PEAK.load(Relaxed) - base, events)
}

fn record(event_type: &str, event_data: Value) -> Vec<u8> {
    serde_json::to_vec(&json!({
        "version": "2", "severity": "INFO", "event_id": "cost", "event_type": event_type,
        "event_source": "MOVEWORKS", "event_time": "2025-07-29 15:53:42.047730",
        "event_data": event_data,
    }))
    .unwrap()
}

/// An EXTERNAL_API `event_data` with the required fields and `extra`'s.
fn api(extra: Value) -> Value {
    let mut d = json!({"user_id": "1", "request_uri": "https://api.example.com/v1/x", "request_method": "POST",
        "response_status_code": "200", "execution_time_ms": 172});
    d.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    d
}

fn grant(i: usize) -> Value {
    json!({"app": "APP_MW_SETUP", "roles": ["ROLE_MW_SETUP_ADMIN"], "grantee": format!("{}", 1_000_000 + i)})
}

/// One record of each shape with `n` of its repeated part.
fn shapes(n: usize) -> Vec<(&'static str, Vec<u8>)> {
    let grants: Vec<Value> = (0..n).map(grant).collect();
    let query: String = (0..n).map(|i| format!("p{i}=v{i}&")).collect();
    let filter: String = format!("(&{})", (0..n).map(|i| format!("(cn=user{i}*)")).collect::<String>());
    let pairs: String = (0..n).map(|i| format!("password=Zx81kq{i:06}P0aQ9r ")).collect();
    let mut escaped = r#"{"token": "Zx81kqP0aQ9rT5wYb3"}"#.to_owned();
    while escaped.len() < n * 8 {
        escaped = serde_json::to_string(&escaped).unwrap();
    }
    let unknown: serde_json::Map<String, Value> = (0..n).map(|i| (format!("k{i}"), json!(i))).collect();
    let items: Vec<Value> = (0..n).map(|i| json!({"name": format!("n{i}"), "value": "x"})).collect();
    vec![
        (
            "grantees",
            record("PERMISSION_CHANGE", json!({"user_id": "1", "assigned_roles": grants})),
        ),
        (
            "grantees with their current roles",
            record(
                "PERMISSION_CHANGE",
                json!({"user_id": "1", "assigned_roles": grants, "all_roles": grants}),
            ),
        ),
        (
            "grantees with a record-wide unknown key",
            record(
                "PERMISSION_CHANGE",
                json!({"user_id": "1", "assigned_roles": (0..n / 50 + 1).map(grant).collect::<Vec<_>>(), "note": "x".repeat(n)}),
            ),
        ),
        ("grantees with a top-level unknown key", {
            let mut r: Value = serde_json::from_slice(&record(
                "PERMISSION_CHANGE",
                json!({"user_id": "1", "assigned_roles": (0..n / 50 + 1).map(grant).collect::<Vec<_>>()}),
            ))
            .unwrap();
            r["region"] = json!("x".repeat(n));
            serde_json::to_vec(&r).unwrap()
        }),
        (
            "query parameters",
            record(
                "EXTERNAL_API",
                api(json!({"request_uri": format!("https://api.example.com/v1/x?{query}")})),
            ),
        ),
        (
            "LDAP filter clauses",
            record(
                "EXTERNAL_LDAP_API",
                json!({"user_id": "1", "request": format!("{{'search_request': {{'base_dn': 'dc=example,dc=com', 'scope': 2, 'filter': '{filter}'}}}}")}),
            ),
        ),
        (
            "credential pairs in a body",
            record("EXTERNAL_API", api(json!({"request_body": pairs}))),
        ),
        (
            "levels of escaping",
            record("EXTERNAL_API", api(json!({"request_body": escaped}))),
        ),
        (
            "unknown keys",
            record("CONFIG_CHANGE", json!({"config_name": "c", "settings": unknown})),
        ),
        (
            "list items",
            record("EXTERNAL_API", api(json!({"request_headers": items}))),
        ),
    ]
}

/// Shapes found super-linear and not fixed yet, with why. The test fails when one of them turns
/// linear too (so this list only ever says what is true). Empty since the record's leftovers
/// ride on a fanned-out record's first event only (they were copied into each grantee's event:
/// n grantees, n copies).
const KNOWN_OPEN: &[&str] = &[];

#[test]
fn no_shape_costs_more_than_linear_memory() {
    let pipeline = Pipeline::new(Config::default());
    let (small, large) = (shapes(1000), shapes(4000));
    let mut report = Vec::new();
    let mut failures = Vec::new();
    for ((name, a), (_, b)) in small.iter().zip(&large) {
        let (total_a, peak_a, out_a) = cost(&pipeline, a);
        let (total_b, peak_b, out_b) = cost(&pipeline, b);
        let ratio = |x: usize, y: usize| y as f64 / x.max(1) as f64;
        let line = format!(
            "{name}: input {} -> {} bytes; allocated {:.1}x, peak {:.1}x, output {:.1}x",
            a.len(),
            b.len(),
            ratio(total_a, total_b),
            ratio(peak_a, peak_b),
            ratio(out_a, out_b)
        );
        // 4x the input; 6x leaves room for a growth step of a buffer, not for n^2 (16x).
        let linear = ratio(total_a, total_b) <= 6.0 && ratio(peak_a, peak_b) <= 6.0 && ratio(out_a, out_b) <= 6.0;
        if linear == KNOWN_OPEN.contains(name) {
            failures.push(if linear {
                format!("now linear, take it off KNOWN_OPEN: {line}")
            } else {
                line.clone()
            });
        }
        report.push(line);
    }
    println!("{}", report.join("\n"));
    assert!(failures.is_empty(), "super-linear:\n{}", failures.join("\n"));
}

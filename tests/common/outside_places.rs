//! Where tests/credentials_outside.rs puts each secret of outside_secrets.rs: neutral field
//! names, sentences, stack traces, YAML/INI/.env snippets inside strings, JSON inside JSON, URL
//! queries and fragments, header dumps, argv and environment arrays, CONFIG_CHANGE old and new
//! values, Agent Studio inputs and outputs, unknown event types and EXTERNAL_API bodies. And
//! where it puts each decoy of outside_decoys.rs: only fields every profile keeps.
//!
//! Record shapes follow the fixtures (testdata/cases/*.json) and the vendor's documents
//! (../shared/seeds): the unmapped `event_data` of CONFIG_CHANGE and AGENT_STUDIO_LOG keeps keys
//! the mapping does not know, and an unknown event type keeps the whole record.
#![allow(dead_code)]

use crate::credentials::{Credential, api, record};
use crate::outside_decoys::{Bait, DecoyCase, decoys};
use crate::outside_secrets::{Carrier, Secret};
use serde_json::{Value, json};

/// One record carrying one secret.
pub struct Case {
    pub id: String,
    pub class: &'static str,
    pub rule: String,
    pub field_kind: &'static str,
    pub credential: Credential,
    pub record: Value,
}

const UNKNOWN_TYPES: &[&str] = &["SCIM_PROVISIONING_LOG", "WORKFLOW_RUN_LOG", "CONNECTOR_SYNC_LOG"];
const NEUTRAL: &[&str] = &["note", "detail", "value", "arg"];

/// A record of an event type this build does not know.
pub fn unknown(id: &str, n: usize, mut data: Value) -> Value {
    data["user_id"] = json!("7");
    record(id, UNKNOWN_TYPES[n % UNKNOWN_TYPES.len()], data)
}

/// A CONFIG_CHANGE record with `extra` beside the documented keys.
pub fn config_change(id: &str, extra: Value) -> Value {
    let mut data = json!({"config_version": 120, "config_name": "ConnectorSettings", "change_origin_type": "USER",
        "user_id": "1234223234", "operation_type": "UPDATE"});
    data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    record(id, "CONFIG_CHANGE", data)
}

/// An AGENT_STUDIO_LOG record with `extra` beside the documented keys.
pub fn agent(id: &str, extra: Value) -> Value {
    let mut data = json!({"user_id": "10769617033889969982", "uivar_uuid": "5d6edaaa-fe72-4ef1-8c3f-875c5f634726",
        "result": "AGENT_STUDIO_LOG_RESULT_FAILURE", "method": "AGENT_STUDIO_LOG_METHOD_UPDATE",
        "log_type": "AGENT_STUDIO_LOG_TYPE_PLUGINS"});
    data.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    record(id, "AGENT_STUDIO_LOG", data)
}

/// An EXTERNAL_API record whose request body is `body`.
pub fn api_body(id: &str, body: String) -> Value {
    api(id, "https://api.vendor.example/v1/items", json!({"request_body": body}))
}

/// Percent-encodes everything but URL-unreserved characters.
pub fn url_encode(t: &str) -> String {
    t.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

fn cap(w: &str) -> String {
    w[..1].to_ascii_uppercase() + &w[1..]
}

pub fn screaming(w: &[String]) -> String {
    w.join("_").to_ascii_uppercase()
}
pub fn kebab(w: &[String]) -> String {
    w.join("-")
}
pub fn snake(w: &[String]) -> String {
    w.join("_")
}
pub fn camel(w: &[String]) -> String {
    w[0].clone() + &w[1..].iter().map(|x| cap(x)).collect::<String>()
}
pub fn header(w: &[String]) -> String {
    w.iter().map(|x| cap(x)).collect::<Vec<_>>().join("-")
}

type Make<'a> = (&'static str, Box<dyn Fn(&str) -> Value + 'a>);

/// The field kinds of a token known by its shape.
fn token_places(t: &str, n: usize) -> Vec<Make<'_>> {
    let enc = url_encode(t);
    let name = NEUTRAL[n % NEUTRAL.len()];
    vec![
        ("neutral", Box::new(move |id| unknown(id, n, json!({ name: t })))),
        (
            "sentence",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"message": format!("sync job 4411 failed: upstream rejected {t}; retrying in 30s")}),
                )
            }),
        ),
        (
            "stack_trace",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"error": format!("Traceback (most recent call last):\n  File \"/app/sync.py\", line 88, in push\n    client.post(url, data=body)\nvendor.errors.Unauthorized: 401 rejected {t}\n")}),
                )
            }),
        ),
        (
            "java_trace",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"error": format!("java.lang.IllegalStateException: upstream refused {t}\n\tat com.acme.sync.Client.push(Client.java:214)\n\tat com.acme.sync.Job.run(Job.java:57)")}),
                )
            }),
        ),
        (
            "yaml_snippet",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"detail": format!("sync:\n  endpoint: https://api.vendor.example\n  value: {t}\n  retries: 3\n")}),
                )
            }),
        ),
        (
            "env_snippet",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"detail": format!("APP_ENV=production\nUPSTREAM_REF={t}\nLOG_LEVEL=debug\n")}),
                )
            }),
        ),
        (
            "ini_snippet",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"detail": format!("[upstream]\nendpoint = https://api.vendor.example\nref = {t}\n")}),
                )
            }),
        ),
        (
            "json_in_json",
            Box::new(move |id| {
                let inner = json!({"note": t}).to_string();
                unknown(
                    id,
                    n,
                    json!({"detail": json!({"payload_text": inner, "attempt": 2}).to_string()}),
                )
            }),
        ),
        (
            "url_query",
            Box::new({
                let enc = enc.clone();
                move |id| {
                    unknown(
                        id,
                        n,
                        json!({"link": format!("https://app.vendor.example/callback?state=8f1c2&ref={enc}&lang=en")}),
                    )
                }
            }),
        ),
        (
            "url_fragment",
            Box::new({
                let enc = enc.clone();
                move |id| {
                    unknown(
                        id,
                        n,
                        json!({"link": format!("https://app.vendor.example/connect#ref={enc}")}),
                    )
                }
            }),
        ),
        (
            "api_request_uri",
            Box::new(move |id| {
                api(
                    id,
                    &format!("https://api.vendor.example/v1/lookup?ref={enc}&page=2"),
                    json!({}),
                )
            }),
        ),
        (
            "header_dump",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"detail": format!("HTTP/1.1 401 Unauthorized\r\nX-Request-Id: 8f1c2\r\nX-Upstream-Ref: {t}\r\nContent-Length: 0\r\n")}),
                )
            }),
        ),
        (
            "argv_array",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"argv": ["/usr/local/bin/sync", "push", "--endpoint", "https://api.vendor.example", t, "--verbose"]}),
                )
            }),
        ),
        (
            "env_array",
            Box::new(move |id| {
                unknown(
                    id,
                    n,
                    json!({"env": ["PATH=/usr/bin", format!("UPSTREAM_REF={t}"), "HOME=/root"]}),
                )
            }),
        ),
        (
            "array_element",
            Box::new(move |id| unknown(id, n, json!({"values": ["alpha", t, "gamma"]}))),
        ),
        (
            "config_new_value",
            Box::new(move |id| config_change(id, json!({"old_value": "unset", "new_value": t}))),
        ),
        (
            "config_old_value",
            Box::new(move |id| {
                config_change(
                    id,
                    json!({"old_value": {"endpoint": "https://api.vendor.example", "note": t}, "new_value": {"endpoint": "https://api.vendor.example"}}),
                )
            }),
        ),
        (
            "agent_output",
            Box::new(move |id| {
                agent(
                    id,
                    json!({"execution_updates": [{"step": "call_api", "output": {"text": format!("created integration with {t}")}}]}),
                )
            }),
        ),
        (
            "agent_input",
            Box::new(move |id| agent(id, json!({"input_arguments": {"note": t}}))),
        ),
        (
            "api_body",
            Box::new(move |id| api_body(id, json!({"note": t, "count": 1}).to_string())),
        ),
    ]
}

/// A name in its spellings, and the value.
#[derive(Clone)]
struct Named {
    sc: String,
    kb: String,
    sn: String,
    cm: String,
    hd: String,
    v: String,
    n: usize,
}

type NamedMake = fn(&str, &Named) -> Value;

/// The field kinds of a value known by its name.
fn named_places(w: &[String], v: &str, n: usize) -> Vec<Make<'static>> {
    let x = Named {
        sc: screaming(w),
        kb: kebab(w),
        sn: snake(w),
        cm: camel(w),
        hd: header(w),
        v: v.to_owned(),
        n,
    };
    let list: Vec<(&'static str, NamedMake)> = vec![
        ("structured_key", |id, x| {
            unknown(id, x.n, json!({"settings": {x.cm.clone(): x.v, "region": "eu"}}))
        }),
        ("env_line", |id, x| {
            unknown(id, x.n, json!({"detail": format!("export {}={}", x.sc, x.v)}))
        }),
        ("env_snippet", |id, x| {
            unknown(
                id,
                x.n,
                json!({"detail": format!("APP_ENV=production\n{}={}\nLOG_LEVEL=debug\n", x.sc, x.v)}),
            )
        }),
        ("json_text", |id, x| {
            unknown(
                id,
                x.n,
                json!({"detail": json!({x.sn.clone(): x.v, "enabled": true}).to_string()}),
            )
        }),
        ("yaml_snippet", |id, x| {
            unknown(
                id,
                x.n,
                json!({"detail": format!("integrations:\n  {}: {}\n  enabled: true\n", x.sn, x.v)}),
            )
        }),
        ("ini_snippet", |id, x| {
            unknown(
                id,
                x.n,
                json!({"detail": format!("[vendor]\n{} = {}\ntimeout = 30\n", x.sn, x.v)}),
            )
        }),
        ("hcl_snippet", |id, x| {
            unknown(
                id,
                x.n,
                json!({"detail": format!("resource \"vendor_integration\" \"main\" {{\n  {} = \"{}\"\n}}\n", x.sn, x.v)}),
            )
        }),
        ("argv_flag_value", |id, x| {
            unknown(
                id,
                x.n,
                json!({"argv": ["/usr/local/bin/sync", "--endpoint", "https://api.vendor.example", format!("--{}", x.kb), x.v, "--verbose"]}),
            )
        }),
        ("argv_flag_eq", |id, x| {
            unknown(
                id,
                x.n,
                json!({"argv": ["/usr/local/bin/sync", format!("--{}={}", x.kb, x.v), "--verbose"]}),
            )
        }),
        ("env_array", |id, x| {
            unknown(
                id,
                x.n,
                json!({"env": ["PATH=/usr/bin", format!("{}={}", x.sc, x.v), "HOME=/root"]}),
            )
        }),
        ("command_line", |id, x| {
            unknown(
                id,
                x.n,
                json!({"command": format!("/usr/local/bin/sync --endpoint https://api.vendor.example --{} {} --verbose", x.kb, x.v)}),
            )
        }),
        ("config_new_value", |id, x| {
            config_change(
                id,
                json!({"old_value": {x.cm.clone(): ""}, "new_value": {x.cm.clone(): x.v}}),
            )
        }),
        ("config_value_text", |id, x| {
            config_change(id, json!({"new_value": format!("{}={}", x.sc, x.v)}))
        }),
        ("agent_output", |id, x| {
            agent(
                id,
                json!({"execution_updates": [{"step": "load_config", "output": {x.sn.clone(): x.v}}]}),
            )
        }),
        ("agent_input", |id, x| {
            agent(id, json!({"input_arguments": {x.sn.clone(): x.v}}))
        }),
        ("api_form_body", |id, x| {
            api_body(id, format!("{}={}&region=eu", x.sn, url_encode(&x.v)))
        }),
        ("json_in_json", |id, x| {
            let inner = json!({x.cm.clone(): x.v}).to_string();
            unknown(id, x.n, json!({"detail": json!({"payload_text": inner}).to_string()}))
        }),
        ("php_in_json_in_json", |id, x| {
            let src = format!("$config = array(\"{}\" => \"{}\", \"debug\" => false);", x.sn, x.v);
            unknown(id, x.n, json!({"detail": json!({"source": src}).to_string()}))
        }),
        ("header_dump", |id, x| {
            unknown(
                id,
                x.n,
                json!({"detail": format!("POST /v1/items HTTP/1.1\r\nHost: api.vendor.example\r\n{}: {}\r\nAccept: */*\r\n", x.hd, x.v)}),
            )
        }),
    ];
    list.into_iter()
        .map(|(kind, f)| {
            let x = x.clone();
            let make: Box<dyn Fn(&str) -> Value> = Box::new(move |id: &str| f(id, &x));
            (kind, make)
        })
        .collect()
}

/// The field kinds of a whole snippet (a command line, a config file, a curl call).
fn text_places(t: &str, n: usize) -> Vec<Make<'_>> {
    vec![
        (
            "neutral",
            Box::new(move |id| unknown(id, n, json!({ NEUTRAL[n % NEUTRAL.len()]: t }))),
        ),
        (
            "config_new_value",
            Box::new(move |id| config_change(id, json!({"old_value": "", "new_value": t}))),
        ),
        (
            "agent_output",
            Box::new(move |id| {
                agent(
                    id,
                    json!({"execution_updates": [{"step": "run", "output": {"text": t}}]}),
                )
            }),
        ),
        ("api_body", Box::new(move |id| api_body(id, t.to_owned()))),
        (
            "json_in_json",
            Box::new(move |id| unknown(id, n, json!({"detail": json!({"log": t}).to_string()}))),
        ),
        (
            "array_element",
            Box::new(move |id| unknown(id, n, json!({"lines": ["step 1 of 2", t]}))),
        ),
    ]
}

/// The field kinds of an argv or environment array.
fn array_places(xs: &[String], n: usize) -> Vec<Make<'_>> {
    vec![
        ("argv_array", Box::new(move |id| unknown(id, n, json!({"argv": xs})))),
        (
            "agent_input",
            Box::new(move |id| agent(id, json!({"input_arguments": {"args": xs}}))),
        ),
        (
            "agent_output",
            Box::new(move |id| agent(id, json!({"execution_updates": [{"step": "spawn", "args": xs}]}))),
        ),
        (
            "config_new_value",
            Box::new(move |id| config_change(id, json!({"new_value": {"command": xs}}))),
        ),
        (
            "json_in_string",
            Box::new(move |id| unknown(id, n, json!({"detail": json!({"cmd": xs}).to_string()}))),
        ),
        (
            "api_body",
            Box::new(move |id| api_body(id, json!({"container": {"args": xs}}).to_string())),
        ),
    ]
}

/// Every secret in every field kind it fits.
pub fn cases(secrets: &[Secret]) -> Vec<Case> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for (i, s) in secrets.iter().enumerate() {
        let places: Vec<Make<'_>> = match &s.carrier {
            Carrier::Token(t) => token_places(t, i),
            Carrier::Named(w, v) => named_places(w, v, i),
            Carrier::Text(t) => text_places(t, i),
            Carrier::Array(xs) => array_places(xs, i),
        };
        let credential = s.credential();
        for (field_kind, make) in places {
            n += 1;
            let id = format!("out-{n:05}");
            out.push(Case {
                record: make(&id),
                id,
                class: s.class,
                rule: s.rule.clone(),
                field_kind,
                credential: credential.clone(),
            });
        }
    }
    out
}

/// Every decoy in fields every profile keeps (no body, header, query or Agent Studio input): a
/// mask there is a credential mask, under `full` and under the VRL program's `restricted`.
pub fn decoy_cases(seed: u64) -> Vec<DecoyCase> {
    let mut out = Vec::new();
    let mut n = 0usize;
    for (i, dcy) in decoys(seed).into_iter().enumerate() {
        let mut places: Vec<(&'static str, Value)> = Vec::new();
        let keep: Vec<String> = match &dcy.bait {
            Bait::Text(t) => {
                places.push(("neutral", json!({"detail": t})));
                places.push(("sentence", json!({"message": format!("build note: {t} (see log)")})));
                places.push(("json_in_json", json!({"detail": json!({"note": t}).to_string()})));
                places.push(("array_element", json!({"values": ["alpha", t]})));
                places.push(("config_new_value", json!({"new_value": t})));
                places.push(("agent_output", json!({"execution_updates": [{"output": {"text": t}}]})));
                vec![t.clone()]
            }
            Bait::Named(name, v) => {
                places.push(("structured_key", json!({"settings": {name.clone(): v}})));
                places.push(("env_line", json!({"detail": format!("{name}={v}")})));
                places.push(("yaml_snippet", json!({"detail": format!("settings:\n  {name}: {v}\n")})));
                places.push(("json_text", json!({"detail": json!({name.clone(): v}).to_string()})));
                places.push(("config_new_value", json!({"new_value": {name.clone(): v}})));
                vec![v.clone()]
            }
            Bait::Array(xs) => {
                places.push(("argv_array", json!({"argv": xs})));
                places.push(("config_new_value", json!({"new_value": {"command": xs}})));
                places.push((
                    "agent_output",
                    json!({"execution_updates": [{"step": "spawn", "args": xs}]}),
                ));
                places.push(("command_line", json!({"command": xs.join(" ")})));
                xs.clone()
            }
        };
        for (field_kind, data) in places {
            n += 1;
            let id = format!("dcy-{n:05}");
            let record = match field_kind {
                "config_new_value" => config_change(&id, data),
                "agent_output" => agent(&id, data),
                _ => unknown(&id, i, data),
            };
            out.push(DecoyCase {
                id,
                kind: dcy.kind,
                label: dcy.label.clone(),
                field_kind,
                keep: keep.clone(),
                record,
            });
        }
    }
    out
}

//! `observables`: the typed index of the event's users, emails, addresses, hosts, URLs and
//! resources that SIEMs pivot on.
//!
//! Built last, after redaction, from the event's own attributes (an observable is a copy of a
//! value the event already shows, so a hashed or dropped attribute is hashed or absent here
//! too, and redaction never walks this list). Each class has a fixed list of attribute paths,
//! in a fixed order (the VRL program sorts object keys, so order must not come from a walk of
//! the event). `type_id` is what OCSF 1.8.0 defines for the attribute (by its dictionary type
//! or object attribute); an attribute the schema gives no observable type (`entity.name`,
//! `database.name`: plain strings) is 99 Other with a `type` naming it. `tests/coverage.rs`
//! derives each `type_id` from the schema and checks every one.

use super::path::{text, value_at};
use crate::decode::EventKind;
use crate::json::{Map, Value};

/// One observable rule: the attribute path, its OCSF type_id, and `type` for 99 Other.
struct Rule {
    path: &'static [&'static str],
    name: &'static str,
    type_id: i64,
    other: Option<&'static str>,
    /// A value mwsiem writes when the record has none (`LDAP directory`): not an observable.
    placeholder: Option<&'static str>,
}

const fn rule(path: &'static [&'static str], name: &'static str, type_id: i64) -> Rule {
    Rule {
        path,
        name,
        type_id,
        other: None,
        placeholder: None,
    }
}

const fn other(
    path: &'static [&'static str],
    name: &'static str,
    kind: &'static str,
    placeholder: Option<&'static str>,
) -> Rule {
    Rule {
        path,
        name,
        type_id: TYPE_OTHER,
        other: Some(kind),
        placeholder,
    }
}

const TYPE_HOSTNAME: i64 = 1;
const TYPE_IP: i64 = 2;
const TYPE_EMAIL: i64 = 5;
const TYPE_URL: i64 = 6;
const TYPE_RESOURCE_UID: i64 = 10;
const TYPE_PORT: i64 = 11;
const TYPE_USER_UID: i64 = 31;
const TYPE_RESOURCE_NAME: i64 = 38;
const TYPE_OTHER: i64 = 99;

const ACTOR_UID: Rule = rule(&["actor", "user", "uid"], "actor.user.uid", TYPE_USER_UID);
const ACTOR_EMAIL: Rule = rule(&["actor", "user", "email_addr"], "actor.user.email_addr", TYPE_EMAIL);
const USER_UID: Rule = rule(&["user", "uid"], "user.uid", TYPE_USER_UID);
const USER_EMAIL: Rule = rule(&["user", "email_addr"], "user.email_addr", TYPE_EMAIL);

const EXTERNAL_API: &[Rule] = &[
    ACTOR_UID,
    ACTOR_EMAIL,
    rule(&["dst_endpoint", "hostname"], "dst_endpoint.hostname", TYPE_HOSTNAME),
    rule(&["dst_endpoint", "port"], "dst_endpoint.port", TYPE_PORT),
    rule(
        &["http_request", "url", "url_string"],
        "http_request.url.url_string",
        TYPE_URL,
    ),
];
const USER_TOKEN_LOG: &[Rule] = &[
    ACTOR_UID,
    ACTOR_EMAIL,
    rule(&["resources", "uid"], "resources.uid", TYPE_RESOURCE_UID),
];
const AUTHENTICATION: &[Rule] = &[
    USER_UID,
    USER_EMAIL,
    rule(&["src_endpoint", "ip"], "src_endpoint.ip", TYPE_IP),
];
const EXTERNAL_LDAP_API: &[Rule] = &[
    ACTOR_UID,
    ACTOR_EMAIL,
    other(
        &["database", "name"],
        "database.name",
        "LDAP DN",
        Some(super::LDAP_DIRECTORY),
    ),
];
const CONFIG_CHANGE: &[Rule] = &[
    ACTOR_UID,
    ACTOR_EMAIL,
    other(&["entity", "name"], "entity.name", "Configuration", None),
];
const AGENT_STUDIO_LOG: &[Rule] = &[
    ACTOR_UID,
    ACTOR_EMAIL,
    other(&["entity", "uid"], "entity.uid", "Agent Studio Entity", None),
];
const PERMISSION_CHANGE: &[Rule] = &[
    ACTOR_UID,
    ACTOR_EMAIL,
    USER_UID,
    USER_EMAIL,
    rule(&["resources", "name"], "resources.name", TYPE_RESOURCE_NAME),
];

fn rules(kind: EventKind) -> &'static [Rule] {
    match kind {
        EventKind::ExternalApi => EXTERNAL_API,
        EventKind::UserTokenLog => USER_TOKEN_LOG,
        EventKind::Authentication => AUTHENTICATION,
        EventKind::ExternalLdapApi => EXTERNAL_LDAP_API,
        EventKind::ConfigChange => CONFIG_CHANGE,
        EventKind::AgentStudioLog => AGENT_STUDIO_LOG,
        EventKind::PermissionChange => PERMISSION_CHANGE,
        // Everything of an unknown record is under `unmapped`: nothing is typed.
        EventKind::Unknown => &[],
    }
}

/// The event's observables (empty when it has none).
pub(crate) fn observables<'a>(ev: &Map<'a>, kind: EventKind) -> Vec<Value<'a>> {
    let mut out = Vec::new();
    for r in rules(kind) {
        for v in values(ev, r.path) {
            let Some(value) = text_value(v) else { continue };
            if value.as_str() == r.placeholder {
                continue;
            }
            let mut o = Map::with_capacity(4);
            o.insert("name", Value::str(r.name));
            o.insert("type_id", Value::int(r.type_id));
            o.insert_opt("type", r.other.map(Value::str));
            o.insert("value", value);
            out.push(Value::Object(o));
        }
    }
    out
}

/// [`text`] as a string value of the event's own lifetime: a value borrowed from the record
/// is shared, not copied (this runs for every event).
fn text_value<'a>(v: &Value<'a>) -> Option<Value<'a>> {
    match v {
        Value::String(s) | Value::Number(s) if !s.is_empty() => Some(Value::String(s.clone())),
        v => text(v).map(|t| Value::str(t.into_owned())),
    }
}

/// Every value at `path`: one per element where the first step is an array (`resources`).
fn values<'e, 'a>(ev: &'e Map<'a>, path: &[&str]) -> Vec<&'e Value<'a>> {
    match ev.get(path[0]) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| value_at(item.as_object()?, &path[1..]))
            .collect(),
        _ => value_at(ev, path).into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, to_string};

    #[test]
    fn one_per_resource_and_placeholders_skipped() {
        let v = parse(
            br#"{"actor":{"user":{"uid":"7"}},"user":{"name":"unknown"},"resources":[{"name":"A"},{"name":"B"}]}"#,
            8,
        )
        .unwrap();
        let obs = observables(v.as_object().unwrap(), EventKind::PermissionChange);
        assert_eq!(
            to_string(&Value::Array(obs)),
            r#"[{"name":"actor.user.uid","type_id":31,"value":"7"},{"name":"resources.name","type_id":38,"value":"A"},{"name":"resources.name","type_id":38,"value":"B"}]"#
        );
        let v = parse(br#"{"database":{"name":"LDAP directory"}}"#, 8).unwrap();
        assert!(observables(v.as_object().unwrap(), EventKind::ExternalLdapApi).is_empty());
    }
}

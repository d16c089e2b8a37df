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

/// One observable rule: the attribute path, its OCSF type_id, and `type`: the type_id's caption,
/// or for 99 Other the kind of value (which is no caption: it is written without captions too).
struct Rule {
    path: &'static [&'static str],
    name: &'static str,
    type_id: i64,
    /// OCSF's caption of `type_id` (a derivable caption).
    caption: &'static str,
    other: Option<&'static str>,
    /// A value mwsiem writes when the record has none (`LDAP directory`): not an observable.
    placeholder: Option<&'static str>,
}

const fn rule(path: &'static [&'static str], name: &'static str, (type_id, caption): (i64, &'static str)) -> Rule {
    Rule {
        path,
        name,
        type_id,
        caption,
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
        type_id: 99,
        caption: "Other",
        other: Some(kind),
        placeholder,
    }
}

// OCSF 1.8.0's observable `type_id`s and their captions.
const TYPE_HOSTNAME: (i64, &str) = (1, "Hostname");
const TYPE_IP: (i64, &str) = (2, "IP Address");
const TYPE_USER_NAME: (i64, &str) = (4, "User Name");
const TYPE_EMAIL: (i64, &str) = (5, "Email Address");
const TYPE_URL: (i64, &str) = (6, "URL String");
const TYPE_RESOURCE_UID: (i64, &str) = (10, "Resource UID");
const TYPE_PORT: (i64, &str) = (11, "Port");
const TYPE_USER_UID: (i64, &str) = (31, "User Object: uid");
const TYPE_RESOURCE_NAME: (i64, &str) = (38, "Resource Details Object: name");

const ACTOR_UID: Rule = rule(&["actor", "user", "uid"], "actor.user.uid", TYPE_USER_UID);
const ACTOR_EMAIL: Rule = rule(&["actor", "user", "email_addr"], "actor.user.email_addr", TYPE_EMAIL);
const USER_UID: Rule = rule(&["user", "uid"], "user.uid", TYPE_USER_UID);
const USER_EMAIL: Rule = rule(&["user", "email_addr"], "user.email_addr", TYPE_EMAIL);
/// An LDAP bind's DN (the name it binds as); `unknown` when the request names none.
const USER_NAME: Rule = Rule {
    placeholder: Some("unknown"),
    ..rule(&["user", "name"], "user.name", TYPE_USER_NAME)
};

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
    USER_NAME,
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

const UNKNOWN: &[Rule] = &[ACTOR_UID];

fn rules(kind: EventKind) -> &'static [Rule] {
    match kind {
        EventKind::ExternalApi => EXTERNAL_API,
        EventKind::UserTokenLog => USER_TOKEN_LOG,
        EventKind::Authentication => AUTHENTICATION,
        EventKind::ExternalLdapApi => EXTERNAL_LDAP_API,
        EventKind::ConfigChange => CONFIG_CHANGE,
        EventKind::AgentStudioLog => AGENT_STUDIO_LOG,
        EventKind::PermissionChange => PERMISSION_CHANGE,
        // Everything else of an unknown record is under `unmapped`: nothing else is typed.
        EventKind::Unknown => UNKNOWN,
    }
}

/// The event's observables (empty when it has none).
pub(crate) fn observables<'a>(ev: &Map<'a>, kind: EventKind, captions: bool) -> Vec<Value<'a>> {
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
            match r.other {
                Some(kind) => o.insert("type", Value::str(kind)),
                None if captions => o.insert("type", Value::str(r.caption)),
                None => {}
            }
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
        let obs = observables(v.as_object().unwrap(), EventKind::PermissionChange, false);
        assert_eq!(
            to_string(&Value::Array(obs)),
            r#"[{"name":"actor.user.uid","type_id":31,"value":"7"},{"name":"resources.name","type_id":38,"value":"A"},{"name":"resources.name","type_id":38,"value":"B"}]"#
        );
        let obs = observables(v.as_object().unwrap(), EventKind::PermissionChange, true);
        assert!(
            to_string(&Value::Array(obs))
                .starts_with(r#"[{"name":"actor.user.uid","type_id":31,"type":"User Object: uid","value":"7"}"#)
        );
        let v = parse(
            br#"{"database":{"name":"LDAP directory"},"user":{"name":"unknown"}}"#,
            8,
        )
        .unwrap();
        assert!(observables(v.as_object().unwrap(), EventKind::ExternalLdapApi, true).is_empty());
    }
}

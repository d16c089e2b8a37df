//! `message`: the one line a person reads in a search result.
//!
//! Written last, after redaction, from the finished event's own attributes, never from the
//! source record or `unmapped`: a message can only repeat what the event already shows under
//! the active redaction profile and rules (a hashed `actor.user.uid` reads `for user
//! hmac-sha256:...`, a dropped one drops its clause), so redaction never has to look at it. It
//! uses no query string, body, header, LDAP filter, user agent or error text.
//!
//! The templates, one per event type (`[...]` only when its values exist):
//!
//! | event type | message |
//! |---|---|
//! | EXTERNAL_API | `METHOD[ host][ path] -> CODE\|no response[ (service, skill skill)][ for user UID]` |
//! | USER_TOKEN_LOG | `OPERATION integration ID\|no integration -> STATUS[ for user UID]` |
//! | AUTHENTICATION | `Login\|Logout\|ACTIVITY succeeded\|failed\|(STATUS)\|(outcome unknown) for user UID\|an unidentified user[ from IP][ (SERVICE)]` |
//! | EXTERNAL_LDAP_API | `LDAP ACTIVITY[ DN][ for user UID]`, `LDAP bind as DN\|LDAP anonymous bind[ for user UID]`, `LDAP request (unparsed)[ for user UID]` |
//! | CONFIG_CHANGE, AGENT_STUDIO_LOG | `ACTIVITY[ configuration\|TYPE][ NAME\|UID][ version V] -> STATUS[ by user UID\| by APP]` |
//! | PERMISSION_CHANGE (one event per grantee) | `Assigned N privilege(s)[ (first three[ and K more])] to user UID\|an unidentified user[ by user UID]`, `Permission change with no roles for user UID\|an unidentified user[ by user UID]` |
//! | anything else | `Unmapped Moveworks event TYPE (log version V)[ for user UID]` |
//!
//! Every value is cut at [`MAX_VALUE_CHARS`] characters (`…` appended), so a message stays one
//! short line whatever the record holds. `transforms/vector/mwsiem.vrl` writes the same text.

use super::datastore_activity::LABEL_LDAP_REQUEST_UNPARSED;
use super::entity_management::AGENT_STUDIO_ENTITY;
use super::path::{text, text_at, value_at};
use super::table::{AUTHENTICATION, CLASSES, status_caption};
use crate::decode::EventKind;
use crate::json::{Map, Value};
use std::borrow::Cow;

/// Longest value (in characters) a message repeats.
pub const MAX_VALUE_CHARS: usize = 128;
/// How many privileges a permission-change message names.
const PRIVILEGES_NAMED: usize = 3;

/// The event's `message`.
pub(crate) fn message(ev: &Map<'_>, kind: EventKind) -> String {
    let mut m = Message(String::with_capacity(128));
    match kind {
        EventKind::ExternalApi => external_api(&mut m, ev),
        EventKind::UserTokenLog => user_token_log(&mut m, ev),
        EventKind::Authentication => authentication(&mut m, ev),
        EventKind::ExternalLdapApi => ldap(&mut m, ev),
        EventKind::ConfigChange | EventKind::AgentStudioLog => entity(&mut m, ev),
        EventKind::PermissionChange => permission_change(&mut m, ev),
        EventKind::Unknown => unknown(&mut m, ev),
    }
    m.0
}

/// A message being written: fixed words as they are, event values cut to length.
struct Message(String);

impl Message {
    fn word(&mut self, w: &str) -> &mut Self {
        self.0.push_str(w);
        self
    }

    fn value(&mut self, v: &str) -> &mut Self {
        // A value of at most MAX_VALUE_CHARS bytes has at most as many characters.
        if v.len() <= MAX_VALUE_CHARS {
            self.0.push_str(v);
            return self;
        }
        match v.char_indices().nth(MAX_VALUE_CHARS) {
            None => self.0.push_str(v),
            Some((cut, _)) => {
                self.0.push_str(&v[..cut]);
                self.0.push('…');
            }
        }
        self
    }

    /// `prefix` and the value, when there is one.
    fn opt(&mut self, prefix: &str, v: Option<Cow<'_, str>>) -> &mut Self {
        if let Some(v) = v {
            self.word(prefix).value(&v);
        }
        self
    }
}

fn actor_uid<'e>(ev: &'e Map<'_>) -> Option<Cow<'e, str>> {
    text_at(ev, &["actor", "user", "uid"])
}

/// `[ by user UID]`, or ` by APP` for a change the app made itself.
fn by_actor(m: &mut Message, ev: &Map<'_>) {
    match actor_uid(ev) {
        Some(uid) => m.word(" by user ").value(&uid),
        None => m.opt(" by ", text_at(ev, &["actor", "app_name"])),
    };
}

/// `activity_name` (none when it is empty), or its caption from the ids when captions are off.
fn activity_word<'e>(ev: &'e Map<'_>) -> Option<Cow<'e, str>> {
    if ev.get("activity_name").is_some() {
        return text_at(ev, &["activity_name"]);
    }
    let class = int_at(ev, "class_uid")?;
    let class = CLASSES.iter().find(|c| i64::from(c.uid) == class)?;
    let id = u8::try_from(int_at(ev, "activity_id")?).ok()?;
    class.activity_name(id).map(Cow::Borrowed)
}

/// `status` (none when it is empty), or its caption from `status_id` when captions are off.
fn status_word<'e>(ev: &'e Map<'_>) -> Option<Cow<'e, str>> {
    if ev.get("status").is_some() {
        return text_at(ev, &["status"]);
    }
    let id = u8::try_from(int_at(ev, "status_id")?).ok()?;
    status_caption(id).map(Cow::Borrowed)
}

fn external_api(m: &mut Message, ev: &Map<'_>) {
    // A method OCSF does not list (PROPFIND) is the activity's name.
    let method = text_at(ev, &["http_request", "http_method"]).or_else(|| {
        (int_at(ev, "activity_id") == Some(99))
            .then(|| activity_word(ev))
            .flatten()
    });
    m.value(method.as_deref().unwrap_or("request"));
    m.opt(" ", text_at(ev, &["dst_endpoint", "hostname"]));
    m.opt(" ", text_at(ev, &["http_request", "url", "path"]));
    match text_at(ev, &["http_response", "code"]) {
        Some(code) => m.word(" -> ").value(&code),
        None => m.word(" -> no response"),
    };
    let service = text_at(ev, &["api", "service", "name"]);
    let skill = enrichment_value(ev, "moveworks_skill");
    match (service, skill) {
        (Some(s), Some(k)) => m.word(" (").value(&s).word(", ").value(&k).word(" skill)"),
        (Some(s), None) => m.word(" (").value(&s).word(")"),
        (None, Some(k)) => m.word(" (").value(&k).word(" skill)"),
        (None, None) => m,
    };
    m.opt(" for user ", actor_uid(ev));
}

fn user_token_log(m: &mut Message, ev: &Map<'_>) {
    m.value(text_at(ev, &["api", "operation"]).as_deref().unwrap_or("user_token"));
    match text_at(ev, &["resources", "uid"]) {
        Some(id) => m.word(" integration ").value(&id),
        None => m.word(" no integration"),
    };
    m.word(" -> ").value(status_word(ev).as_deref().unwrap_or("Unknown"));
    m.opt(" for user ", actor_uid(ev));
}

fn authentication(m: &mut Message, ev: &Map<'_>) {
    match int_at(ev, "activity_id") {
        Some(1) => m.word("Login"),
        Some(2) => m.word("Logout"),
        _ => m.value(activity_word(ev).as_deref().unwrap_or("Authentication")),
    };
    match int_at(ev, "status_id") {
        Some(1) => m.word(" succeeded"),
        Some(2) => m.word(" failed"),
        Some(99) => m
            .word(" (")
            .value(status_word(ev).as_deref().unwrap_or("Other"))
            .word(")"),
        _ => m.word(" (outcome unknown)"),
    };
    match text_at(ev, &["user", "uid"]) {
        Some(uid) => m.word(" for user ").value(&uid),
        None => m.word(" for an unidentified user"),
    };
    m.opt(" from ", text_at(ev, &["src_endpoint", "ip"]));
    if let Some(service) = text_at(ev, &["service", "name"]) {
        m.word(" (").value(&service).word(")");
    }
}

fn ldap(m: &mut Message, ev: &Map<'_>) {
    let unparsed = match value_at(ev, &["metadata", "labels"]) {
        Some(Value::Array(labels)) => labels.iter().any(|l| l.as_str() == Some(LABEL_LDAP_REQUEST_UNPARSED)),
        _ => false,
    };
    if unparsed {
        m.word("LDAP request (unparsed)");
    } else if int_at(ev, "class_uid") == Some(i64::from(AUTHENTICATION.uid)) {
        // A bind: the identity it binds as; the export records no outcome.
        match text_at(ev, &["user", "name"]).filter(|n| n != "unknown") {
            Some(dn) => m.word("LDAP bind as ").value(&dn),
            None => m.word("LDAP anonymous bind"),
        };
    } else {
        m.word("LDAP ").value(activity_word(ev).as_deref().unwrap_or("request"));
        m.opt(
            " ",
            text_at(ev, &["database", "name"]).filter(|n| n != super::LDAP_DIRECTORY),
        );
    }
    m.opt(" for user ", actor_uid(ev));
}

fn entity(m: &mut Message, ev: &Map<'_>) {
    m.value(activity_word(ev).as_deref().unwrap_or("Change"));
    match text_at(ev, &["entity", "type"]) {
        Some(t) if t == "Configuration" => m.word(" configuration"),
        // The type an Agent Studio object without a `log_type` gets says nothing more.
        Some(t) if t == AGENT_STUDIO_ENTITY => m,
        Some(t) => m.word(" ").value(&t),
        None => m,
    };
    m.opt(
        " ",
        text_at(ev, &["entity", "name"]).or_else(|| text_at(ev, &["entity", "uid"])),
    );
    m.opt(" version ", text_at(ev, &["entity", "version"]));
    m.word(" -> ").value(status_word(ev).as_deref().unwrap_or("Unknown"));
    by_actor(m, ev);
}

fn permission_change(m: &mut Message, ev: &Map<'_>) {
    let privileges: Vec<Cow<'_, str>> = match ev.get("privileges") {
        Some(Value::Array(p)) => p.iter().filter_map(text).collect(),
        _ => Vec::new(),
    };
    if privileges.is_empty() {
        // Nothing was assigned: no "Assigned 0".
        m.word("Permission change with no roles");
        match text_at(ev, &["user", "uid"]) {
            Some(uid) => m.word(" for user ").value(&uid),
            None => m.word(" for an unidentified user"),
        };
        m.opt(" by user ", actor_uid(ev));
        return;
    }
    m.word("Assigned ").word(&privileges.len().to_string());
    m.word(if privileges.len() == 1 {
        " privilege"
    } else {
        " privileges"
    });
    if !privileges.is_empty() {
        m.word(" (");
        for (i, p) in privileges.iter().take(PRIVILEGES_NAMED).enumerate() {
            if i > 0 {
                m.word(", ");
            }
            m.value(p);
        }
        if privileges.len() > PRIVILEGES_NAMED {
            m.word(" and ")
                .word(&(privileges.len() - PRIVILEGES_NAMED).to_string())
                .word(" more");
        }
        m.word(")");
    }
    match text_at(ev, &["user", "uid"]) {
        Some(uid) => m.word(" to user ").value(&uid),
        None => m.word(" to an unidentified user"),
    };
    m.opt(" by user ", actor_uid(ev));
}

fn unknown(m: &mut Message, ev: &Map<'_>) {
    m.word("Unmapped Moveworks event ")
        .value(text_at(ev, &["metadata", "event_code"]).as_deref().unwrap_or("?"))
        .word(" (log version ")
        .value(text_at(ev, &["metadata", "log_version"]).as_deref().unwrap_or("?"))
        .word(")");
    m.opt(" for user ", actor_uid(ev));
}

fn int_at(ev: &Map<'_>, key: &str) -> Option<i64> {
    ev.get(key).and_then(Value::as_i64)
}

/// The `value` of the first enrichment named `name`.
fn enrichment_value<'e>(ev: &'e Map<'_>, name: &str) -> Option<Cow<'e, str>> {
    let Some(Value::Array(list)) = ev.get("enrichments") else {
        return None;
    };
    list.iter()
        .filter_map(Value::as_object)
        .find(|e| e.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|e| e.get("value"))
        .and_then(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_at_a_character_boundary() {
        let mut m = Message(String::new());
        let long = "é".repeat(200);
        m.value(&long);
        assert_eq!(m.0.chars().count(), MAX_VALUE_CHARS + 1);
        assert!(m.0.ends_with("é…"));
        let mut m = Message(String::new());
        m.value(&"a".repeat(MAX_VALUE_CHARS));
        assert_eq!(m.0, "a".repeat(MAX_VALUE_CHARS));
    }
}

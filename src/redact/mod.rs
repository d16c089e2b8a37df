//! Redaction: the last stage, after enrichment, so nothing leaves unredacted.
//!
//! Under **every** profile, credentials go: values under secret names in foreign data
//! (`unmapped`, `*.data`; names by rule, [`names`]), everything under an LDAP bind's
//! `authentication`/`sasl`, the value of a `{"name": "Authorization", "value": ...}` header
//! entry, random-looking values under names that hint at a credential ([`entropy`]),
//! secret-named query parameters, URL userinfo passwords, and bearer tokens, JWTs, well-known
//! token formats ([`formats`]), private keys and SAML assertions inside any string ([`scrub`]). Under **restricted** (the default, like the vendor's view for admins without the
//! PII Viewer role), request content goes too: query parameter values, bodies, payloads and
//! headers, and LDAP filter assertion values, with the structure kept readable
//! (`q=S*****'`, `(&(objectClass=user)(mail=…*))`). **full** keeps everything but credentials.
//! Custom rules by OCSF field path run last.
//!
//! The event is walked once, so no value is redacted twice (hashing a hash would break joins).

mod action;
mod commands;
mod config;
pub mod entropy;
pub mod formats;
pub mod names;
pub mod placeholder;
pub mod scrub;
mod text;

pub use action::{Action, Applier, MASK, mask};
pub use config::{FieldRule, RedactionConfig};
use entropy::looks_random;
use names::classify;
use placeholder::is_placeholder;

use crate::json::{Map, Value};
use crate::parse::ldap_filter::parse_filter;
use crate::parse::url::{percent_decode, query_pairs, split_url};
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

/// Who is looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// Credentials and request content hidden.
    Restricted,
    /// Only credentials hidden (the vendor's PII Viewer).
    Full,
}

/// LDAP attributes whose values are schema, not people: kept readable in filters.
const SCHEMA_ATTRIBUTES: [&str; 2] = ["objectclass", "objectcategory"];

/// A configured redactor.
#[derive(Debug, Clone)]
pub struct Redactor {
    profile: Profile,
    credential: Action,
    content: Action,
    applier: Applier,
    rules: Vec<(Vec<String>, Action)>,
}

/// What [`Redactor::command_line`] did to an array element.
#[derive(Clone, Copy)]
enum Done {
    /// Nothing: walked like any value.
    Walk,
    /// Replaced by its redaction.
    Redacted,
    /// Removed (the `drop` action).
    Dropped,
}

/// Where in the event a value sits.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Zone {
    /// Attributes mwsiem wrote: their names mean what OCSF says.
    Ocsf,
    /// Source data kept as it came (`unmapped`, `data`): names are the source's.
    Foreign,
}

impl Redactor {
    pub fn new(config: &RedactionConfig) -> Self {
        Redactor {
            profile: config.profile,
            credential: config.credential_action,
            content: config.content_action,
            applier: Applier::new(config.hmac_key.as_deref().map(str::as_bytes)),
            rules: config.rules.iter().map(rule_parts).collect(),
        }
    }

    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// Redacts an OCSF event in place.
    pub fn redact(&self, event: &mut Map<'_>) {
        self.walk_map(event, Zone::Ocsf, "");
        for (path, action) in &self.rules {
            apply_rule(event, path, *action, &self.applier);
        }
    }

    /// A source record (for `raw_data`): redacted like `unmapped`, without the custom rules
    /// (their paths are OCSF paths). The config allows `raw_data` only under the full profile,
    /// so only credentials go.
    pub fn redact_source(&self, record: &mut Value<'_>) {
        self.walk(record, Zone::Foreign, "");
    }

    /// Text that did not parse (in-band error events): credentials scrubbed; under restricted,
    /// every quoted string in a value position hidden too, keys and structure kept.
    pub fn scrub_unparsed(&self, text: &str) -> String {
        let scrubbed = scrub::scrub(text, self.credential, &self.applier);
        if self.profile == Profile::Full {
            return scrubbed.into_owned();
        }
        hide_json_string_values(&scrubbed, |v| self.applier.apply_inline(self.content, v))
    }

    fn restricted(&self) -> bool {
        self.profile == Profile::Restricted
    }

    fn walk_map(&self, map: &mut Map<'_>, zone: Zone, parent: &str) {
        // A header given as `{"name": "Authorization", "value": "..."}`: the name says what the
        // value is. Such entries are small; larger maps are not looked at.
        let secret_entry = zone == Zone::Foreign && map.len() <= 4 && {
            let value = match map.get("value") {
                Some(Value::String(v)) => Some(v.as_ref()),
                _ => None,
            };
            value.is_some()
                && ["name", "key", "header"].iter().any(|k| match map.get(k) {
                    Some(Value::String(n)) => {
                        let class = classify(n);
                        class.secret || value.is_some_and(|v| v.len() >= 16 && class.hint() && looks_random(v))
                    }
                    _ => false,
                })
        };
        map.retain(|key, value| {
            if zone == Zone::Foreign {
                let class = classify(key);
                let random_hint =
                    matches!(&*value, Value::String(v) if v.len() >= 16 && class.hint() && looks_random(v));
                let credential = class.secret || random_hint || class.structure || (secret_entry && key == "value");
                if credential && !matches!(&*value, Value::String(v) if is_placeholder(v)) {
                    return self.replace_all(value, self.credential);
                }
                if self.restricted() && class.content {
                    return self.replace_all(value, self.content);
                }
            }
            // What mwsiem writes from its own tables, never from the record (`type_name`
            // "API Activity: Read", the schema version, the product): nothing to look at.
            if zone == Zone::Ocsf && static_text(parent, key) {
                return true;
            }
            let child_zone = if zone == Zone::Foreign || key == "unmapped" || key == "data" {
                Zone::Foreign
            } else {
                Zone::Ocsf
            };
            match (parent, key, &mut *value) {
                ("url", "url_string", Value::String(u)) => {
                    let redacted = self.url(u);
                    *u = Cow::Owned(redacted);
                }
                ("url", "query_string", Value::String(q)) => {
                    let redacted = self.query(q);
                    *q = Cow::Owned(redacted);
                }
                ("query_info", "query_string", Value::String(f)) => {
                    let redacted = self.ldap_filter(f);
                    *f = Cow::Owned(redacted);
                }
                (_, _, v) => self.walk(v, child_zone, key),
            }
            true
        });
    }

    fn walk(&self, value: &mut Value<'_>, zone: Zone, key: &str) {
        match value {
            Value::Object(m) => self.walk_map(m, zone, key),
            Value::Array(items) => {
                // A header given as `["Authorization", "Bearer ..."]`.
                if zone == Zone::Foreign
                    && let [Value::String(name), Value::String(v)] = items.as_slice()
                    && let class = classify(name)
                    && (class.secret || (v.len() >= 16 && class.hint() && looks_random(v)))
                    && !is_placeholder(v)
                {
                    if !self.replace_all(&mut items[1], self.credential) {
                        items.truncate(1);
                    }
                    return;
                }
                let done = match zone {
                    Zone::Foreign => self.command_line(items),
                    Zone::Ocsf => Vec::new(),
                };
                if done.is_empty() {
                    items.iter_mut().for_each(|v| self.walk(v, zone, key));
                    return;
                }
                let mut i = 0;
                items.retain_mut(|v| {
                    i += 1;
                    match done[i - 1] {
                        Done::Dropped => false,
                        Done::Redacted => true,
                        Done::Walk => {
                            self.walk(v, zone, key);
                            true
                        }
                    }
                });
            }
            Value::String(s) => {
                if let Some(redacted) = self.string(s) {
                    *s = Cow::Owned(redacted);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::Int(_) => {}
        }
    }

    /// An argv or environment array (`["sync", "--api-secret", "<value>", "-v"]`,
    /// `["PATH=/bin", "DB_PASSWORD=<value>"]`, `["mysql", "-u", "root", "-p<value>"]`): the value
    /// after a flag that names a secret, and the whole value of a `NAME=value` element whose name
    /// is secret. Returns what happened to each element, or nothing when nothing did.
    fn command_line(&self, items: &mut [Value<'_>]) -> Vec<Done> {
        let candidate = |v: &Value<'_>| matches!(v, Value::String(s) if s.starts_with('-') || s.contains('='));
        if !items.iter().any(candidate) {
            return Vec::new();
        }
        // Replacements by index (`None`: drop the element).
        let mut changes: Vec<(usize, Option<String>)> = Vec::new();
        // Whether `-p` takes a password is asked only when a `-p` is met.
        let mut p_tool = None;
        let mut i = 0;
        while i < items.len() {
            let Value::String(s) = &items[i] else {
                i += 1;
                continue;
            };
            let s: &str = s;
            let dashes = s.bytes().take_while(|&c| c == b'-').count().min(2);
            let (name, value) = match s.split_once('=') {
                Some((n, v)) => (&n[dashes..], Some(v)),
                None => (&s[dashes..], None),
            };
            // A flag is a word of letters, digits, `_`, `-` and `.`; an environment variable
            // (`NAME=value` without dashes) of letters, digits and `_` only, so a token with a
            // `=` inside (`authress_<id>.<x>.acc-...=...`) is not taken apart as one.
            let env = dashes == 0 && value.is_some();
            let word = !name.is_empty()
                && name.as_bytes()[0].is_ascii_alphabetic()
                && name
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'_' || (!env && matches!(c, b'-' | b'.')));
            if !word {
                i += 1;
                continue;
            }
            let mut p_tool = || {
                *p_tool.get_or_insert_with(|| {
                    items
                        .iter()
                        .any(|v| matches!(v, Value::String(s) if commands::password_p_tool(s)))
                })
            };
            if let Some(value) = value {
                // `NAME=value`, `--name=value`: the whole value. A variable whose name only hints
                // at a credential is left to the text scan, which also sees a token that holds a
                // `=` (`pscale_oauth_<..>=<..>`) whole.
                let class = classify(name);
                let secret = class.secret || (!env && value.len() >= 16 && class.hint() && looks_random(value));
                if secret && !value.is_empty() && !is_placeholder(value) {
                    let redacted = self.applier.apply_inline(self.credential, value);
                    changes.push((i, Some(format!("{}={redacted}", &s[..s.len() - value.len() - 1]))));
                }
            } else if dashes == 1 && name.len() > 1 && name.starts_with('p') && !name.starts_with("port") {
                if p_tool() {
                    let redacted = self.applier.apply_inline(self.credential, &name[1..]);
                    changes.push((i, Some(format!("-p{redacted}"))));
                }
            } else if dashes > 0
                && let Some(Value::String(next)) = items.get(i + 1)
                && !commands::is_flag(next)
                && !next.is_empty()
                && commands::flag_takes_secret(name, next, name == "p" && p_tool())
                && !is_placeholder(next)
            {
                changes.push((i + 1, self.applier.apply(self.credential, next)));
                i += 2;
                continue;
            }
            i += 1;
        }
        if changes.is_empty() {
            return Vec::new();
        }
        let mut done = vec![Done::Walk; items.len()];
        for (k, replacement) in changes {
            done[k] = match replacement {
                Some(r) => {
                    items[k] = Value::String(Cow::Owned(r));
                    Done::Redacted
                }
                None => Done::Dropped,
            };
        }
        done
    }

    /// A free string: URLs get their query and userinfo treated, other text its credentials.
    fn string(&self, s: &str) -> Option<String> {
        let starts = |p: &str| s.get(..p.len()).is_some_and(|h| h.eq_ignore_ascii_case(p));
        if starts("http://") || starts("https://") || looks_like_endpoint(s) {
            let redacted = self.url(s);
            return (redacted != s).then_some(redacted);
        }
        match scrub::scrub(s, self.credential, &self.applier) {
            Cow::Borrowed(_) => None,
            Cow::Owned(o) => Some(o),
        }
    }

    /// Every leaf of `value` through `action`; false when the whole value is to be dropped.
    fn replace_all(&self, value: &mut Value<'_>, action: Action) -> bool {
        replace_leaves(value, action, &self.applier)
    }

    /// A query string: secret-named values always, every value under restricted.
    fn query(&self, query: &str) -> String {
        let mut out = String::with_capacity(query.len());
        for (i, (name, value)) in query_pairs(query).enumerate() {
            if i > 0 {
                out.push('&');
            }
            out.push_str(&scrub::scrub(name, self.credential, &self.applier));
            let Some(value) = value else { continue };
            out.push('=');
            // A query value is percent-encoded: `sig=abc%2Fdef%3D` is `abc/def=` to a detector.
            let decoded = percent_decode(value);
            let plain = decoded.as_deref().unwrap_or(value);
            let class = classify(name);
            let action = if class.secret
                || (plain.len() >= 16 && class.hint() && looks_random(plain))
                || decoded.as_deref().is_some_and(scrub::has_credential)
            {
                Some(self.credential)
            } else if self.restricted() {
                Some(self.content)
            } else {
                None
            };
            match action {
                Some(a) => out.push_str(&self.applier.apply_inline(a, value)),
                None => out.push_str(&scrub::scrub(value, self.credential, &self.applier)),
            }
        }
        out
    }

    /// A URL: the userinfo password always goes; the query as [`Redactor::query`]; the rest
    /// scrubbed for credentials (a JWT in a path).
    fn url(&self, url: &str) -> String {
        let p = split_url(url);
        let mut out = String::with_capacity(url.len());
        if let Some(scheme) = p.scheme {
            out.push_str(scheme);
            out.push(':');
        }
        if let Some(host) = p.host {
            out.push_str("//");
            if let Some(userinfo) = p.userinfo {
                match userinfo.split_once(':') {
                    Some((user, password)) if !is_placeholder(password) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(&self.applier.apply_inline(self.credential, password));
                    }
                    _ => out.push_str(userinfo),
                }
                out.push('@');
            }
            // A webhook URL's secret spans host and path
            // (`https://acme.webhook.office.com/webhookb2/...`): for such a host, host, port and
            // path (one slice of the URL) are scanned as one.
            if formats::token_spans_host(host) {
                let offset = |part: &str| part.as_ptr() as usize - url.as_ptr() as usize;
                let rest = &url[offset(host)..offset(p.path) + p.path.len()];
                out.push_str(&scrub::scrub(rest, self.credential, &self.applier));
            } else {
                out.push_str(host);
                if let Some((port, _)) = p.port {
                    out.push(':');
                    out.push_str(port);
                }
                out.push_str(&scrub::scrub(p.path, self.credential, &self.applier));
            }
        } else {
            out.push_str(&scrub::scrub(p.path, self.credential, &self.applier));
        }
        if let Some(q) = p.query {
            out.push('?');
            out.push_str(&self.query(q));
        }
        if let Some(f) = p.fragment {
            out.push('#');
            // Percent-decoded first, as a query value is (`access_token=123%7Cabc`).
            let credential = percent_decode(f).as_deref().is_some_and(scrub::has_credential);
            match self.restricted() {
                true if !f.is_empty() => out.push_str(&self.applier.apply_inline(self.content, f)),
                _ if credential => out.push_str(&self.applier.apply_inline(self.credential, f)),
                _ => out.push_str(&scrub::scrub(f, self.credential, &self.applier)),
            }
        }
        out
    }

    /// An LDAP filter: credentials always; under restricted, assertion values hidden (schema
    /// attributes kept), or the whole filter when it does not parse.
    fn ldap_filter(&self, filter: &str) -> String {
        let scrubbed = scrub::scrub(filter, self.credential, &self.applier);
        if !self.restricted() {
            return scrubbed.into_owned();
        }
        match parse_filter(&scrubbed) {
            Some(f) => f.render(&|attr, value| {
                if SCHEMA_ATTRIBUTES.contains(&attr.to_ascii_lowercase().as_str()) {
                    value.to_owned()
                } else {
                    match self.content {
                        // `*` is a wildcard in a filter: a masked value is shown as an ellipsis.
                        Action::Mask | Action::Drop => "…".to_owned(),
                        Action::Hash => self.applier.apply_inline(Action::Hash, value),
                    }
                }
            }),
            None => self.applier.apply_inline(self.content, &scrubbed),
        }
    }
}

/// Attributes every event has from mwsiem's own tables (src/ocsf/mod.rs `build`), never from the
/// record: the class, category and type captions and the product and schema version.
fn static_text(parent: &str, key: &str) -> bool {
    match parent {
        "" => matches!(key, "class_name" | "category_name" | "type_name"),
        "metadata" => matches!(key, "product" | "version"),
        _ => false,
    }
}

/// `host/path?name=value` without a scheme (Agent Studio's `canonical_endpoint`): one word,
/// a `/` before a `?` that is followed by a `name=value`.
fn looks_like_endpoint(s: &str) -> bool {
    let b = s.as_bytes();
    let Some(q) = b.iter().position(|&c| c == b'?') else {
        return false;
    };
    b[..q].contains(&b'/') && b[q..].contains(&b'=') && !b.iter().any(u8::is_ascii_whitespace)
}

/// A scalar as the text an action works on (objects and arrays have none).
fn leaf_text(v: &Value<'_>) -> String {
    match v {
        Value::String(s) | Value::Number(s) => s.to_string(),
        Value::Int(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Null | Value::Array(_) | Value::Object(_) => String::new(),
    }
}

fn rule_parts(rule: &FieldRule) -> (Vec<String>, Action) {
    (rule.path.split('.').map(str::to_owned).collect(), rule.action)
}

/// Applies one custom rule: arrays on the way are entered, `*` matches any key.
fn apply_rule(map: &mut Map<'_>, path: &[String], action: Action, applier: &Applier) {
    let Some((head, rest)) = path.split_first() else { return };
    map.retain(|key, value| {
        if head != "*" && head != key {
            return true;
        }
        if rest.is_empty() {
            return apply_leaf_rule(value, action, applier);
        }
        descend(value, rest, action, applier);
        true
    });
}

fn descend(value: &mut Value<'_>, rest: &[String], action: Action, applier: &Applier) {
    match value {
        Value::Object(m) => apply_rule(m, rest, action, applier),
        Value::Array(items) => items.iter_mut().for_each(|v| descend(v, rest, action, applier)),
        _ => {}
    }
}

/// A custom rule's field: dropped whole, or every leaf through `action`. False when dropped.
fn apply_leaf_rule(value: &mut Value<'_>, action: Action, applier: &Applier) -> bool {
    action != Action::Drop && replace_leaves(value, action, applier)
}

/// Every leaf of `value` through `action` (keys and nulls stay); false when `value` itself is
/// to be dropped. Shared by the profile's content/credential redaction and custom rules.
fn replace_leaves(value: &mut Value<'_>, action: Action, applier: &Applier) -> bool {
    match value {
        Value::Object(m) => {
            m.retain(|_, v| replace_leaves(v, action, applier));
            true
        }
        Value::Array(items) => {
            items.retain_mut(|v| replace_leaves(v, action, applier));
            true
        }
        Value::Null => true,
        leaf => match applier.apply(action, &leaf_text(leaf)) {
            Some(r) => {
                *leaf = Value::String(Cow::Owned(r));
                true
            }
            None => false,
        },
    }
}

/// Replaces every JSON string literal in a value position (after `:`, or an array element) of
/// possibly broken JSON text; object keys stay.
fn hide_json_string_values(text: &str, hide: impl Fn(&str) -> String) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    // Open containers, and whether the next string in the innermost object is a key.
    let mut stack: Vec<u8> = Vec::new();
    let mut expect_key = false;
    let mut at = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'{' => {
                stack.push(b'{');
                expect_key = true;
            }
            b'[' => {
                stack.push(b'[');
                expect_key = false;
            }
            b'}' | b']' => {
                stack.pop();
                expect_key = false;
            }
            b',' => expect_key = stack.last() == Some(&b'{'),
            b':' => expect_key = false,
            b'"' => {
                let mut j = i + 1;
                while j < b.len() && b[j] != b'"' {
                    j += if b[j] == b'\\' { 2 } else { 1 };
                }
                let end = j.min(b.len());
                out.push_str(&text[at..=i]);
                if expect_key {
                    out.push_str(&text[i + 1..end]);
                } else {
                    out.push_str(&hide(&text[i + 1..end]));
                }
                at = end;
                i = end + 1;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    out.push_str(&text[at.min(text.len())..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse, to_string};

    fn redactor(profile: Profile) -> Redactor {
        Redactor::new(&RedactionConfig {
            profile,
            ..RedactionConfig::default()
        })
    }

    fn redact(profile: Profile, event: &str) -> String {
        let Value::Object(mut m) = parse(event.as_bytes(), 64).unwrap() else {
            panic!()
        };
        redactor(profile).redact(&mut m);
        to_string(&Value::Object(m))
    }

    #[test]
    fn query_strings_by_profile() {
        let ev = r#"{"http_request":{"url":{"url_string":"https://u:pw12345@x.com/p?q=SELECT+1&access_token=abc123","query_string":"q=SELECT+1&access_token=abc123"}}}"#;
        assert_eq!(
            redact(Profile::Restricted, ev),
            r#"{"http_request":{"url":{"url_string":"https://u:p*****5@x.com/p?q=S*****1&access_token=a*****3","query_string":"q=S*****1&access_token=a*****3"}}}"#
        );
        assert_eq!(
            redact(Profile::Full, ev),
            r#"{"http_request":{"url":{"url_string":"https://u:p*****5@x.com/p?q=SELECT+1&access_token=a*****3","query_string":"q=SELECT+1&access_token=a*****3"}}}"#
        );
    }

    #[test]
    fn ldap_filters_keep_their_structure() {
        let ev = r#"{"query_info":{"query_string":"(&(objectClass=user)(mail=coryweb*))"}}"#;
        assert_eq!(
            redact(Profile::Restricted, ev),
            r#"{"query_info":{"query_string":"(&(objectClass=user)(mail=…*))"}}"#
        );
        assert_eq!(redact(Profile::Full, ev), ev);
        let broken = r#"{"query_info":{"query_string":"mail=jane@acme.com"}}"#;
        assert_eq!(
            redact(Profile::Restricted, broken),
            r#"{"query_info":{"query_string":"m*****m"}}"#
        );
    }

    #[test]
    fn foreign_names_decide_in_unmapped_only() {
        let ev = r#"{"status_code":"200","unmapped":{"event_data":{"password":"hunter2","code":"xyz123","request_body":{"name":"Jane","n":5},"note":"ok"}}}"#;
        assert_eq!(
            redact(Profile::Restricted, ev),
            r#"{"status_code":"200","unmapped":{"event_data":{"password":"h*****2","code":"x*****3","request_body":{"name":"J*****e","n":"*****"},"note":"ok"}}}"#
        );
        assert_eq!(
            redact(Profile::Full, ev),
            r#"{"status_code":"200","unmapped":{"event_data":{"password":"h*****2","code":"x*****3","request_body":{"name":"Jane","n":5},"note":"ok"}}}"#
        );
    }

    #[test]
    fn custom_rules_run_last() {
        let config = RedactionConfig {
            profile: Profile::Full,
            hmac_key: Some("0123456789abcdef".into()),
            rules: vec![
                FieldRule {
                    path: "actor.user.email_addr".into(),
                    action: Action::Hash,
                },
                FieldRule {
                    path: "resources.uid".into(),
                    action: Action::Mask,
                },
                FieldRule {
                    path: "*.user_agent".into(),
                    action: Action::Drop,
                },
            ],
            ..RedactionConfig::default()
        };
        let Value::Object(mut m) = parse(
            br#"{"actor":{"user":{"email_addr":"jane@acme.com"}},"resources":[{"uid":"servicenow"}],"http_request":{"user_agent":"x"}}"#,
            64,
        )
        .unwrap() else {
            panic!()
        };
        Redactor::new(&config).redact(&mut m);
        let out = to_string(&Value::Object(m));
        assert!(
            out.starts_with(r#"{"actor":{"user":{"email_addr":"hmac-sha256:"#),
            "{out}"
        );
        assert!(
            out.ends_with(r#""resources":[{"uid":"s*****w"}],"http_request":{}}"#),
            "{out}"
        );
    }

    #[test]
    fn unparsed_text_keeps_keys_only_under_restricted() {
        let text = r#"{"event_data": {"email": "jane@acme.com", "token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "n": ["a", "b"#;
        let r = redactor(Profile::Restricted).scrub_unparsed(text);
        assert_eq!(
            r,
            r#"{"event_data": {"email": "j*****m", "token": "e*****g", "n": ["*****", "*****"#
        );
        let f = redactor(Profile::Full).scrub_unparsed(text);
        assert!(f.contains("jane@acme.com") && !f.contains("eyJzdWIi"), "{f}");
    }

    #[test]
    fn argv_and_environment_arrays() {
        let ev = r#"{"unmapped":{"argv":["/bin/sync","--endpoint","https://x","--algolia-secret-key","Zq8Lm3Nv0Rt6","--verbose"],"env":["PATH=/bin","DB_PASSWORD=pa ss,word!","API_KEY=${API_KEY}"],"mysql":["mysql","-u","root","-pS3cret9","db"],"docker":["docker","run","-p","8080:80"]}}"#;
        assert_eq!(
            redact(Profile::Full, ev),
            r#"{"unmapped":{"argv":["/bin/sync","--endpoint","https://x","--algolia-secret-key","Z*****6","--verbose"],"env":["PATH=/bin","DB_PASSWORD=p*****!","API_KEY=${API_KEY}"],"mysql":["mysql","-u","root","-pS*****9","db"],"docker":["docker","run","-p","8080:80"]}}"#
        );
    }

    #[test]
    fn webhook_urls_whole() {
        let teams = "https://acme.webhook.office.com/webhookb2/0b9e3f5a-1c2d-4e5f-8a9b-0c1d2e3f4a5b@7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f/IncomingWebhook/3f2a9c8d7e6b5a4c3d2e1f0a9b8c7d6e/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d";
        let out = redact(
            Profile::Full,
            &format!(r#"{{"unmapped":{{"hook":"{teams}","list":["{teams}"]}}}}"#),
        );
        assert_eq!(
            out,
            r#"{"unmapped":{"hook":"https://acme.w*****d","list":["https://acme.w*****d"]}}"#
        );
    }
}

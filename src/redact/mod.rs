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
pub mod entropy;
pub mod formats;
pub mod names;
pub mod scrub;

pub use action::{Action, Applier, MASK, mask};
use entropy::looks_random;
use names::classify;

use crate::config::{FieldRule, RedactionConfig};
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
                if class.secret || random_hint || class.structure || (secret_entry && key == "value") {
                    return self.replace_all(value, self.credential);
                }
                if self.restricted() && class.content {
                    return self.replace_all(value, self.content);
                }
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
                {
                    if !self.replace_all(&mut items[1], self.credential) {
                        items.truncate(1);
                    }
                    return;
                }
                items.iter_mut().for_each(|v| self.walk(v, zone, key))
            }
            Value::String(s) => {
                if let Some(redacted) = self.string(s) {
                    *s = Cow::Owned(redacted);
                }
            }
            Value::Null | Value::Bool(_) | Value::Number(_) | Value::Int(_) => {}
        }
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
                    Some((user, password)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(&self.applier.apply_inline(self.credential, password));
                    }
                    None => out.push_str(userinfo),
                }
                out.push('@');
            }
            out.push_str(host);
            if let Some((port, _)) = p.port {
                out.push(':');
                out.push_str(port);
            }
        }
        out.push_str(&scrub::scrub(p.path, self.credential, &self.applier));
        if let Some(q) = p.query {
            out.push('?');
            out.push_str(&self.query(q));
        }
        if let Some(f) = p.fragment {
            out.push('#');
            match self.restricted() {
                true if !f.is_empty() => out.push_str(&self.applier.apply_inline(self.content, f)),
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
}

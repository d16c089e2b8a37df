//! Moveworks export records made from unstructured bytes (the `arbitrary` crate): the shapes of
//! the real exports (testdata/cases, ../shared/seeds: version "1" and "2", the seven event
//! types and their fields) with plausible and hostile values drawn from a small dictionary of
//! the fragments each of mwsiem's parsers cares about. Shared by `tests/differential.rs` (bytes
//! from a seeded generator) and the `differential` fuzz target (libFuzzer's bytes).
//!
//! The record is written as JSON text by hand rather than through serde_json, so that it can
//! hold what a real export might and a JSON library would not write: duplicate keys, numbers
//! beyond `f64`, `\u` escapes of any character, a record cut short.
#![allow(dead_code)]

use arbitrary::{Result, Unstructured};

#[path = "differential_text.rs"]
mod text;
use text::{IPS, digits, key, ldap_request, number, text, token, url};

/// A JSON value as written, not as parsed.
#[derive(Debug, Clone)]
pub enum J {
    Null,
    Bool(bool),
    /// A number's exact text: `1`, `-0`, `1.50`, `1e400`, 30 digits.
    Num(String),
    /// A string, and whether to write every non-ASCII character as `\u` escapes.
    Str(String, bool),
    Arr(Vec<J>),
    /// Members in order; a key may repeat.
    Obj(Vec<(String, J)>),
}

impl J {
    fn s(text: impl Into<String>) -> J {
        J::Str(text.into(), false)
    }

    pub fn write(&self, out: &mut String) {
        match self {
            J::Null => out.push_str("null"),
            J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            J::Num(t) => out.push_str(t),
            J::Str(s, ascii) => write_str(s, *ascii, out),
            J::Arr(items) => {
                out.push('[');
                for (i, v) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    v.write(out);
                }
                out.push(']');
            }
            J::Obj(members) => {
                out.push('{');
                for (i, (k, v)) in members.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    write_str(k, false, out);
                    out.push_str(": ");
                    v.write(out);
                }
                out.push('}');
            }
        }
    }
}

fn write_str(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 || (ascii && !c.is_ascii()) => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    out.push_str(&format!("\\u{u:04x}"));
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// One record's bytes (usually one line of NDJSON; now and then cut short or not an object).
pub fn record_bytes(u: &mut Unstructured<'_>) -> Result<Vec<u8>> {
    let mut text = String::new();
    record(u)?.write(&mut text);
    Ok(match u.int_in_range(0..=31u8)? {
        // A record cut short, as a crash mid-write leaves it.
        0 => {
            let keep = u.int_in_range(0..=text.len())?;
            let mut cut = text.into_bytes();
            cut.truncate(keep);
            cut
        }
        // Not an object at all.
        1 => value(u, 2)?.to_text().into_bytes(),
        _ => text.into_bytes(),
    })
}

impl J {
    fn to_text(&self) -> String {
        let mut s = String::new();
        self.write(&mut s);
        s
    }
}

const EVENT_TYPES: [&str; 9] = [
    "EXTERNAL_API",
    "EXTERNAL_LDAP_API",
    "CONFIG_CHANGE",
    "PERMISSION_CHANGE",
    "AUTHENTICATION",
    "AGENT_STUDIO_LOG",
    "USER_TOKEN_LOG",
    "SOMETHING_NEW",
    "external_api",
];

/// A whole record: the envelope of the real exports, each member now and then missing,
/// mistyped or given twice, and the type's `event_data`.
pub fn record(u: &mut Unstructured<'_>) -> Result<J> {
    let kind = *u.choose(&EVENT_TYPES)?;
    let mut m: Vec<(String, J)> = Vec::new();
    // Rejected envelopes are one record in ten or so: most records should reach the mapping.
    let version = if u.ratio(9, 10)? {
        *u.choose(&["2", "1"])?
    } else {
        *u.choose(&[" 2 ", "3", "", "2.0"])?
    };
    let envelope: [(&str, J); 6] = [
        (
            "version",
            pick(u, J::s(version), &[J::Num("2".into()), J::Num("1".into())])?,
        ),
        (
            "severity",
            J::s(*u.choose(&["INFO", "WARN", "ERROR", "info", "DEBUG"])?),
        ),
        ("event_id", {
            let (usual, alt) = (J::s(token(u)?), [J::Num(number(u)?)]);
            pick(u, usual, &alt)?
        }),
        ("event_type", J::s(kind)),
        ("event_source", J::s(*u.choose(&["MOVEWORKS", "moveworks", "OTHER"])?)),
        ("event_time", event_time(u)?),
    ];
    for (key, v) in envelope {
        // Required members are rarely left out: most records should reach the mapping.
        match u.int_in_range(0..=80u8)? {
            0 => {}
            1 => m.push((key.into(), value(u, 1)?)),
            2 => {
                m.push((key.into(), v.clone()));
                m.push((key.into(), value(u, 1)?));
            }
            _ => m.push((key.into(), v)),
        }
    }
    let data = match u.int_in_range(0..=40u8)? {
        0 => None,
        1 => Some(value(u, 2)?),
        _ => Some(event_data(u, kind)?),
    };
    if let Some(d) = data {
        let at = u.int_in_range(0..=m.len())?;
        m.insert(at, ("event_data".into(), d));
    }
    if u.ratio(1, 8)? {
        let k = key(u)?;
        if m.iter().all(|(have, _)| *have != k) {
            m.push((k, value(u, 2)?));
        }
    }
    Ok(J::Obj(m))
}

/// The first choice mostly, one of the others now and then.
fn pick(u: &mut Unstructured<'_>, usual: J, others: &[J]) -> Result<J> {
    if others.is_empty() || u.ratio(7, 8)? {
        Ok(usual)
    } else {
        Ok(u.choose(others)?.clone())
    }
}

fn event_time(u: &mut Unstructured<'_>) -> Result<J> {
    const TIMES: [&str; 12] = [
        "2025-10-16 19:00:23.850992",
        "2025-07-29 15:21:33.228745",
        "2025-10-16 19:00:23",
        "2025-10-16T19:00:23Z",
        "2024-02-29T23:59:59.999999+05:30",
        "1969-12-31 23:59:59.9",
        "2025-10-16 19:00:23.1234567891",
        "2025-02-30 00:00:00",
        "yesterday",
        "",
        "9999-12-31 23:59:59.999999",
        " 2025-10-16 19:00:23 ",
    ];
    Ok(match u.int_in_range(0..=39u8)? {
        0 => J::Num(number(u)?),
        1..=4 => J::s(*u.choose(&TIMES[6..])?),
        _ => J::s(*u.choose(&TIMES[..6])?),
    })
}

/// The fields each event type's decoder reads, with values of the kinds real exports hold.
fn event_data(u: &mut Unstructured<'_>, kind: &str) -> Result<J> {
    let mut m: Vec<(String, J)> = Vec::new();
    let (usual, alt) = (J::s(digits(u)?), [J::Num(number(u)?), J::Null, J::s("")]);
    let user = pick(u, usual, &alt)?;
    if u.ratio(5, 6)? {
        m.push(("user_id".into(), user));
    }
    match kind.to_ascii_uppercase().as_str() {
        "EXTERNAL_API" => {
            m.push(("request_uri".into(), J::s(url(u)?)));
            m.push((
                "request_method".into(),
                J::s(*u.choose(&["GET", "POST", "get", "PROPFIND", "DELETE", ""])?),
            ));
            let status = *u.choose(&["200", " 404 ", "500", "99", "abc", "2000"])?;
            m.push(("response_status_code".into(), {
                let alt = [J::Num(number(u)?)];
                pick(u, J::s(status), &alt)?
            }));
            m.push(("execution_time_ms".into(), J::Num(number(u)?)));
            m.push(("response_size_bytes".into(), J::Num(number(u)?)));
        }
        "EXTERNAL_LDAP_API" => m.push(("request".into(), J::s(ldap_request(u)?))),
        "CONFIG_CHANGE" => {
            m.push(("config_name".into(), J::s(text(u)?)));
            m.push(("config_version".into(), J::Num(number(u)?)));
            let op = *u.choose(&["CREATE", "UPDATE", "DELETE", "", "USER/SYSTEM"])?;
            m.push(("operation_type".into(), J::s(op)));
            m.push(("change_origin_type".into(), J::s("USER/SYSTEM")));
        }
        "PERMISSION_CHANGE" => {
            let n = u.int_in_range(0..=4)?;
            let grants = (0..n).map(|_| grant(u)).collect::<Result<Vec<_>>>()?;
            m.push(("assigned_roles".into(), J::Arr(grants.clone())));
            if u.ratio(1, 2)? {
                // `all_roles`: the roles every grantee holds now, the assigned ones among them.
                let mut all = grants;
                for _ in 0..u.int_in_range(0..=3)? {
                    all.push(grant(u)?);
                }
                m.push(("all_roles".into(), J::Arr(all)));
            }
        }
        "AUTHENTICATION" => {
            let t = *u.choose(&[
                "AUTHN_EVENT_LOGIN_SUCCESS",
                "AUTHN_EVENT_LOGIN_FAILURE",
                "AUTHN_EVENT_LOGOUT_SUCCESS",
                "AUTHN_EVENT_NEW",
            ])?;
            m.push(("authn_event_type".into(), J::s(t)));
            m.push(("app".into(), J::s("AUTHN_APP_MY_MOVEWORKS")));
            m.push(("idp_metadata".into(), value(u, 2)?));
            let ip = *u.choose(&IPS)?;
            m.push(("source_ip".into(), J::s(ip)));
            m.push(("user_agent".into(), J::s(text(u)?)));
        }
        "AGENT_STUDIO_LOG" => {
            m.push(("uivar_uuid".into(), J::s("5d6edaaa-fe72-4ef1-8c3f-875c5f634726")));
            let r = *u.choose(&[
                "AGENT_STUDIO_LOG_RESULT_SUCCESS",
                "AGENT_STUDIO_LOG_RESULT_FAILURE",
                "X",
            ])?;
            m.push(("result".into(), J::s(r)));
            let method = *u.choose(&[
                "AGENT_STUDIO_LOG_METHOD_READ",
                "AGENT_STUDIO_LOG_METHOD_CREATE",
                "AGENT_STUDIO_LOG_METHOD_DELETE",
                "OTHER",
            ])?;
            m.push(("method".into(), J::s(method)));
            m.push(("log_type".into(), J::s("AGENT_STUDIO_LOG_TYPE_AGENT_STUDIO_CONNECTORS")));
        }
        "USER_TOKEN_LOG" => {
            let status = *u.choose(&[
                "USER_TOKEN_EXECUTION_STATUS_SUCCESS",
                "USER_TOKEN_EXECUTION_STATUS_FAILURE",
            ])?;
            m.push(("status".into(), J::s(status)));
            let name = *u.choose(&["retrieve_access_token_log", "refresh_token_log", "_log", "x_log"])?;
            let info = J::Obj(vec![
                ("integration_id".into(), J::s(text(u)?)),
                ("expires_at".into(), J::s("2025-10-16T19:58:13.331639Z")),
                ("access_token".into(), J::s(text(u)?)),
            ]);
            let log = J::Obj(vec![
                ("integration_id".into(), J::s(text(u)?)),
                ("sanitized_access_token_info".into(), info),
            ]);
            m.push((name.into(), log));
        }
        _ => {}
    }
    // Members left out, given twice, mistyped, and keys no decoder knows (credential names among
    // them), as the vendor may add any time.
    // A key twice is rare (VRL keeps the last: a listed difference), the others are common.
    if !m.is_empty() && u.ratio(1, 3)? {
        let i = u.int_in_range(0..=m.len() - 1)?;
        match u.int_in_range(0..=7u8)? {
            0 => {
                let dup = (m[i].0.clone(), value(u, 1)?);
                m.push(dup);
            }
            1..=4 => {
                m.remove(i);
            }
            _ => m[i].1 = value(u, 2)?,
        }
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let k = key(u)?;
        if m.iter().all(|(have, _)| *have != k) {
            m.push((k, value(u, 2)?));
        }
    }
    Ok(J::Obj(m))
}

fn grant(u: &mut Unstructured<'_>) -> Result<J> {
    let app = *u.choose(&["APP_CREATOR_STUDIO", "APP_BOT_ANALYTICS", "APP_MW_SETUP", ""])?;
    let roles = (0..u.int_in_range(0..=2)?)
        .map(|_| {
            Ok(J::s(*u.choose(&[
                "ROLE_CREST_ADMIN",
                "ROLE_MW_SETUP_ADMIN",
                "ROLE_X",
                "",
            ])?))
        })
        .collect::<Result<Vec<_>>>()?;
    // Few grantees, so that two grants often name the same one.
    let grantee = *u.choose(&["3743745632043933493", "1", "2", ""])?;
    let alt = [J::Num("7".into()), J::Null, J::Num(number(u)?)];
    let grantee = pick(u, J::s(grantee), &alt)?;
    Ok(J::Obj(vec![
        ("app".into(), J::s(app)),
        ("roles".into(), J::Arr(roles)),
        ("grantee".into(), grantee),
    ]))
}

/// Any JSON value of at most `depth` levels, drawn from the dictionaries.
fn value(u: &mut Unstructured<'_>, depth: u32) -> Result<J> {
    let top = if depth == 0 { 4 } else { 6 };
    Ok(match u.int_in_range(0..=top)? {
        0 => J::Null,
        1 => J::Bool(u.arbitrary()?),
        2 => J::Num(number(u)?),
        3 | 4 => J::Str(text(u)?, u.ratio(1, 4)?),
        5 => J::Arr(
            (0..u.int_in_range(0..=3)?)
                .map(|_| value(u, depth - 1))
                .collect::<Result<_>>()?,
        ),
        _ => {
            let mut members: Vec<(String, J)> = Vec::new();
            for _ in 0..u.int_in_range(0..=3)? {
                let k = key(u)?;
                if members.iter().all(|(have, _)| *have != k) {
                    members.push((k, value(u, depth - 1)?));
                }
            }
            J::Obj(members)
        }
    })
}

//! The values the record generator (differential_gen.rs) draws from: dictionaries of the
//! fragments each of mwsiem's parsers and detectors reads, and the URL, LDAP-request and
//! number generators built on them.

use arbitrary::{Result, Unstructured};

pub(super) const KEYS: [&str; 16] = [
    "password",
    "clientSecret",
    "X-Api-Key",
    "token",
    "Authorization",
    "notes",
    "email",
    "description",
    "requestBody",
    "headers",
    "session_id",
    "db_password",
    "url",
    "message",
    "a",
    "",
];

pub(super) fn key(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(if u.ratio(7, 8)? {
        (*u.choose(&KEYS)?).to_owned()
    } else {
        text(u)?
    })
}

/// Numbers VRL reads as floats (beyond `i64`, or with a fraction or exponent): a listed
/// difference whenever a record holds one, so they are rare enough to leave most records
/// comparable.
pub(super) const LOSSY_NUMBERS: [&str; 10] = [
    "-0",
    "1.5",
    "1.50",
    "1.5e3",
    "-2.5e3",
    "1e400",
    "9223372036854775808",
    "18446744073709551617",
    "123456789012345678901234567890",
    "0.1",
];

pub(super) const NUMBERS: [&str; 8] = [
    "0",
    "1",
    "-1",
    "172",
    "1194",
    "200",
    "9223372036854775807",
    "-9223372036854775808",
];

pub(super) fn number(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(match u.int_in_range(0..=39u8)? {
        0 => (*u.choose(&LOSSY_NUMBERS)?).to_owned(),
        1..=29 => (*u.choose(&NUMBERS)?).to_owned(),
        _ => u.arbitrary::<i64>()?.to_string(),
    })
}

pub(super) fn digits(u: &mut Unstructured<'_>) -> Result<String> {
    Ok(u.arbitrary::<u64>()?.to_string())
}

pub(super) fn token(u: &mut Unstructured<'_>) -> Result<String> {
    let n = u.int_in_range(1..=16)?;
    (0..n)
        .map(|_| Ok(*u.choose(&b"abcdefXYZ0189-_"[..])? as char))
        .collect()
}

pub(super) const IPS: [&str; 8] = [
    "208.127.82.164",
    " 10.0.0.1 ",
    "::ffff:192.168.1.1",
    "fe80::1",
    "256.1.1.1",
    "127.0.0.1",
    "2001:db8::1",
    "not an ip",
];

/// Pieces of text each of the parsers and detectors reads: credentials and tokens, URLs with
/// userinfo and queries, LDAP and Python fragments, escapes, unicode, emails, IPs.
pub(super) const FRAGMENTS: [&str; 40] = [
    "Authorization: Bearer abc.def-12345",
    "password=hunter22&x=1",
    "{\"password\": \"hunter22\", \"ok\": 1}",
    "xoxb-1234567890-abcdefghij",
    "AKIAABCDEFGHIJKLMNOP",
    "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
    "sgp_0123456789abcdef_QshbUafVng",
    "token=abcdefgh1",
    "https://bot:Sup3rS3cret@acme.service-now.com:8443/api?x=1",
    "secret: s3cr3t;",
    "api_key='k3y'",
    "jane.doe@acme.example",
    "PIICANARY9999",
    "10.0.0.5",
    "café 😀 \u{0} tab\tend",
    "\\u0041\\\\n\\\"",
    "%41%2F%zz",
    "(&(objectClass=user)(mail=a*b))",
    "{'search_request': {'filter': '(cn=x)'}}",
    "b'caf\\xe9'",
    "u'\\u00e9'",
    "\u{202e}evil\u{200b}",
    "\u{1F600}\u{FFFD}",
    "'",
    "\"",
    "\\",
    "\r\n",
    "=",
    "&",
    "?",
    "#",
    "@",
    ":",
    ";",
    " ",
    "Slack",
    "ConversationalPluginBody",
    "null",
    "",
];

pub(super) fn text(u: &mut Unstructured<'_>) -> Result<String> {
    let mut s = String::new();
    for _ in 0..u.int_in_range(1..=3)? {
        if u.ratio(1, 6)? {
            s.push_str(&token(u)?);
        } else {
            s.push_str(u.choose(&FRAGMENTS)?);
        }
    }
    Ok(s)
}

/// A request URI: scheme, userinfo, host, port, path, query (credential names among its keys),
/// fragment; or a relative path, or junk.
pub(super) fn url(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 10)? {
        return text(u);
    }
    let scheme = *u.choose(&["https://", "http://", "HTTP://", "", "mailto:", "//"])?;
    let userinfo = *u.choose(&["", "", "", "bot:Sup3rS3cret@", "user@", ":@", "a:b:c@"])?;
    let host = *u.choose(&[
        "slack.com",
        "acme.service-now.com",
        "graph.microsoft.com",
        "acme.okta.com",
        "x.atlassian.net",
        "api.github.com.evil.example",
        "acme.zendesk.com.",
        "[2001:db8::1]",
        "10.0.0.1",
        "",
    ])?;
    let port = *u.choose(&["", "", ":8443", ":0", ":99999", ":"])?;
    let path = *u.choose(&[
        "/api/chat.postMessage",
        "/api/now/table/incident",
        "/v1.0/groups/123/members",
        "/api/v1/users/1/lifecycle/reset_password",
        "/rest/api/2/issue/ABC-1",
        "",
        "/",
        "/a/../b//c",
    ])?;
    let mut s = format!("{scheme}{userinfo}{host}{port}{path}");
    if u.ratio(2, 3)? {
        s.push('?');
        for i in 0..u.int_in_range(1..=3)? {
            if i > 0 {
                s.push_str(u.choose(&["&", "&&", ";"])?);
            }
            let k = *u.choose(&[
                "access_token",
                "q",
                "sysparm_query",
                "$top",
                "password",
                "x",
                "token",
                "",
            ])?;
            s.push_str(k);
            if u.ratio(4, 5)? {
                s.push('=');
                s.push_str(&text(u)?);
            }
        }
    }
    if u.ratio(1, 5)? {
        s.push_str("#frag");
    }
    Ok(s)
}

/// An LDAP request as the vendor writes it: a Python literal, its filter in RFC 4515 syntax.
pub(super) fn ldap_request(u: &mut Unstructured<'_>) -> Result<String> {
    if u.ratio(1, 10)? {
        return text(u);
    }
    let op = *u.choose(&[
        "search_request",
        "add_request",
        "compare_request",
        "modify_request",
        "unbind_request",
    ])?;
    let mut body = vec![format!(
        "'base_dn': '{}'",
        u.choose(&["DC=x", "{{dc_base_filter}}", "CN=\\xe9,DC=x", ""])?
    )];
    if u.ratio(3, 4)? {
        body.push(format!("'filter': '{}'", ldap_filter(u, 3)?));
    }
    for _ in 0..u.int_in_range(0..=2)? {
        let extra = *u.choose(&[
            "'scope': 2",
            "'password': 'P@ss'",
            "'attributes': ('cn', 'sn',)",
            "'flags': [True, None, +1, 1., 0x1]",
            "'n': -2.5e3",
            "'value': b'caf\\u00e9'",
            "'dn': u'CN=\\xe9,DC=x'",
            "'attribute': r'\\d+'",
        ])?;
        body.push(extra.to_owned());
    }
    let close = *u.choose(&["}}", "}}", ",}}", "}"])?;
    Ok(format!("{{'{op}': {{{}{close}", body.join(", ")))
}

pub(super) fn ldap_filter(u: &mut Unstructured<'_>, depth: u32) -> Result<String> {
    if depth > 0 && u.ratio(1, 3)? {
        let op = *u.choose(&["&", "|", "!"])?;
        let n = if op == "!" { 1 } else { u.int_in_range(0..=3)? };
        let parts = (0..n).map(|_| ldap_filter(u, depth - 1)).collect::<Result<Vec<_>>>()?;
        return Ok(format!("({op}{})", parts.concat()));
    }
    let attr = *u.choose(&[
        "cn",
        "mail",
        "objectClass",
        "userPassword",
        "sn",
        "cn:caseExactMatch:",
        ":dn:2.4.6.8.10:",
        "",
    ])?;
    let op = *u.choose(&["=", "=", ">=", "<=", "~=", ":="])?;
    let value = *u.choose(&[
        "user",
        "a*b*c",
        "*",
        "coryweb*",
        "secret123",
        "a\\\\2ab",
        "Fred",
        "(",
        "",
    ])?;
    Ok(format!("({attr}{op}{value})"))
}

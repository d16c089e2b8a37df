//! Fresh random credentials of every known shape, planted in every kind of field an export can
//! carry: the generator behind tests/credentials.rs.
//!
//! Nothing here is a fixed string: every run draws new credentials from a seed (printed, and
//! settable with `MWSIEM_CREDENTIAL_SEED`), so the detectors cannot be tuned to the test's
//! values. Each record carries exactly one credential; what must never reach an output is the
//! credential's random part (the prefix of a token format is public knowledge).
#![allow(dead_code)]

use mwsiem::redact::formats::{Charset, FORMATS};
use serde_json::{Value, json};

/// A small, fast, seedable generator (SplitMix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// `n` characters drawn from `alphabet`.
    pub fn string(&mut self, alphabet: &[u8], n: usize) -> String {
        (0..n).map(|_| char::from(*self.pick(alphabet))).collect()
    }
}

/// The seed of this run: `MWSIEM_CREDENTIAL_SEED`, or the clock.
pub fn seed() -> u64 {
    std::env::var("MWSIEM_CREDENTIAL_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        })
}

pub fn alphabet(c: Charset) -> Vec<u8> {
    (0u8..128).filter(|&b| c.contains(b)).collect()
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64URL: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
pub const HEX: &[u8] = b"0123456789abcdef";
const PASSWORD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!$*-_.~";

/// The HMAC key the credential tests configure (`hash` needs one).
pub const KEY: &str = "a test key of 32 bytes, not real";

/// A `[redaction]` table with `profile` and one `action` for credentials and content.
pub fn config_toml(profile: &str, action: &str) -> String {
    format!(
        "[redaction]\nprofile = \"{profile}\"\ncredential_action = \"{action}\"\ncontent_action = \"{action}\"\nhmac_key = \"{KEY}\"\n"
    )
}

/// One credential as it is written, and the parts of it that are secret (random).
#[derive(Debug, Clone)]
pub struct Credential {
    /// What it is: a format id, or a kind (`jwt`, `bearer`, `named:<name>`, ...).
    pub kind: String,
    pub text: String,
    pub secret_parts: Vec<String>,
}

impl Credential {
    fn new(kind: impl Into<String>, text: String, secret_parts: Vec<String>) -> Self {
        Credential {
            kind: kind.into(),
            text,
            secret_parts,
        }
    }

    /// Only URL-unreserved characters: placeable in a URL path or query as is.
    pub fn url_safe(&self) -> bool {
        self.text
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'.' | b'_' | b'~'))
    }
}

/// A token of every prefix of every format in the table, in the format's documented shape
/// (`TokenFormat::example`), with 0 to 8 characters more than the minimum in open-ended runs.
pub fn format_tokens(rng: &mut Rng) -> Vec<Credential> {
    let mut out = Vec::new();
    for format in FORMATS {
        for prefix in format.prefixes {
            let extra = rng.below(9);
            let mut token = format.example(prefix, extra, &mut |a: &[u8]| *rng.pick(a));
            let lead_len = format.lead.map_or(0, |(_, n)| n);
            // Leads with a structure of their own: Azure AD secrets have three characters and a
            // digit before `Q~`, MaxMind keys 6 + `_` + 29 before `_mmk`.
            if *prefix == "Q~" {
                let lead = rng.string(&alphabet(Charset::AzureLead), 3) + &rng.string(b"0123456789", 1);
                token.replace_range(..4, &lead);
            } else if lead_len == 36 {
                let lead = rng.string(ALNUM, 6) + "_" + &rng.string(ALNUM, 29);
                token.replace_range(..36, &lead);
            }
            let lead = token[..lead_len].to_owned();
            let body = token[lead_len + prefix.len()..].to_owned();
            let mut parts = Vec::new();
            if lead.len() >= 8 {
                parts.push(lead);
            }
            if body.len() >= 8 {
                parts.push(body);
            }
            if parts.is_empty() {
                parts.push(token.clone());
            }
            out.push(Credential::new(format.id, token, parts));
        }
    }
    out
}

/// Credentials known by their structure rather than a prefix.
pub fn structured(rng: &mut Rng) -> Vec<Credential> {
    let mut out = Vec::new();
    let b64url = |rng: &mut Rng, n| rng.string(B64URL, n);
    let (h, p, s) = (b64url(rng, 20), b64url(rng, 40), b64url(rng, 43));
    out.push(Credential::new("jwt", format!("eyJ{h}.eyJ{p}.{s}"), vec![p, s]));
    for kind in [
        "RSA PRIVATE KEY",
        "PRIVATE KEY",
        "OPENSSH PRIVATE KEY",
        "EC PRIVATE KEY",
        "ENCRYPTED PRIVATE KEY",
    ] {
        let lines: Vec<String> = (0..3).map(|_| rng.string(B64, 64)).collect();
        let text = format!("-----BEGIN {kind}-----\n{}\n-----END {kind}-----", lines.join("\n"));
        out.push(Credential::new(format!("pem:{kind}"), text, lines));
    }
    let lines: Vec<String> = (0..3).map(|_| rng.string(B64, 64)).collect();
    out.push(Credential::new(
        "pgp-private-key",
        format!(
            "-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n{}\n-----END PGP PRIVATE KEY BLOCK-----",
            lines.join("\n")
        ),
        lines,
    ));
    let t = rng.string(ALNUM, 28) + "-" + &rng.string(B64URL, 12);
    out.push(Credential::new("bearer", format!("Bearer {t}"), vec![t]));
    let pw = rng.string(PASSWORD, 14);
    let basic = base64(format!("svc-moveworks:{pw}").as_bytes());
    out.push(Credential::new("basic", format!("Basic {basic}"), vec![basic]));
    let (nonce, response) = (rng.string(HEX, 32), rng.string(HEX, 32));
    out.push(Credential::new(
        "digest",
        format!(
            "Digest username=\"svc\", realm=\"api\", nonce=\"{nonce}\", uri=\"/v1/items\", response=\"{response}\""
        ),
        vec![response],
    ));
    let okta = format!("00{}", rng.string(B64URL, 40));
    out.push(Credential::new(
        "okta-ssws",
        format!("SSWS {okta}"),
        vec![okta[2..].to_owned()],
    ));
    let pw = rng.string(ALNUM, 16);
    for scheme in ["postgres", "mysql", "mongodb+srv", "amqps", "redis", "ldaps", "https"] {
        out.push(Credential::new(
            format!("uri:{scheme}"),
            format!("{scheme}://svc_user:{pw}@db-01.internal.acme.example:5432/app"),
            vec![pw.clone()],
        ));
    }
    let pw = rng.string(PASSWORD, 14);
    out.push(Credential::new(
        "curl-auth-user",
        format!("curl -sS -u svc-moveworks:{pw} https://api.vendor.example/v1"),
        vec![pw.clone()],
    ));
    out.push(Credential::new(
        "curl-auth-user",
        format!("curl --user='svc:{pw}' https://api.vendor.example/v1"),
        vec![pw],
    ));
    let (id, secret) = (
        format!("AKIA{}", rng.string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)),
        rng.string(B64, 40),
    );
    out.push(Credential::new(
        "aws-key-pair",
        format!("{id} {secret}"),
        vec![id[4..].to_owned(), secret],
    ));
    let account = rng.string(B64, 86) + "==";
    out.push(Credential::new(
        "azure-storage-connection-string",
        format!(
            "DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={account};EndpointSuffix=core.windows.net"
        ),
        vec![account],
    ));
    let sas = rng.string(B64, 43) + "=";
    out.push(Credential::new(
        "azure-sas-url",
        format!(
            "https://acmelogs.blob.core.windows.net/c/x.json?sv=2022-11-02&se=2026-12-01&sr=b&sp=r&sig={}",
            sas.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")
        ),
        vec![sas.replace('+', "%2B").replace('/', "%2F").replace('=', "%3D")],
    ));
    let sig = rng.string(HEX, 64);
    out.push(Credential::new(
        "aws-presigned-url",
        format!("https://acme-exports.s3.amazonaws.com/x.json?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAEXAMPLE%2F20261201&X-Amz-Signature={sig}"),
        vec![sig],
    ));
    out
}

/// Spellings of names that say "secret", in the styles people write them.
const SECRET_WORDS: &[&[&str]] = &[
    &["password"],
    &["client", "secret"],
    &["secret", "access", "key"],
    &["aws", "secret", "access", "key"],
    &["api", "key"],
    &["x", "amz", "signature"],
    &["x", "amz", "security", "token"],
    &["refresh", "token"],
    &["private", "key"],
    &["db", "pwd"],
    &["secret", "value"],
    &["session", "id"],
    &["auth", "code"],
    &["account", "key"],
    &["shared", "access", "key"],
    &["ocp", "apim", "subscription", "key"],
    &["bind", "password"],
    &["passphrase"],
    &["webhook", "signature"],
    &["x", "goog", "api", "key"],
    &["csrf", "token"],
    &["authorization"],
    &["proxy", "authorization"],
    &["cookie"],
];

/// Names that only hint at a credential; their values look random.
const HINT_WORDS: &[&[&str]] = &[
    &["key"],
    &["auth"],
    &["x", "cred"],
    &["signing", "material"],
    &["auth", "blob"],
    &["license"],
];

fn style(rng: &mut Rng, words: &[&str]) -> String {
    let cap = |w: &str| w[..1].to_ascii_uppercase() + &w[1..];
    match rng.below(6) {
        0 => words.join("_"),
        1 => words.join("-"),
        2 => words[0].to_owned() + &words[1..].iter().map(|w| cap(w)).collect::<String>(),
        3 => words.iter().map(|w| cap(w)).collect(),
        4 => words.join("_").to_ascii_uppercase(),
        _ => words.iter().map(|w| cap(w)).collect::<Vec<_>>().join("-"),
    }
}

/// A secret-named or hint-named pair: (name, credential of the value).
pub fn named(rng: &mut Rng) -> Vec<(String, Credential)> {
    let mut out = Vec::new();
    for words in SECRET_WORDS {
        let name = style(rng, words);
        let len = 10 + rng.below(20);
        let value = rng.string(PASSWORD, len);
        out.push((
            name.clone(),
            Credential::new(format!("named:{name}"), value.clone(), vec![value]),
        ));
    }
    for words in HINT_WORDS {
        let name = style(rng, words);
        // Random-looking: base64url with at least one digit and one letter.
        let len = 22 + rng.below(20);
        let value = rng.string(B64URL, len) + &rng.string(b"0123456789", 1) + &rng.string(b"abcdefghij", 1);
        out.push((
            name.clone(),
            Credential::new(format!("hint:{name}"), value.clone(), vec![value]),
        ));
    }
    out
}

pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The credential's text with `/` as `\/` and its first character as `\u00XX`, as JSON writers
/// that escape slashes or non-alphanumerics write it.
pub fn json_escaped(text: &str) -> String {
    let mut chars = text.chars();
    let first = chars.next().map(|c| format!("\\u{:04x}", c as u32)).unwrap_or_default();
    first + &chars.as_str().replace('/', "\\/")
}

/// A v2 export record.
pub fn record(id: &str, event_type: &str, event_data: Value) -> Value {
    json!({
        "version": "2",
        "severity": "INFO",
        "event_id": id,
        "event_type": event_type,
        "event_source": "MOVEWORKS",
        "event_time": "2026-12-01 09:00:00.000000",
        "event_data": event_data,
    })
}

pub fn api(id: &str, uri: &str, extra: Value) -> Value {
    let mut data = json!({
        "user_id": "9422067216216842966",
        "request_uri": uri,
        "request_method": "POST",
        "response_status_code": "401",
    });
    if let (Some(d), Value::Object(e)) = (data.as_object_mut(), extra) {
        d.extend(e);
    }
    record(id, "EXTERNAL_API", data)
}

fn ldap(id: &str, request: &str) -> Value {
    record(
        id,
        "EXTERNAL_LDAP_API",
        json!({"user_id": "12608431283658477771", "request": request}),
    )
}

/// A planted record: the export record and the credential it carries.
pub struct Planted {
    pub id: String,
    pub field_kind: &'static str,
    pub credential: Credential,
    pub record: Value,
}

/// One planted record with the next id.
fn plant(n: &mut usize, field_kind: &'static str, c: &Credential, make: &dyn Fn(&str) -> Value) -> Planted {
    *n += 1;
    let id = format!("cred-{n:05}");
    Planted {
        record: make(&id),
        id,
        field_kind,
        credential: c.clone(),
    }
}

/// `credential` placed in every field kind it fits.
pub fn place_value(n: &mut usize, c: &Credential) -> Vec<Planted> {
    let mut out = Vec::new();
    let mut add = |kind: &'static str, make: &dyn Fn(&str) -> Value| out.push(plant(n, kind, c, make));
    let t = c.text.as_str();
    let one_line = !t.contains('\n');
    if c.url_safe() {
        add("query", &|id| {
            api(
                id,
                &format!("https://api.vendor.example/v1/search?ref={t}&page=2"),
                json!({}),
            )
        });
        add("path", &|id| {
            api(id, &format!("https://api.vendor.example/v1/keys/{t}/rotate"), json!({}))
        });
        add("userinfo", &|id| {
            api(
                id,
                &format!("https://svc-bot:{t}@api.vendor.example/v1/items"),
                json!({}),
            )
        });
    } else if one_line && !t.contains(' ') {
        let encoded: String = t
            .bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => char::from(b).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect();
        add("query", &|id| {
            api(
                id,
                &format!("https://api.vendor.example/v1/search?ref={encoded}&page=2"),
                json!({}),
            )
        });
    }
    if t.starts_with("http") {
        add("url", &|id| api(id, t, json!({})));
    }
    add("header", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"request_headers": {"X-Forwarded-Credential": t, "Accept": "application/json"}}),
        )
    });
    add("json_in_string_body", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"response_body": json!({"result": {"note": t}}).to_string()}),
        )
    });
    if one_line {
        add("form_body", &|id| {
            api(
                id,
                "https://api.vendor.example/oauth/token",
                json!({"request_body": format!("grant_type=client_credentials&scope=read&ref={t}")}),
            )
        });
        add("ldap_filter", &|id| {
            ldap(
                id,
                &format!(
                    "{{'search_request': {{'base_dn': 'DC=acme,DC=com', 'scope': 2, 'filter': '(description={})'}}}}",
                    t.replace('\\', "\\\\").replace('\'', "\\'")
                ),
            )
        });
    }
    add("token_log", &|id| {
        record(
            id,
            "USER_TOKEN_LOG",
            json!({"user_id": "5", "status": "USER_TOKEN_EXECUTION_STATUS_FAILURE", "retrieve_access_token_log": {"integration_id": "servicenow", "error": format!("token endpoint rejected {t}")}}),
        )
    });
    add("unknown_type", &|id| {
        record(
            id,
            "SCIM_PROVISIONING_LOG",
            json!({"user_id": "7", "detail": {"blob": t, "count": 3}}),
        )
    });
    add("free_text", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"trace": format!("retry 2 of 3 failed: {t} (status 401)")}),
        )
    });
    add("json_escaped", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"response_body": format!("{{\"result\":{{\"note\":\"{}\"}}}}", json_escaped(&t.replace('\n', "\\n")))}),
        )
    });
    out
}

/// A named credential placed in every field kind a name can be given in.
pub fn place_named(n: &mut usize, name: &str, c: &Credential) -> Vec<Planted> {
    let mut out = Vec::new();
    let mut add = |kind: &'static str, make: &dyn Fn(&str) -> Value| out.push(plant(n, kind, c, make));
    let v = c.text.as_str();
    let url_safe = c.url_safe();
    if url_safe {
        add("query", &|id| {
            api(
                id,
                &format!("https://api.vendor.example/v1/items?page=2&{name}={v}"),
                json!({}),
            )
        });
    }
    add("unknown_type", &|id| {
        record(
            id,
            "SCIM_PROVISIONING_LOG",
            json!({"user_id": "7", "detail": {name: v}}),
        )
    });
    add("header_map", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"request_headers": {name: v}}),
        )
    });
    add("header_entries", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"request_headers": [{"name": name, "value": v}, {"name": "Accept", "value": "*/*"}]}),
        )
    });
    add("header_pairs", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"headers": [[name, v], ["Accept", "*/*"]]}),
        )
    });
    add("form_body", &|id| {
        api(
            id,
            "https://api.vendor.example/oauth/token",
            json!({"request_body": format!("grant_type=client_credentials&{name}={v}&scope=read")}),
        )
    });
    add("json_in_string_body", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"response_body": json!({name: v, "ok": false}).to_string()}),
        )
    });
    add("header_text", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"trace": format!("POST /v1/items HTTP/1.1\r\nHost: api.vendor.example\r\n{name}: {v}\r\nAccept: */*\r\n")}),
        )
    });
    add("free_text", &|id| {
        api(
            id,
            "https://api.vendor.example/v1/items",
            json!({"trace": format!("calling with {name}={v} failed")}),
        )
    });
    add("php_array", &|id| {
        record(
            id,
            "SCIM_PROVISIONING_LOG",
            json!({"user_id": "7", "detail": format!("array('{name}' => '{v}', 'retries' => 2)")}),
        )
    });
    add("python_literal", &|id| {
        record(
            id,
            "SCIM_PROVISIONING_LOG",
            json!({"user_id": "7", "detail": format!("{{'client': 'scim', '{name}': '{v}', 'retries': 2}}")}),
        )
    });
    out
}

/// LDAP bind requests with simple and SASL credentials, parsed and not.
pub fn ldap_binds(rng: &mut Rng, n: &mut usize) -> Vec<Planted> {
    let pw = rng.string(PASSWORD, 16);
    let c = Credential::new("ldap-bind", pw.clone(), vec![pw.clone()]);
    let requests = [
        format!(
            "{{'bind_request': {{'version': 3, 'dn': 'CN=svc-moveworks,OU=Service,DC=acme,DC=com', 'authentication': {{'simple': '{pw}'}}}}}}"
        ),
        format!(
            "{{'bind_request': {{'version': 3, 'name': 'CN=svc,DC=acme', 'authentication': {{'sasl': {{'mechanism': 'PLAIN', 'credentials': b'\\x00svc\\x00{pw}'}}}}}}}}"
        ),
        format!("{{'bind_request': {{'version': 3, 'dn': 'CN=svc,DC=acme', 'simple': '{pw}'}}}}"),
        format!("{{'bind_request': {{'version': 3, 'dn': 'CN=svc,DC=acme', 'password': '{pw}'}}}}"),
        // Cut off: does not parse, stays text.
        format!("{{'bind_request': {{'version': 3, 'dn': 'CN=svc,DC=acme', 'authentication': {{'simple': '{pw}'"),
        format!("{{'bind_request': {{'version': 3, 'sasl': {{'mechanism': 'DIGEST-MD5', 'credentials': b'{pw}'"),
    ];
    requests
        .iter()
        .map(|request| plant(n, "ldap_bind", &c, &|id| ldap(id, request)))
        .collect()
}

/// Every credential in every field kind: the whole planted corpus of one run.
pub fn corpus(seed: u64) -> Vec<Planted> {
    let mut rng = Rng::new(seed);
    let mut n = 0;
    let mut out = Vec::new();
    for c in format_tokens(&mut rng).iter().chain(&structured(&mut rng)) {
        out.extend(place_value(&mut n, c));
    }
    for (name, c) in named(&mut rng) {
        out.extend(place_named(&mut n, &name, &c));
    }
    out.extend(ldap_binds(&mut rng, &mut n));
    out
}

/// `text` with JSON string escapes undone, so an escaped secret is still seen.
pub fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(d) => out.push(d),
                    None => out.push_str(&hex),
                }
            }
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

/// The secret parts of `c` found in `output` (an event's JSON text): any 12-character window of
/// a secret part, in the text with one and two levels of escapes undone.
pub fn survivors(c: &Credential, output: &str) -> Vec<String> {
    let once = unescape(output);
    let twice = unescape(&once);
    let mut found = Vec::new();
    for part in &c.secret_parts {
        let w = part.len().min(12);
        let hit = (0..=part.len() - w)
            .map(|i| &part[i..i + w])
            .find(|win| [output, &once, &twice].iter().any(|t| t.contains(win)));
        if let Some(win) = hit {
            found.push(win.to_owned());
        }
    }
    found
}

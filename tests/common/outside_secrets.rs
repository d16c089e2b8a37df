//! Secrets built from public format facts, not from mwsiem's own table: the recall side of
//! tests/credentials_outside.rs.
//!
//! Sources (facts only: prefixes, alphabets, lengths, separators; no example string is copied):
//! * gitleaks `config/gitleaks.toml` and `cmd/generate/config/rules/*.go` at commit
//!   b58d3f102cf3a2c84cb7f923d05c25c9b1aed84b (222 rules): each rule's regex and the shape of its
//!   true-positive examples, written here as a small template (`{A36}`: 36 random alphanumerics).
//! * Microsoft Teams incoming webhooks (https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook)
//!   and their Power Automate replacement (`.../workflows/<id>/triggers/manual/paths/invoke?...&sig=`;
//!   https://learn.microsoft.com/en-us/power-automate/teams/teams-app-create),
//!   Slack tokens and webhooks (https://api.slack.com/authentication/token-types,
//!   https://api.slack.com/messaging/webhooks, https://slack.com/help/articles/360041352714),
//!   Authress keys (https://authress.io/knowledge-base/docs/authorization/service-clients/secrets-scanning),
//!   Facebook app tokens (https://developers.facebook.com/docs/facebook-login/guides/access-tokens/#apptokens),
//!   NuGet `packageSourceCredentials` (https://learn.microsoft.com/en-us/nuget/reference/nuget-config-file),
//!   Kubernetes Secrets (https://kubernetes.io/docs/concepts/configuration/secret/), Bundler's
//!   `BUNDLE_<HOST>` credentials (https://bundler.io/man/bundle-config.1.html).
//!
//! Every value is drawn fresh from the run's seed. What must never reach an output is a secret
//! part: the random parts of a token (a public prefix, an app id, a workspace id are not secret).
#![allow(dead_code)]

use crate::credentials::{Credential, Rng, base64};
use crate::outside_formats::{KEYWORD, PREFIXED, VENDOR, WEBHOOKS};

/// How a secret is carried into a record.
#[derive(Debug, Clone)]
pub enum Carrier {
    /// A token known by its shape: placed under neutral names and inside neutral text.
    Token(String),
    /// A value known by its name (a gitleaks keyword rule): the name's words and the value.
    Named(Vec<String>, String),
    /// A whole snippet (a command line, a config file, a curl call) placed as a string.
    Text(String),
    /// An argv or environment array.
    Array(Vec<String>),
}

#[derive(Debug, Clone)]
pub struct Secret {
    /// `prefixed`, `keyword`, `vendor`, `webhook`, `argv`, `quoting`, `config`.
    pub class: &'static str,
    /// The gitleaks rule id, or the shape's own name for shapes beyond gitleaks.
    pub rule: String,
    pub carrier: Carrier,
    pub parts: Vec<String>,
}

impl Secret {
    pub fn credential(&self) -> Credential {
        let text = match &self.carrier {
            Carrier::Token(t) | Carrier::Text(t) => t.clone(),
            Carrier::Named(w, v) => format!("{}={v}", w.join("_").to_ascii_uppercase()),
            Carrier::Array(xs) => format!("{xs:?}"),
        };
        Credential {
            kind: format!("{}:{}", self.class, self.rule),
            text,
            secret_parts: self.parts.clone(),
        }
    }
}

const ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const PASSWORD: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#%*+-_.~@";

fn alphabet(c: char) -> &'static [u8] {
    match c {
        'A' => ALNUM,
        'a' => b"abcdefghijklmnopqrstuvwxyz0123456789",
        'U' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
        'h' => b"0123456789abcdef",
        'H' => b"0123456789ABCDEF",
        'X' => b"0123456789abcdefABCDEF",
        'd' => b"0123456789",
        'l' => b"abcdefghijklmnopqrstuvwxyz",
        'L' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
        'w' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_",
        'W' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-",
        'k' => b"abcdefghijklmnopqrstuvwxyz0123456789_-",
        'b' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
        'g' => b"abcdefgh0123456789",
        '2' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        'z' => b"QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L",
        't' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_~.",
        'P' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_=.-",
        's' => b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/_=-",
        'y' => b"abcdefghijklmnopqrstuvwxyz0123456789/=_+-",
        'p' => PASSWORD,
        other => panic!("no alphabet {other:?}"),
    }
}

/// Fills a template: literal text, `{A36}` (36 of alphabet `A`), `{A20-40}` (20 to 40), `{u}` (a
/// lower-case UUID), `{v}` (upper-case). `{~...}` is random but public (an app id, a workspace
/// id). Returns the text and its secret parts: runs of secret segments joined by literals of at
/// most two characters (`-`, `.`, `|`, `@`), each of 6 or more characters; the whole text when
/// no run is that long.
pub fn fill(rng: &mut Rng, template: &str) -> (String, Vec<String>) {
    let mut text = String::new();
    let mut parts = Vec::new();
    let mut run = String::new();
    let mut gap = String::new();
    let mut rest = template;
    let close = |run: &mut String, parts: &mut Vec<String>| {
        if run.len() >= 6 {
            parts.push(std::mem::take(run));
        }
        run.clear();
    };
    while !rest.is_empty() {
        let Some(open) = rest.find('{') else {
            text.push_str(rest);
            break;
        };
        let lit = &rest[..open];
        text.push_str(lit);
        gap.push_str(lit);
        let end = open + rest[open..].find('}').expect("closed");
        let mut spec = &rest[open + 1..end];
        rest = &rest[end + 1..];
        let public = spec.starts_with('~');
        if public {
            spec = &spec[1..];
        }
        let value = match spec {
            "u" | "v" => {
                let h = |rng: &mut Rng, n| rng.string(b"0123456789abcdef", n);
                let u = format!("{}-{}-{}-{}-{}", h(rng, 8), h(rng, 4), h(rng, 4), h(rng, 4), h(rng, 12));
                if spec == "v" { u.to_ascii_uppercase() } else { u }
            }
            _ => {
                let c = spec.chars().next().unwrap();
                let n = &spec[c.len_utf8()..];
                let (lo, hi) = match n.split_once('-') {
                    Some((a, b)) => (a.parse::<usize>().unwrap(), b.parse::<usize>().unwrap()),
                    None => (n.parse().unwrap(), n.parse().unwrap()),
                };
                let len = lo + rng.below(hi - lo + 1);
                rng.string(alphabet(c), len)
            }
        };
        text.push_str(&value);
        if public {
            close(&mut run, &mut parts);
        } else {
            if !run.is_empty() && gap.len() <= 2 {
                run.push_str(&gap);
            } else {
                close(&mut run, &mut parts);
            }
            run.push_str(&value);
        }
        gap.clear();
    }
    if gap.len() > 2 {
        close(&mut run, &mut parts);
    }
    close(&mut run, &mut parts);
    if parts.is_empty() {
        parts.push(text.clone());
    }
    (text, parts)
}

fn words(s: &str) -> Vec<String> {
    s.split(' ').map(str::to_owned).collect()
}

fn secret(class: &'static str, rule: &str, carrier: Carrier, parts: Vec<String>) -> Secret {
    Secret {
        class,
        rule: rule.to_owned(),
        carrier,
        parts,
    }
}

/// A password-like value: 12 to 28 characters of letters, digits and punctuation.
pub fn password(rng: &mut Rng) -> String {
    let n = 12 + rng.below(17);
    let mut p = rng.string(PASSWORD, n);
    // A letter first and a digit last, as most password rules want.
    p.replace_range(0..1, &rng.string(b"abcdefghjkmnpqrstuvwxyz", 1));
    p.replace_range(n - 1.., &rng.string(b"23456789", 1));
    p
}

/// Secret flags of command lines, as people write them.
const FLAGS: &[&str] = &[
    "--algolia-secret-key",
    "--password",
    "--api-key",
    "--client-secret",
    "--auth-token",
    "--access-token",
    "--db-password",
    "--secret",
    "--token",
    "--sendgrid-api-key",
    "--private-key-passphrase",
    "--admin-pass",
];

const FILLER: &[&str] = &[
    "--verbose",
    "--region",
    "us-east-1",
    "--retries",
    "3",
    "--dry-run",
    "--format",
    "json",
    "--timeout",
    "30s",
    "-v",
];

/// Flags followed by their value in argv arrays of any length, `--flag=value`, `-p value`,
/// environment arrays, and the same as one command line.
fn argv_secrets(rng: &mut Rng) -> Vec<Secret> {
    let mut out = Vec::new();
    for flag in FLAGS {
        let v = password(rng);
        let before: Vec<String> = (0..rng.below(5)).map(|_| (*rng.pick(FILLER)).to_owned()).collect();
        let after: Vec<String> = (0..rng.below(5)).map(|_| (*rng.pick(FILLER)).to_owned()).collect();
        let mut argv = vec![
            "/usr/local/bin/sync".to_owned(),
            "--endpoint".into(),
            "https://api.vendor.example/v1".into(),
        ];
        argv.extend(before.clone());
        argv.extend([flag.to_string(), v.clone()]);
        argv.extend(after.clone());
        out.push(secret(
            "argv",
            &format!("flag-value {flag}"),
            Carrier::Array(argv.clone()),
            vec![v.clone()],
        ));
        let v2 = password(rng);
        let eq = vec![
            "/usr/local/bin/sync".to_owned(),
            format!("{flag}={v2}"),
            "--verbose".into(),
        ];
        out.push(secret(
            "argv",
            &format!("flag=value {flag}"),
            Carrier::Array(eq),
            vec![v2],
        ));
        let v3 = password(rng);
        let line = format!(
            "/usr/local/bin/sync --endpoint https://api.vendor.example/v1 {} {flag} {v3} {}",
            before.join(" "),
            after.join(" ")
        );
        out.push(secret(
            "argv",
            &format!("command-line {flag}"),
            Carrier::Text(line),
            vec![v3],
        ));
        let v4 = password(rng);
        let quote = if rng.below(2) == 0 { '\'' } else { '"' };
        let line = format!("sync {flag}={quote}{v4}{quote} --verbose");
        out.push(secret(
            "argv",
            &format!("command-line quoted {flag}"),
            Carrier::Text(line),
            vec![v4],
        ));
    }
    let v = password(rng);
    let mysql = [
        "/usr/bin/mysql",
        "-h",
        "db.internal",
        "-u",
        "svc_app",
        "-p",
        &v,
        "appdb",
    ];
    out.push(secret(
        "argv",
        "mysql -p value",
        Carrier::Array(mysql.iter().map(|s| s.to_string()).collect()),
        vec![v],
    ));
    let v = password(rng);
    let line = format!("mysqldump -h db.internal -u svc_app -p{v} appdb");
    out.push(secret("argv", "mysql -pvalue", Carrier::Text(line), vec![v]));
    for name in [
        "STRIPE_SECRET_KEY",
        "DATABASE_PASSWORD",
        "ALGOLIA_ADMIN_KEY",
        "AWS_SECRET_ACCESS_KEY",
        "GH_TOKEN",
    ] {
        let v = match name {
            "STRIPE_SECRET_KEY" => fill(rng, "sk_live_{A32}"),
            "AWS_SECRET_ACCESS_KEY" => fill(rng, "{b40}"),
            "GH_TOKEN" => fill(rng, "ghp_{A36}"),
            _ => fill(rng, "{p16-24}"),
        };
        let env = vec![
            "PATH=/usr/local/bin:/usr/bin".to_owned(),
            format!("{name}={}", v.0),
            "HOME=/root".into(),
            "LANG=C.UTF-8".into(),
        ];
        out.push(secret("argv", &format!("env-array {name}"), Carrier::Array(env), v.1));
    }
    out
}

/// Quoting and escaping: curl's user option, `password = \"...\"` in JSON in JSON, PHP arrays
/// in JSON in JSON.
fn quoting_secrets(rng: &mut Rng) -> Vec<Secret> {
    let mut out = Vec::new();
    for (rule, shape) in [
        (
            "curl-auth-user",
            "curl --user deploy:'{P}' -iX PATCH https://api.vendor.example/v1/items",
        ),
        (
            "curl-auth-user",
            "curl -s --user \"svc.bot:{P}\" https://api.vendor.example/v1/me",
        ),
        (
            "curl-auth-user",
            "curl -u svc-bot:{P} https://localhost:9200/_cluster/health",
        ),
        ("curl-auth-user", "curl --user=ops:{P} https://api.vendor.example/v1"),
        (
            "curl-auth-user",
            "curl -X POST --user \"{svc}\":\"{P}\" https://api.vendor.example/v1",
        ),
        (
            "curl-auth-header",
            "curl -H 'Authorization: Bearer {P}' https://api.vendor.example/v1",
        ),
        (
            "curl-auth-header",
            "curl --header \"X-Api-Key: {P}\" https://api.vendor.example/v1",
        ),
        (
            "curl-auth-header",
            "curl -H \"Authorization: Token {P}\" https://api.vendor.example/v1",
        ),
    ] {
        let v = if rule == "curl-auth-header" {
            fill(rng, "{W32-48}").0
        } else {
            password(rng).replace('\'', "")
        };
        out.push(secret(
            "quoting",
            rule,
            Carrier::Text(shape.replace("{P}", &v)),
            vec![v],
        ));
    }
    // A string field holding JSON text that holds an escaped JSON string.
    let v = password(rng);
    let inner =
        serde_json::json!({"script": format!("db = connect(host=\"db.internal\", password = \"{v}\")")}).to_string();
    let text = serde_json::json!({"job": "nightly-export", "config": inner}).to_string();
    out.push(secret(
        "quoting",
        "password = \\\"...\\\" in JSON in JSON",
        Carrier::Text(text),
        vec![v],
    ));
    let v = password(rng);
    let inner =
        serde_json::json!({"source": format!("$config = array(\"secret_key\" => \"{v}\", \"region\" => \"eu\");")})
            .to_string();
    let text = serde_json::json!({"plugin": "billing", "files": [inner]}).to_string();
    out.push(secret(
        "quoting",
        "php \"secret_key\" => in JSON in JSON",
        Carrier::Text(text),
        vec![v],
    ));
    let (v, parts) = fill(rng, "sk_{W29}");
    let text = serde_json::json!({"php": format!("'secret_key' => '{v}',")}).to_string();
    out.push(secret("quoting", "freemius-secret-key", Carrier::Text(text), parts));
    let v = password(rng);
    let text = format!("{{\"env\": \"{{\\\"DB_PASSWORD\\\": \\\"{v}\\\"}}\"}}");
    out.push(secret(
        "quoting",
        "escaped JSON pair in JSON",
        Carrier::Text(text),
        vec![v],
    ));
    out
}

/// Config files tools echo into logs.
fn config_secrets(rng: &mut Rng) -> Vec<Secret> {
    let mut out = Vec::new();
    let v = password(rng);
    let nuget = format!(
        "<packageSourceCredentials>\n  <feed>\n    <add key=\"Username\" value=\"ci-bot\" />\n    <add key=\"ClearTextPassword\" value=\"{v}\" />\n  </feed>\n</packageSourceCredentials>"
    );
    out.push(secret("config", "nuget-config-password", Carrier::Text(nuget), vec![v]));
    let v = password(rng);
    let nuget = format!("<add key=\"Password\" value=\"{v}\" />");
    out.push(secret("config", "nuget-config-password", Carrier::Text(nuget), vec![v]));
    let raw = password(rng);
    let b = base64(raw.as_bytes());
    let user = base64(b"admin");
    let k8s = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db-user-pass\ntype: Opaque\ndata:\n  username: {user}\n  password: {b}\n"
    );
    out.push(secret(
        "config",
        "kubernetes-secret-yaml",
        Carrier::Text(k8s),
        vec![b.clone(), raw.clone()],
    ));
    let raw = password(rng) + &password(rng);
    let b = base64(raw.as_bytes());
    let k8s = format!("apiVersion: v1\ndata:\n  config.json: {b}\nkind: Secret\nmetadata:\n  name: app-config\n");
    out.push(secret(
        "config",
        "kubernetes-secret-yaml (data first)",
        Carrier::Text(k8s),
        vec![b, raw],
    ));
    let (t, parts) = fill(rng, "{b120}");
    let k8s = format!(
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: registry\ntype: kubernetes.io/dockerconfigjson\ndata:\n  .dockerconfigjson: |\n    {t}\n"
    );
    out.push(secret(
        "config",
        "kubernetes-secret-yaml (block)",
        Carrier::Text(k8s),
        parts,
    ));
    let (t, parts) = fill(rng, "{h8}:{h8}");
    out.push(secret(
        "config",
        "sidekiq-secret",
        Carrier::Text(format!("BUNDLE_GEMS__CONTRIBSYS__COM: \"{t}\"")),
        parts,
    ));
    let (t, parts) = fill(rng, "{h8}:{h8}");
    out.push(secret(
        "config",
        "sidekiq-secret",
        Carrier::Text(format!("export BUNDLE_ENTERPRISE__CONTRIBSYS__COM={t}")),
        parts,
    ));
    let (t, parts) = fill(rng, "{h8}:{h8}");
    out.push(secret(
        "config",
        "sidekiq-sensitive-url",
        Carrier::Text(format!("https://{t}@gems.contribsys.com/")),
        parts,
    ));
    let v = password(rng);
    let bundle = format!("---\nBUNDLE_PATH: \"vendor/bundle\"\nBUNDLE_GEMS__EXAMPLE__COM: ci-reader:{v}\n");
    out.push(secret(
        "config",
        "bundler BUNDLE_<HOST>",
        Carrier::Text(bundle),
        vec![v],
    ));
    let (t, parts) = fill(rng, "ghp_{A36}");
    let bundle = format!("BUNDLE_RUBYGEMS__PKG__GITHUB__COM: \"octo-bot:{t}\"");
    out.push(secret("config", "bundler BUNDLE_<HOST>", Carrier::Text(bundle), parts));
    // PEM keys: multi-line, and `\n`-escaped in a service-account JSON.
    let lines: Vec<String> = (0..4).map(|_| fill(rng, "{b64}").0).collect();
    let pem = format!(
        "-----BEGIN DSA PRIVATE KEY-----\n{}\n-----END DSA PRIVATE KEY-----",
        lines.join("\n")
    );
    out.push(secret("config", "private-key", Carrier::Text(pem), lines.clone()));
    let lines: Vec<String> = (0..4).map(|_| fill(rng, "{b64}").0).collect();
    let sa = serde_json::json!({"type": "service_account", "project_id": "acme-prod", "private_key_id": fill(rng, "{h40}").0,
        "private_key": format!("-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n", lines.join("\n")),
        "client_email": "sync@acme-prod.iam.gserviceaccount.com"})
    .to_string();
    out.push(secret(
        "config",
        "private-key (service account JSON)",
        Carrier::Text(sa),
        lines,
    ));
    out
}

/// Every secret of one run.
pub fn secrets(rng: &mut Rng) -> Vec<Secret> {
    let mut out = Vec::new();
    for (rule, t) in PREFIXED {
        let (text, parts) = fill(rng, t);
        out.push(secret("prefixed", rule, Carrier::Token(text), parts));
    }
    for (rule, name, t) in KEYWORD {
        let (value, parts) = fill(rng, t);
        out.push(secret("keyword", rule, Carrier::Named(words(name), value), parts));
    }
    for (rule, t) in VENDOR {
        let (text, parts) = fill(rng, t);
        out.push(secret("vendor", rule, Carrier::Token(text), parts));
    }
    for (rule, t) in WEBHOOKS {
        let (text, parts) = fill(rng, t);
        out.push(secret("webhook", rule, Carrier::Token(text), parts));
    }
    out.extend(argv_secrets(rng));
    out.extend(quoting_secrets(rng));
    out.extend(config_secrets(rng));
    out
}

/// Shapes here that are not gitleaks rules (documented by their vendors).
pub const BEYOND_GITLEAKS: &[&str] = &["microsoft-teams-webhook-v2", "microsoft-teams-workflow-logic-app"];

/// The gitleaks rule ids the secrets cover (a variant's suffix in parentheses dropped; argv,
/// quoting and bundler shapes written as sentences are not gitleaks ids).
pub fn gitleaks_rules(secrets: &[Secret]) -> std::collections::BTreeSet<String> {
    secrets
        .iter()
        .map(|s| s.rule.split(" (").next().unwrap().to_owned())
        .filter(|r| !r.contains(' ') && !BEYOND_GITLEAKS.contains(&r.as_str()))
        .collect()
}
